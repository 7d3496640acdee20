"""Worker processes die with the refresh that started them (expectations/worker.py): a pool's
worker of a refresh killed with kill -9 would otherwise wait on its task queue forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil
import pytest

from warehouse.paths import PROJECT_ROOT

STARTER = """
import os, sys, time, multiprocessing
from concurrent.futures import ProcessPoolExecutor
from expectations.worker import exit_with_parent

if __name__ == "__main__":
    watched = sys.argv[1] == "watched"
    pool = ProcessPoolExecutor(
        1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=exit_with_parent if watched else None,
        initargs=(os.getpid(),) if watched else (),
    )
    print(pool.submit(os.getpid).result(), flush=True)
    time.sleep(600)
"""


def _worker_after_kill(how: str) -> psutil.Process:
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, how], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
    )
    worker = psutil.Process(int(starter.stdout.readline()))
    os.kill(starter.pid, signal.SIGKILL)
    starter.wait()
    return worker


@pytest.mark.parametrize("how", ["watched", "unwatched"])
def test_a_pool_worker_exits_when_its_starter_is_killed(how):
    worker = _worker_after_kill(how)
    try:
        gone, alive = psutil.wait_procs([worker], timeout=5)
        # Unwatched (the pools before) it waits on its queue for ever: this test sees the difference.
        assert (len(gone), len(alive)) == ((1, 0) if how == "watched" else (0, 1))
    finally:
        if worker.is_running():
            worker.kill()
