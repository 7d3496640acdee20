"""The build DuckDB file's health: DuckDB's words for a damaged file, the one-line Danish error
that names it and the command that rebuilds it, and the 0-byte file a crash leaves behind. The
Dagster resource every step connects through is `orchestration/resources.py` `BuildDb`."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

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
