"""The settings and the build DB as Dagster resources.

`settings` (`SettingsResource`) is the one settings object (`warehouse/settings.py`) handed to
every step that needs a path, a limit or a removal policy. Its fields are empty by default:
an empty field is taken from the environment (COCKPIT_*, `Settings.from_env`) once, when the
run's resources are set up — in the run worker of a UI, schedule or sensor run, which loads the
definitions for that run anyway. `cockpit run` gives every field as run config
(`SettingsResource.run_config`), built from the one `Settings` the CLI made, so its steps read
no environment at all; the UI's launchpad shows the same fields and a run may set them.

`build_db` (`BuildDb`) opens the build DuckDB file; it takes its path from `settings` (the same
resource instance, configured at launch, so run config given to `settings` reaches it too).
dbt's profile, the refresh lock and publish read the same path from `settings`, so ingest and
dbt never write two different files. DuckDB lets one process write a file (ARCHITECTURE.md): a
connection lives inside one step and is closed when the step's block ends, and the writers stay
in the `duckdb` pool. An in-process run holds the file open between its steps
(warehouse/build_db.py `held_open`), so a step's connection joins the open database.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import duckdb
from dagster import ConfigurableResource, ResourceDependency
from pydantic import Field, PrivateAttr

from warehouse.build_db import BuildDbDamaged, after_step, damaged_message, drop_empty, hold
from warehouse.paths import PROJECT_ROOT
from warehouse.settings import Settings

_FIELDS = tuple(f.name for f in fields(Settings))
_PATHS = ("landing_dir", "build_db", "published_db", "report_dir", "duckdb_temp_dir")


class SettingsResource(ConfigurableResource):
    """The run's `Settings` (`get()`). Each field left empty comes from its environment
    variable when the run starts; relative paths are taken from the project root, as the
    environment's are."""

    landing_dir: str | None = Field(default=None, description="COCKPIT_LANDING_DIR (default data/landing)")
    build_db: str | None = Field(default=None, description="COCKPIT_BUILD_DB (default data/build.duckdb)")
    published_db: str | None = Field(
        default=None, description="COCKPIT_PUBLISHED_DB (default data/styringscockpit.duckdb)"
    )
    report_dir: str | None = Field(default=None, description="COCKPIT_REPORT_DIR (default reports)")
    duckdb_memory_limit: str | None = Field(default=None, description="COCKPIT_DUCKDB_MEMORY_LIMIT (default 4GB)")
    duckdb_temp_dir: str | None = Field(
        default=None, description="COCKPIT_DUCKDB_TEMP_DIR (default <build DB>.tmp beside it)"
    )
    allow_removal: bool | None = Field(
        default=None, description="COCKPIT_TILLAD_FJERNELSE: take any removal of landing files (default no)"
    )
    removal_max_share: float | None = Field(
        default=None, description="COCKPIT_FJERNELSE_MAX_ANDEL: share of a source's files that may go (default 0.5)"
    )
    keep_runs: int | None = Field(
        default=None, description="COCKPIT_BEHOLD_KOERSLER: dbt target folders and run logs kept (default 10)"
    )
    settle_seconds: float | None = Field(
        default=None, description="COCKPIT_SETTLE_SECONDS: a landing file is read once quiet this long (default 3)"
    )
    settle_timeout_seconds: float | None = Field(
        default=None,
        description="COCKPIT_SETTLE_TIMEOUT_SECONDS: the longest wait for a file being written (default 600)",
    )
    max_file_mib: int | None = Field(
        default=None, description="COCKPIT_MAX_FILE_MIB: the largest landing file read, in MiB (default 512)"
    )
    parse_workers: int | None = Field(
        default=None,
        description="COCKPIT_PARSE_WORKERS: processes that parse a large load's files (default: the cores, at most 4)",
    )

    _resolved: Settings | None = PrivateAttr(default=None)

    def get(self) -> Settings:
        """The validated settings of this run, resolved once per resource instance. Raises
        `SettingsError` (one line) for a bad value or a DB file named like a schema."""
        if self._resolved is None:
            self._resolved = settings_from(self._given())
        return self._resolved

    def _given(self) -> dict[str, Any]:
        return {name: value for name in _FIELDS if (value := getattr(self, name)) is not None}

    @staticmethod
    def run_config(settings: Settings) -> dict[str, Any]:
        """Run config that gives every field from `settings` (paths absolute), so the run's
        steps read no environment: `{"resources": {"settings": {"config": {...}}}}`."""
        config = {name: getattr(settings, name) for name in _FIELDS}
        config["duckdb_temp_dir"] = settings.temp_dir
        config = {k: str(v) if isinstance(v, Path) else v for k, v in config.items()}
        return {"resources": {"settings": {"config": config}}}


def settings_from(given: Mapping[str, Any]) -> Settings:
    """`Settings` from configured values (field name → value); the fields not given come from
    the environment (`Settings.from_env`), which is read only when one is missing. Validated."""
    values = {k: (_absolute(v) if k in _PATHS else v) for k, v in given.items()}
    if values.keys() == set(_FIELDS):
        settings = Settings(**values)
    else:
        settings = replace(Settings.from_env(), **values)
    settings.validate()
    return settings


def settings_of_run(run_config: Mapping[str, Any]) -> Settings:
    """The settings a run was launched with, from its run config as given (`resources:
    settings: config:`; the fields not given from the environment), for the executor, which
    runs before any resource is set up."""
    config = ((run_config.get("resources") or {}).get("settings") or {}).get("config") or {}
    return settings_from({k: v for k, v in config.items() if v is not None})


def _absolute(value: str | Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


class BuildDb(ConfigurableResource):
    """The build DuckDB file of the `settings` resource."""

    settings: ResourceDependency[SettingsResource]

    @property
    def path(self) -> Path:
        """The build DB's absolute path. Raises `SettingsError` when it is named like a schema
        of the warehouse."""
        return self.settings.get().build_db

    @contextmanager
    def connect(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for the block, closed when it ends. A writer creates the file's folder
        (a fresh checkout has no `data/`); a reader of a missing file fails as DuckDB does.
        Inside an in-process run (warehouse/build_db.py `held_open`) the block joins the database
        the run holds open, writable even when `read_only` (DuckDB joins connections of one mode
        only; the read-only steps only read). Raises `BuildDbDamaged` for a file DuckDB cannot
        read, and DuckDB's own errors otherwise."""
        settings = self.settings.get()
        if not read_only:
            settings.build_db.parent.mkdir(parents=True, exist_ok=True)
            drop_empty(settings.build_db)
        try:
            # Held open between the steps of an in-process run (warehouse/build_db.py): the step
            # joins the open database, writable, as DuckDB joins only connections of one mode. A
            # reader never starts a hold on a missing file: it would create an empty one.
            held = (not read_only or settings.build_db.exists()) and hold(settings.build_db, settings.connect_build)
            con = settings.connect_build(read_only=read_only and not held)  # memory limit, temp dir: as dbt
        except duckdb.Error as exc:
            if damaged_message(exc):
                raise BuildDbDamaged(settings.build_db, exc) from None
            raise
        failed = True
        try:
            yield con
            failed = False
        finally:
            con.close()
            after_step(settings.build_db, failed=failed)


def cockpit_resources() -> dict[str, Any]:
    """`settings` (configured at launch: run config may set any field) and `build_db` on it."""
    settings = SettingsResource.configure_at_launch()
    return {"settings": settings, "build_db": BuildDb(settings=settings)}
