"""dbt's interpreter started before its arguments are known: a refresh's `dbt build` without
dbt's 1,6–2 s of imports in series.

A refresh knows early that it will run dbt (a build DB from empty, a load that reads files),
but dagster-dbt starts dbt only when the dbt step runs, and dbt then spends ~1,6 s importing
itself and ~0,3 s registering its adapter before it reads a model (docs/performance.md). So
`start` spawns, on the other core, a Python process that imports dbt and the DuckDB adapter and
waits on a Unix socket. When dagster-dbt then runs its executable, `warehouse/dbt_child.py`,
that connects, hands over its standard input, output and error (file descriptors, `SCM_RIGHTS`),
its arguments, working directory and environment, and waits: this process runs dbt's CLI with
them, as the real `dbt` would, writes to dagster-dbt's pipe, and its exit status becomes the
child's. The refresh then waits for this process to have exited (`reap`) before it opens the
build DB again, as it waited for dbt before.

One use per process; anything that cannot be done so is done as before: no process started
(`start` in a multiprocessing child, another dbt than this venv's, an error), the socket not
there yet, or the process gone, and `dbt_child.py` execs dbt itself.

It dies with the refresh (issue 24 §6, as `dbt_child.py` does): `PR_SET_PDEATHSIG` against the
process that started it, checked against `COCKPIT_DBT_PARENT_PID`, plus the watchdog of
`expectations/worker.py`; and it kills itself when the child it serves is gone (the socket
closed), so a killed step leaves no dbt writing the build DB. Signals the child gets (dagster-dbt
sends SIGINT to cancel) are passed on.
"""

from __future__ import annotations

import atexit
import json
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from warehouse.dbt_child import alive, arm_death_signal

WARM_ENV = "COCKPIT_DBT_WARM"  # the socket dbt_child.py connects to
FOLDER_PREFIX = "cockpit-dbt-"  # + the starter's pid: tempfile's folder of the socket
PARENT_ENV = "COCKPIT_DBT_PARENT_PID"
# How long the refresh waits for the process to have exited after dbt's child did (dbt's own
# teardown: DuckDB's checkpoint on close).
REAP_SECONDS = 120.0


@dataclass
class _Warm:
    process: subprocess.Popen
    folder: Path

    @property
    def socket(self) -> Path:
        return self.folder / "dbt.sock"


_warm: _Warm | None = None
_atexit_registered = False


def start() -> None:
    """Start dbt's interpreter for the next `dbt` this process's dbt step runs (see the module's
    docstring); nothing when one waits already, in a multiprocessing child (a step of Dagster's
    multiprocess executor: the dbt step runs in another process), or when the dbt dagster-dbt
    runs is not this venv's (`dbt_manifest.dbt_child_env`). Never raises: a process that cannot
    be started leaves dbt to start as before."""
    global _warm, _atexit_registered
    if _warm is not None and _warm.process.poll() is None:
        return
    reap()
    # PR_SET_PDEATHSIG fires when the *thread* that started the process ends: only the main
    # thread lives as long as the refresh (every caller today: `cockpit run`, a step in process).
    if (
        multiprocessing.parent_process() is not None
        or threading.current_thread() is not threading.main_thread()
        or not _own_dbt()
    ):
        return
    _remove_orphans()
    folder = None
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
        process = subprocess.Popen(
            # -P: nothing of the refresh's working directory shadows a module, as in the `dbt` script
            [sys.executable, "-P", "-m", "warehouse.dbt_warm", str(folder / "dbt.sock")],
            # read at the interpreter's start, so not taken from the child's environment later
            env={**os.environ, PARENT_ENV: str(os.getpid()), "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            # a Ctrl-C of the refresh reaches dbt once, through dbt_child, as it reached dbt before
            start_new_session=True,
        )
    except OSError:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        return
    _warm = _Warm(process, folder)
    if not _atexit_registered:
        atexit.register(reap)  # a refresh that ended before its dbt step: no process or folder left
        _atexit_registered = True


def environment() -> dict[str, str]:
    """`{WARM_ENV: socket}` for dbt's environment when a started process waits (dbt_child.py
    uses it), else {}. The process is then spoken for: `reap` after dbt ran."""
    if _warm is None or _warm.process.poll() is not None:
        return {}
    return {WARM_ENV: str(_warm.socket)}


def reap() -> None:
    """After a dbt invocation, and at this process's exit: wait until the process that ran dbt
    has exited (it held the build DB), or stop it if it ran nothing; the next `start` begins a
    new one. Never raises."""
    global _warm
    warm, _warm = _warm, None
    if warm is None:
        return
    if not (warm.folder / "taken").exists():  # never connected: dbt started by itself
        warm.process.kill()
    try:
        warm.process.wait(timeout=REAP_SECONDS)
    except subprocess.TimeoutExpired:
        warm.process.kill()
        warm.process.wait()
    shutil.rmtree(warm.folder, ignore_errors=True)


def _remove_orphans() -> None:
    # The folders of refreshes that were killed (kill -9 runs no exit handler): their starter's
    # pid is in the name, and a folder whose starter is gone is no one's.
    for folder in Path(tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*-*"):
        pid = folder.name.removeprefix(FOLDER_PREFIX).split("-")[0]
        if pid.isdigit() and not alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _own_dbt() -> bool:
    from warehouse.dbt_manifest import dbt_child_env

    try:
        return bool(dbt_child_env()["COCKPIT_DBT_VERSION"])
    except Exception:  # noqa: BLE001 — whatever it is, dbt starts as before
        return False


# --- the process itself ------------------------------------------------------------------------


def _serve(path: str) -> int:
    # Dies with the process that started it, before doing anything else.
    if not arm_death_signal(int(os.environ.pop(PARENT_ENV, "") or os.getppid())):
        return 1
    parent = os.getppid()
    from expectations.worker import exit_with_parent

    exit_with_parent(parent)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    import dbt.adapters.duckdb  # noqa: F401 — the adapter's registration, ~0,3 s of dbt's start
    import dbt.cli.main

    format_written_lines_only()

    conn, _ = listener.accept()
    Path(path).with_name("taken").touch()  # the refresh waits for this process to exit
    listener.close()
    os.unlink(path)  # spoken for: a second child execs dbt itself
    _, fds, _, _ = socket.recv_fds(conn, 1, 3)
    request = json.loads(_read_line(conn))
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    conn.sendall(f"pid {os.getpid()}\n".encode())
    # The child gone (killed) while dbt runs: dbt must not write on
    finished = threading.Event()
    threading.Thread(target=_die_without, args=(conn, finished), daemon=True).start()
    sys.argv = ["dbt", *request["argv"]]  # dbt records its invocation command from it
    try:
        dbt.cli.main.cli.main(args=request["argv"], prog_name="dbt")  # as the `dbt` script runs it
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.stderr.flush()
    finished.set()
    conn.sendall(f"exit {code}\n".encode())
    _exit_now(code)  # the child waits for this process's end (the socket closed), then exits with it
    return code


# dbt's event levels as the level `send_to_logger` (dbt_common.events.logger) logs them at
_PYTHON_LEVELS = {
    "test": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}


def format_written_lines_only() -> bool:
    """Have dbt's loggers format only the lines they write. dbt-core 1.11's `_Logger.write_line`
    (dbt_common) turns every event into its line (a JSON line: the protobuf message to a dict,
    `json.dumps`, the environment scanned for secrets) and only then hands it to Python's
    logger, which drops it below the logger's level. With the file log at info
    (`DBT_LOG_LEVEL_FILE`, orchestration/assets/dbt.py) and dagster-dbt reading info on stdout,
    ~11 000 of a sample build's ~12 000 lines were formatted to be dropped: ~2,7 s of dbt's
    Python in a build of ~13 s (profile of a bare `dbt build`, threads included).

    Replaces `write_line` with one that first asks the logger whether it would write the line
    (the level `write_line` itself logs at: "error" for dbt's print events), and calls dbt's own
    when it would; what is written is unchanged (tests/test_dbt_warm.py). A level dbt does not
    map goes to dbt's own, which raises as before. Returns whether it is in place; False, and
    nothing changed, when dbt_common has no such logger (another version). Only in the process
    started ahead: a dbt started by itself formats as it always did."""
    try:
        from dbt_common.events import logger as dbt_logger

        original, is_print = dbt_logger._Logger.write_line, dbt_logger._is_print_event
    except (ImportError, AttributeError):
        return False
    if getattr(original, "cockpit_written_only", False):
        return True

    def write_line(self, msg) -> None:
        level = _PYTHON_LEVELS.get("error" if is_print(msg) else msg.info.level)
        python_logger = getattr(self, "_python_logger", None)
        if level is not None and (python_logger is None or not python_logger.isEnabledFor(level)):
            return
        original(self, msg)

    write_line.cockpit_written_only = True
    dbt_logger._Logger.write_line = write_line
    return True


def _exit_now(code: int) -> None:
    """End this process with `code` now that dbt is done, without Python's teardown of dbt's
    objects (its manifest, Jinja environments, agate tables), which the dbt step waits for: after
    a build of the sample, 0,2–0,4 s from dbt's return to the process's end instead of 1,5–1,6 s
    (measured beside the test suite). First what the
    teardown did that matters: dbt-duckdb's database is closed (DuckDB checkpoints what dbt
    wrote and lets the file go), then the process ends as `cockpit` does
    (`expectations.worker.end_now`: threads joined, exit handlers run — logs flushed,
    multiprocessing's semaphores released — and the standard streams flushed). Returns without
    ending the process when the database cannot be closed here (another dbt-duckdb, an error):
    the teardown then closes it, as before."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        env = DuckDBConnectionManager._ENV  # dbt-duckdb 1.11's one database of the invocation
        if env is not None:
            env.close()
            DuckDBConnectionManager._ENV = None
    except Exception:  # noqa: BLE001 — the ordinary end does the same, slower
        return
    from expectations.worker import end_now

    end_now(code)


def _read_line(conn: socket.socket) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("dbt_child lukkede forbindelsen")
        data += chunk
    return data.decode()


def _die_without(conn: socket.socket, finished: threading.Event) -> None:
    while True:
        try:
            data = conn.recv(64)
        except OSError:  # reset: the child died with data unread
            data = b""
        if not data:
            if not finished.is_set():
                os.kill(os.getpid(), signal.SIGKILL)
            return
        for word in data.decode(errors="replace").split():
            if word.isdigit():  # a signal the child got, passed on
                os.kill(os.getpid(), int(word))


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1]))
