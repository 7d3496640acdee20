"""A run launched from the UI goes the daemon's way and runs as `cockpit run` does: one process.

`dagster dev` with the shipped instance config answers on localhost with our code location (its
jobs, schedule, sensor and asset groups); *Launch backfill* of `yearly_refresh` over
every year through the UI's GraphQL API, on a fresh build DB; the backfill daemon creates the
run, the run queue dequeues it, the run launcher starts its run worker. Asserted: the run
succeeds and publishes, every step ran in that one worker process (the jobs' executor is in
process: no step processes, so the build DB has one writer process), the refresh lock was
held by it and released, and no process of `dagster dev` is left. The timing (UI vs headless)
is a benchmark, not a test: bench/ui_vs_headless.py.
"""

import json
import os
import re
import urllib.request
from pathlib import Path

import duckdb
from conftest import warehouse_settings
from dagster import DagsterEventType, DagsterInstance
from dagster._core.instance.ref import InstanceRef
from dagster_ui import dagster_dev, graphql, group_alive, launch_backfill, new_home, wait_for

from orchestration.automation import JOB_PARTITIONS
from orchestration.partitions import RANGE_END_TAG, RANGE_START_TAG, full_range
from warehouse.bi_subset import build_subset_fingerprint_file, subset_fingerprint_file
from warehouse.refresh_lock import lock_path


def _group_members(pgid: int) -> set[int]:
    """The live processes of process group `pgid` (Linux /proc)."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited meanwhile
        if int(fields[2]) == pgid:
            members.add(int(stat.parent.name))
    return members


def _answers_on_localhost_with_our_code_location(port: int) -> None:
    """The UI answers on localhost and has loaded our code location: its jobs, schedule, sensor
    and asset groups (asserted here rather than in a `dagster dev` of its own: one start less)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=10) as resp:
        assert "dagster_webserver_version" in resp.read().decode()
    answer = graphql(
        port,
        "{ repositoriesOrError { ... on RepositoryConnection { nodes { "
        "jobs { name } schedules { name } sensors { name } assetGroups { groupName } } } } }",
    )
    (repo,) = answer["data"]["repositoriesOrError"]["nodes"]
    assert {j["name"] for j in repo["jobs"]} >= {"yearly_refresh", "monthly_refresh", "yearly_report"}
    assert [s["name"] for s in repo["schedules"]] == ["monthly_sources_5th_0600"]
    assert [s["name"] for s in repo["sensors"]] == ["landing_dir_sensor"]
    assert {g["groupName"] for g in repo["assetGroups"]} == {
        "ingest",
        "reference",
        "staging",
        "intermediate",
        "marts",
        "cockpit",
        "quality",
        "publicering",
        "publish",
        "report",
    }


def test_a_backfill_launched_in_the_ui_runs_every_step_in_its_one_run_worker(sample_landing, tmp_path):
    target = warehouse_settings(tmp_path, sample_landing[0])
    env = {
        **os.environ,
        "COCKPIT_LANDING_DIR": str(target.landing_dir),
        "COCKPIT_BUILD_DB": str(target.build_db),
        "COCKPIT_PUBLISHED_DB": str(target.published_db),
        "COCKPIT_REPORT_DIR": str(target.report_dir),
    }
    home = new_home(tmp_path / "dagster_home")
    log = tmp_path / "dagster_dev.log"
    with dagster_dev(home, env, log=log) as dev:
        serving = _group_members(dev.pgid)  # webserver, daemon, code server, before any run
        _answers_on_localhost_with_our_code_location(dev.port)
        (run,) = wait_for(dev.port, backfill_id=launch_backfill(dev.port, "yearly_refresh"), timeout=1200)
    assert not group_alive(dev.pgid), "a process started by dagster dev outlived it"
    assert run.status == "SUCCESS", log.read_text()[-3000:]
    # One run over every year (single-run backfill policy), not one per year.
    assert (run.tags[RANGE_START_TAG], run.tags[RANGE_END_TAG]) == full_range(JOB_PARTITIONS["yearly_refresh"])

    with DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        job = instance.get_run_by_id(run.run_id).job_name
        events = [e.dagster_event for e in instance.all_logs(run.run_id) if e.is_dagster_event]
    messages = [e.message or "" for e in events]
    (launched,) = [m for m in messages if m.startswith("Started process for run (pid: ")]  # by the run launcher
    worker = int(re.search(r"pid: (\d+)", launched)[1])
    starts = [e for e in events if e.event_type == DagsterEventType.STEP_START]
    assert {e.step_key for e in starts} >= {"raw__posteringer", "cockpit_dbt", "publish__cockpit_duckdb"}
    # Every step in the run worker itself: no step processes, so one process wrote the build DB
    # (dbt's own process aside, which the dbt step starts and waits for).
    assert {e.pid for e in starts} == {worker} and worker not in serving
    assert f"Executing steps in process (pid: {worker})" in messages
    assert not any(e.event_type == DagsterEventType.STEP_WORKER_STARTING for e in events)

    from orchestration.definitions import defs

    materialized = {
        e.event_specific_data.materialization.asset_key.to_user_string()
        for e in events
        if e.event_type == DagsterEventType.ASSET_MATERIALIZATION
    }
    assert job == "yearly_refresh"
    assert materialized == {k.to_user_string() for k in defs().resolve_job_def(job).asset_layer.selected_asset_keys}
    assert not any("Conflicting lock" in m or "Could not set lock" in m for m in messages)
    assert json.loads(lock_path(target.build_db).read_text() or "null") is None  # released by the worker
    with duckdb.connect(str(target.published_db), read_only=True) as con:
        recorded = con.execute("select fingeraftryk from cockpit.koersler where run_id = ?", [run.run_id]).fetchone()[0]
        takster = con.execute("select count(*) from cockpit.takster").fetchone()[0]
    assert (
        recorded
        == build_subset_fingerprint_file(target.build_db).digest
        == subset_fingerprint_file(target.published_db).digest
    )
    assert takster == 192  # every year's rates of the sample, from one run
