"""dagster-dbt's view of the dbt project: the `DbtProject` and the `DbtCliResource` the dbt step
runs. The manifest, the dbt executable and the child wrapper are `warehouse/dbt_manifest.py`."""

from __future__ import annotations

import os

from dagster_dbt import DbtCliResource, DbtProject

from warehouse.dbt_manifest import DBT_CHILD, dbt_child_env
from warehouse.paths import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_resource() -> DbtCliResource:
    """dagster-dbt's resource, running dbt through `dbt_child.py`: `dbt build` is killed with
    the process that holds the refresh lock. The real dbt is `dbt_executable()`, handed over in
    COCKPIT_DBT_EXECUTABLE, with its version in COCKPIT_DBT_VERSION (`dbt_child_env`; set here and
    again by the dbt step, which may run in another process)."""
    os.environ.update(dbt_child_env())
    os.environ.pop("COCKPIT_DBT_PARENT_PID", None)  # a process starting dbt says its own pid (the dbt step)
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT_CHILD))
