"""SHA-256 of landing files, hashed again only when a file's stat says it may have changed.

A refresh plans each load from the landing files' SHA-256 (warehouse/raw_loader.py). Hashing
every file on every refresh read the national sample's 1,9 GB each time (0,9 s of an unchanged
re-run's ~10 s with the pages cached; far more from a cold network share). Like git's index,
`meta.file_digests` keeps each file's digest with the stat it had when it was hashed, and a file
whose size, mtime, ctime, inode and device are all unchanged keeps its digest unread.

What that assumes, and how each assumption is guarded:
- **A write moves the ctime** (POSIX change time; user tools such as `touch` and `cp -p` set
  mtime, not ctime), and a file put in place by rename has another inode.
- **The stat describes the bytes hashed**: a file is opened once, stat'ed through that
  descriptor before and after it is hashed, and its digest is kept only when the two agree. A
  symlink re-pointed or a file renamed in between changes nothing kept. Each file is opened
  (not only stat'ed) also when its digest is reused, which makes an NFS client check the
  server's attributes instead of answering from its attribute cache.
- **A write within the same tick of the file system's clock as the hashing** would not move
  the stat: so a digest is kept only for a file last written more than `RACY_SECONDS` before
  its hashing began (git's "racily clean" rule). The margin is wide because a share's times
  come from the server's clock: it covers a server up to a minute behind this machine.

A build DB deleted or made new hashes everything again; so does deleting `meta.file_digests`.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

DDL = """
create table if not exists meta.file_digests (
    source varchar, path varchar, size bigint, mtime_ns bigint, ctime_ns bigint, inode ubigint,
    device ubigint, sha256 varchar, hashed_at_ns bigint, primary key (source, path));
"""
# A digest is kept only for a file last written more than this long before its hashing began:
# above the coarsest timestamp tick of the file systems a landing share may use (FAT's 2 s) and
# a file server's clock running behind this machine's.
RACY_SECONDS = 60
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


def file_digests(con: duckdb.DuckDBPyConnection, source: str, paths: Sequence[Path], *, threads: int = 2) -> Digests:
    """The SHA-256 of each of `paths` (files of the landing source `source`), reading only those
    whose stat differs from the one `meta.file_digests` kept, or that were written too shortly
    before their last hashing. Reading and hashing release the GIL, so `threads` threads hash
    side by side.

    Reads the database only; `record_digests` writes `Digests.record` (in the load's
    transaction). Raises the first OSError of a file (gone, unreadable)."""
    keys = [os.path.abspath(p) for p in paths]  # one key whether the landing dir was given relative or not
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
    # settled as recorded under this RACY_SECONDS (a row kept under a smaller one is not)
    trusted = [i for i, key in enumerate(keys) if key in kept and _settled(*kept[key][1:3], kept[key][6])]
    now = dict(zip(trusted, _map(_opened_stat, [paths[i] for i in trusted], threads), strict=True))
    for i, key in enumerate(keys):  # a loop over files, not rows
        known = kept.get(key)
        if i in now and known[:5] == now[i]:
            digests[i] = known[5]
            rows.append((source, key, *known))
        else:
            missing.append(i)
    began = time.time_ns()
    hashed = _map(_hash, [paths[i] for i in missing], threads)
    for i, (sha, stat) in zip(missing, hashed, strict=True):
        digests[i] = sha
        if stat is not None and _settled(stat[1], stat[2], began):
            rows.append((source, keys[i], *stat, sha, began))
    same = len(rows) == len(kept) and all(kept.get(r[1]) == r[2:] for r in rows)
    record = None if same else pl.DataFrame(rows, schema=_SCHEMA, orient="row")
    return Digests([d for d in digests if d is not None], len(missing), record)


def _settled(mtime_ns: int, ctime_ns: int, hashed_at_ns: int) -> bool:
    """Whether a file last written at `mtime_ns`/`ctime_ns` was written more than RACY_SECONDS
    before its hashing began at `hashed_at_ns`, so its stat can stand for its content."""
    return max(mtime_ns, ctime_ns) < hashed_at_ns - RACY_SECONDS * 1_000_000_000


def _stat_of(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _opened_stat(path: Path) -> tuple[int, int, int, int, int]:
    fd = os.open(path, os.O_RDONLY)
    try:
        return _stat_of(os.fstat(fd))
    finally:
        os.close(fd)


def _hash(path: Path) -> tuple[str, tuple | None]:
    """(SHA-256, the stat of the bytes hashed) of `path`, read through one descriptor; the stat
    is None when the file changed while it was read (it is then hashed again next time)."""
    with open(path, "rb") as fh:
        before = _stat_of(os.fstat(fh.fileno()))
        digest = hashlib.file_digest(fh, "sha256")
        after = _stat_of(os.fstat(fh.fileno()))
    return digest.hexdigest(), before if before == after else None


def _map(fn, items: list, threads: int) -> list:
    if threads <= 1 or len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(min(threads, len(items))) as pool:
        return list(pool.map(fn, items))


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
