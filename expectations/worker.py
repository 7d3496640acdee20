"""Worker processes that die with the process that started them.

A refresh parses files (warehouse/parallel_read.py) and runs GX (expectations/runner.py) in
spawned worker processes. Killed (kill -9, the OOM killer), the refresh leaves them behind: a
pool's worker waits on its task queue, whose write end it holds itself, so it never sees the
end of it and would wait forever, holding its memory. Linux's `PR_SET_PDEATHSIG` is no answer
here: it fires when the *thread* that started the worker ends, which in a pool may be any
thread that submitted first.

Here rather than in `ingest/`, whose every file is part of the readers' version (a change there
reads every landing file again), and below `warehouse/`, whose parse workers use it too.
"""

from __future__ import annotations

import os
import threading
import time

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
