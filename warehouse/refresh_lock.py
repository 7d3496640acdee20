"""One refresh of the build DB at a time, whichever way it was started.

DuckDB lets one process write a file; two refreshes (a `cockpit run` and a sensor-launched run,
say) would otherwise race for it and the loser would fail somewhere in the middle with a bare
lock error. Every entry point that writes the build DB takes this lock first: `cockpit run`
around its runs, and every Dagster run (UI, schedule, sensor, backfill) through the job
executor `locked_executor`, in the run's own orchestrating process for the whole run — its
steps run in that process (or, in a run that selects the multiprocess executor, each in its
own) under their run's lock and never wait for it themselves.

The lock is an OS file lock (`filelock`, flock on POSIX: the kernel drops it when its process
dies) on `<build DB>.lock`; the holder writes its pid, host, start time and run id into the file
so a second refresh can say who holds it, and empties it on release. A file still naming a
holder when the lock is free was left by a process that died: it is taken over with a warning.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

EX_TEMPFAIL = 75  # sysexits.h: try again later
# A Dagster run that finds another refresh running waits this long before failing: a sensor's or
# schedule's run is not lost because a `cockpit run` happened to be running.
DAGSTER_RUN_WAIT_SECONDS = 2 * 3600.0

_held: dict[Path, tuple[FileLock, int]] = {}  # re-entrant within a process: lock path → (lock, depth)


@dataclass(frozen=True)
class Holder:
    pid: int | None
    host: str
    startet: str
    run_id: str = ""

    def describe(self) -> str:
        where = "" if self.host in ("", socket.gethostname()) else f" på {self.host}"
        return f"pid {self.pid if self.pid is not None else '?'}{where}, startet {self.startet or '?'}"


class RefreshBusy(RuntimeError):
    """Another refresh holds the lock (and the caller would not, or could no longer, wait)."""

    def __init__(self, holder: Holder):
        self.holder = holder
        super().__init__(f"en anden opdatering kører ({holder.describe()})")


def lock_path(build_db: Path) -> Path:
    return build_db.with_name(build_db.name + ".lock")


def read_holder(path: Path) -> Holder | None:
    """The holder named in lock file `path`, or None when the file is absent or empty."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not text:
        return None
    try:
        info = json.loads(text)
        return Holder(info.get("pid"), info.get("host", ""), info.get("startet", ""), info.get("run_id", ""))
    except (ValueError, AttributeError):
        return Holder(None, "", "", "")


@contextmanager
def refresh_lock(
    build_db: Path, *, run_id: str = "", wait: float = 0.0, say: Callable[[str], None] = lambda _m: None
) -> Iterator[None]:
    """Hold the refresh lock of `build_db` for the block.

    `wait`: seconds to wait for another refresh to finish (0: not at all; `float("inf")`: as
    long as it takes); waiting is announced once through `say`, naming the holder. Raises
    `RefreshBusy` (its message is the one line to show) when the lock is still held after that.
    Re-entrant within one process: `cockpit run` holds it around the runs it executes in process.
    A lock left by a dead process is taken over; `say` gets a warning naming it."""
    path = lock_path(build_db).resolve()
    if path in _held:
        lock, depth = _held[path]
        _held[path] = (lock, depth + 1)
        try:
            yield
        finally:
            _held[path] = (lock, _held[path][1] - 1)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, thread_local=False, fallback_to_soft=False)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        holder = read_holder(path) or Holder(None, "", "")
        if wait <= 0:
            raise RefreshBusy(holder) from None
        say(f"venter på en anden opdatering ({holder.describe()})")
        try:
            lock.acquire(timeout=-1 if wait == float("inf") else wait)
        except Timeout:
            raise RefreshBusy(read_holder(path) or holder) from None
    try:
        left = read_holder(path)
        if left is not None:
            say(f"overtog en efterladt lås {path.name} fra en opdatering der ikke kører længere ({left.describe()})")
            wait_for_old_writer(build_db, say=say)
        _write(
            path,
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "startet": datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                "run_id": run_id,
            },
        )
        _held[path] = (lock, 1)
        try:
            yield
        finally:
            del _held[path]
            _write(path, None)  # released cleanly: nothing for the next one to take over
    finally:
        lock.release()


# How long a taken-over lock waits for a writer the dead holder left (a `dbt build` that outlived
# it where the kernel cannot kill it along: warehouse/dbt_child.py) to let go of the file.
OLD_WRITER_WAIT_SECONDS = 600.0
_DUCKDB_LOCK = re.compile(r"Conflicting lock is held in (.*?) \(PID (\d+)\)")


def wait_for_old_writer(
    build_db: Path, *, say: Callable[[str], None] = lambda _m: None, timeout: float = OLD_WRITER_WAIT_SECONDS
) -> None:
    """Wait until no process holds DuckDB's own lock on `build_db` (issue 24 §6: a taken-over
    refresh lock must never mean two writers). Says once whom it waits for; raises
    `RefreshBusy` naming that process after `timeout` seconds. Returns at once when the file is
    absent or free; a file DuckDB cannot open for another reason is left to the run to report."""
    import duckdb

    deadline, told = time.monotonic() + timeout, False
    while build_db.exists():
        try:
            duckdb.connect(str(build_db)).close()
            return
        except duckdb.IOException as exc:
            found = _DUCKDB_LOCK.search(str(exc))
            if found is None:
                return
            pid = int(found.group(2))
            if not told:
                say(
                    f"venter på at pid {pid} ({found.group(1).strip()}), som den afbrudte opdatering startede, "
                    f"slipper {build_db.name}"
                )
                told = True
            if time.monotonic() > deadline:
                raise RefreshBusy(Holder(pid, "", "")) from None
            time.sleep(0.5)
        except duckdb.Error:
            return


def _write(path: Path, info: dict | None) -> None:
    # Rewritten in place, never replaced: the flock belongs to this inode.
    with open(path, "r+", encoding="utf-8") as fh:
        fh.truncate(0)
        if info is not None:
            fh.write(json.dumps(info))
        fh.flush()
