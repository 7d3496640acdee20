"""A landing source's identity has one owner, its `Source` (ingest/sources.py): the Dagster asset,
the GX suite, the dbt source and `cockpit check` read the description, key and suite from it."""

from __future__ import annotations

from pathlib import Path

import yaml

from expectations.suites import SUITES
from ingest.sources import SOURCES

ROOT = Path(__file__).resolve().parents[1]


def _uniqueness(source: str) -> list[list[str]]:
    """The column lists of the uniqueness expectations of suite `source`."""
    found = []
    for e in SUITES[source].expectations():
        if type(e).__name__ == "ExpectCompoundColumnsToBeUnique":
            found.append(list(e.column_list))
        elif type(e).__name__ == "ExpectColumnValuesToBeUnique":
            found.append([e.column])
    return found


def test_every_source_has_a_suite_and_every_suite_a_source():
    assert list(SUITES) == list(SOURCES)
    assert {s.suite for s in SOURCES.values()} == {f"raw_{name}" for name in SUITES}


def test_the_suite_checks_the_sources_key_and_no_other():
    for name, source in SOURCES.items():
        assert _uniqueness(name) == ([source.keys] if source.keys else []), name
    assert SOURCES["regnskab"].keys == ["omraade_kode", "funktion", "dranst", "art", "prisenhed", "aar"]
    assert SOURCES["tilbud"].keys == ["tilbudsnr"] and SOURCES["posteringer"].keys == []


def test_every_key_column_is_a_column_of_the_raw_table():
    for name, source in SOURCES.items():
        assert set(source.keys) <= {f.name for f in source.fields}, name
        assert source.steward_column is None or source.steward_column in {f.name for f in source.fields}, name


def test_the_work_list_splits_the_sources_a_municipality_delivers_by_their_steward_column():
    from cli.worklist import KOMMUNE_COLUMNS

    assert sorted(KOMMUNE_COLUMNS) == [
        ("posteringer", "kommunenr"),
        ("sundhedstjek", "kommunekode"),
        ("sundhedstjek_maalgruppe", "kommunekode"),
    ]


def test_the_asset_and_its_check_describe_the_source_as_the_source_does():
    from orchestration.assets.ingest import INGEST_ASSETS, INGEST_CHECKS

    by_table = {a.key.path[-1]: a for a in INGEST_ASSETS}
    assert set(by_table) == set(SOURCES)
    for name, source in SOURCES.items():
        # the source's own text, then how the asset is partitioned (orchestration/partitions.py)
        described = by_table[name].specs_by_key[by_table[name].key].description
        assert described.startswith(source.description), name
        assert ("Partitioned by" in described) == (source.grain is not None), name
        # ends by naming its contract: the landing-zone section, or for the decisions the cockpit schema
        contract = "landing-zone §" in source.description or "cockpit-schema.md" in source.description
        assert source.description.rstrip(".").endswith(")") and contract, name
    checks = {spec.name: spec for c in INGEST_CHECKS for spec in c.check_specs}
    assert set(checks) == {f"gx_{s.suite}" for s in SOURCES.values()}
    assert all(s.suite in checks[f"gx_{s.suite}"].description for s in SOURCES.values())


def test_the_dbt_source_describes_each_raw_table_in_the_sources_words():
    spec = yaml.safe_load((ROOT / "dbt_project" / "models" / "sources.yml").read_text(encoding="utf-8"))
    raw = next(s for s in spec["sources"] if s["name"] == "raw")
    assert {t["name"]: t["description"] for t in raw["tables"]} == {
        name: source.description for name, source in SOURCES.items()
    }
