"""Read a landing file only once it has settled: never half of a file that is still being copied.

Which files are landing files at all is `ingest.sources.Source.files` (temporary names `*.tmp`,
`~$*` and `.*` are not). A landing file has settled when
  - no process on this machine has it open for writing (psutil: a copy, an export, Excel
    saving), and
  - its size and modification time have not changed for the settle time
    (`Settings.settle_seconds`, COCKPIT_SETTLE_SECONDS, default 3 s): a file last written longer ago than that costs
    nothing; one written a moment ago costs at most the settle time. A file whose modification
    time lies in the future (a copy keeping a clock-skewed server's time, a wrong camera-roll
    clock) has settled when its size and modification time stayed the same while it was
    watched for the settle time: it never blocks a run.
A writer on another machine (a copy onto a network share) is invisible to the first test, and a
copy that stalls for longer than the settle time looks settled: for such drops, copy under a
temporary name and rename when done, or raise the settle time.

The sensor leaves an unsettled file for its next tick; `cockpit run` and the ingest steps wait
for it, naming it, and give up with `LandingNotSettled` after `Settings.settle_timeout_seconds`
(COCKPIT_SETTLE_TIMEOUT_SECONDS, default 600 s). Both come with the run's settings (the Dagster
`settings` resource), never from the environment inside a step.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from ingest.errors import printable

DEFAULT_SETTLE_SECONDS = 3.0
DEFAULT_TIMEOUT_SECONDS = 600.0
_WRITE_MODES = {"w", "a", "r+", "a+", "w+"}


class LandingNotSettled(RuntimeError):
    """A landing file was still being written when the wait ran out."""


@dataclass(frozen=True)
class Observation:
    size: int
    mtime_ns: int
    ctime_ns: int  # moved by every write, also one that puts size and mtime back (`cp -p`, a restore)


def observe(path: Path) -> Observation | None:
    """Size, mtime and ctime of `path`, or None when it is gone."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return Observation(st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def open_for_writing(paths: Iterable[Path]) -> set[Path]:
    """The files of `paths` that a process on this machine has open for writing. One pass over
    the processes (a few ms); processes of other users are skipped unless we are root."""
    wanted = {os.path.realpath(p): Path(p) for p in paths}
    if not wanted:
        return set()
    found = set()
    for proc in psutil.process_iter():
        try:
            for f in proc.open_files():
                if f.mode in _WRITE_MODES and f.path in wanted:
                    found.add(wanted[f.path])
        except (psutil.Error, OSError):
            continue
    return found


def unsettled(
    paths: Iterable[Path], settle: float, now: float | None = None, watched: dict | None = None
) -> dict[Path, str]:
    """The files of `paths` that have not settled at this moment → why (Danish, for the user).

    `watched` (owned by the caller, updated here) remembers when a file with a modification
    time in the future was first seen as it is: such a file cannot be judged by its age, so it
    has settled once it stayed unchanged for `settle` seconds of watching. Without `watched`,
    a future file is unsettled."""
    paths = list(paths)
    now = time.time() if now is None else now
    watched = {} if watched is None else watched
    out = {p: "er åben for skrivning i en anden proces" for p in open_for_writing(paths)}
    for p in paths:
        seen = observe(p)
        if p in out or seen is None:
            continue
        age = now - seen.mtime_ns / 1e9
        if age < -1.0:  # more than a second ahead: another clock, not this copy
            first = watched.get(p)
            if first is None or first[0] != seen:
                watched[p] = (seen, now)
                first = watched[p]
            if now - first[1] < settle:
                out[p] = (
                    f"har et ændringstidspunkt {-age:.0f}s ude i fremtiden ({seen.size} bytes); læses når "
                    f"størrelse og tidspunkt har stået stille i {settle:g}s"
                )
        elif age < settle:
            out[p] = f"blev ændret for {max(age, 0):.1f}s siden ({seen.size} bytes)"
    return out


def settle_briefly(paths: Iterable[Path], settle: float) -> tuple[list[Path], dict[Path, str]]:
    """The sensor's test: (settled, unsettled → why). A file open for writing is unsettled at
    once; files written less than `settle` seconds ago, or dated in the future, are watched
    until they are `settle` seconds old (so at most `settle` seconds in all) and count as
    settled if their size and mtime did not change meanwhile."""
    paths = list(paths)
    busy = {p: "er åben for skrivning i en anden proces" for p in open_for_writing(paths)}
    watched: dict = {}
    start = time.time()
    young = unsettled([p for p in paths if p not in busy], settle, now=start, watched=watched)
    before = {p: observe(p) for p in young}
    if young:
        newest = max(b.mtime_ns for b in before.values() if b is not None) if any(before.values()) else 0
        future = newest / 1e9 > start + 1.0  # watched for the whole settle time, not aged into it
        time.sleep(
            max(0.0, start + settle - time.time() if future else min(settle, newest / 1e9 + settle - time.time()))
        )
        for p, why in unsettled(list(young), settle, watched=watched).items():
            busy[p] = why
        for p in young:
            if p not in busy and observe(p) != before[p]:
                busy[p] = "voksede eller blev ændret mens den blev iagttaget"
    return [p for p in paths if p not in busy], busy


def landing_paths(landing_dir: Path) -> list[Path]:
    """Every landing file of every source (`Source.files`, the one owner of that rule)."""
    from ingest.sources import SOURCES, discover

    found = discover(landing_dir)
    return sorted({p for source in SOURCES.values() for p in source.files(landing_dir, found)})


def wait_until_settled(
    paths: Iterable[Path],
    *,
    settle: float,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    say: Callable[[str], None] = lambda _m: None,
    relative_to: Path | None = None,
) -> float:
    """Block until every file of `paths` has settled (quiet for `settle` seconds: the run's
    `Settings.settle_seconds`); return the seconds waited (0.0 when all were quiet). Says one
    line per file it waits for, naming it. Raises `LandingNotSettled` naming the files still
    unsettled after `timeout` seconds (`Settings.settle_timeout_seconds`)."""
    paths, t0, announced, watched = list(paths), time.monotonic(), set(), {}

    def name(p: Path) -> str:
        return printable(p.relative_to(relative_to).as_posix() if relative_to else str(p))

    while True:
        waiting = unsettled(paths, settle, watched=watched)
        if not waiting:
            return time.monotonic() - t0
        for p, why in waiting.items():
            if p not in announced:
                say(f"venter på landing-filen {name(p)}: {why}; læses når den har ligget stille i {settle:g}s")
                announced.add(p)
        if time.monotonic() - t0 > timeout:
            names = ", ".join(f"{name(p)} ({why})" for p, why in waiting.items())
            raise LandingNotSettled(f"landing-filen blev ikke færdigskrevet inden for {timeout:g}s: {names}")
        time.sleep(min(1.0, settle))
