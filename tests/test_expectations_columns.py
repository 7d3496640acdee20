"""The GX checks read only the columns their suite uses (issue 15: at national scale the whole
raw table in pandas needed more than 20 GB), and still name the failing rows' file and line."""

from datetime import date
from decimal import Decimal

import polars as pl

from expectations.runner import columns_needed, validate


def test_a_suite_reads_its_expectations_keys_and_lineage_only():
    assert columns_needed("posteringer") == [
        "kommunenr", "bilagsnr", "_source_file", "_source_line", "bogfoeringsdato", "funktion", "dranst", "beloeb",
        "antal_doegn", "borgerreference"]
    assert "_max_belagte_doegn" in columns_needed("belaegning")  # made by the suite's prepare step
    assert "tekst" not in columns_needed("posteringer") and "_file_sha256" not in columns_needed("posteringer")


def test_failures_on_the_selected_columns_name_file_and_line():
    rows = pl.DataFrame({
        "kommunenr": ["851", "851", "999"], "bilagsnr": ["1", "2", "3"],
        "_source_file": ["posteringer/a.csv"] * 3, "_source_line": [2, 3, 4],
        "bogfoeringsdato": [date(2024, 1, 2)] * 3, "funktion": ["5.38.50", "5.38.50", "5.38.50"],
        "dranst": [1, 7, 1], "beloeb": [Decimal("12.34"), None, Decimal("-1.00")], "antal_doegn": [None, 3, 1],
        "borgerreference": ["B-1", "XXXXXX-XXXX", "B-3"],
    }, schema_overrides={"beloeb": pl.Decimal(18, 2)})
    outcome = validate("posteringer", rows)
    failed = {(f.expectation, f.column): [(e["_source_file"], e["_source_line"]) for e in f.examples]
              for f in outcome.failures}
    assert failed == {
        ("expect_column_values_to_not_be_null", "beloeb"): [("posteringer/a.csv", 3)],
        ("expect_column_values_to_be_in_set", "kommunenr"): [("posteringer/a.csv", 4)],
        ("expect_column_values_to_be_in_set", "dranst"): [("posteringer/a.csv", 3)],
    }
