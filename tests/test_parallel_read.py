"""Worker processes parse a large load (warehouse/parallel_read.py): the same raw rows, rejected
values, CPR findings, ledger entries and contract errors as one process reading file by file,
in the same order; the caller's file-size limit holds in the workers; small loads stay in the
calling process."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingest.errors import ContractError
from ingest.fields import Parsed
from ingest.sources import POSTERINGER, SOURCES, TAKSTBILAG, read_file
from ingest.textfile import file_size_limit
from warehouse import parallel_read
from warehouse.raw_loader import ContractErrors, LandingFile, load_source
from warehouse.settings import Settings, SettingsError, default_parse_workers
from warehouse.sql_names import qualified

LOAD_ID = "run-parallel"


def _load_all(landing: Path, db: Path, workers: int) -> dict[str, object]:
    """Every source of `landing` loaded into a fresh `db`: each source's stats, or its error text."""
    out: dict[str, object] = {}
    with duckdb.connect(str(db)) as con:
        for source in SOURCES.values():
            try:
                out[source.name] = load_source(con, source, landing, LOAD_ID, workers=workers)
            except ContractErrors as exc:
                out[source.name] = str(exc)
    return out


def _tables(db: Path) -> dict[str, pl.DataFrame]:
    """Every raw, quarantine and ledger table of `db`, in a stable row order, without load times
    (nor `meta.file_digests`: which files it keeps depends on when they were written)."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'quarantine', 'meta') and table_name <> 'file_digests' order by all"
        ).fetchall()
        frames = {}
        for schema, name in names:
            frame = con.execute(f"select * from {qualified(schema, name)}").pl()
            frame = frame.drop([c for c in frame.columns if c in ("_loaded_at", "loaded_at", "registreret")])
            frames[f"{schema}.{name}"] = frame.sort(frame.columns, nulls_last=True)
        return frames


@pytest.fixture
def parallel(monkeypatch):
    """Worker processes for every load of two files or more (the size estimate ignored)."""
    monkeypatch.setattr(parallel_read, "PARALLEL_FROM_SECONDS", 0.0)


def test_workers_load_the_sample_as_one_process_does(sample_landing, tmp_path, monkeypatch, parallel):
    landing, _ = sample_landing
    spawned = []
    real = parallel_read.ProcessPoolExecutor

    def counting(*args, **kwargs):
        spawned.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", counting)
    in_workers = _load_all(landing, tmp_path / "workers.duckdb", 2)
    # the sample's sources of two files or more went through workers: rates, ledgers, occupancy …
    assert len(spawned) >= 5 and set(spawned) == {2}
    pools = len(spawned)
    one_process = _load_all(landing, tmp_path / "serial.duckdb", 1)
    assert len(spawned) == pools  # no pool for the serial load
    assert in_workers == one_process
    assert in_workers["takstbilag"].rows_loaded > 0 and in_workers["posteringer"].cpr_found > 0
    a, b = _tables(tmp_path / "workers.duckdb"), _tables(tmp_path / "serial.duckdb")
    assert a.keys() == b.keys() and "raw.posteringer" in a and "quarantine.cpr_fund" in a
    for name in a:
        assert a[name].equals(b[name], null_equal=True), name


def _broken_landing(sample: Path, base: Path) -> Path:
    """The sample's rate workbooks and ledgers, with broken files between good ones."""
    landing = base / "landing"
    for source in (TAKSTBILAG, POSTERINGER):
        shutil.copytree(sample / source.landing_folder, landing / source.landing_folder)
    rates = landing / TAKSTBILAG.landing_folder
    first = sorted(rates.rglob("*.xlsx"))[0]
    (first.parent / "0_ikke_en_projektmappe.xlsx").write_bytes(b"not a zip file at all")
    (first.parent / "zz_tom.xlsx").write_bytes(b"")
    ledgers = landing / POSTERINGER.landing_folder
    some = sorted(ledgers.rglob("*.csv"))[0]
    (some.parent / "000_uden_beloeb.csv").write_text("Kommunenr;Bilagsnr\n851;1\n", encoding="utf-8")
    return landing


def test_broken_files_give_the_same_errors_in_the_same_order(sample_landing, tmp_path, parallel):
    landing = _broken_landing(sample_landing[0], tmp_path)
    in_workers = _load_all(landing, tmp_path / "workers.duckdb", 3)
    one_process = _load_all(landing, tmp_path / "serial.duckdb", 0)
    for name in ("takstbilag", "posteringer"):
        assert isinstance(in_workers[name], str), in_workers[name]
        assert in_workers[name] == one_process[name]
    rates = in_workers["takstbilag"]
    assert rates.index("0_ikke_en_projektmappe.xlsx") < rates.index("zz_tom.xlsx")
    assert "000_uden_beloeb.csv" in in_workers["posteringer"]


def test_the_file_size_limit_holds_in_the_workers(sample_landing, tmp_path, parallel):
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing[0] / POSTERINGER.landing_folder, landing / POSTERINGER.landing_folder)
    big = sorted((landing / POSTERINGER.landing_folder).rglob("*.csv"))[0]
    header, body = big.read_text(encoding="utf-8").split("\n", 1)
    big.write_text(header + "\n" + body * (2 * 1024 * 1024 // len(body) + 1), encoding="utf-8")
    assert big.stat().st_size > 2 << 20
    with duckdb.connect(str(tmp_path / "b.duckdb")) as con, file_size_limit(1):
        with pytest.raises(ContractErrors) as err:
            load_source(con, POSTERINGER, landing, LOAD_ID, workers=2)
    assert big.name in str(err.value) and "1 MiB" in str(err.value)


@pytest.mark.parametrize("name", ["ny\nlinje.xlsx", "010190-1234 takster.xlsx", "tom.xlsx"])
def test_a_contract_error_crosses_the_process_boundary_unchanged(tmp_path, name):
    folder = tmp_path / TAKSTBILAG.landing_folder
    folder.mkdir()
    (folder / name).write_bytes(b"" if name == "tom.xlsx" else b"PK\x03\x04 broken")
    with pytest.raises(ContractError) as serial:
        read_file(TAKSTBILAG, folder / name, tmp_path, LOAD_ID)
    sent = parallel_read._read_in_worker("takstbilag", folder / name, tmp_path, LOAD_ID, 512)
    back = ContractError(**pickle.loads(pickle.dumps(sent)))  # as a worker's result crosses
    assert str(back) == str(serial.value)
    assert (back.file, back.reason, back.column, back.line) == (
        serial.value.file,
        serial.value.reason,
        serial.value.column,
        serial.value.line,
    )
    assert "\n" not in str(back) and "010190-1234" not in str(back)


def test_how_many_workers(monkeypatch, tmp_path):
    monkeypatch.delenv("COCKPIT_PARSE_WORKERS", raising=False)
    assert Settings.from_env().parse_workers == default_parse_workers() >= 1  # the cores: below, with a CPU quota
    monkeypatch.setenv("COCKPIT_PARSE_WORKERS", "3")
    assert Settings.from_env().parse_workers == 3
    monkeypatch.setenv("COCKPIT_PARSE_WORKERS", "to")
    with pytest.raises(SettingsError, match="COCKPIT_PARSE_WORKERS='to'"):
        Settings.from_env()


def test_a_small_load_is_parsed_here(sample_landing, tmp_path, monkeypatch):
    spawned = []
    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", lambda *a, **k: spawned.append(a) or 1 / 0)
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing[0] / POSTERINGER.landing_folder, landing / POSTERINGER.landing_folder)
    with duckdb.connect(str(tmp_path / "b.duckdb")) as con:
        stats = load_source(con, POSTERINGER, landing, LOAD_ID, workers=4)
    assert stats.rows_loaded > 1000 and spawned == []  # eight small ledgers: well under 1,5 s


def test_when_a_load_is_large(tmp_path):

    def F(path: Path) -> LandingFile:
        return LandingFile(path.name, path, "")

    ledger = tmp_path / "851_2024.csv"
    ledger.write_bytes(b"x" * 3_000_000)
    files = [F(tmp_path / f"{i}.xlsx") for i in range(10)] + [F(ledger), F(tmp_path / "gone.csv")]
    # 10 workbooks at 43 ms and 3 MB of text at 50 ms per MB; a missing file counts as empty
    assert parallel_read.estimated_seconds(files) == pytest.approx(10 * 0.043 + 3 * 0.05)
    assert parallel_read.estimated_seconds(files) < parallel_read.PARALLEL_FROM_SECONDS


class _Counting(parallel_read.ProcessPoolExecutor):
    submitted = 0

    def submit(self, *args, **kwargs):
        type(self).submitted += 1
        return super().submit(*args, **kwargs)


@pytest.mark.parametrize(("ahead_bytes", "most_waiting"), [(8_000, 1), (128 << 20, 3)])
def test_workers_run_ahead_of_the_writer_by_files_and_bytes(sample_landing, monkeypatch, ahead_bytes, most_waiting):
    # files handed to the 2 workers and not yet taken: at most 3 (workers + 1), and one at a time
    # when each file is nearly the byte budget
    monkeypatch.setattr(parallel_read, "PARALLEL_FROM_SECONDS", 0.0)
    monkeypatch.setattr(parallel_read, "AHEAD_BYTES", ahead_bytes)
    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", _Counting)
    _Counting.submitted = 0
    landing = sample_landing[0]
    files = [
        LandingFile(p.relative_to(landing).as_posix(), p, "")
        for p in sorted((landing / TAKSTBILAG.landing_folder).rglob("*.xlsx"))[:8]
    ]
    waiting, taken = [], 0
    for f, parsed in parallel_read.parsed_in_order(TAKSTBILAG, files, landing, LOAD_ID, workers=2):
        taken += 1
        waiting.append(_Counting.submitted - taken)
        assert isinstance(parsed, Parsed) and parsed.rows.height > 0, f.rel
    assert taken == 8 and max(waiting) == most_waiting and waiting[-1] == 0


def test_a_file_over_the_byte_budget_is_parsed_here_in_its_turn(sample_landing, monkeypatch):
    # the workers parse the files under the budget; the ones over it are parsed by the caller,
    # and every file comes back in the order given, as parsed in one process
    monkeypatch.setattr(parallel_read, "PARALLEL_FROM_SECONDS", 0.0)
    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", _Counting)
    landing = sample_landing[0]
    files = [
        LandingFile(p.relative_to(landing).as_posix(), p, "")
        for p in sorted((landing / TAKSTBILAG.landing_folder).rglob("*.xlsx"))[:8]
    ]
    sizes = sorted(f.path.stat().st_size for f in files)
    monkeypatch.setattr(parallel_read, "AHEAD_BYTES", sizes[4])  # 3 of the 8 are over it
    _Counting.submitted = 0
    got = list(parallel_read.parsed_in_order(TAKSTBILAG, files, landing, LOAD_ID, workers=2))
    serial = list(parallel_read.parsed_in_order(TAKSTBILAG, files, landing, LOAD_ID, workers=1))
    assert _Counting.submitted == 5
    assert [f.rel for f, _ in got] == [f.rel for f in files] == [f.rel for f, _ in serial]
    for (_, parsed), (_, alone) in zip(got, serial, strict=True):
        assert parsed.rows.height > 0
        assert parsed.rows.equals(alone.rows)


def test_files_all_over_the_byte_budget_start_no_worker(sample_landing, monkeypatch):
    monkeypatch.setattr(parallel_read, "PARALLEL_FROM_SECONDS", 0.0)
    monkeypatch.setattr(parallel_read, "AHEAD_BYTES", 1)
    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", _Counting)
    _Counting.submitted = 0
    landing = sample_landing[0]
    files = [LandingFile(p.relative_to(landing).as_posix(), p, "") for p in POSTERINGER.files(landing)[:3]]
    got = list(parallel_read.parsed_in_order(POSTERINGER, files, landing, LOAD_ID, workers=2))
    assert _Counting.submitted == 0
    assert [f.rel for f, _ in got] == [f.rel for f in files]
    for f, parsed in got:  # as read in one process, row for row
        alone = read_file(POSTERINGER, f.path, landing, LOAD_ID)
        assert isinstance(parsed, Parsed) and parsed.rows.height == alone.rows.height > 100
        assert parsed.rows.equals(alone.rows)


class _Recording(parallel_read.ProcessPoolExecutor):
    shutdowns: list = []

    def shutdown(self, wait=True, *, cancel_futures=False):
        type(self).shutdowns.append((wait, cancel_futures))
        super().shutdown(wait=wait, cancel_futures=cancel_futures)


def test_a_failed_write_lets_the_workers_go_at_once(sample_landing, tmp_path, monkeypatch, parallel):
    # An error while writing the first ledger file stops the read before the error leaves
    # load_source, not when its traceback is dropped: the files behind it are not waited for.
    import warehouse.raw_loader as raw_loader

    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", _Recording)
    _Recording.shutdowns = []

    def failing(*args, **kwargs):
        raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")

    monkeypatch.setattr(raw_loader, "_insert_file", failing)
    landing = sample_landing[0]
    assert len(POSTERINGER.files(landing)) == 8
    with duckdb.connect(str(tmp_path / "b.duckdb")) as con:
        try:
            load_source(con, POSTERINGER, landing, LOAD_ID, workers=2)
        except duckdb.OutOfMemoryException:
            # read while the error and its traceback (which hold the load's frames) are alive
            when_raised = list(_Recording.shutdowns)
        else:
            pytest.fail("the write did not fail")
        assert when_raised == [(False, True)]
        assert con.execute("select count(*) from raw.posteringer").fetchone()[0] == 0  # rolled back


def test_a_worker_that_dies_is_named_with_the_files_it_may_have_held(sample_landing, monkeypatch, parallel):
    class Dying(parallel_read.ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            future = parallel_read.Future()
            future.set_exception(parallel_read.BrokenProcessPool("A process in the process pool was terminated"))
            return future

    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", Dying)
    landing = sample_landing[0]
    files = [
        LandingFile(p.relative_to(landing).as_posix(), p, "")
        for p in sorted((landing / TAKSTBILAG.landing_folder).rglob("*.xlsx"))[:5]
    ]
    with pytest.raises(RuntimeError, match="COCKPIT_PARSE_WORKERS=1") as err:
        next(parallel_read.parsed_in_order(TAKSTBILAG, files, landing, LOAD_ID, workers=2))
    # the first file and the two queued behind it (workers + 1 files ahead)
    assert str(err.value).count(".xlsx") == 3 and files[0].rel in str(err.value)


def test_a_worker_that_dies_before_it_is_handed_a_file_is_told_as_a_dead_worker(sample_landing, monkeypatch):
    # the pool breaks while the caller parses a file over the byte budget: the next file's
    # submit raises, and that is told as a dead worker too, not as a bare BrokenProcessPool
    class Broken(parallel_read.ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            raise parallel_read.BrokenProcessPool("A child process terminated abruptly")

    monkeypatch.setattr(parallel_read, "ProcessPoolExecutor", Broken)
    monkeypatch.setattr(parallel_read, "PARALLEL_FROM_SECONDS", 0.0)
    monkeypatch.setattr(parallel_read, "AHEAD_BYTES", 100)
    monkeypatch.setattr(parallel_read, "_sizes", lambda files: [200] + [10] * (len(files) - 1))
    landing = sample_landing[0]
    files = [
        LandingFile(p.relative_to(landing).as_posix(), p, "")
        for p in sorted((landing / TAKSTBILAG.landing_folder).rglob("*.xlsx"))[:3]
    ]
    with pytest.raises(RuntimeError, match="stoppede uventet .* COCKPIT_PARSE_WORKERS=1"):
        list(parallel_read.parsed_in_order(TAKSTBILAG, files, landing, LOAD_ID, workers=2))


@pytest.mark.parametrize(("cpu_max", "most"), [("max 100000\n", 4), ("150000 100000\n", 1), ("400000 100000", 4)])
def test_a_containers_cpu_limit_bounds_the_default_workers(tmp_path, monkeypatch, cpu_max, most):
    limit = tmp_path / "cpu.max"
    limit.write_text(cpu_max)
    monkeypatch.setattr(parallel_read, "CPU_MAX", limit)
    assert parallel_read.default_parse_workers() == min(len(os.sched_getaffinity(0)), most)
    monkeypatch.setattr(parallel_read, "CPU_MAX", tmp_path / "none")
    assert parallel_read.default_parse_workers() == min(len(os.sched_getaffinity(0)), 4)
