"""Worker processes die with the refresh that started them (expectations/worker.py): a pool's
worker of a refresh killed with kill -9 waited on its task queue for ever. Both pools are tried
as the refresh starts them: the GX worker (`start_worker`) and the parse workers
(`parsed_in_order`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import psutil
import pytest

from warehouse.paths import PROJECT_ROOT

HEADER = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n"

STARTER = """
import multiprocessing, sys, time
from pathlib import Path
from types import SimpleNamespace

if __name__ == "__main__":
    if sys.argv[1] == "gx":
        from expectations import runner
        runner.start_worker()
        runner._worker.submit(int).result()  # up
    else:
        from ingest.sources import SOURCES
        from warehouse import parallel_read
        parallel_read.PARALLEL_FROM_SECONDS = 0  # two small files, parsed by workers all the same
        landing = Path(sys.argv[2])
        files = [SimpleNamespace(rel=f"belaegning/{n}", path=landing / "belaegning" / n) for n in ("a.csv", "b.csv")]
        parsed = parallel_read.parsed_in_order(SOURCES["belaegning"], files, landing, "run-1", workers=2)
        next(parsed)  # the workers are up
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    time.sleep(600)
"""


@pytest.mark.parametrize("pool", ["gx", "parse"])
def test_a_refresh_s_workers_exit_when_it_is_killed(tmp_path, pool):
    (tmp_path / "belaegning").mkdir()
    for name in ("a.csv", "b.csv"):
        (tmp_path / "belaegning" / name).write_text(HEADER + "1001;2024-03;10;10;300\n", encoding="utf-8")
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER, pool, str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT
    )
    try:
        workers = [psutil.Process(int(pid)) for pid in starter.stdout.readline().split()]
    finally:
        os.kill(starter.pid, signal.SIGKILL)
        starter.wait()
    try:
        assert len(workers) == (1 if pool == "gx" else 2)
        gone, alive = psutil.wait_procs(workers, timeout=10)
        assert (len(gone), alive) == (len(workers), [])
    finally:
        for worker in workers:
            if worker.is_running():
                worker.kill()


def _start_and_say(queue) -> None:
    from expectations import runner

    runner.start_worker()
    queue.put(runner._worker is not None)


def test_a_multiprocess_executor_s_step_starts_no_gx_worker_and_ends():
    # Its checks run in other step processes; a step that had started one was seen waiting at its
    # end to join the idle worker, for ever (test_operations' multiprocess run hung on it).
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    step = context.Process(target=_start_and_say, args=(queue,))
    step.start()
    started = queue.get(timeout=120)
    step.join(timeout=60)
    assert (started, step.exitcode) == (False, 0)
