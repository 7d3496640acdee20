"""The Dagster definitions: the same graph for `dagster dev`, `cockpit run` and the tests."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job
from orchestration.assets.dbt import cockpit_dbt_assets
from orchestration.dbt_resources import dbt_resource
from orchestration.assets.ingest import INGEST_ASSETS, INGEST_CHECKS
from orchestration.assets.publish import published_cockpit

cockpit_refresh = define_asset_job(
    "cockpit_refresh",
    selection=AssetSelection.all(),
    description="Ingest every landing source, audit, build the marts with dbt and publish.",
)

defs = Definitions(
    assets=[*INGEST_ASSETS, cockpit_dbt_assets, published_cockpit],
    asset_checks=INGEST_CHECKS,
    jobs=[cockpit_refresh],
    resources={"dbt": dbt_resource()},
)
