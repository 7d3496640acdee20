"""Where the checkout's parts are: the project root, the dbt project and its manifest."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# dbt's (and dagster-dbt's `DbtProject`'s) place for the parsed project (warehouse/dbt_manifest.py)
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
