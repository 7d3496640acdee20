"""Write-audit-publish under real conditions: a BI reader holding the published file open, and a
run killed in the middle of dbt. (A blocked run leaving the file byte-identical is proven in
test_pipeline.py.) Each test works on copies of the session's warehouse, in separate processes
where a real user would be one."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from conftest import sha256_file, warehouse_settings

from orchestration.runner import run_pipeline

READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
count = "select count(*) from cockpit.koersler"
print(con.execute(count).fetchone()[0], flush=True)
sys.stdin.readline()                      # the refresh happens while this connection is open
print(con.execute(count).fetchone()[0], flush=True)
con.close()  # a BI tool's next open; while a connection is open, DuckDB hands this process the same instance
print(duckdb.connect(sys.argv[1], read_only=True).execute(count).fetchone()[0], flush=True)
"""


def _copy_warehouse(published_sample, tmp_path: Path):
    settings, _, _ = published_sample
    target = warehouse_settings(tmp_path, settings.landing_dir)
    shutil.copyfile(settings.build_db, target.build_db)
    shutil.copyfile(settings.published_db, target.published_db)
    return target


def _runs(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select count(*) from cockpit.koersler").fetchone()[0]


def test_reader_holding_the_published_file_does_not_block_a_refresh(published_sample, tmp_path):
    target = _copy_warehouse(published_sample, tmp_path)
    with duckdb.connect(str(target.build_db)) as con:  # no last build: the refresh builds and publishes
        con.execute("delete from meta.dbt_built")
    before = _runs(target.published_db)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(target.published_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert int(reader.stdout.readline()) == before  # the reader is connected
        outcome = run_pipeline(target)
        assert outcome.published, outcome.reason
        out, _ = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    same_connection, reopened = (int(x) for x in out.split())
    assert same_connection == before  # its snapshot stays consistent during the refresh
    assert reopened == before + 1 == _runs(target.published_db)  # and it sees the new data on reopen


def test_killing_a_run_during_dbt_leaves_the_published_file_and_the_next_run_recovers(published_sample, tmp_path):
    target = _copy_warehouse(published_sample, tmp_path)
    with duckdb.connect(str(target.build_db)) as con:  # no last build: dbt builds every model
        con.execute("delete from meta.dbt_built")
    published_before = sha256_file(target.published_db)
    cmd = [
        sys.executable,
        "-m",
        "cli.main",
        "run",
        "--landing",
        str(target.landing_dir),
        "--build-db",
        str(target.build_db),
        "--published-db",
        str(target.published_db),
    ]
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    run = subprocess.Popen(
        cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, start_new_session=True, env=env
    )
    seen = []
    try:
        deadline = time.monotonic() + 300
        for line in run.stderr:  # wait until dbt is building models
            seen.append(line)
            if "✓ staging/" in line or time.monotonic() > deadline:
                break
        assert any("✓ staging/" in line for line in seen), "".join(seen)
        os.killpg(run.pid, signal.SIGKILL)  # the process group: Dagster, and dbt with it
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode == -signal.SIGKILL
    assert sha256_file(target.published_db) == published_before

    outcome = run_pipeline(target)
    assert outcome.published, outcome.reason
    assert _runs(target.published_db) == _runs(published_sample[0].published_db) + 1
