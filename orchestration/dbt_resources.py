"""dagster-dbt's view of the dbt project: the `DbtProject` and the `DbtCliResource` the dbt step
runs. The manifest, the dbt executable and the child wrapper are `warehouse/dbt_manifest.py`."""

from __future__ import annotations

import os

from dagster_dbt import DbtCliResource, DbtProject

from warehouse.dbt_manifest import DBT_CHILD, dbt_child_env
from warehouse.paths import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class CockpitDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without its in-process adapter handle.

    dagster-dbt 0.29 builds a dbt-core adapter in the Dagster process before every invocation
    (`DbtCliResource._initialize_dbt_core_adapter`: dbt's adapter imports and the profile, ~1 s
    per dbt step). The handle serves only `fetch_column_metadata` and `fetch_row_counts`, which
    this project does not call; `DbtCliInvocation` takes None for it (as for dbt Fusion)."""

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - dagster-dbt's signature
        return None


def dbt_resource() -> DbtCliResource:
    """dagster-dbt's resource, running dbt through `dbt_child.py`: `dbt build` is killed with
    the process that holds the refresh lock. The real dbt is `dbt_executable()`, handed over in
    COCKPIT_DBT_EXECUTABLE, with its version in COCKPIT_DBT_VERSION (`dbt_child_env`; set here and
    again by the dbt step, which may run in another process)."""
    os.environ.update(dbt_child_env())
    os.environ.pop("COCKPIT_DBT_PARENT_PID", None)  # a process starting dbt says its own pid (the dbt step)
    return CockpitDbtCliResource(project_dir=DBT_PROJECT, dbt_executable=str(DBT_CHILD))
