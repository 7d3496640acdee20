"""The GX checks read only the columns their suite uses (issue 15: at national scale the whole
raw table in pandas needed more than 20 GB), a row-wise suite reads them in batches (20 M
postings at once: 8,9 GB), and both still name the failing rows' file and line."""

from datetime import date
from decimal import Decimal

import duckdb
import polars as pl

from expectations.runner import columns_needed, row_wise, validate, validate_query


def test_a_suite_reads_its_expectations_keys_and_lineage_only():
    # Postings have no business key (Source.keys is empty): file and line name a failing row.
    assert columns_needed("posteringer") == [
        "_source_file",
        "_source_line",
        "kommunenr",
        "bogfoeringsdato",
        "funktion",
        "dranst",
        "beloeb",
        "antal_doegn",
        "borgerreference",
    ]
    assert "_max_belagte_doegn" in columns_needed("belaegning")  # made by the suite's prepare step
    assert "tekst" not in columns_needed("posteringer") and "_file_sha256" not in columns_needed("posteringer")
    assert columns_needed("sundhedstjek")[:5] == [
        "kommunekode",
        "maaned",
        "udtraeksdato",
        "_source_file",
        "_source_line",
    ]


def test_failures_on_the_selected_columns_name_file_and_line():
    rows = pl.DataFrame(
        {
            "kommunenr": ["851", "851", "999"],
            "bilagsnr": ["1", "2", "3"],
            "_source_file": ["posteringer/a.csv"] * 3,
            "_source_line": [2, 3, 4],
            "bogfoeringsdato": [date(2024, 1, 2)] * 3,
            "funktion": ["5.38.50", "5.38.50", "5.38.50"],
            "dranst": [1, 7, 1],
            "beloeb": [Decimal("12.34"), None, Decimal("-1.00")],
            "antal_doegn": [None, 3, 1],
            "borgerreference": ["B-1", "XXXXXX-XXXX", "B-3"],
        },
        schema_overrides={"beloeb": pl.Decimal(18, 2)},
    )
    outcome = validate("posteringer", rows)
    failed = {
        (f.expectation, f.column): [(e["_source_file"], e["_source_line"]) for e in f.examples]
        for f in outcome.failures
    }
    assert failed == {
        ("expect_column_values_to_not_be_null", "beloeb"): [("posteringer/a.csv", 3)],
        ("expect_column_values_to_be_in_set", "kommunenr"): [("posteringer/a.csv", 4)],
        ("expect_column_values_to_be_in_set", "dranst"): [("posteringer/a.csv", 3)],
    }


def test_a_row_wise_suite_on_batches_gives_the_whole_tables_outcome():
    n = 23
    kommunenr = ["851"] * n
    kommunenr[4] = kommunenr[19] = "999"  # unknown area in the first and the third batch
    dranst = [1] * n
    dranst[15] = 7  # only in the second batch
    beloeb = [Decimal("1.00")] * n
    beloeb[2] = beloeb[9] = beloeb[22] = None  # in every batch
    rows = pl.DataFrame(
        {
            "kommunenr": kommunenr,
            "bilagsnr": [str(i) for i in range(n)],
            "_source_file": ["posteringer/a.csv"] * n,
            "_source_line": list(range(2, n + 2)),
            "bogfoeringsdato": [date(2024, 1, 2)] * n,
            "funktion": ["5.38.50"] * n,
            "dranst": dranst,
            "beloeb": beloeb,
            "antal_doegn": [1] * n,
            "borgerreference": [f"B-{i}" for i in range(n)],
        },
        schema_overrides={"beloeb": pl.Decimal(18, 2)},
    )
    con = duckdb.connect()
    con.register("raw_rows", rows)
    sql = f"select {', '.join(columns_needed('posteringer'))} from raw_rows"
    whole = validate("posteringer", rows, max_examples=2)
    batched = validate_query("posteringer", con, sql, max_examples=2, rows_per_batch=8)
    assert row_wise("posteringer") and not row_wise("tilbud")  # tilbudsnr must be unique
    assert plain(batched) == plain(whole)
    assert (batched.rows, [(f.expectation, f.column, f.unexpected_count) for f in batched.failures]) == (  # suite order
        23,
        [
            ("expect_column_values_to_not_be_null", "beloeb", 3),
            ("expect_column_values_to_be_in_set", "kommunenr", 2),
            ("expect_column_values_to_be_in_set", "dranst", 1),
        ],
    )
    assert [e["_source_line"] for e in batched.failures[0].examples] == [4, 11]  # the first two, in row order
    empty = validate_query("posteringer", con, sql + " where false")
    assert (empty.rows, empty.success) == (0, True)


def plain(outcome):
    """The outcome with pandas' NaN (a missing decimal in an example row) as None, which compares,
    and its failures in one order (GX lists them in an order of its own)."""
    nan_free = lambda v: None if isinstance(v, float) and v != v else v  # noqa: E731
    return (
        outcome.rows,
        outcome.evaluated,
        sorted(
            (f.expectation, f.column, f.unexpected_count, [{k: nan_free(v) for k, v in e.items()} for e in f.examples])
            for f in outcome.failures
        ),
    )
