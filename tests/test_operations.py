"""Operating the pipeline as a data engineer would: the landing sensor, the schedules, the
whole graph on Dagster's multiprocess executor under the shipped instance config, and the UI."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context, execute_job, reconstructable

from conftest import warehouse_settings
from ingest.textfile import sha256_file
from orchestration.automation import landing_dir_sensor, monthly_schedule
from orchestration.settings import PROJECT_ROOT

SHIPPED_INSTANCE = PROJECT_ROOT / "dagster_home" / "dagster.yaml"


def test_sensor_requests_a_run_once_per_new_or_changed_file(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    report = landing / "belaegning" / "rapport.csv"
    report.parent.mkdir(parents=True)
    report.write_text("Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n1001;2024-01;10;10;300\n")
    monkeypatch.setenv("COCKPIT_LANDING_DIR", str(landing))
    instance = DagsterInstance.ephemeral()

    def tick(cursor):
        context = build_sensor_context(cursor=cursor, instance=instance)
        return landing_dir_sensor(context), context.cursor

    first, cursor = tick(None)
    assert isinstance(first, RunRequest) and first.run_key == f"belaegning/rapport.csv@{sha256_file(report)}"
    again, cursor = tick(cursor)
    assert isinstance(again, SkipReason)

    report.write_text(report.read_text() + "1001;2024-02;10;10;280\n")  # the operator corrects the file
    changed, cursor = tick(cursor)
    assert isinstance(changed, RunRequest) and changed.run_key == f"belaegning/rapport.csv@{sha256_file(report)}"
    assert changed.run_key != first.run_key
    assert isinstance(tick(cursor)[0], SkipReason)

    (landing / "sikrede").mkdir()
    for name in ("a.csv", "b.csv"):  # several files in one tick start one run, not one each
        (landing / "sikrede" / name).write_text(name)
    batch, cursor = tick(cursor)
    assert isinstance(batch, RunRequest) and batch.run_key.startswith("2 filer@")
    assert isinstance(tick(cursor)[0], SkipReason)


def test_monthly_schedule_is_the_5th_at_six_copenhagen_time():
    assert (monthly_schedule.cron_schedule, monthly_schedule.execution_timezone) == ("0 6 5 * *", "Europe/Copenhagen")
    selected = {k.to_user_string() for k in monthly_schedule.job.selection.resolve(_defs().resolve_asset_graph())}
    assert {"raw/belaegning", "raw/sikrede", "raw/sundhedstjek", "cockpit/sundhedstjek", "publish/cockpit_duckdb"} <= selected
    assert not {"raw/regnskab", "raw/takstbilag", "cockpit/udgifter_kommune"} & selected


def _defs():
    from orchestration.definitions import defs

    return defs


class _Timeout(Exception):
    pass


def _alarm(_signum, _frame):
    raise _Timeout("the multiprocess run did not finish in 15 minutes (a step holding the pool slot?)")


def test_whole_graph_on_the_multiprocess_executor_has_no_lock_errors(published_sample, tmp_path, monkeypatch):
    settings, _, _ = published_sample
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(SHIPPED_INSTANCE, home / "dagster.yaml")
    target = warehouse_settings(tmp_path, settings.landing_dir)  # a fresh build DB: every step writes
    target.export_env()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    from orchestration.definitions import cockpit_refresh_job

    # A step subprocess that dies without an event keeps its pool slot and every other step
    # waits for it forever: fail the test instead of hanging CI.
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(900)
    try:
        with DagsterInstance.get() as instance:
            result = execute_job(reconstructable(cockpit_refresh_job), instance=instance)
            logs = "\n".join(str(e.message) for e in instance.all_logs(result.run_id))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.success, logs[-3000:]
    assert "Conflicting lock" not in logs and "Could not set lock" not in logs
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/posteringer", "marts/mart_udgifter_kommune", "publish/cockpit_duckdb"} <= materialized
    with duckdb.connect(str(target.published_db), read_only=True) as con:
        assert con.execute("select count(*) from cockpit.takster").fetchone()[0] == 192


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dagster_dev_starts_and_answers_on_localhost(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(SHIPPED_INSTANCE, home / "dagster.yaml")
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.Popen([str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline, info = time.monotonic() + 120, None
        while time.monotonic() < deadline and info is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as resp:
                    info = resp.read().decode()
            except OSError:
                time.sleep(1)
        assert info and "dagster_webserver_version" in info
    finally:
        # dagster dev does not stop its children on SIGTERM within seconds (TOOLCHAIN.md): kill the group.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
