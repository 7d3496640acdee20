"""Partitioned loads: a partition's rows come from every file that holds its period, a re-run
changes nothing, and only the partitions asked for are touched (warehouse/raw_loader.py)."""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import warehouse_settings
from dagster import AssetKey

from ingest.sources import SOURCES
from orchestration.partitions import MONTHLY, full_range
from warehouse.raw_loader import Partitions, load_source

HEADER = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n"
BELAEGNING = SOURCES["belaegning"]
BELAEGNING_KEY = AssetKey(["raw", "belaegning"])


def months(start: str, end: str = "") -> Partitions:
    return Partitions(start=start, end=end or start, first="2019-01", last="2026-11")


@pytest.fixture
def landing(tmp_path):
    folder = tmp_path / "landing" / "belaegning"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(HEADER + "1001;2024-01;10;10;300\n1002;2024-01;8;8;240\n1001;2024-02;10;10;290\n")
    # 2018-12 is before the first partition: the row belongs to its file, not to a partition.
    (folder / "b.csv").write_text(HEADER + "1003;2024-02;5;5;140\n1003;2018-12;5;5;150\n")
    return tmp_path / "landing"


def rows(con) -> list[tuple]:
    return con.execute("""select _source_file, _source_line, _partition, belagte_doegn, _load_id
                          from raw.belaegning order by all""").fetchall()


def test_a_month_loads_only_its_rows_from_every_file_and_a_rerun_changes_nothing(landing):
    con = duckdb.connect()
    stats = load_source(con, BELAEGNING, landing, "run-1", partitions=months("2024-02"))
    assert (stats.files_loaded, stats.rows_loaded, stats.rows_outside_partitions) == (
        ["belaegning/a.csv", "belaegning/b.csv"],
        3,
        1,
    )
    assert rows(con) == [
        ("belaegning/a.csv", 4, "2024-02", 290, "run-1"),
        ("belaegning/b.csv", 2, "2024-02", 140, "run-1"),
        ("belaegning/b.csv", 3, None, 150, "run-1"),
    ]
    before = rows(con)

    again = load_source(con, BELAEGNING, landing, "run-2", partitions=months("2024-02"))
    assert (again.files_skipped, again.rows_loaded) == (2, 0)
    assert rows(con) == before  # same rows, same load id: nothing was read

    january = load_source(con, BELAEGNING, landing, "run-3", partitions=months("2024-01"))
    # a.csv holds January, not loaded yet; b.csv holds no January and is not read again.
    assert (january.files_loaded, january.files_skipped, january.rows_loaded) == (["belaegning/a.csv"], 1, 2)
    assert con.execute("""select _partition, count(*), sum(belagte_doegn) from raw.belaegning
                          group by 1 order by 1 nulls last""").fetchall() == [
        ("2024-01", 2, 540),
        ("2024-02", 2, 430),
        (None, 1, 150),
    ]
    assert con.execute("""select file, partition, rows from meta.loaded_partitions order by all""").fetchall() == [
        ("belaegning/a.csv", "2024-01", 2),
        ("belaegning/a.csv", "2024-02", 1),
        ("belaegning/b.csv", "2024-02", 1),
    ]


def test_a_corrected_file_replaces_a_month_only_when_that_month_is_loaded(landing):
    con = duckdb.connect()
    load_source(con, BELAEGNING, landing, "run-1", partitions=months("2024-01", "2024-02"))
    assert len(rows(con)) == 5
    # The operator resends a.csv: February corrected, January withdrawn.
    (landing / "belaegning" / "a.csv").write_text(HEADER + "1001;2024-02;10;10;280\n")
    load_source(con, BELAEGNING, landing, "run-2", partitions=months("2024-02"))
    by_month = "select _partition, sum(belagte_doegn) from raw.belaegning group by 1 order by 1 nulls last"
    # February is the new file's; January keeps a.csv's old rows until January is re-run.
    assert con.execute(by_month).fetchall() == [("2024-01", 540), ("2024-02", 420), (None, 150)]
    stats = load_source(con, BELAEGNING, landing, "run-3", partitions=months("2024-01"))
    assert stats.files_loaded == []  # nothing to read: a.csv has no January any more
    assert con.execute(by_month).fetchall() == [("2024-02", 420), (None, 150)]

    (landing / "belaegning" / "b.csv").unlink()
    load_source(con, BELAEGNING, landing, "run-4", partitions=months("2024-02"))
    assert con.execute(by_month).fetchall() == [("2024-02", 280)]
    assert con.execute("select file from meta.loaded_files").fetchall() == [("belaegning/a.csv",)]


def test_a_partition_rerun_through_dagster_is_idempotent(published_sample, tmp_path):
    """Materialize raw/belaegning for 2023-03 twice, as a UI re-run would: the partition holds
    exactly the full load's rows for March 2023, nothing else is loaded, the second run reads
    no file and leaves every row as it was."""
    from orchestration.definitions import defs

    settings, _, _ = published_sample
    target = warehouse_settings(tmp_path, settings.landing_dir)
    target.export_env()
    job = defs().resolve_job_def("monthly_refresh")
    query = """select _source_file, _source_line, tilbudsnr, maaned, belagte_doegn, _partition, _load_id
               from raw.belaegning order by all"""
    snapshots, metadata = [], []
    for _ in range(2):
        result = job.execute_in_process(partition_key="2023-03", asset_selection=[BELAEGNING_KEY])
        assert result.success
        (mat,) = result.get_asset_materialization_events()
        metadata.append({k: v.value for k, v in mat.materialization.metadata.items()})
        with duckdb.connect(str(target.build_db), read_only=True) as con:
            snapshots.append(con.execute(query).fetchall())
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        expected = con.execute(
            "select count(*), sum(belagte_doegn) from raw.belaegning where maaned = ?", [date(2023, 3, 1)]
        ).fetchone()
    first, second = snapshots
    assert expected[0] > 10
    assert (len(first), sum(r[4] for r in first)) == expected
    assert {r[3] for r in first} == {date(2023, 3, 1)} and {r[5] for r in first} == {"2023-03"}
    assert second == first
    # The first run reads all six monthly reports (new to this build DB), the second none.
    assert [(m["files_loaded"], m["files_skipped_unchanged"], m["rows_loaded"]) for m in metadata] == [
        (6, 0, expected[0]),
        (0, 6, 0),
    ]


def test_the_monthly_window_ends_with_the_current_month():
    first, last = full_range(MONTHLY)
    assert first == "2019-01" and last == datetime.now(ZoneInfo("Europe/Copenhagen")).strftime("%Y-%m")


def _planned_events(months_in_range: tuple[str, str]) -> list:
    from dagster import BackfillPolicy, DagsterEventType, DagsterInstance, Definitions, asset, define_asset_job

    @asset(partitions_def=MONTHLY, backfill_policy=BackfillPolicy.single_run())
    def maaneder(context) -> None:
        return None

    job = Definitions(assets=[maaneder], jobs=[define_asset_job("j", [maaneder])]).resolve_job_def("j")
    instance = DagsterInstance.ephemeral()
    start, end = months_in_range
    result = job.execute_in_process(
        instance=instance,
        tags={"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end},
    )
    assert result.success
    return [
        r.event_log_entry.dagster_event
        for r in instance.get_records_for_run(
            result.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED
        ).records
    ]


def test_a_headless_range_run_plans_each_asset_once_and_leaves_the_environment_as_it_was(monkeypatch):
    # Dagster's switch, set by the runner for an ephemeral instance only (orchestration/runner.py):
    # if Dagster renamed it, a refresh would quietly plan one event per partition again.
    from orchestration.runner import PLANNED_SUBSET_ENV, _planned_per_asset

    monkeypatch.delenv(PLANNED_SUBSET_ENV, raising=False)
    assert len(_planned_events(("2024-01", "2024-12"))) == 12  # Dagster's default: per partition
    with _planned_per_asset():
        (planned,) = _planned_events(("2024-01", "2024-12"))
        assert os.environ[PLANNED_SUBSET_ENV] == "1"
    data = planned.event_specific_data
    assert data.partition is None
    assert sorted(data.partitions_subset.get_partition_keys()) == [f"2024-{m:02d}" for m in range(1, 13)]
    assert PLANNED_SUBSET_ENV not in os.environ
    monkeypatch.setenv(PLANNED_SUBSET_ENV, "false")  # the user's own choice stands
    with _planned_per_asset():
        assert os.environ[PLANNED_SUBSET_ENV] == "false"
        assert len(_planned_events(("2024-01", "2024-03"))) == 3
    assert os.environ[PLANNED_SUBSET_ENV] == "false"
