"""Safe operations (issue 13; recipes in shared/cases/ops): the published file is exactly the
audited build whatever lies beside it, DB file names are checked against every schema the
warehouse has, one refresh at a time, and the sensor never misses, repeats or half-reads a file.
Real DuckDB files, real processes for the BI session, the writer and the second refresh."""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import sha256_file, warehouse_settings
from dagster import SkipReason, build_sensor_context

from ingest.sources import SOURCES
from orchestration.runner import run_pipeline
from warehouse.bi_subset import build_subset_fingerprint, build_subset_fingerprint_file, subset_fingerprint_file
from warehouse.landing_settle import LandingNotSettled, wait_until_settled
from warehouse.paths import PROJECT_ROOT
from warehouse.publishing import PublishMismatch, publish_verified
from warehouse.refresh_lock import RefreshBusy, lock_path, read_holder, refresh_lock
from warehouse.schemas import RESERVED_CATALOGS, warehouse_schemas

VERSIONS = Path(__file__).parent / "cases" / "ops" / "10_sensor_runkey_revert" / "versions"  # shared/cases
COCKPIT = [sys.executable, "-m", "cli.main"]

# Recipe 01: a BI tool opens the published file read-write, dismisses a flag, saves a scratch
# table and is killed before it checkpoints: the .wal stays beside the file.
BI_SESSION = """
import duckdb, os, sys
c = duckdb.connect(sys.argv[1])
t = next(f"{s}.{n}" for s, n in c.execute(
    "select schema_name, table_name from duckdb_tables() where schema_name = 'publicering' order by 2").fetchall()
    if c.execute(f"select count(*) from {s}.{n}").fetchone()[0] > 0)
c.execute(f"delete from {t} where rowid = 0")
c.execute("create table cockpit.bi_noter as select 'egen note' as t")
os._exit(0)
"""


def _facts(db: Path) -> tuple[int, int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return (
            con.execute("select count(*) from cockpit.datakvalitet").fetchone()[0],
            con.execute("select count(*) from duckdb_tables() where table_name = 'bi_noter'").fetchone()[0],
            con.execute("select count(*) from cockpit.koersler").fetchone()[0],
        )


def _copy_warehouse(published_sample, tmp_path: Path):
    settings, _, _ = published_sample
    target = warehouse_settings(tmp_path, settings.landing_dir)
    shutil.copyfile(settings.build_db, target.build_db)
    shutil.copyfile(settings.published_db, target.published_db)
    return target


def test_the_published_file_is_the_audited_build_and_its_fingerprint_is_recorded(published_sample):
    settings, _, _ = published_sample
    # The latest run: other tests refresh the session's warehouse again (flags carry their time).
    recorded = (
        duckdb.connect(str(settings.published_db), read_only=True)
        .execute("select fingeraftryk from cockpit.koersler order by publiceret desc limit 1")
        .fetchone()[0]
    )
    build, published = build_subset_fingerprint_file(settings.build_db), subset_fingerprint_file(settings.published_db)
    assert recorded == build.digest == published.digest and len(recorded) == 64
    assert build.differences(published) == []
    # The fingerprint covers the BI subset: cockpit views as tables, reference data; no row-level schema.
    assert "publicering.takster" in build.relations and "reference.kommuner" in build.relations
    assert not [r for r in build.relations if r.split(".")[0] in ("raw", "staging", "marts", "quality", "quarantine")]
    assert "publicering.dyre_enkeltsager" not in build.relations
    assert stat.S_IMODE(settings.published_db.stat().st_mode) == 0o444  # read-only on disk


def test_stale_sidecars_are_moved_aside_and_the_next_publish_is_exact(published_sample, tmp_path):
    """Recipe 01, and every sidecar DuckDB reads: the BI session's .wal, and the same log under
    the names DuckDB uses while checkpointing (.wal.checkpoint) and recovering (.wal.recovery)."""
    target = _copy_warehouse(published_sample, tmp_path)
    os.chmod(target.published_db, 0o644)
    subprocess.run([sys.executable, "-c", BI_SESSION, str(target.published_db)], check=True)
    wal = target.published_db.with_name("styringscockpit.duckdb.wal")
    assert wal.stat().st_size > 0
    log = wal.read_bytes()
    for suffix in (".wal.checkpoint", ".wal.recovery"):
        target.published_db.with_name("styringscockpit.duckdb" + suffix).write_bytes(log)
    lines: list[str] = []
    outcome = run_pipeline(target, progress=lines.append)
    assert outcome.published, outcome.reason

    assert _facts(target.published_db) == _facts(target.build_db)
    flags, foreign, runs = _facts(target.published_db)
    assert (foreign, runs) == (0, _facts(published_sample[0].published_db)[2] + 1) and flags > 20
    recorded = (
        duckdb.connect(str(target.published_db), read_only=True)
        .execute("select fingeraftryk from cockpit.koersler where run_id = ?", [outcome.run_id])
        .fetchone()[0]
    )
    assert (
        recorded
        == build_subset_fingerprint_file(target.build_db).digest
        == subset_fingerprint_file(target.published_db).digest
    )
    # Nothing DuckDB would read is left beside the file; each log is kept, renamed, for inspection.
    names = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("styringscockpit.duckdb."))
    assert sorted(n.split(".stale-")[0] for n in names) == [
        "styringscockpit.duckdb.wal",
        "styringscockpit.duckdb.wal.checkpoint",
        "styringscockpit.duckdb.wal.recovery",
    ]
    assert all((tmp_path / n).read_bytes() == log for n in names)
    warnings = [line for line in lines if "forældet" in line]
    assert len(warnings) == 3 and all(any(n in w for w in warnings) for n in names)


def test_a_publish_that_differs_from_the_audited_build_restores_the_previous_file(published_sample, tmp_path):
    target = _copy_warehouse(published_sample, tmp_path)
    before = sha256_file(target.published_db)
    with duckdb.connect(str(target.build_db)) as con:
        expected = build_subset_fingerprint(con)
        n = con.execute("select count(*) from cockpit.datakvalitet").fetchone()[0]
        con.execute("delete from quality.dq_r11_pladser_over_normering where rowid = 0")  # not what was audited
    with pytest.raises(PublishMismatch, match=f"publicering.datakvalitet: {n - 1} rækker \\(build: {n}\\)"):
        publish_verified(target.build_db, target.published_db, expected)
    assert sha256_file(target.published_db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build.duckdb", "styringscockpit.duckdb"]  # no leftovers


def _refused(capsys, *args) -> tuple[int, list[str]]:
    from cli.main import main

    code = main(list(args))
    return code, capsys.readouterr().err.strip().splitlines()


def test_a_db_file_named_after_any_schema_of_the_warehouse_is_refused_before_work(tmp_path, capsys, sample_landing):
    names = warehouse_schemas()
    # Computed from the dbt project and the loader, not a list kept by hand.
    assert {"raw", "quarantine", "meta", "staging", "intermediate", "marts", "cockpit", "quality", "reference"} <= names
    assert RESERVED_CATALOGS <= names
    for name in sorted(names):
        for flag, other in (("--published-db", "--build-db"), ("--build-db", "--published-db")):
            stem = name.upper() if name == "quality" else name  # DuckDB compares names case-insensitively
            started = time.perf_counter()
            code, err = _refused(
                capsys,
                "run",
                "--landing",
                str(sample_landing[0]),
                flag,
                str(tmp_path / f"{stem}.duckdb"),
                other,
                str(tmp_path / "ok" / "styringscockpit_x.duckdb"),
            )
            assert code == 2 and len(err) == 1, (name, err)
            assert err[0].startswith(f"fejl: {stem}.duckdb: en DuckDB-fil må ikke hedde som skemaet/katalogen '{name}'")
            assert time.perf_counter() - started < 5
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, not even a folder


def test_a_schema_added_to_the_dbt_project_is_refused_too(tmp_path):
    from warehouse.paths import MANIFEST_PATH

    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    node = next(iter(manifest["nodes"].values()))
    manifest["nodes"]["model.cockpit.ny"] = {**node, "schema": "Budget"}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    assert "budget" in warehouse_schemas(path) and "budget" not in warehouse_schemas()


HOLD = """
import sys, time
from pathlib import Path
from warehouse.refresh_lock import refresh_lock
with refresh_lock(Path(sys.argv[1]), run_id="holder"):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _holder(build_db: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(build_db), str(seconds)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_refresh_exits_75_with_one_line_before_any_work(tmp_path, sample_landing):
    build = tmp_path / "build.duckdb"
    holder = _holder(build, 120)
    try:
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        second = subprocess.run(
            [
                *COCKPIT,
                "run",
                "--landing",
                str(sample_landing[0]),
                "--build-db",
                str(build),
                "--published-db",
                str(tmp_path / "styringscockpit.duckdb"),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.kill()
        holder.wait()
    info = json.loads(lock_path(build).read_text())
    assert (info["pid"], info["host"], info["run_id"]) == (holder.pid, socket.gethostname(), "holder")
    assert second.returncode == 75
    assert second.stderr.strip().splitlines() == [
        f"en anden opdatering kører (pid {holder.pid}, startet {info['startet']})"
    ]
    assert not build.exists() and not (tmp_path / "styringscockpit.duckdb").exists()


def test_a_refresh_waits_for_the_other_and_takes_over_a_dead_ones_lock(tmp_path):
    build = tmp_path / "build.duckdb"
    holder = _holder(build, 2)
    said: list[str] = []
    started = time.monotonic()
    with refresh_lock(build, wait=float("inf"), say=said.append):
        waited = time.monotonic() - started
        assert read_holder(lock_path(build)).pid == os.getpid()
        with refresh_lock(build):  # re-entrant in the process that holds it (cockpit run's own runs)
            pass
        assert read_holder(lock_path(build)).pid == os.getpid()
    holder.wait()
    assert (
        0.5 < waited < 30 and len(said) == 1 and said[0].startswith(f"venter på en anden opdatering (pid {holder.pid}")
    )
    assert read_holder(lock_path(build)) is None  # released cleanly

    dead = _holder(build, 120)
    os.kill(dead.pid, signal.SIGKILL)  # killed while holding it: the kernel frees the lock, the file names it
    dead.wait()
    left = read_holder(lock_path(build))
    assert left.pid == dead.pid
    said.clear()
    with refresh_lock(build, say=said.append):
        pass
    assert said == [
        f"overtog en efterladt lås build.duckdb.lock fra en opdatering der ikke kører længere "
        f"(pid {dead.pid}, startet {left.startet})"
    ]
    with pytest.raises(RefreshBusy, match=r"^en anden opdatering kører \(pid \d+, startet "):
        other = _holder(build, 120)
        try:
            with refresh_lock(build):
                pass
        finally:
            other.kill()
            other.wait()


def test_a_dagster_run_waits_for_a_running_refresh_instead_of_failing(published_sample, tmp_path, monkeypatch):
    from dagster import AssetKey, DagsterInstance, execute_job, reconstructable

    from orchestration.definitions import monthly_refresh_job

    settings, _, _ = published_sample
    target = warehouse_settings(tmp_path, settings.landing_dir)
    target.export_env()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    # held long enough that the job reaches the lock while it is held, also on a loaded machine
    # (starting the job took more than 3 s beside a parallel suite)
    holder = _holder(target.build_db, 15)
    with DagsterInstance.get() as instance:
        result = execute_job(
            reconstructable(monthly_refresh_job),
            instance=instance,
            asset_selection=[AssetKey(["raw", "tilbud"])],
            run_config={"execution": {"config": {"in_process": {}}}},
        )
        logs = [str(e.message) for e in instance.all_logs(result.run_id)]
    holder.wait()
    assert result.success
    assert any(m.startswith(f"venter på en anden opdatering (pid {holder.pid}") for m in logs)
    assert json.loads(lock_path(target.build_db).read_text() or "null") is None


def _sensor(cursor, landing: Path):
    from orchestration.automation import landing_dir_sensor
    from orchestration.resources import SettingsResource

    result = landing_dir_sensor(build_sensor_context(cursor=cursor, resources={"settings": SettingsResource()}))
    if isinstance(result, SkipReason):
        return [], cursor, result
    return result.run_requests, result.cursor, result


def test_a_file_restored_to_earlier_content_loads_again(tmp_path, monkeypatch):
    """Recipe 10 with the real cursor, then the runs the sensor asked for: the warehouse holds
    v1's amount again after v1 → v2 → v1."""
    from orchestration.definitions import defs

    landing = tmp_path / "landing"
    (landing / "posteringer").mkdir(parents=True)
    target = warehouse_settings(tmp_path, landing)
    target.export_env()
    monkeypatch.setenv("COCKPIT_SETTLE_SECONDS", "0.5")
    dst = landing / "posteringer" / "851_2024_rev.csv"
    cursor, keys, amounts = None, [], []
    for version in ("v1", "v2", "v1"):
        shutil.copyfile(VERSIONS / f"{version}.csv", dst)
        (request,), cursor, _ = _sensor(cursor, landing)
        keys.append(request.run_key)
        assert request.run_key.startswith(f"posteringer/851_2024_rev.csv@{sha256_file(dst)}#")
        assert (request.job_name, request.partition_key) == ("yearly_refresh", "2024")
        result = (
            defs()
            .resolve_job_def(request.job_name)
            .execute_in_process(
                partition_key=request.partition_key, asset_selection=[_raw("posteringer")], tags=request.tags
            )
        )
        assert result.success
        with duckdb.connect(str(target.build_db), read_only=True) as con:
            amounts.append(con.execute("select beloeb from raw.posteringer where _source_line = 11").fetchone()[0])
        assert _sensor(cursor, landing)[0] == []  # nothing new: no second run for the same change
    assert len(set(keys)) == 3 and keys[0] != keys[2]
    assert amounts == [Decimal("1370.10"), Decimal("9999.99"), Decimal("1370.10")]


def _raw(name: str):
    from dagster import AssetKey

    return AssetKey(["raw", name])


SLOW_WRITER = """
import sys, time
data = open(sys.argv[2], "rb").read()
with open(sys.argv[1], "wb") as fh:
    fh.write(data[: len(data) * 6 // 10]); fh.flush()
    print("half", flush=True)
    time.sleep(float(sys.argv[3]))
    fh.write(data[len(data) * 6 // 10:])
"""


def _slow_copy(src: Path, dst: Path, pause: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(dst), str(src), str(pause)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "half"
    return proc


def test_a_file_still_being_written_is_left_for_the_next_tick(tmp_path, monkeypatch):
    """Recipe 11: the sensor evaluated mid-copy skips the file; once it is complete and has
    settled, the next tick requests its run."""
    landing = tmp_path / "landing"
    (landing / "posteringer").mkdir(parents=True)
    warehouse_settings(tmp_path, landing).export_env()
    monkeypatch.setenv("COCKPIT_SETTLE_SECONDS", "1")
    dst = landing / "posteringer" / "851_2024_stor.csv"
    writer = _slow_copy(VERSIONS / "v1.csv", dst, pause=4)
    time.sleep(1.5)  # older than the settle time, yet still open for writing
    requests, cursor, result = _sensor(None, landing)
    assert isinstance(result, SkipReason) and "851_2024_stor.csv" in result.skip_message and requests == []
    writer.wait()
    (request,), cursor, _ = _sensor(cursor, landing)
    assert request.run_key.startswith(f"posteringer/851_2024_stor.csv@{sha256_file(dst)}#")
    assert sha256_file(dst) == sha256_file(VERSIONS / "v1.csv")


def test_temporary_names_are_not_landing_files_and_a_removal_reruns_the_files_partitions(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    folder = landing / "posteringer"
    (folder / ".kopi").mkdir(parents=True)
    warehouse_settings(tmp_path, landing).export_env()
    monkeypatch.setenv("COCKPIT_SETTLE_SECONDS", "0")
    for name in ("851_2024.csv.tmp", "~$851_2024.csv", ".851_2024.csv", ".kopi/851_2024.csv", "851.TMP"):
        shutil.copyfile(VERSIONS / "v1.csv", folder / name)
    assert SOURCES["posteringer"].files(landing) == []
    requests, cursor, result = _sensor(None, landing)
    assert isinstance(result, SkipReason) and requests == []

    shutil.copyfile(VERSIONS / "v1.csv", folder / "851_2024.csv.tmp")
    os.replace(folder / "851_2024.csv.tmp", folder / "851_2024.csv")  # written under a temporary name, renamed
    (added,), cursor, _ = _sensor(cursor, landing)
    assert added.partition_key == "2024"
    (folder / "851_2024.csv").unlink()
    (removed,), cursor, _ = _sensor(cursor, landing)
    assert (removed.job_name, removed.partition_key, removed.tags["cockpit/removed_files"]) == (
        "yearly_refresh",
        "2024",
        "1",
    )
    assert "fjernet" in removed.run_key and removed.run_key != added.run_key
    assert _sensor(cursor, landing)[0] == []


def test_cockpit_run_waits_for_a_file_being_copied_and_gives_up_after_the_timeout(tmp_path):
    dst = tmp_path / "posteringer" / "851_2024.csv"
    dst.parent.mkdir()
    said: list[str] = []
    quiet = tmp_path / "quiet.csv"
    shutil.copyfile(VERSIONS / "v1.csv", quiet)
    os.utime(quiet, (time.time() - 60, time.time() - 60))
    assert wait_until_settled([quiet], settle=3, say=said.append) < 0.5 and said == []  # a quiet file costs nothing

    writer = _slow_copy(VERSIONS / "v1.csv", dst, pause=2)
    waited = wait_until_settled([dst], settle=1, timeout=60, say=said.append, relative_to=tmp_path)
    writer.wait()
    assert waited > 1.5 and said == [
        "venter på landing-filen posteringer/851_2024.csv: er åben for skrivning i en anden proces; "
        "læses når den har ligget stille i 1s"
    ]
    assert sha256_file(dst) == sha256_file(VERSIONS / "v1.csv")

    writer = _slow_copy(VERSIONS / "v1.csv", dst, pause=30)
    try:
        with pytest.raises(LandingNotSettled, match="posteringer/851_2024.csv .er åben for skrivning"):
            wait_until_settled([dst], settle=1, timeout=1.5, relative_to=tmp_path)
    finally:
        writer.kill()
        writer.wait()


def test_every_asset_check_is_described_and_dbt_tests_of_the_flags_in_their_own_words():
    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    specs = {k.to_user_string(): graph.get_check_spec(k) for k in graph.asset_check_keys}
    assert len(specs) > 90 and all((s.description or "").strip() for s in specs.values())
    flags = {k: s.description for k, s in specs.items() if k.startswith("cockpit/datakvalitet:")}
    assert len(flags) == 12  # eleven dbt tests (flag_id unique among them) and the registration-flag check
    assert flags["cockpit/datakvalitet:not_null_datakvalitet_kildelinje"] == (
        "Every flag names the line of the suspect registration in its file. Blocks publishing."
    )
    assert specs["marts/mart_fordelingsnoegler:assert_shares_sum_to_100"].description.startswith(
        "Each allocation key's shares of the 11 municipalities sum to 100 %"
    )
    # Generic tests without a YAML text say what they assert, from dbt's test metadata.
    assert specs["marts/dim_kommune:unique_dim_kommune_kommunekode"].description == (
        "Each kommunekode occurs at most once in marts.dim_kommune. Blocks publishing."
    )
    assert specs["cockpit/datakvalitet:registreringsflag"].blocking is False


def test_shipped_instance_turns_off_the_first_visit_dialog():
    import yaml

    config = yaml.safe_load((PROJECT_ROOT / "dagster_home" / "dagster.yaml").read_text())
    assert config["nux"] == {"enabled": False} and config["telemetry"] == {"enabled": False}


def test_a_failed_dbt_step_says_dbts_error_and_publish_names_it_once(published_sample, tmp_path):
    from dagster import DagsterEventType, DagsterInstance

    from orchestration.definitions import defs

    target = _copy_warehouse(published_sample, tmp_path)
    target.export_env()
    with duckdb.connect(str(target.build_db)) as con:
        # A column of a monthly source, which the yearly job does not load (a load would restore
        # it from the files), and no last build, so dbt builds every model.
        con.execute("alter table raw.belaegning drop column pladser_i_drift")
        con.execute("delete from meta.dbt_built")
    before = sha256_file(target.published_db)
    instance = DagsterInstance.ephemeral()
    result = (
        defs()
        .resolve_job_def("yearly_refresh")
        .execute_in_process(partition_key="2024", instance=instance, raise_on_error=False)
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
    error = failure.event_specific_data.error
    while error.cause is not None and "Error occurred while" in error.message:
        error = error.cause
    assert failure.step_key == "cockpit_dbt"
    assert error.message.split(": ", 1)[1].startswith(
        "Runtime Error in model stg_belaegning__maaned (models/staging/stg_belaegning__maaned.sql) Binder Error: "
        'Column "pladser_i_drift" referenced that exists in the SELECT clause - but this column cannot be '
        "referenced before it is defined"
    )
    messages = [e.message for e in instance.all_logs(result.run_id) if "publish__cockpit_duckdb" in (e.message or "")]
    assert "Dependencies for step publish__cockpit_duckdb failed: ['cockpit_dbt']. Not executing." in messages
    assert sha256_file(target.published_db) == before


def test_yearly_first_then_monthly_as_the_schedule_launches_it_on_a_fresh_instance(published_sample, tmp_path):
    """The other order of the multiprocess test in test_operations.py, in process: one year as
    the UI's Materialize does, then last month as the schedule requests it."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    settings, _, _ = published_sample
    target = warehouse_settings(tmp_path, settings.landing_dir)
    target.export_env()
    instance = DagsterInstance.ephemeral()
    counts = []
    for job_name, partition in (("yearly_refresh", "2024"), ("monthly_refresh", "2024-12")):
        job = defs().resolve_job_def(job_name)
        result = job.execute_in_process(partition_key=partition, instance=instance, raise_on_error=False)
        assert result.success, job_name
        materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
        selected = {k.to_user_string() for k in job.asset_layer.selected_asset_keys}
        if not counts:  # a fresh build DB: every model of the job
            assert materialized == selected
        else:  # then what the month's sources feed (warehouse/build_state.py), and publish
            assert materialized < selected
            assert {"marts/mart_belaegning_tilbud_maaned", "publish/cockpit_duckdb"} <= materialized
            assert "marts/mart_udgifter_kommune" not in materialized
        with duckdb.connect(str(target.published_db), read_only=True) as con:
            counts.append(
                con.execute(
                    """select (select count(*) from cockpit.takster where aar = 2024),
                (select count(*) from cockpit.belaegning_tilbud_maaned where maaned = date '2024-12-01'),
                (select fingeraftryk from cockpit.koersler where run_id = ?)""",
                    [result.run_id],
                ).fetchone()
            )
        assert counts[-1][2] == build_subset_fingerprint_file(target.build_db).digest
    # The year brings the 2024 rates and no months yet; the month adds December's occupancy.
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        full = con.execute("""select (select count(*) from cockpit.takster where aar = 2024),
            (select count(*) from cockpit.belaegning_tilbud_maaned where maaned = date '2024-12-01')""").fetchone()
    assert [c[:2] for c in counts] == [(full[0], 0), full] and full[0] > 10 and full[1] > 10
