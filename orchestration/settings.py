"""The one settings object: paths from the environment, with defaults for the sample run.

Read at execution time (never at import), so tests and the CLI can point a run elsewhere by
setting the variables. dbt's profiles.yml reads COCKPIT_BUILD_DB from the same environment;
`export_env` makes sure it is set to an absolute path before dbt starts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

_DEFAULTS = {
    "COCKPIT_LANDING_DIR": "data/landing",
    "COCKPIT_BUILD_DB": "data/build.duckdb",
    # Not `cockpit.duckdb`: DuckDB names a file's catalog after the file, and a catalog named
    # like the schema `cockpit` makes every `cockpit.<view>` query ambiguous (Binder Error).
    "COCKPIT_PUBLISHED_DB": "data/styringscockpit.duckdb",
    "COCKPIT_REPORT_DIR": "reports",
}


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    build_db: Path
    published_db: Path
    report_dir: Path

    @classmethod
    def from_env(cls) -> "Settings":
        settings = cls(
            landing_dir=_path("COCKPIT_LANDING_DIR"),
            build_db=_path("COCKPIT_BUILD_DB"),
            published_db=_path("COCKPIT_PUBLISHED_DB"),
            report_dir=_path("COCKPIT_REPORT_DIR"),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise `SettingsError` (one line) when a DB file is named like a schema of the
        warehouse or a reserved catalog (orchestration/warehouse_schemas.py), or when the build
        and published DB are one file. Opens no database; reads the schema names from the dbt
        manifest, and runs `dbt parse` only when there is none yet (a fresh checkout)."""
        from orchestration.warehouse_schemas import clashing_name

        for db in (self.build_db, self.published_db):
            if name := clashing_name(db):
                raise SettingsError(
                    f"{db.name}: en DuckDB-fil må ikke hedde som skemaet/katalogen '{name}' i lageret "
                    f"(forespørgsler som {name}.<tabel> bliver tvetydige) — brug fx styringscockpit.duckdb"
                )
        if self.build_db.resolve() == self.published_db.resolve():
            raise SettingsError(f"{self.build_db}: the build DB and the published DB must be two files")

    def export_env(self) -> None:
        """Put the (absolute) paths into the environment dbt and the step processes read."""
        os.environ["COCKPIT_LANDING_DIR"] = str(self.landing_dir)
        os.environ["COCKPIT_BUILD_DB"] = str(self.build_db)
        os.environ["COCKPIT_PUBLISHED_DB"] = str(self.published_db)
        os.environ["COCKPIT_REPORT_DIR"] = str(self.report_dir)


def _path(var: str) -> Path:
    value = Path(os.environ.get(var) or _DEFAULTS[var])
    return value if value.is_absolute() else (PROJECT_ROOT / value)


def build_db_for_dbt() -> Path:
    """The build DB's absolute path for dbt's profile, without validating its name (validation
    reads the dbt manifest, which `dbt parse` needs this path to write)."""
    return _path("COCKPIT_BUILD_DB")
