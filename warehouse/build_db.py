"""The build DuckDB file's health: DuckDB's words for a damaged file, the one-line Danish error
that names it and the command that rebuilds it, and the 0-byte file a crash leaves behind. The
Dagster resource every step connects through is `orchestration/resources.py` `BuildDb`.

And the build DB held open between the steps of one in-process run (`held_open`). Each step
opens its own connection and closes it when its block ends. Opened alone, the file is read
(~15 ms) and closing the last connection checkpoints it (~20 ms): ~1 s of the sample's refresh,
30 connections. While this process holds one more connection, DuckDB's database stays open: a
step's `duckdb.connect` of the same file and settings joins it, and its close writes nothing.
The steps still commit one by one (a failed step leaves the earlier ones' rows, as before); the
checkpoint comes when the hold is let go. Only where one process runs every step in turn (the
in-process executor, `cockpit run`). A step that hands the file to another process (dbt) or
copies it (publish) lets it go first, for the rest of the run (`release_held`): so the loads
and their checks are what it spares. Memory is bounded: above `HOLD_MAX_BYTES` of DuckDB's
memory a step's end lets the database go, as every step's did before, and the next holds anew.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

# DuckDB's words for a file that is not (or no longer) a database it can read: a bad header, a
# truncated file, a block whose checksum fails.
_DAMAGED = re.compile(
    r"not a valid DuckDB database file|Could not read enough bytes|Corrupt database file|checksum", re.IGNORECASE
)


def damaged_message(exc: BaseException | str) -> bool:
    """Whether DuckDB's error `exc` says the database file itself is damaged."""
    return bool(_DAMAGED.search(str(exc)))


class BuildDbDamaged(RuntimeError):
    """The build DB cannot be read: one Danish line naming it and the command that rebuilds it
    (the build DB is derived: moving it away makes the next run load every landing file again)."""

    def __init__(self, path: Path, detail: BaseException | str):
        self.path = path
        first = " ".join(str(detail).split())[:240]
        super().__init__(
            f"build-DB'en {path} er beskadiget ({first}): flyt den væk, så bygges alt igen fra landingsmappen — "
            f"mv {shlex.quote(str(path))} {shlex.quote(str(path) + '.beskadiget')} && cockpit run"
        )


def drop_empty(path: Path) -> bool:
    """Remove a 0-byte build DB (a crash or full disk before DuckDB wrote its header; DuckDB
    refuses to open it) and its WAL, so the run builds it from the landing dir; returns whether
    it did. Nothing is lost: the file held nothing."""
    if not path.is_file() or path.stat().st_size != 0:
        return False
    path.unlink()
    path.with_name(path.name + ".wal").unlink(missing_ok=True)
    return True


# Above this much of DuckDB's memory (its buffer pool keeps the blocks steps wrote and read) a
# step's end lets the held database go: the national ledger's load would otherwise keep up to
# the memory limit cached between steps, where closing the file gave it back after each one.
HOLD_MAX_BYTES = 256 << 20

_wanted: set[str] = set()  # build DBs this process holds open between steps while in `held_open`
_held: dict[str, duckdb.DuckDBPyConnection] = {}  # the holding connection of each, once opened


@contextmanager
def held_open(path: Path) -> Iterator[None]:
    """For the block, hold `path` open between the steps that connect to it through `hold`
    (`BuildDb.connect`): from the first such connection until `release_held`, the block's end, a
    step that failed or a step's end above `HOLD_MAX_BYTES`. Nothing is opened by this call.

    While it is held, this process can open `path` only with the settings' own configuration
    (`Settings.connect_build`, writable): DuckDB refuses a second connection of another mode or
    configuration to an open database ("different configuration"), so a plain `duckdb.connect`
    or a read-only connection of the file belongs after the block. One thread, not nested:
    today's callers are the runner and the in-process executor, each around its steps."""
    key = str(path)
    _wanted.add(key)
    try:
        yield
    finally:
        release_held(path)


def hold(path: Path, open_connection: Callable[[], duckdb.DuckDBPyConnection]) -> bool:
    """Before a step connects to `path`: open the holding connection with `open_connection` (the
    step's own settings, so DuckDB lets the step join it) if `path` is in `held_open` and not yet
    held. Returns whether `path` is held. Raises what `open_connection` raises (a damaged file)."""
    key = str(path)
    if key in _wanted and key not in _held:
        _held[key] = open_connection()
    return key in _held


def after_step(path: Path, *, failed: bool = False) -> None:
    """After a step's connection to `path` closed: let the held database go when the step
    `failed` (the next step opens the file anew, as every step did before the hold: a database
    an error invalidated is not joined again), when DuckDB holds more than `HOLD_MAX_BYTES` of
    memory for it, or when asking DuckDB fails. Never raises: a step's own error stays its error."""
    con = _held.get(str(path))
    if con is None:
        return
    if not failed:
        with suppress(duckdb.Error):
            used = con.execute("select coalesce(sum(memory_usage_bytes), 0) from duckdb_memory()").fetchone()[0]
            if used <= HOLD_MAX_BYTES:
                return
    with suppress(duckdb.Error):  # closed as far as DuckDB could; the next step reopens it and says why
        _close_held(path)


def release_held(path: Path) -> None:
    """Close this process's holding connection to `path`, if any, and hold it no more for the
    rest of the `held_open` block: a step that hands the file to another process (dbt) or copies
    the closed file (publish) calls it before. Closing the last connection, DuckDB checkpoints
    the file and lets it go."""
    _wanted.discard(str(path))
    _close_held(path)


def _close_held(path: Path) -> None:
    con = _held.pop(str(path), None)
    if con is not None:
        con.close()
