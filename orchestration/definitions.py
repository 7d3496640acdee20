"""The Dagster definitions: the same graph for `dagster dev`, `cockpit run` and the tests."""

from __future__ import annotations

from dagster import Definitions, JobDefinition

from orchestration.assets.dbt import cockpit_dbt_assets
from orchestration.assets.ingest import INGEST_ASSETS, INGEST_CHECKS, QUARANTINE_TABLES
from orchestration.assets.publish import RUN_LOG, published_cockpit
from orchestration.assets.quality import QUALITY_CHECKS
from orchestration.assets.report import styringscockpit_report, yearly_report
from orchestration.automation import JOBS, SCHEDULES, SENSORS
from orchestration.build_db import BuildDb
from orchestration.dbt_resources import dbt_resource
from orchestration.locked_executor import locked_executor

defs = Definitions(
    assets=[*INGEST_ASSETS, *QUARANTINE_TABLES, cockpit_dbt_assets, published_cockpit, RUN_LOG, styringscockpit_report],
    asset_checks=[*INGEST_CHECKS, *QUALITY_CHECKS],
    jobs=[*JOBS, yearly_report],
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources={"dbt": dbt_resource(), "build_db": BuildDb()},
    executor=locked_executor,  # one refresh of the build DB at a time, per run
)


# For `reconstructable(...)`: the multiprocess executor re-imports the job in every step's
# subprocess, which needs a function in an importable module.
def yearly_refresh_job() -> JobDefinition:
    return defs.resolve_job_def("yearly_refresh")


def monthly_refresh_job() -> JobDefinition:
    return defs.resolve_job_def("monthly_refresh")
