"""The schema names of the warehouse, read from the dbt project and the loader, never a hand list.

DuckDB names a database file's catalog after its stem; a catalog named like a schema makes every
two-part name `schema.table` ambiguous ("Ambiguous reference to catalog or schema"), and DuckDB
itself refuses a few catalog names. So a build or published file may not be called like any of
them, whatever schema a model, seed or source gains later.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from orchestration.raw_loader import LOADER_SCHEMAS

# Catalog names DuckDB reserves or gives every connection (`main` is also the default schema).
RESERVED_CATALOGS = frozenset({"main", "system", "temp", "memory"})


def warehouse_schemas(manifest_path: Path | None = None) -> frozenset[str]:
    """Every name a DuckDB file of this warehouse may not be called (lower case): the schemas of
    the dbt project's models, seeds, snapshots, tests and sources (from its manifest, prepared
    when there is none yet: `cockpit run` prepares it first anyway), the schemas the raw loader
    creates, and DuckDB's reserved catalogs. Raises `ManifestError` when dbt cannot parse the
    project."""
    from orchestration.dbt_resources import DBT_PROJECT, prepare_manifest

    path = manifest_path or DBT_PROJECT.manifest_path
    if not path.exists():
        prepare_manifest()
    return _schemas_of(path, path.stat().st_mtime_ns) | LOADER_SCHEMAS | RESERVED_CATALOGS


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
