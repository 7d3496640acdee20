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


class _Marker:
    """Writes its file when collected: at a worker's teardown, had it one."""

    def __init__(self, path: str) -> None:
        # held here: at teardown the module's globals (`os` among them) may be gone already
        self.fd, self.write = os.open(path, os.O_WRONLY | os.O_CREAT), os.write

    def __del__(self) -> None:
        self.write(self.fd, b"teardown")


_kept: list = []


def _log_buffered_and_keep_marker(log: str, marker: str) -> int:
    import logging
    import logging.handlers

    # A handler that writes only when flushed: logging's shutdown at the worker's end does that.
    target = logging.FileHandler(log)
    logger = logging.getLogger("cockpit-test-worker")
    logger.addHandler(logging.handlers.MemoryHandler(capacity=1000, target=target))
    logger.warning("linje fra arbejdsprocessen")
    _kept.append(_Marker(marker))  # a module global: collected by Python's teardown only
    return os.getpid()


def _fail() -> None:
    raise ValueError("fejl i opgaven")


@pytest.mark.parametrize("pool", ["pool_worker", "gx"])
def test_a_stopped_pool_worker_ends_without_teardown_and_keeps_its_logs_and_errors(tmp_path, pool):
    """`pool_worker`: a worker told to stop ends with code 0 without Python's teardown of what it
    imported (the GX worker's took 0,97 s of every refresh's end), after logging's shutdown; a
    task's error still reaches its future. Also the refresh's GX worker (`start_worker`)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from expectations import runner
    from expectations.worker import pool_worker

    log, marker = tmp_path / "worker.log", tmp_path / "teardown"
    if pool == "gx":
        runner.start_worker()
        pool, runner._worker = runner._worker, None  # this test stops it
    else:
        pool = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=pool_worker, initargs=(os.getpid(),)
        )
    pid = pool.submit(_log_buffered_and_keep_marker, str(log), str(marker)).result()
    with pytest.raises(ValueError, match="fejl i opgaven"):
        pool.submit(_fail).result()
    (worker,) = pool._processes.values()
    pool.shutdown(wait=True)
    assert (worker.pid, worker.exitcode) == (pid, 0)
    assert log.read_text(encoding="utf-8") == "linje fra arbejdsprocessen\n"
    assert marker.read_bytes() == b""  # no teardown: the module's globals were never collected
