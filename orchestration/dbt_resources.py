"""The dbt project, its executable and its manifest, shared by the assets and the CLI."""

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import DBT_PROJECT_DIR, export_build_db_env

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The venv's dbt, also when the venv is not activated (make, CI and cron call .venv/bin/cockpit).
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).with_name("dbt"))


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)


def ensure_manifest() -> None:
    """Write target/manifest.json with `dbt parse`: the CLI calls this before loading the
    definitions, and the definitions under `dagster dev` (orchestration/assets/dbt.py)."""
    export_build_db_env()  # the profile needs the variable; parsing opens no database
    dbt_resource().cli(["parse", "--quiet"], target_path=Path("target")).wait()
