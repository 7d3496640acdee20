"""The Dagster definitions: the same graph for `dagster dev`, `cockpit run` and the tests.

`defs` is Dagster's idiom for lazy definitions, a function decorated with `@definitions`:
Dagster's module loader (`dagster dev -m orchestration.definitions`, `dagster job execute -m …`,
`dagster definitions validate -m …`, workspace.yaml) finds it among the module's attributes and
calls it; Python calls `defs()`. Importing this module has no side effects: it reads no settings,
no environment and no dbt manifest, and never runs dbt. The graph is built on the first call,
from the manifest `cockpit prepare` wrote (warehouse/dbt_manifest.py); without one, that first
call raises `ManifestMissing` naming the command.
"""

from __future__ import annotations

from functools import cache

from dagster import Definitions, JobDefinition, definitions

from orchestration.assets.ingest import INGEST_ASSETS, INGEST_CHECKS, QUARANTINE_TABLES
from orchestration.assets.publish import FLAG_HISTORY, RUN_LOG, published_cockpit
from orchestration.assets.quality import QUALITY_CHECKS
from orchestration.assets.report import styringscockpit_report, yearly_report
from orchestration.automation import JOBS, SCHEDULES, SENSORS
from orchestration.locked_executor import locked_executor
from orchestration.resources import cockpit_resources


@definitions
@cache
def defs() -> Definitions:
    """Every asset, check, job, schedule and sensor, with the resources `dbt` (dagster-dbt's CLI
    resource on the project), `settings` and `build_db` (orchestration/resources.py). Built once per process;
    raises `ManifestMissing` without a prepared manifest."""
    from orchestration.assets.dbt import cockpit_dbt_assets
    from orchestration.dbt_resources import dbt_resource

    return Definitions(
        assets=[
            *INGEST_ASSETS,
            *QUARANTINE_TABLES,
            cockpit_dbt_assets(),
            published_cockpit,
            RUN_LOG,
            FLAG_HISTORY,
            styringscockpit_report,
        ],
        asset_checks=[*INGEST_CHECKS, *QUALITY_CHECKS],
        jobs=[*JOBS, yearly_report],
        schedules=SCHEDULES,
        sensors=SENSORS,
        resources={"dbt": dbt_resource(), **cockpit_resources()},
        executor=locked_executor,  # one refresh of the build DB at a time, per run
    )


# For `reconstructable(...)`: the multiprocess executor re-imports the job in every step's
# subprocess, which needs a function in an importable module.
def yearly_refresh_job() -> JobDefinition:
    return defs().resolve_job_def("yearly_refresh")


def monthly_refresh_job() -> JobDefinition:
    return defs().resolve_job_def("monthly_refresh")
