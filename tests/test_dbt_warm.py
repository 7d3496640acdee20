"""dbt's interpreter started ahead (warehouse/dbt_warm.py): `dbt_child.py` has it run dbt with
the child's streams, arguments, working directory and environment, and its exit status; it dies
with the refresh that started it and with the child it serves; unused, it is stopped, and dbt
starts as before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from warehouse import dbt_warm
from warehouse.dbt_manifest import DBT_CHILD, dbt_child_env
from warehouse.paths import PROJECT_ROOT


def _started() -> psutil.Process:
    dbt_warm.start()
    warm = dbt_warm._warm
    assert warm is not None
    deadline = time.time() + 120
    while not warm.socket.exists():  # listening (dbt's import may still run: a child then waits)
        assert warm.process.poll() is None and time.time() < deadline
        time.sleep(0.05)
    return psutil.Process(warm.process.pid)


def _child(args: list[str], env: dict[str, str], **kwargs) -> subprocess.Popen:
    env = {**os.environ, **dbt_child_env(), "COCKPIT_DBT_PARENT_PID": str(os.getpid()), **env}
    return subprocess.Popen(
        [str(DBT_CHILD), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs
    )


@pytest.fixture(autouse=True)
def _no_process_left():
    yield
    dbt_warm.reap()


def test_dbt_runs_in_the_process_started_ahead_with_the_child_s_streams_environment_and_status(tmp_path):
    warm = _started()
    env = {**dbt_warm.environment(), "DBT_PROFILES_DIR": str(tmp_path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    child = _child(["debug", "--config-dir"], env, cwd=tmp_path)
    said, _ = child.communicate(timeout=120)
    process = dbt_warm._warm.process
    dbt_warm.reap()
    assert (child.returncode, process.returncode) == (0, 0)  # dbt's status, from the process started ahead
    assert said.strip().splitlines()[-1] == f"xdg-open {tmp_path}"  # the child's environment, on its stdout
    assert not warm.is_running()

    _started()
    child = _child(["nosuchcommand"], dbt_warm.environment(), cwd=tmp_path)
    said, _ = child.communicate(timeout=120)
    process = dbt_warm._warm.process
    dbt_warm.reap()
    assert (child.returncode, process.returncode) == (2, 2)
    assert "Usage: dbt [OPTIONS] [COMMAND] [ARGS]..." in said and "No such command 'nosuchcommand'" in said


def test_without_a_process_ahead_dbt_child_starts_dbt_itself(tmp_path):
    child = _child(["nosuchcommand"], {dbt_warm.WARM_ENV: str(tmp_path / "no.sock")})
    said, _ = child.communicate(timeout=120)
    assert child.returncode == 2 and "No such command 'nosuchcommand'" in said


def test_a_process_started_ahead_and_not_used_is_stopped():
    warm = _started()
    folder = dbt_warm._warm.folder
    t0 = time.perf_counter()
    dbt_warm.reap()
    assert time.perf_counter() - t0 < 5
    assert not warm.is_running() and not folder.exists() and dbt_warm.environment() == {}


def _profile(tmp_path) -> dict[str, str]:
    return {
        "COCKPIT_BUILD_DB": str(tmp_path / "build.duckdb"),
        "COCKPIT_DUCKDB_TEMP_DIR": str(tmp_path / "tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }


# A full parse of the project (a new target folder) runs for seconds after dbt's first line.
PARSE = ["parse", "--profiles-dir", "."]


def test_dbt_started_ahead_dies_when_the_child_it_runs_for_is_killed(tmp_path):
    # The step killed (dagster-dbt kills its child): no dbt may write on.
    warm = _started()
    child = _child(PARSE, {**dbt_warm.environment(), **_profile(tmp_path)}, cwd=PROJECT_ROOT / "dbt_project")
    assert "Running with dbt=" in child.stdout.readline()  # dbt runs, in the process started ahead
    child.kill()
    child.wait()
    gone, alive = psutil.wait_procs([warm], timeout=10)
    assert alive == []
    assert gone[0].returncode == -signal.SIGKILL
    assert not (tmp_path / "target" / "manifest.json").exists()  # the parse did not end


def test_a_cancel_reaches_dbt_in_the_process_started_ahead_and_the_child_ends_with_its_status(tmp_path):
    # dagster-dbt cancels a step by SIGINT to its child: dbt stops, as the real one would.
    warm = _started()
    process = dbt_warm._warm.process
    child = _child(PARSE, {**dbt_warm.environment(), **_profile(tmp_path)}, cwd=PROJECT_ROOT / "dbt_project")
    assert "Running with dbt=" in child.stdout.readline()
    child.send_signal(signal.SIGINT)
    child.communicate(timeout=120)
    status = process.wait(timeout=10)  # before psutil: it would reap the process and its status
    assert child.returncode != 0 and child.returncode == status  # dbt's own status
    assert not warm.is_running()
    assert not (tmp_path / "target" / "manifest.json").exists()


def test_a_process_gone_before_it_took_the_connection_leaves_dbt_to_start_as_before():
    # Killed while importing dbt (the OOM killer): its pending connection is reset, and the
    # child execs dbt itself rather than fail the build.
    warm = _started()
    warm.suspend()  # still importing dbt: it has not taken the connection
    child = _child(["nosuchcommand"], dbt_warm.environment())
    time.sleep(0.5)
    warm.kill()
    said, _ = child.communicate(timeout=120)
    assert child.returncode == 2 and "No such command 'nosuchcommand'" in said


STARTER = """
import sys, time
if __name__ == "__main__":
    from warehouse import dbt_warm
    dbt_warm.start()
    while not dbt_warm._warm.socket.exists():  # past its own checks of its parent: listening
        time.sleep(0.05)
    print(dbt_warm._warm.process.pid, flush=True)
    time.sleep(600)
"""


def test_dbt_started_ahead_dies_with_the_refresh_that_started_it():
    starter = subprocess.Popen([sys.executable, "-c", STARTER], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
    try:
        warm = psutil.Process(int(starter.stdout.readline()))
    finally:
        os.kill(starter.pid, signal.SIGKILL)
        starter.wait()
    gone, alive = psutil.wait_procs([warm], timeout=10)
    assert alive == []
    # kill -9 ran no exit handler: its folder is left until the next refresh's start removes it
    [left] = Path(tempfile.gettempdir()).glob(f"{dbt_warm.FOLDER_PREFIX}{starter.pid}-*")
    _started()
    assert not left.exists() and dbt_warm._warm.folder.exists()


def test_a_refresh_that_ends_before_its_dbt_step_leaves_no_process_or_folder():
    code = (
        "from warehouse import dbt_warm\n"
        "dbt_warm.start()\n"
        "print(dbt_warm._warm.process.pid, dbt_warm._warm.folder, flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    pid, folder = done.stdout.split()
    assert done.returncode == 0 and not psutil.pid_exists(int(pid)) and not os.path.exists(folder)


def test_the_child_dagster_dbt_starts_is_the_venv_s_console_script_on_the_venv_s_python():
    # not the file's `#!/usr/bin/env python3`, which went through pyenv's shell scripts here
    assert DBT_CHILD == Path(sys.executable).with_name("cockpit-dbt-child")
    # pip names the interpreter on the first line, or (a long path, a space) in an `exec` line of /bin/sh
    head = DBT_CHILD.read_text(encoding="utf-8").splitlines()[:3]
    python = head[0].removeprefix("#!") if head[0] != "#!/bin/sh" else head[1].split("'")[2].strip().split(" ")[0]
    assert Path(python).resolve() == Path(sys.executable).resolve()
    env = {**os.environ, **dbt_child_env(), "COCKPIT_DBT_VERSION": "9.8.7"}  # answered by the child, not dbt
    answer = subprocess.run([str(DBT_CHILD), "--version"], env=env, capture_output=True, text=True)
    assert (answer.returncode, answer.stdout) == (0, "Core:\n  - installed: 9.8.7\n")


def test_dbt_in_the_process_started_ahead_leaves_the_build_db_checkpointed_and_let_go(tmp_path):
    # The process ends without Python's teardown (`_exit_now`): dbt-duckdb's database is closed
    # first, so what dbt wrote is in the file, not in a WAL, and the file is free for the next step.
    import duckdb

    _started()
    db = tmp_path / "build.duckdb"
    env = {
        **dbt_warm.environment(),
        "COCKPIT_BUILD_DB": str(db),
        "COCKPIT_DUCKDB_TEMP_DIR": str(tmp_path / "build.duckdb.tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    args = ["run", "--select", "dim_maaned", "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path)]
    child = _child(args, env, cwd=PROJECT_ROOT / "dbt_project")
    said, _ = child.communicate(timeout=300)
    process = dbt_warm._warm.process
    dbt_warm.reap()
    assert (child.returncode, process.returncode) == (0, 0), said
    assert db.is_file() and not db.with_name("build.duckdb.wal").exists()
    first, this_year = 2007, time.localtime().tm_year
    with duckdb.connect(str(db)) as con:  # writable: no process holds it
        assert con.execute("select count(*), min(aar), max(aar) from marts.dim_maaned").fetchone() == (
            (this_year + 2 - first) * 12,
            first,
            this_year + 1,
        )


def _lines_written(line_format, level, messages) -> tuple[list[str], int]:
    """What a dbt logger of `line_format` at `level` writes for `messages`, and how many lines it
    formatted to get there."""
    import io
    import re

    from dbt_common.events.logger import LoggerConfig, _JsonLogger, _TextLogger

    stream = io.StringIO()
    config = LoggerConfig(
        name=f"cockpit-test-{line_format.name}-{level.value}",
        line_format=line_format,
        level=level,
        output_stream=stream,
    )
    logger = (_JsonLogger if line_format.name == "Json" else _TextLogger)(config)
    formatted = 0
    create_line = logger.create_line

    def counted(msg):
        nonlocal formatted
        formatted += 1
        return create_line(msg)

    logger.create_line = counted
    for msg in messages:
        logger.write_line(msg)
    # plain text stamps the time of writing, not of the event
    return [re.sub(r"^\d\d:\d\d:\d\d", "", line) for line in stream.getvalue().splitlines()], formatted


def test_dbt_started_ahead_formats_only_the_log_lines_it_writes_and_writes_the_same(monkeypatch):
    from dbt_common.events import logger as dbt_logger
    from dbt_common.events.base_types import EventLevel, msg_from_base_event
    from dbt_common.events.types import Note, PrintEvent

    monkeypatch.setattr(dbt_logger._Logger, "write_line", dbt_logger._Logger.write_line)  # undone after
    levels = [EventLevel.DEBUG, EventLevel.TEST, EventLevel.INFO, EventLevel.WARN, EventLevel.ERROR]
    messages = [msg_from_base_event(Note(msg=f"note {lv.value}"), level=lv) for lv in levels] * 3
    messages.append(msg_from_base_event(PrintEvent(msg="printed")))  # written even at error (--quiet)
    formats = list(dbt_logger.LineFormat)
    # (format, level): lines written by dbt's own write_line, per the levels above x 3 + print
    cases = {(f, lv): _lines_written(f, lv, messages) for f in formats for lv in (EventLevel.INFO, EventLevel.ERROR)}
    assert all(formatted == len(messages) for _, formatted in cases.values())  # dbt formats every line

    assert dbt_warm.format_written_lines_only() is True
    assert dbt_warm.format_written_lines_only() is True  # once only
    for (line_format, level), (lines, _) in cases.items():
        now, formatted = _lines_written(line_format, level, messages)
        assert now == lines  # the same lines, in the same order
        written = {EventLevel.INFO: 3 * 3 + 1, EventLevel.ERROR: 3 + 1}[level]  # info/warn/error, or error; + print
        assert (len(now), formatted) == (written, written)
    assert "printed" in now[-1]
