"""The schema names of the warehouse, read from the dbt project and the loader, never a hand list.

DuckDB names a database file's catalog after its stem; a catalog named like a schema makes every
two-part name `schema.table` ambiguous ("Ambiguous reference to catalog or schema"), and DuckDB
itself refuses a few catalog names. So a build or published file may not be called like any of
them, whatever schema a model, seed or source gains later.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from warehouse.paths import DBT_PROJECT_DIR, MANIFEST_PATH
from warehouse.raw_loader import LOADER_SCHEMAS

# Catalog names DuckDB reserves or gives every connection (`main` is also the default schema).
RESERVED_CATALOGS = frozenset({"main", "system", "temp", "memory"})


def warehouse_schemas(manifest_path: Path | None = None) -> frozenset[str]:
    """Every name a DuckDB file of this warehouse may not be called (lower case): the schemas of
    the dbt project's models, seeds, snapshots, tests and sources, the schemas the raw loader
    creates, and DuckDB's reserved catalogs. The dbt schemas come from the manifest, or on a
    fresh checkout without one from the project's own files (`project_schemas`): reading the
    settings never runs dbt (issue 26)."""
    path = manifest_path or MANIFEST_PATH
    dbt = _schemas_of(path, path.stat().st_mtime_ns) if path.exists() else project_schemas()
    return dbt | LOADER_SCHEMAS | RESERVED_CATALOGS


# `+schema: marts` in dbt_project.yml, `schema: raw` of a source, `config(schema='x')` in a model
_SCHEMA_KEY = re.compile(r"^\s*\+?schema:\s*['\"]?(\w+)", re.MULTILINE)
_SCHEMA_CONFIG = re.compile(r"\bschema\s*=\s*['\"](\w+)['\"]")


def project_schemas(project_dir: Path = DBT_PROJECT_DIR) -> frozenset[str]:
    """The schemas the dbt project's files name (lower case), read without dbt: every `schema:`
    key of dbt_project.yml and the YAML under models/, seeds/ and snapshots/, and every
    `schema='…'` in a model's config. A superset of what the manifest lists, never less."""
    texts = [(project_dir / "dbt_project.yml").read_text(encoding="utf-8")]
    for folder in ("models", "seeds", "snapshots", "tests", "macros"):
        for f in sorted((project_dir / folder).rglob("*")):
            if f.suffix in (".yml", ".yaml", ".sql") and f.is_file():
                texts.append(f.read_text(encoding="utf-8"))
    # dbt's own schema for stored test failures (`store_failures`), named by no project file
    found = {"dbt_test__audit"} | {
        m.lower() for t in texts for rx in (_SCHEMA_KEY, _SCHEMA_CONFIG) for m in rx.findall(t)
    }
    return frozenset(found)


@lru_cache(maxsize=4)
def _schemas_of(path: Path, _mtime_ns: int) -> frozenset[str]:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    nodes = [*manifest["nodes"].values(), *manifest["sources"].values()]
    return frozenset(n["schema"].lower() for n in nodes if n.get("schema"))


def clashing_name(db: Path) -> str | None:
    """The schema or reserved catalog `db`'s stem equals (case-insensitively, as DuckDB compares
    identifiers), or None when the name is free."""
    stem = db.stem.lower()
    return stem if stem in warehouse_schemas() else None
