"""The one settings object: paths from the environment, with defaults for the sample run.

Built from the environment in two places only (tests/test_architecture.py counts them): the
`cockpit` CLI (cli/main.py), which hands the object to the runner and its commands, and the
Dagster `settings` resource (orchestration/resources.py), for runs the UI, a schedule or the
sensor start. Never read at import. dbt's profiles.yml reads COCKPIT_BUILD_DB,
COCKPIT_DUCKDB_MEMORY_LIMIT and COCKPIT_DUCKDB_TEMP_DIR: the dbt step sets them from these
settings while it starts dbt (`dbt_profile_env`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingest.textfile import DEFAULT_MAX_FILE_MIB
from warehouse.landing_settle import DEFAULT_SETTLE_SECONDS, DEFAULT_TIMEOUT_SECONDS
from warehouse.parallel_read import default_parse_workers
from warehouse.paths import PROJECT_ROOT

_DEFAULTS = {
    "COCKPIT_LANDING_DIR": "data/landing",
    "COCKPIT_BUILD_DB": "data/build.duckdb",
    # Not `cockpit.duckdb`: DuckDB names a file's catalog after the file, and a catalog named
    # like the schema `cockpit` makes every `cockpit.<view>` query ambiguous (Binder Error).
    "COCKPIT_PUBLISHED_DB": "data/styringscockpit.duckdb",
    "COCKPIT_REPORT_DIR": "reports",
}
# DuckDB's own default is 80 % of RAM for every process that opens the file. 4 GB leaves room on
# a 24 GB machine for the polars frames of the same step, dbt's process and a BI reader; what
# does not fit spills to the temp directory instead of failing (sorts, joins, aggregates).
DEFAULT_MEMORY_LIMIT = "4GB"


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    build_db: Path
    published_db: Path
    report_dir: Path
    duckdb_memory_limit: str = DEFAULT_MEMORY_LIMIT
    duckdb_temp_dir: Path | None = None  # None: `<build DB>.tmp` beside it, as DuckDB itself does
    # Removing landing files (issue 24 §2, warehouse/raw_loader.py RemovalPolicy): taken only
    # when allowed (`cockpit run --tillad-fjernelse`, COCKPIT_TILLAD_FJERNELSE=1), or when at most
    # this share of a source's files loaded before is gone (COCKPIT_FJERNELSE_MAX_ANDEL, 0–1).
    allow_removal: bool = False
    removal_max_share: float = 0.5
    # dbt's per-run target folders and the runs' logs kept (COCKPIT_BEHOLD_KOERSLER): disk use is bounded
    keep_runs: int = 10
    # A landing file is read once it has settled (warehouse/landing_settle.py): unchanged and not
    # open for writing for settle_seconds (COCKPIT_SETTLE_SECONDS); a run waits at most
    # settle_timeout_seconds (COCKPIT_SETTLE_TIMEOUT_SECONDS) for it.
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    settle_timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    # The largest landing file a reader takes, in MiB (COCKPIT_MAX_FILE_MIB, ingest/textfile.py).
    max_file_mib: int = DEFAULT_MAX_FILE_MIB
    # Worker processes that parse a large load's files (COCKPIT_PARSE_WORKERS; 0 or 1: none,
    # warehouse/parallel_read.py): the cores this process may use, at most 4.
    parse_workers: int = field(default_factory=lambda: default_parse_workers())

    @classmethod
    def from_env(cls) -> Settings:
        settings = cls(
            landing_dir=_path("COCKPIT_LANDING_DIR"),
            build_db=_path("COCKPIT_BUILD_DB"),
            published_db=_path("COCKPIT_PUBLISHED_DB"),
            report_dir=_path("COCKPIT_REPORT_DIR"),
            duckdb_memory_limit=os.environ.get("COCKPIT_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT,
            duckdb_temp_dir=_path("COCKPIT_DUCKDB_TEMP_DIR") if os.environ.get("COCKPIT_DUCKDB_TEMP_DIR") else None,
            allow_removal=os.environ.get("COCKPIT_TILLAD_FJERNELSE", "").strip().lower() in ("1", "ja", "true", "yes"),
            removal_max_share=_share("COCKPIT_FJERNELSE_MAX_ANDEL", 0.5),
            keep_runs=_count("COCKPIT_BEHOLD_KOERSLER", 10),
            settle_seconds=_seconds("COCKPIT_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS),
            settle_timeout_seconds=_seconds("COCKPIT_SETTLE_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS),
            max_file_mib=_count("COCKPIT_MAX_FILE_MIB", DEFAULT_MAX_FILE_MIB),
            parse_workers=_count("COCKPIT_PARSE_WORKERS", default_parse_workers()),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise `SettingsError` (one line) when a DB file is named like a schema of the
        warehouse or a reserved catalog (warehouse/schemas.py), or when the build
        and published DB are one file. Opens no database; reads the schema names from the dbt
        manifest, or from the project's files when there is none yet: never runs dbt."""
        from warehouse.schemas import clashing_name

        for db in (self.build_db, self.published_db):
            if name := clashing_name(db):
                raise SettingsError(
                    f"{db.name}: en DuckDB-fil må ikke hedde som skemaet/katalogen '{name}' i lageret "
                    f"(forespørgsler som {name}.<tabel> bliver tvetydige) — brug fx styringscockpit.duckdb"
                )
        if bad := unfit_for_dbt(self.build_db):
            from warehouse.raw_loader import shown

            raise SettingsError(
                f"{shown(str(self.build_db))}: build-DB'ens sti må ikke indeholde {bad} (dbt-duckdb sætter "
                "den ind i sin SQL og læser ; ? # som parametre) — omdøb den, fx COCKPIT_BUILD_DB=data/build.duckdb"
            )
        if self.build_db.resolve() == self.published_db.resolve():
            raise SettingsError(f"{self.build_db}: the build DB and the published DB must be two files")

    @property
    def temp_dir(self) -> Path:
        return self.duckdb_temp_dir or self.build_db.with_name(self.build_db.name + ".tmp")

    def duckdb_config(self) -> dict[str, str]:
        """The limits every connection of the pipeline opens with (and dbt's profile reads)."""
        return {"memory_limit": self.duckdb_memory_limit, "temp_directory": str(self.temp_dir)}

    def connect_build(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """The build DB with the memory limit and temp directory of these settings."""
        return duckdb.connect(str(self.build_db), read_only=read_only, config=self.duckdb_config())

    def dbt_profile_env(self) -> dict[str, str]:
        """The variables dbt's `profiles.yml` reads (`env_var`), from these settings: the build
        DB's absolute path, the memory limit and the temp directory."""
        return {
            "COCKPIT_BUILD_DB": str(self.build_db),
            "COCKPIT_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            "COCKPIT_DUCKDB_TEMP_DIR": str(self.temp_dir),
        }

    def export_env(self) -> None:
        """Put every setting (paths absolute) into this process's environment. For tests and
        benchmarks that point in-process Dagster runs or child processes at these settings;
        the pipeline itself hands them over as the `settings` resource instead."""
        os.environ["COCKPIT_LANDING_DIR"] = str(self.landing_dir)
        os.environ["COCKPIT_BUILD_DB"] = str(self.build_db)
        os.environ["COCKPIT_PUBLISHED_DB"] = str(self.published_db)
        os.environ["COCKPIT_REPORT_DIR"] = str(self.report_dir)
        os.environ["COCKPIT_DUCKDB_MEMORY_LIMIT"] = self.duckdb_memory_limit
        os.environ["COCKPIT_DUCKDB_TEMP_DIR"] = str(self.temp_dir)
        os.environ["COCKPIT_TILLAD_FJERNELSE"] = "1" if self.allow_removal else "0"
        os.environ["COCKPIT_FJERNELSE_MAX_ANDEL"] = str(self.removal_max_share)
        os.environ["COCKPIT_BEHOLD_KOERSLER"] = str(self.keep_runs)
        os.environ["COCKPIT_SETTLE_SECONDS"] = str(self.settle_seconds)
        os.environ["COCKPIT_SETTLE_TIMEOUT_SECONDS"] = str(self.settle_timeout_seconds)
        os.environ["COCKPIT_MAX_FILE_MIB"] = str(self.max_file_mib)
        os.environ["COCKPIT_PARSE_WORKERS"] = str(self.parse_workers)

    def removal_policy(self):
        """The loader's `RemovalPolicy` of these settings."""
        from warehouse.raw_loader import RemovalPolicy

        return RemovalPolicy(allowed=self.allow_removal, max_share=self.removal_max_share)


# Characters dbt-duckdb cannot carry in the build DB's path: it puts the path and the catalog (the
# file's stem) into its SQL unescaped, and reads `;` `?` `#` as the start of parameters. Control
# characters would break the one-line messages and logs that name the file.
_UNFIT_FOR_DBT = frozenset("'\";?#")


def unfit_for_dbt(db: Path) -> str:
    """The characters of `db`'s absolute path that dbt-duckdb cannot carry, quoted and joined
    (`', ;`), or "" when there are none."""
    bad = sorted({c for c in str(db) if c in _UNFIT_FOR_DBT or ord(c) < 32 or ord(c) == 127})
    return ", ".join(repr(c) for c in bad)


def _count(var: str, default: int) -> int:
    text = (os.environ.get(var) or "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise SettingsError(f"{var}={text!r}: skal være et helt tal ≥ 0, fx 10")
    return int(text)


def _share(var: str, default: float) -> float:
    return _decimal_number(var, default, 1.0, "skal være en andel mellem 0 og 1, fx 0,5")


def _seconds(var: str, default: float) -> float:
    return _decimal_number(var, default, float("inf"), "skal være et antal sekunder ≥ 0, fx 3 eller 0,5")


def _decimal_number(var: str, default: float, most: float, what: str) -> float:
    # A number from 0 to `most` (inclusive when finite), with a decimal comma or point.
    text = (os.environ.get(var) or "").strip().replace(",", ".")
    if not text:
        return default
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not (0 <= number <= most and number != float("inf")):
        raise SettingsError(f"{var}={os.environ[var]!r}: {what}")
    return number


def _path(var: str) -> Path:
    value = Path(os.environ.get(var) or _DEFAULTS[var])
    return value if value.is_absolute() else (PROJECT_ROOT / value)


def build_db_for_dbt() -> Path:
    """The build DB's absolute path for dbt's profile, without validating its name (validation
    reads the dbt manifest, which `dbt parse` needs this path to write)."""
    return _path("COCKPIT_BUILD_DB")
