#!/usr/bin/env python3
"""Start dbt so that it dies with the process that started it (issue 24 §6).

`dagster-dbt` starts `dbt build` as a plain child process. When the refresh holding the lock is
killed (kill -9, an OOM kill), that child would live on and keep writing the build DB while the
next refresh takes the lock over: two writers. Linux's `PR_SET_PDEATHSIG` makes the kernel send
the child SIGKILL when its parent dies; it survives the `exec` into dbt. This file is the
`dbt_executable` dagster-dbt runs, through the venv's console script `cockpit-dbt-child`
(orchestration/dbt_resources.py `dbt_resource`, warehouse/dbt_manifest.py `DBT_CHILD`); it sets the
signal, checks that the process that started it (`COCKPIT_DBT_PARENT_PID`) is still its parent,
and replaces itself with the real dbt (`COCKPIT_DBT_EXECUTABLE`), or, when the refresh started
dbt's interpreter ahead (`COCKPIT_DBT_WARM`, warehouse/dbt_warm.py), has that run dbt with this
process's standard streams and stays as its stand-in until it ended. Standard library only,
so any `python3` runs it. Elsewhere than Linux it only execs dbt, and the refresh lock's
takeover waits for the old writer's DuckDB lock instead (warehouse/refresh_lock.py).
"""

import ctypes
import json
import os
import shutil
import signal
import socket
import sys

PR_SET_PDEATHSIG = 1


def main() -> None:
    installed = os.environ.get("COCKPIT_DBT_VERSION")
    if sys.argv[1:] == ["--version"] and installed:
        # dagster-dbt's version question, answered without starting dbt (dbt_manifest.dbt_child_env)
        print(f"Core:\n  - installed: {installed}")
        return
    # The starter's pid as it said it (COCKPIT_DBT_PARENT_PID), not only as read here: a parent
    # killed before this line would leave init as the parent to watch, and dbt would live on.
    parent = os.getppid()
    claimed = int(os.environ.get("COCKPIT_DBT_PARENT_PID") or parent)
    if claimed != parent and not alive(claimed):
        sys.exit(1)  # the starter is gone already
    if not arm_death_signal(parent):
        sys.exit(1)
    warm = os.environ.get("COCKPIT_DBT_WARM")
    if warm:
        code = _run_warm(warm, sys.argv[1:])
        if code is not None:
            sys.exit(code)
    dbt = os.environ.get("COCKPIT_DBT_EXECUTABLE") or shutil.which("dbt")
    if not dbt:
        sys.exit("dbt_child: COCKPIT_DBT_EXECUTABLE is not set and no dbt is on PATH")
    os.execv(dbt, [dbt, *sys.argv[1:]])


def arm_death_signal(parent: int) -> bool:
    """Have the kernel SIGKILL this process when the thread that started it ends (Linux's
    `PR_SET_PDEATHSIG`; elsewhere nothing is armed), and say whether `parent` is still this
    process's parent: one that died before the signal was armed would never fire it."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    return os.getppid() == parent


def _run_warm(path: str, argv: list[str]) -> int | None:
    """Run dbt in the process `warehouse/dbt_warm.py` started for it, listening on `path`: hand
    it this process's stdin, stdout and stderr, `argv`, working directory and environment, pass
    on SIGINT and SIGTERM, and return dbt's exit status once that process has ended (1 when it
    ended without saying, e.g. killed). None when it is not there or went away before dbt
    started: then dbt is exec'ed here, as before."""
    pid = None
    early: list[int] = []  # signals before dbt started, passed on once it has

    def pass_on(signum, _frame):
        if pid is None:
            early.append(signum)
            return
        try:
            conn.sendall(f"{signum}\n".encode())
        except OSError:
            pass  # it has ended or is ending

    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    previous = {s: signal.signal(s, pass_on) for s in (signal.SIGINT, signal.SIGTERM)}
    env = {k: v for k, v in os.environ.items() if k != "COCKPIT_DBT_WARM"}
    request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": env}) + "\n"
    try:
        conn.connect(path)
        socket.send_fds(conn, [b"x"], [0, 1, 2])
        conn.sendall(request.encode())
        lines = conn.makefile("r", encoding="utf-8")
        started = lines.readline().split()
    except OSError:  # not there, or gone before dbt started (it resets a pending connection)
        started = []
    if len(started) != 2 or started[0] != "pid":
        for s, handler in previous.items():
            signal.signal(s, handler)
        for signum in early:  # as if dbt had been exec'ed: the default action
            signal.raise_signal(signum)
        return None
    pid = int(started[1])
    for signum in early:
        pass_on(signum, None)
    code = 1
    try:
        for line in lines:  # until it has ended: its end closes the socket
            word = line.split()
            if len(word) == 2 and word[0] == "exit":
                code = int(word[1])
    except OSError:
        pass
    return code


def alive(pid: int) -> bool:
    """Whether a process `pid` exists (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    main()
