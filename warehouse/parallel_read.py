"""Parse a load's landing files in worker processes, handed back in plan order.

A load parses its files one after another (`raw_loader.read_planned`) and inserts each into the
build DB as it comes. Parsing is Python and polars: a rate workbook's sheet XML, a ledger's
decoding, Danish numbers and the CPR guard. It holds the GIL, so threads do not share it out;
processes do. With the files of a large load parsed by `Settings.parse_workers` processes
(spawned, so no DuckDB or polars thread is forked), the main process inserts file n while file
n + 1 is being parsed, and on a 2-core machine both cores work (measured in
docs/performance.md, *Parsing in worker processes*).

Only the build DB's one writer inserts: workers never open DuckDB. They return each file's
`Parsed` (polars frames pickle as Arrow IPC) or the `ContractError` it raised. Beyond the file
being inserted, at most workers + 1 files and `AHEAD_BYTES` of landing files are being parsed
by workers or wait, so memory stays bounded by a few files. A file over `AHEAD_BYTES` is parsed
by the writer itself when its turn comes, so at that moment memory holds its parse beside those
`AHEAD_BYTES` of other files.

A small load is parsed in the calling process: starting a worker (a fresh interpreter that
imports polars and the readers) costs ~0,5 s, more than parsing a handful of files. Whether a
load is large is estimated from its files before any is read (`estimated_seconds`).

A spawned worker imports the starting program's main module again, as Python's multiprocessing
does (its "safe importing of the main module"): `cockpit`, `python -m cli.main`, Dagster's
processes, pytest and the `bench/` scripts keep their work under `if __name__ == "__main__":`;
a script of one's own that refreshes at its top level must too, or set COCKPIT_PARSE_WORKERS=1.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Protocol

from expectations.worker import pool_worker
from ingest.cpr import mask_text
from ingest.errors import ContractError, printable
from ingest.fields import Parsed
from ingest.sources import SOURCES, Source, read_file
from ingest.textfile import file_size_limit, max_file_mib

# Parse time per file kind, measured on this project's 2-core machine (the national sample,
# 2026-12-07): a rate workbook ~43 ms, a ledger or other text file ~50 ms per MB.
WORKBOOK_SECONDS = 0.043
TEXT_SECONDS_PER_MB = 0.05
# A load estimated below this is parsed in the calling process (a worker's start is ~0,5 s).
PARALLEL_FROM_SECONDS = 1.5
# Landing-file bytes being parsed by workers or waiting beyond the file the writer holds: parsing
# holds ~12× a file's size (docs/landing-files.md), so ~1,5 GB at most. A larger file is parsed
# by the writer in its turn (`parsed_in_order`), beside at most these bytes of other files.
AHEAD_BYTES = 128 << 20
# A container's CPU limit (cgroup v2): "<quota> <period>" or "max <period>".
CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def default_parse_workers() -> int:
    """Worker processes that parse a large load when COCKPIT_PARSE_WORKERS is not set: the
    cores this process may use, at most 4 (`Settings.parse_workers`; on the 2-core machine two
    workers beat one and three, docs/performance.md). The cores are the CPU affinity's, fewer
    when a cgroup v2 quota (`/sys/fs/cgroup/cpu.max`, a container's CPU limit) allows fewer."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = CPU_MAX.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass  # no cgroup v2 limit to read
    return max(1, min(cores, 4))


class _File(Protocol):
    rel: str
    path: Path


def estimated_seconds(files: Sequence[_File], sizes: Sequence[int] | None = None) -> float:
    """Seconds one process would take to parse `files`, from their kinds and sizes in bytes
    (`sizes`, else stat'ed; the constants above); a file that cannot be stat'ed counts as
    empty (its read will say why)."""
    return sum(
        WORKBOOK_SECONDS if f.path.suffix.lower() == ".xlsx" else size / 1e6 * TEXT_SECONDS_PER_MB
        for f, size in zip(files, _sizes(files) if sizes is None else sizes, strict=True)
    )


def _sizes(files: Sequence[_File]) -> list[int]:
    sizes = []
    for f in files:
        try:
            sizes.append(f.path.stat().st_size)
        except OSError:
            sizes.append(0)
    return sizes


def parsed_in_order(
    source: Source, files: Sequence[_File], landing_dir: Path, load_id: str, *, workers: int
) -> Iterator[tuple[_File, Parsed | ContractError]]:
    """Each of `files` with what `ingest.sources.read_file` gives for it: its `Parsed`, or the
    `ContractError` it raised (returned, not raised, so the caller can read on and report every
    broken file). In the order of `files`, whichever process parsed them. Any other exception of
    a worker (a bug, a killed worker: `BrokenProcessPool`) is raised here, as a serial read would.

    `workers` processes parse when there are two or more (`Settings.parse_workers`), the load is
    large (at least two files, those for the workers `estimated_seconds` ≥ `PARALLEL_FROM_SECONDS`) and `source` is
    one of `SOURCES` (a worker finds it by name); otherwise the files are parsed here, one at a
    time. A file over `AHEAD_BYTES` is parsed here too, in its turn (the workers go on with the
    files behind it): it would have a worker to itself, and sending its rows back costs what
    parsing it beside the previous file's insert saves (1 M postings: 0,74 s to pickle and
    unpickle, the insert 0,8 s; docs/performance.md, *Incremental models written once*)."""
    n, sizes = workers, _sizes(files)
    here = [size > AHEAD_BYTES for size in sizes]
    for_workers = [i for i, h in enumerate(here) if not h]
    parallel = (
        n > 1
        and len(files) > 1
        and for_workers
        and SOURCES.get(source.name) is source
        and estimated_seconds([files[i] for i in for_workers], [sizes[i] for i in for_workers]) >= PARALLEL_FROM_SECONDS
    )
    if not parallel:
        for f in files:
            yield f, _read_here(source, f, landing_dir, load_id)
        return
    n = min(n, len(for_workers))
    limit = max_file_mib()  # the caller's `file_size_limit`, which a worker's context lacks
    # spawn: a fork of this process would copy DuckDB's and polars' threads mid-state
    pool = ProcessPoolExecutor(
        n, mp_context=multiprocessing.get_context("spawn"), initializer=pool_worker, initargs=(os.getpid(),)
    )
    try:
        # (file, size, its worker's future; None: parsed here in its turn)
        pending: deque[tuple[_File, int, Future | None]] = deque()
        queued, handed = 0, 0  # files submitted; their bytes not yet taken by the caller

        def fill() -> None:
            # at most n + 1 files beyond the one the caller holds, and AHEAD_BYTES of them in
            # workers; a file parsed here holds nothing until its turn, so its bytes do not count
            nonlocal queued, handed
            while queued < len(files):
                size = 0 if here[queued] else sizes[queued]
                if pending and not (len(pending) <= n and handed + size <= AHEAD_BYTES):
                    return
                f = files[queued]
                future = (
                    None
                    if here[queued]
                    else pool.submit(_read_in_worker, source.name, f.path, landing_dir, load_id, limit)
                )
                pending.append((f, size, future))
                queued, handed = queued + 1, handed + size

        f, future = None, None
        try:
            fill()
            while pending:
                f, size, future = pending.popleft()
                if future is None:
                    fill()  # the workers parse the files behind it meanwhile
                    yield f, _read_here(source, f, landing_dir, load_id)
                    continue
                result = future.result()
                handed -= size
                fill()
                yield f, (ContractError(**result) if isinstance(result, dict) else result)
        except BrokenProcessPool as exc:
            # a worker died (the kernel's OOM killer, a signal), seen when waiting for its file or
            # when handing it the next: say which files the workers may have held
            held = ", ".join(
                printable(mask_text(x.rel)) for x, fut in [(f, future), *((p[0], p[2]) for p in pending)] if fut
            )
            raise RuntimeError(
                f"en arbejdsproces, der læste filer for {source.name}, stoppede uventet (for lidt "
                f"hukommelse?) under en af: {held or '(ingen fil i gang)'}; kør igen, evt. med COCKPIT_PARSE_WORKERS=1"
            ) from exc
    finally:
        # Also when the caller stopped early (an error while writing): parse nothing more, and
        # do not wait for the files being parsed; their results are dropped.
        pool.shutdown(wait=False, cancel_futures=True)


def _read_here(source: Source, f: _File, landing_dir: Path, load_id: str) -> Parsed | ContractError:
    try:
        return read_file(source, f.path, landing_dir, load_id)
    except ContractError as exc:
        return exc


def _read_in_worker(source_name: str, path: Path, landing_dir: Path, load_id: str, max_mib: int) -> Parsed | dict:
    # ContractError's constructor takes its parts, not its message, so it is sent as those parts
    # (already masked and printable; masking them again changes nothing).
    try:
        with file_size_limit(max_mib):
            return read_file(SOURCES[source_name], path, landing_dir, load_id)
    except ContractError as exc:
        return {"file": exc.file, "reason": exc.reason, "column": exc.column, "line": exc.line}
