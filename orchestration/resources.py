"""The build DB as a Dagster resource: every step that reads or writes the build DuckDB file
(ingest assets, their GX checks, the dbt step's raw tables, publish, the registration-flag
check) gets its connection here.

The path comes from the one settings object (`warehouse/settings.py`, COCKPIT_BUILD_DB) when
a step runs, never when the definitions are loaded, and is deliberately not run config: dbt's
profile, the refresh lock and publish read the same setting, so a path set only here would make
ingest and dbt write two different files. DuckDB lets one process write a file (ARCHITECTURE.md):
a connection lives inside one step and is closed when the step's block ends, and the writers
stay in the `duckdb` pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from warehouse.build_db import BuildDbDamaged, damaged_message, drop_empty
from warehouse.settings import Settings


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
