"""The dbt project as Dagster assets (dagster-dbt): one `dbt build` per run, tests as checks.

Models get the key [schema, model] and the group of their folder (staging / intermediate /
marts / cockpit), so the UI shows the layers of ARCHITECTURE.md. Sources keep dagster-dbt's
default key [source, table], which is exactly the key of the ingest asset that writes it.
A dbt test with severity error fails `dbt build` and so blocks publishing.
"""

import os
from collections.abc import Mapping
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.dbt_resources import DBT_PROJECT, ensure_manifest
from orchestration.raw_loader import ensure_raw_tables
from orchestration.settings import Settings


class CockpitTranslator(DagsterDbtTranslator):
    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] not in ("model", "seed", "snapshot"):
            return spec
        folder = props["fqn"][1] if len(props["fqn"]) > 2 else "reference"
        return spec.replace_attributes(
            key=AssetKey([props["schema"], props["name"]]),
            group_name=folder,
            owners=["team:rammeaftalesekretariatet"],
        )


TRANSLATOR = CockpitTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


# Under `dagster dev` re-parse on every load so edited SQL counts (what prepare_if_dev does, but
# with the venv's dbt: prepare_if_dev looks for `dbt` on PATH, which `make ui` does not set).
if not DBT_PROJECT.manifest_path.exists() or os.getenv("DAGSTER_IS_DEV_CLI"):
    ensure_manifest()


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    pool="duckdb",
    name="cockpit_dbt",
)
def cockpit_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource):
    settings = Settings.from_env()
    settings.export_env()  # dbt's profile reads COCKPIT_BUILD_DB
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.build_db)) as con:  # a job of one grain, first on a fresh build DB
        ensure_raw_tables(con)
    yield from dbt.cli(["build"], context=context).stream()
