"""A landing file is hashed again exactly when its stat says it may have changed
(warehouse/file_digests.py), and a load plans from the right content either way."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from ingest.sources import SOURCES
from ingest.textfile import sha256_file
from warehouse import file_digests as fd
from warehouse.raw_loader import ContractErrors, ensure_schema, load_source, plan_load

BELAEGNING = SOURCES["belaegning"]
HEADER = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n"


def _occupancy(landing: Path, name: str, pladser: int) -> Path:
    path = landing / "belaegning" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"1001;2024-03;{pladser};{pladser};300\n", encoding="utf-8")
    return path


def _digests(con, paths):
    found = fd.file_digests(con, "belaegning", paths)
    con.execute("begin")
    fd.record_digests(con, "belaegning", found)
    con.execute("commit")
    return found


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schema(con)
    return con


@pytest.fixture
def settled(monkeypatch):
    """Hashing happens, as far as the digests can tell, well after every file was written (a
    test cannot age a ctime): the clock they read runs RACY_SECONDS + 1 s ahead."""
    ahead = (fd.RACY_SECONDS + 1) * 1_000_000_000
    real = time.time_ns
    monkeypatch.setattr(fd.time, "time_ns", lambda: real() + ahead)


def _rewrite(path: Path, text: str) -> None:
    """Write `text` over `path` in place, its size and mtime put back, on a later ctime."""
    st = path.stat()
    while True:
        path.write_text(text, encoding="utf-8")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        if path.stat().st_ctime_ns != st.st_ctime_ns:  # the file system's clock has ticked
            return
        time.sleep(0.01)


def test_an_unchanged_file_is_not_read_again_and_a_rewritten_one_is(tmp_path, con, settled):
    a, b = _occupancy(tmp_path, "a.csv", 10), _occupancy(tmp_path, "b.csv", 11)
    first = _digests(con, [a, b])
    assert (first.hashed, first.sha256) == (2, [sha256_file(a), sha256_file(b)])
    assert con.execute("select count(*) from meta.file_digests").fetchone()[0] == 2

    again = _digests(con, [a, b])
    assert (again.hashed, again.record, again.sha256) == (0, None, first.sha256)

    # the same size and mtime put back (`cp -p`, a restore): the ctime moved, so it is read
    _rewrite(a, HEADER + "1001;2024-03;12;12;300\n")
    assert a.stat().st_size == b.stat().st_size
    changed = _digests(con, [a, b])
    assert changed.hashed == 1 and changed.sha256 == [sha256_file(a), first.sha256[1]] != first.sha256


def test_a_file_put_in_place_by_rename_is_read_again(tmp_path, con, settled):
    a = _occupancy(tmp_path, "a.csv", 10)
    _digests(con, [a])
    new = _occupancy(tmp_path, "a.new", 13)
    os.utime(new, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns))
    new.replace(a)
    found = _digests(con, [a])
    assert (found.hashed, found.sha256) == (1, [sha256_file(a)])


def test_a_file_written_just_before_its_hashing_is_hashed_every_time(tmp_path, con):
    a = _occupancy(tmp_path, "a.csv", 10)  # racy: written less than RACY_SECONDS (60 s) ago
    for _ in range(2):
        found = _digests(con, [a])
        assert (found.hashed, found.record, found.sha256) == (1, None, [sha256_file(a)])
    assert con.execute("select count(*) from meta.file_digests").fetchone()[0] == 0


def test_a_removed_file_leaves_the_digests_and_a_copy_is_its_own_file(tmp_path, con, settled):
    a, b = _occupancy(tmp_path, "a.csv", 10), _occupancy(tmp_path, "b.csv", 11)
    _digests(con, [a, b])
    b.unlink()
    gone = _digests(con, [a])
    assert gone.hashed == 0 and gone.record is not None
    assert con.execute("select path from meta.file_digests").fetchall() == [(str(a),)]
    copy = tmp_path / "belaegning" / "a (1).csv"
    shutil.copy2(a, copy)  # same size and mtime, another inode
    both = _digests(con, [a, copy])
    assert both.hashed == 1 and both.sha256 == [sha256_file(a)] * 2


def test_digests_are_kept_per_source(tmp_path, con, settled):
    a = _occupancy(tmp_path, "a.csv", 10)
    _digests(con, [a])
    other = fd.file_digests(con, "sikrede", [a])
    assert other.hashed == 1  # another source's digests are not this one's


def test_a_load_plans_from_the_kept_digest_and_sees_a_same_size_rewrite(tmp_path, settled):
    """Through the loader: the second load reads no file and hashes none; a rewrite of the same
    size with its mtime put back is loaded, and its value reaches raw."""
    landing = tmp_path / "landing"
    a = _occupancy(landing, "belaegning_2024-03.csv", 10)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        assert load_source(con, BELAEGNING, landing, "run-1").files_loaded == ["belaegning/belaegning_2024-03.csv"]
        plan = plan_load(con, BELAEGNING, landing, None)
        assert (plan.digests.hashed, plan.to_read) == (0, [])
        assert load_source(con, BELAEGNING, landing, "run-2").files_loaded == []

        _rewrite(a, HEADER + "1001;2024-03;12;12;300\n")
        assert load_source(con, BELAEGNING, landing, "run-3").files_loaded == ["belaegning/belaegning_2024-03.csv"]
        assert con.execute("select normerede_pladser from raw.belaegning").fetchall() == [(12,)]
        assert con.execute("select sha256 from meta.loaded_files").fetchall() == [(sha256_file(a),)]


def _stat_plus(st: os.stat_result, field: str, more: int):
    """The fields of `st` the digests read, with `more` added to `field`."""
    values = {f: getattr(st, f) for f in ("st_size", "st_mtime_ns", "st_ctime_ns", "st_ino", "st_dev")}
    values[field] += more
    return type("Stat", (), values)()


@pytest.mark.parametrize("field", ["st_ino", "st_dev"])
def test_another_inode_or_device_is_another_file(tmp_path, con, settled, monkeypatch, field):
    """A file of the same size and times on another inode or device (a copy with `cp -p` on a
    file system whose rename keeps the ctime, another mount) is hashed again."""
    a = _occupancy(tmp_path, "a.csv", 10)
    _digests(con, [a])
    real = os.fstat
    monkeypatch.setattr(fd.os, "fstat", lambda fd_: _stat_plus(real(fd_), field, 1))
    assert fd.file_digests(con, "belaegning", [a]).hashed == 1


def test_a_file_that_changes_while_it_is_hashed_is_not_kept(tmp_path, con, settled, monkeypatch):
    a = _occupancy(tmp_path, "a.csv", 10)
    real, calls = os.fstat, []

    def growing(fd_):  # the second fstat of the hashing sees a larger file
        calls.append(1)
        return _stat_plus(real(fd_), "st_size", len(calls) - 1)

    monkeypatch.setattr(fd.os, "fstat", growing)
    found = _digests(con, [a])
    assert (found.hashed, found.record) == (1, None)
    assert con.execute("select count(*) from meta.file_digests").fetchone()[0] == 0


def test_hashes_in_threads_are_the_files_hashes_in_order(tmp_path, con):
    paths = []
    for i in range(40):
        p = tmp_path / f"{i:02}.csv"
        p.write_bytes(bytes([i]) * (i * 70_001))
        paths.append(p)
    expected = [sha256_file(p) for p in paths]
    assert fd.file_digests(con, "x", paths, threads=3).sha256 == expected
    assert fd.file_digests(con, "x", paths, threads=1).sha256 == expected
    (tmp_path / "05.csv").unlink()
    with pytest.raises(FileNotFoundError, match="05.csv"):
        fd.file_digests(con, "x", paths, threads=3)


def test_a_load_rolled_back_keeps_the_digests_it_had(tmp_path, settled):
    landing = tmp_path / "landing"
    a = _occupancy(landing, "belaegning_2024-03.csv", 10)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        load_source(con, BELAEGNING, landing, "run-1")
        before = con.execute("select * from meta.file_digests").fetchall()
        assert [r[1] for r in before] == [str(a)]
        _rewrite(a, HEADER + "1001;2024-03;12;12;300\n")
        (landing / "belaegning" / "broken.csv").write_text("ikke;en;fil\n1;2;3\n", encoding="utf-8")
        with pytest.raises(ContractErrors):
            load_source(con, BELAEGNING, landing, "run-2")
        assert con.execute("select * from meta.file_digests").fetchall() == before
