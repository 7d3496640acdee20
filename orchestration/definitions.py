"""The Dagster definitions: the same graph for `dagster dev`, `cockpit run` and the tests."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, JobDefinition, define_asset_job

from orchestration.assets.dbt import cockpit_dbt_assets
from orchestration.assets.ingest import INGEST_ASSETS, INGEST_CHECKS
from orchestration.assets.publish import published_cockpit
from orchestration.assets.quality import QUALITY_CHECKS
from orchestration.automation import JOBS, SCHEDULES, SENSORS
from orchestration.dbt_resources import dbt_resource

cockpit_refresh = define_asset_job(
    "cockpit_refresh",
    selection=AssetSelection.all(),
    description="Ingest every landing source, audit, build the marts with dbt and publish.",
)

defs = Definitions(
    assets=[*INGEST_ASSETS, cockpit_dbt_assets, published_cockpit],
    asset_checks=[*INGEST_CHECKS, *QUALITY_CHECKS],
    jobs=[cockpit_refresh, *JOBS],
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources={"dbt": dbt_resource()},
)


def cockpit_refresh_job() -> JobDefinition:
    """The refresh job, for `reconstructable(...)`: the multiprocess executor re-imports the job
    in every step's subprocess, which needs a function in an importable module."""
    return defs.resolve_job_def("cockpit_refresh")
