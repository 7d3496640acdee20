"""Put the BI subset of the audited build DB in place as the published file, and prove it is
exactly that subset (what the subset is: warehouse/bi_subset.py).

DuckDB replays `<file>.wal` (and reads `<file>.wal.checkpoint` / `<file>.wal.recovery`) found
beside a database when it opens it, even when the file itself was replaced since. A BI tool that
opened the published file read-write and was killed leaves such a log, and the next published
copy would silently get the tool's changes. So publishing moves every such sidecar aside (kept
for inspection, with a warning naming it), copies the checkpointed build to a temporary file,
renames it into place (atomic on POSIX), makes it read-only on disk, and then opens the
published path as a BI tool would and compares its content fingerprint with the audited
subset's. A mismatch puts the previous file back and fails.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from warehouse.bi_subset import SubsetFingerprint, subset_fingerprint_file, write_bi_subset
from warehouse.sql_names import attach_read_only

# Files DuckDB reads beside `<db>` when it opens `<db>` (duckdb 1.5: the write-ahead log and the
# two names it uses while checkpointing or recovering it).
SIDECAR_SUFFIXES = (".wal", ".wal.checkpoint", ".wal.recovery")
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0444


class PublishMismatch(RuntimeError):
    """The published file's content differs from the audited build's; the previous file was put back."""


def sidecars(db: Path) -> list[Path]:
    """The files beside `db` that DuckDB would read when opening it."""
    return [p for p in (db.with_name(db.name + s) for s in SIDECAR_SUFFIXES) if p.exists()]


def move_sidecars_aside(db: Path, warn: Callable[[str], None]) -> list[Path]:
    """Rename every sidecar of `db` to `<name>.stale-<UTC time>` (a name DuckDB never reads),
    warning with both names; returns the new paths."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    moved = []
    for path in sidecars(db):
        target = path.with_name(f"{path.name}.stale-{stamp}")
        os.replace(path, target)
        warn(
            f"forældet {path.name} fundet ved {db.name} (en BI-session skrev i filen og blev afbrudt): "
            f"flyttet til {target.name}, ikke afspillet"
        )
        moved.append(target)
    return moved


def publish_verified(
    build_db: Path, published_db: Path, expected: SubsetFingerprint, warn: Callable[[str], None] = lambda _m: None
) -> int:
    """Write the BI subset of the checkpointed, closed `build_db` to `published_db` atomically
    and prove that what a reader of `published_db` sees has the fingerprint `expected` (the
    audited build's subset, `bi_subset.build_subset_fingerprint`). Raises `ForbiddenColumn`
    before anything is replaced when the subset would carry a citizen key, free text or a
    voucher number.

    Returns the published file's size in bytes. Raises `PublishMismatch` naming the differing
    relations after restoring the previous published file (or removing the new one when there
    was none). The published file is mode 0444 (read-only for every tool that honours it)."""
    published_db.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_publish_files(published_db, warn)
    tmp = published_db.with_name(f".{published_db.name}.{os.getpid()}.tmp")
    backup = published_db.with_name(f".{published_db.name}.{os.getpid()}.previous")
    for leftover in (tmp, backup):
        leftover.unlink(missing_ok=True)
    try:
        write_bi_subset(build_db, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(tmp, READ_ONLY)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    had_previous = published_db.exists()
    if had_previous:
        os.link(published_db, backup)  # a second name for yesterday's file, to restore it
    try:
        move_sidecars_aside(published_db, warn)
        os.replace(tmp, published_db)
        _fsync_dir(published_db.parent)
        got = subset_fingerprint_file(published_db)
        problems = expected.differences(got)
        if problems:
            _restore(published_db, backup if had_previous else None, warn)
            raise PublishMismatch(
                "den publicerede fil er ikke den auditerede build: "
                + "; ".join(problems)
                + (" — den forrige fil er lagt tilbage" if had_previous else "")
            )
    finally:
        tmp.unlink(missing_ok=True)
        backup.unlink(missing_ok=True)
    return published_db.stat().st_size


def remove_stale_publish_files(published_db: Path, warn: Callable[[str], None] = lambda _m: None) -> list[Path]:
    """Remove the temporary copies and backups (`.<name>.<pid>.tmp`, `.<name>.<pid>.previous`)
    that a publish killed or stopped by a full disk left beside `published_db`, each with a
    warning naming it; returns them. Files of a process that still runs (another publish of the
    same file) are left alone. Without this, the copies of a full disk keep the disk full and
    later refreshes failing after space is back (issue 24 §6)."""
    pattern = re.compile(rf"\.{re.escape(published_db.name)}\.(\d+)\.(tmp|previous)")
    removed = []
    for path in sorted(published_db.parent.glob(f".{glob.escape(published_db.name)}.*")):
        found = pattern.fullmatch(path.name)
        pid = int(found.group(1)) if found else 0
        recent = found is not None and time.time() - path.stat().st_mtime < STALE_AFTER_SECONDS
        if found is None or (pid != os.getpid() and _alive(pid) and recent):
            continue
        size = path.stat().st_size
        path.unlink(missing_ok=True)
        warn(f"efterladt fil fra en afbrudt publicering fjernet: {path.name} ({size / 1e6:.1f} MB)")
        removed.append(path)
    return removed


STALE_AFTER_SECONDS = 24 * 3600.0  # no publish takes a day: an older file's pid was reused


def digest_path(published_db: Path) -> Path:
    """Where the whole-file SHA-256 of the last publish is kept: `.<name>.sha256` beside it."""
    return published_db.with_name(f".{published_db.name}.sha256")


def record_file_digest(published_db: Path) -> str:
    """Write the SHA-256 and size of the file now at `published_db` beside it (`digest_path`,
    replaced atomically) and return the digest. Called once the publish is verified, so later
    runs can tell a file damaged in place (a bad block, a half-finished copy by hand) from the
    one published: its content fingerprint and run log row may still read fine."""
    digest = _sha256(published_db)
    target = digest_path(published_db)
    tmp = target.with_name(target.name + f".{os.getpid()}")
    tmp.write_text(json.dumps({"sha256": digest, "bytes": published_db.stat().st_size}), encoding="utf-8")
    os.replace(tmp, target)
    return digest


def file_damage(published_db: Path) -> str:
    """Why the file at `published_db` is not the one published last, in Danish, or "" when it is.

    With a recorded digest (`record_file_digest`): its size and the SHA-256 of the whole file
    (~2 s per GB). Without one (published before digests were recorded): the file is opened
    read-only and every relation of the BI subset is read to the end
    (`bi_subset.subset_fingerprint_file`), so a damaged block anywhere fails DuckDB's checksums;
    a file that is no BI subset (a whole build DB published before the subset) fails too, and
    is published again."""
    if not published_db.is_file():
        return "filen findes ikke"
    try:
        recorded = json.loads(digest_path(published_db).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        recorded = None
    if isinstance(recorded, dict) and recorded.get("sha256"):
        size = published_db.stat().st_size
        if size != recorded.get("bytes"):
            return f"{size} bytes, men {recorded.get('bytes')} blev publiceret"
        if _sha256(published_db) != recorded["sha256"]:
            return "indholdet er ændret siden publiceringen (SHA-256 afviger)"
        return ""
    try:
        subset_fingerprint_file(published_db)
    except duckdb.Error as exc:
        return f"DuckDB kan ikke læse den: {' '.join(str(exc).split())[:300]}"
    return ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _restore(published_db: Path, backup: Path | None, warn: Callable[[str], None]) -> None:
    if backup is not None:
        os.replace(backup, published_db)
    else:
        published_db.unlink(missing_ok=True)
    move_sidecars_aside(published_db, warn)  # whatever made the copy differ must not stay beside it


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def newest_published_run(path: Path) -> tuple[str, str] | None:
    """(run id, fingeraftryk) of the newest run in the run log (`meta.koersler`) of the published
    file at `path`: the publish that made it. None when there is no file or it cannot be read as
    a cockpit (then no publish is known to have made it). Opens the file read-only."""
    if not path.is_file():
        return None
    try:
        with duckdb.connect() as reader:
            attach_read_only(reader, path, "published")
            row = reader.execute(
                "select run_id, fingeraftryk from published.meta.koersler order by publiceret desc limit 1"
            ).fetchone()
    except duckdb.Error:
        return None
    return (row[0], row[1]) if row else None
