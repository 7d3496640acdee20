"""Worker processes that die with the process that started them.

A refresh parses files (warehouse/parallel_read.py) and runs GX (expectations/runner.py) in
spawned worker processes. Killed (kill -9, the OOM killer), the refresh leaves them behind: a
pool's worker waits on its task queue, whose write end it holds itself, so it never sees the
end of it and would wait forever, holding its memory. Linux's `PR_SET_PDEATHSIG` is no answer
here: it fires when the *thread* that started the worker ends, which in a pool may be any
thread that submitted first.

A pool's worker also ends without Python's teardown (`pool_worker`): the refresh waits for its
workers to end, and the GX worker's teardown of GX, pandas and scipy took 0,97 s of it
(docs/performance.md, *Processes that end at once*).

Here rather than in `ingest/`, whose every file is part of the readers' version (a change there
reads every landing file again), and below `warehouse/`, whose parse workers use it too.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
from typing import NoReturn

# How often a worker looks whether its parent is still there (seconds).
WATCH_SECONDS = 1.0


def exit_with_parent(parent: int) -> None:
    """A worker's initializer: exit this process (`os._exit(1)`) within `WATCH_SECONDS` once
    `parent`, the pid of the process that started it, is no longer its parent — at once if it
    died before this ran. Watches in a daemon thread."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def pool_worker(parent: int) -> None:
    """A `ProcessPoolExecutor` worker's initializer: `exit_with_parent(parent)`, and once the pool
    has told the worker to stop, the process ends at once (`os._exit(0)` from its first exit
    handler, after logging's shutdown and the standard streams' flush) instead of tearing down
    every module it imported, which whoever shuts the pool down with `wait=True` — the refresh's
    own end — waits for: 0,97 s for the GX worker, 0,03 s after.

    Exit code 0: the worker got there through Python's normal end (multiprocessing has already
    run its own exit function and joined the worker's threads). A task's error reaches the pool
    as its future's exception, and a killed worker runs no exit handler, so the pool sees both
    as before. Not for a process whose exit code carries a result (dbt's interpreter,
    warehouse/dbt_warm.py, ends itself with its code)."""
    exit_with_parent(parent)
    atexit.register(end_now, 0, as_python_does=False)  # registered last of its handlers: run first


def end_now(code: int, *, as_python_does: bool = True) -> NoReturn:
    """End this process with exit status `code` without Python's teardown of the modules it
    imported (Dagster, dbt, GX, pandas, polars: ~1 s at a refresh's end). First what that end
    does that matters, in Python's order: with `as_python_does`, other threads joined and
    `concurrent.futures` pools told to stop (`threading._shutdown`, private: there is no public
    form), then the exit handlers (`atexit`); always logging's handlers flushed and closed and
    stdout and stderr flushed (a reader gone, `… | head`, is ignored). Files and databases must
    have been closed by their owners (`with`): their buffers are not flushed here.
    `as_python_does=False` from inside an exit handler, where Python has done both already.
    The `cockpit` command ends so (cli/main.py `entry`), and so does a pool's worker
    (`pool_worker`)."""
    if as_python_does:
        threading._shutdown()
        atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):  # closed, replaced by None, or a reader gone
            pass
    os._exit(code)
