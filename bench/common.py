"""Shared by the benchmark scripts: run a command as its own process and measure it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
COCKPIT = [sys.executable, "-m", "cli.main"]


@dataclass
class Measured:
    seconds: float
    peak_rss_gb: float  # GiB (2^30 bytes): the largest resident set of the command's processes (ru_maxrss of children)
    stderr: str  # the command's stdout, then its stderr
    returncode: int
    cpu_seconds: float = 0.0  # user + system time of the command and every process it started
    # GiB: the largest sum of the resident sets of the command and all its descendants at one moment
    # (sampled every 0,1 s with psutil): with worker processes beside the refresh, what the
    # machine must hold; the peak RSS above is one process's
    peak_tree_gb: float = 0.0


def measure(cmd: list[str], env: dict | None = None) -> Measured:
    """Run `cmd` to the end; its wall time, the peak RSS of its largest process and the peak of
    its whole process tree. Each call runs in a fresh child of a fresh `python -c` so that
    ru_maxrss is this command's alone."""
    probe = (
        "import resource, subprocess, sys, time, json, threading, psutil\n"
        "t0 = time.perf_counter()\n"
        "p = subprocess.Popen(json.loads(sys.argv[1]), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)\n"
        "peak = [0]\n"
        "def sample():\n"
        "    root = psutil.Process(p.pid)\n"
        "    while p.poll() is None:\n"
        "        total = 0\n"
        "        try:\n"
        "            for q in [root, *root.children(recursive=True)]:\n"
        "                try:\n"
        "                    total += q.memory_info().rss\n"
        "                except psutil.Error:\n"
        "                    pass\n"
        "        except psutil.Error:\n"
        "            break\n"
        "        peak[0] = max(peak[0], total)\n"
        "        time.sleep(0.1)\n"
        "threading.Thread(target=sample, daemon=True).start()\n"
        "out, err = p.communicate()\n"
        "sys.stderr.write(out + err)\n"
        "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([time.perf_counter() - t0, ru.ru_maxrss, p.returncode, ru.ru_utime + ru.ru_stime, peak[0]]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(cmd)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    seconds, kb, rc, cpu, tree = json.loads(done.stdout.strip().splitlines()[-1])
    return Measured(seconds, kb / 1024 / 1024, done.stderr, rc, cpu, tree / 1024**3)


def step_times(stderr: str) -> list[tuple[str, float]]:
    """(step, seconds) from the run's progress lines (`trin X færdigt (12.3s)`), longest first."""
    found = [(m[1], float(m[2])) for m in re.finditer(r"trin (\S+) færdigt \(([\d.]+)s\)", stderr)]
    return sorted(found, key=lambda s: -s[1])


def run_cmd(landing: Path, build: Path, published: Path) -> list[str]:
    return [*COCKPIT, "run", "--landing", str(landing), "--build-db", str(build), "--published-db", str(published)]


def fresh(*paths: Path) -> None:
    for p in paths:
        for q in (p, p.with_name(p.name + ".wal")):
            if q.exists():
                q.unlink()


def load_seconds(sql: str, files: str | list[str], db: Path) -> float:
    """Seconds DuckDB takes to run `sql` (a `create table … from read_csv(?, …)`) with `files` as
    its parameter into a new file `db`, checkpoint included: the reference the benches print."""
    fresh(db)
    t0 = time.perf_counter()
    with duckdb.connect(str(db)) as con:
        con.execute(sql, [files])
        con.execute("checkpoint")
    return time.perf_counter() - t0


def memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3


def cores() -> int:
    return os.cpu_count() or 1


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M")
