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
import contextlib
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
    has told the worker to stop, the process ends at once (`end_now` from its first exit handler:
    logging shut down, the standard streams flushed, `os._exit(0)`) instead of tearing down every
    module it imported, which whoever shuts the pool down with `wait=True` — the refresh's own
    end — waits for: 0,97 s for the GX worker, 0,03 s after.

    The status is 0 whichever way the worker's Python ended (its code cannot be read from an
    exit handler): a worker whose loop broke (a task that cannot be unpickled, a Ctrl-C) exits 0
    where it exited 1. Nothing reads it: the pool sees a worker gone through its sentinel
    (`BrokenProcessPool`), a task's error reaches its future, and a killed worker runs no exit
    handler. Exit handlers a task registers run before this one; those registered before the
    initializer ran (at the main module's import: multiprocessing's own, already run, logging's,
    called here) are skipped. Not for a process whose exit status carries a result (dbt's
    interpreter, warehouse/dbt_warm.py, ends itself with dbt's)."""
    exit_with_parent(parent)
    atexit.register(end_now, 0, as_python_does=False)  # registered last of its handlers: run first


def end_now(code: int, *, as_python_does: bool = True) -> NoReturn:
    """End this process with exit status `code` without Python's teardown of the modules it
    imported (Dagster, dbt, GX, pandas, polars: ~1 s at a refresh's end). First what that end
    does that matters, in Python's order: with `as_python_does`, other threads joined and
    `concurrent.futures` pools told to stop (`threading._shutdown`, private: there is no public
    form; a Ctrl-C meanwhile is ignored, as Python ignores it there), then the exit handlers
    (`atexit`, logging's shutdown among them); without it (from inside an exit handler, where
    Python has joined the threads) logging is shut down here. Then stdout and stderr are
    flushed: a reader gone (`… | head`) is ignored, any other failed write (a full disk, a file
    size limit) is said on stderr and ends the process with 120, as Python's own end does.
    Files and databases must have been closed by their owners (`with`): their buffers are not
    flushed here. The `cockpit` command ends so (cli/main.py `entry`), and so does a pool's
    worker (`pool_worker`)."""
    if as_python_does:
        try:
            threading._shutdown()
        except KeyboardInterrupt:
            pass
        atexit._run_exitfuncs()
    else:
        logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            pass  # the reader is gone: nothing more to say to it
        except (AttributeError, ValueError):  # closed, or replaced by None
            pass
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.write(2, f"fejl: output kunne ikke skrives færdig ({exc})\n".encode())
            code = code or 120
    os._exit(code)
