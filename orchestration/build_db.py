"""The build DB as a Dagster resource: every step that reads or writes the build DuckDB file
(ingest assets, their GX checks, the dbt step's raw tables, publish, the registration-flag
check) gets its connection here.

The path comes from the one settings object (`orchestration/settings.py`, COCKPIT_BUILD_DB) when
a step runs, never when the definitions are loaded, and is deliberately not run config: dbt's
profile, the refresh lock and publish read the same setting, so a path set only here would make
ingest and dbt write two different files. DuckDB lets one process write a file (ARCHITECTURE.md):
a connection lives inside one step and is closed when the step's block ends, and the writers
stay in the `duckdb` pool.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from orchestration.settings import Settings


class BuildDb(ConfigurableResource):
    """The build DuckDB file (COCKPIT_BUILD_DB, default `data/build.duckdb`)."""

    @property
    def path(self) -> Path:
        """The build DB's absolute path, from the settings at this moment. Raises
        `SettingsError` when it is named like a schema of the warehouse."""
        return Settings.from_env().build_db

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for the block, closed when it ends. A writer creates the file's folder
        (a fresh checkout has no `data/`); a reader of a missing file fails as DuckDB does."""
        settings = Settings.from_env()
        if not read_only:
            settings.build_db.parent.mkdir(parents=True, exist_ok=True)
            drop_empty(settings.build_db)
        try:
            con = settings.connect_build(read_only=read_only)  # with the memory limit and temp dir, as dbt
        except duckdb.Error as exc:
            if damaged_message(exc):
                raise BuildDbDamaged(settings.build_db, exc) from None
            raise
        try:
            yield con
        finally:
            con.close()


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
