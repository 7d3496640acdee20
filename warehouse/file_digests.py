"""SHA-256 of landing files, hashed again only when a file's stat says it may have changed.

A refresh plans each load from the landing files' SHA-256 (warehouse/raw_loader.py). Hashing
every file on every refresh read the national sample's 1,9 GB each time (0,9 s of an unchanged
re-run's ~10 s with the pages cached; far more from a cold network share). Like git's index,
`meta.file_digests` keeps each file's digest with the stat it had when it was hashed, and a file
whose size, mtime, ctime, inode and device are all unchanged keeps its digest unread.

Why that is safe: any write to a file moves its ctime, which no user tool can set back (`touch`
and `cp -p` set mtime, not ctime), and a file put in place by rename has another inode. The one
gap is a write within the same tick of the file system's clock as the stat taken before hashing:
so a digest is kept only for a file whose mtime and ctime were more than `RACY_SECONDS` older than
its hashing began (git's "racily clean" rule); a file written just before a refresh is hashed
again on the next one. A build DB deleted or made new hashes everything again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from ingest.textfile import sha256_files

DDL = """
create table if not exists meta.file_digests (
    source varchar, path varchar, size bigint, mtime_ns bigint, ctime_ns bigint, inode ubigint,
    device ubigint, sha256 varchar, hashed_at_ns bigint, primary key (source, path));
"""
# A digest is kept only for a file last written more than this long before its hashing began:
# above the coarsest timestamp tick of the file systems a landing share may use (FAT's 2 s).
RACY_SECONDS = 2
_SCHEMA = {
    "source": pl.String(),
    "path": pl.String(),
    "size": pl.Int64(),
    "mtime_ns": pl.Int64(),
    "ctime_ns": pl.Int64(),
    "inode": pl.UInt64(),
    "device": pl.UInt64(),
    "sha256": pl.String(),
    "hashed_at_ns": pl.Int64(),
}


@dataclass(frozen=True)
class Digests:
    """The SHA-256 (hex) of each file asked for, in the order asked; `hashed`: how many were read
    to get it; `record`: the rows `meta.file_digests` should hold for the source afterwards
    (columns as `_SCHEMA`), or None when it holds them already."""

    sha256: list[str]
    hashed: int
    record: pl.DataFrame | None


def file_digests(con: duckdb.DuckDBPyConnection, source: str, paths: Sequence[Path]) -> Digests:
    """The SHA-256 of each of `paths` (files of the landing source `source`), reading only those
    whose stat differs from the one `meta.file_digests` kept, or that were hashed racily.

    Reads the database only; `record_digests` writes `Digests.record` (in the load's
    transaction). Raises the first OSError of a file (gone, unreadable)."""
    stats = [os.stat(p) for p in paths]
    keys = [str(p) for p in paths]
    kept = {
        row[0]: row[1:]
        for row in con.execute(
            "select path, size, mtime_ns, ctime_ns, inode, device, sha256, hashed_at_ns"
            " from meta.file_digests where source = ?",
            [source],
        ).fetchall()
    }
    digests: list[str | None] = [None] * len(paths)
    rows: list[tuple] = []
    missing: list[int] = []
    for i, (key, st) in enumerate(zip(keys, stats, strict=True)):  # a loop over files, not rows
        now = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        known = kept.get(key)
        if known is not None and known[:5] == now and _settled(st, known[6]):
            digests[i] = known[5]
            rows.append((source, key, *now, *known[5:]))
        else:
            missing.append(i)
    began = time.time_ns()
    for i, sha in zip(missing, sha256_files([paths[i] for i in missing]), strict=True):
        digests[i] = sha
        st = stats[i]
        if _settled(st, began):
            rows.append((source, keys[i], st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, sha, began))
    same = len(rows) == len(kept) and all(kept.get(r[1]) == r[2:] for r in rows)
    record = None if same else pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    return Digests([d for d in digests if d is not None], len(missing), record)


def _settled(st: os.stat_result, hashed_at_ns: int) -> bool:
    return max(st.st_mtime_ns, st.st_ctime_ns) < hashed_at_ns - RACY_SECONDS * 1_000_000_000


def record_digests(con: duckdb.DuckDBPyConnection, source: str, digests: Digests) -> None:
    """Make `meta.file_digests` hold `digests.record` for `source` (nothing when it is None).
    Call inside the transaction that writes the load, so a load rolled back keeps the old rows."""
    if digests.record is None:
        return
    con.execute("delete from meta.file_digests where source = ?", [source])
    con.register("new_file_digests", digests.record)
    try:
        con.execute("insert into meta.file_digests by name select * from new_file_digests")
    finally:
        con.unregister("new_file_digests")
