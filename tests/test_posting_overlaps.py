"""`posting_overlaps` keys only the municipality-years fed by two files or more: the same findings
as keying every posting (the query before that change, kept here as the reference), on postings
with repeats across files, within one file, NULL municipalities and dates, and masked case keys."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import polars as pl

from warehouse.raw_loader import OVERLAP, posting_overlaps
from warehouse.sql_names import ident

REFERENCE = """
    with keyed as (
        select kommunenr, year(bogfoeringsdato) as aar, tilbudsnr, borgerreference, periode_fra,
               periode_til, beloeb, list(distinct _source_file order by _source_file) as filer
        from postings
        where borgerreference is not null and borgerreference not like '%XXXXXX-XXXX%'
          and periode_fra is not null and periode_til is not null and beloeb is not null
        group by all
        having count(distinct _source_file) > 1
    ),
    pairs as (select kommunenr, aar, filer[1] as foerste, unnest(filer[2:]) as kopi from keyed)
    select kopi, foerste, kommunenr, aar, count(*) from pairs group by all order by all
"""


def _postings(n: int, seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):  # a test's few thousand made-up postings
        year = rng.choice([2023, 2024, None])
        rows.append(
            {
                "kommunenr": rng.choice(["851", "846", "860", None]),
                "bogfoeringsdato": date(year, rng.randint(1, 12), 1) if year else None,
                "tilbudsnr": rng.choice([9951, 9952]),
                "borgerreference": rng.choice(["B-1", "B-2", "B-3", "XXXXXX-XXXX", None]),
                "periode_fra": date(2024, 1, 1),
                "periode_til": rng.choice([date(2024, 1, 28), None]),
                "beloeb": rng.choice([100, 200, None]),
                # three files of 851, one file of 846 and 860 alone, one file for every municipality
                "_source_file": rng.choice(["a.csv", "b.csv", "c.csv", "d.csv"]),
            }
        )
    frame = pl.DataFrame(rows)
    # 860 comes from one file only: no finding can name it, however its postings repeat.
    return frame.with_columns(
        pl.when(pl.col("kommunenr") == "860")
        .then(pl.lit("d.csv"))
        .otherwise(pl.col("_source_file"))
        .alias("_source_file")
    )


def test_the_same_findings_as_keying_every_posting():
    postings = _postings(4000, seed=23)
    with duckdb.connect() as con:
        con.register("postings", postings)
        expected = con.execute(REFERENCE).fetchall()
        found = posting_overlaps(con, ident("postings"))
    assert len(expected) > 10  # the case is not empty: repeats in several municipalities and years
    assert {kommune for _, _, kommune, _, _ in expected} == {"851", "846", None}
    assert len(found) == len(expected)
    assert [copy for copy, _ in found] == [copy for copy, *_ in expected]
    for (copy, text), (kopi, foerste, kommune, aar, n) in zip(found, expected):
        assert (copy, text.split(":")[0]) == (kopi, f"{OVERLAP}{foerste}")
        assert f": {n} posteringer med" in text and f"(kommune {kommune}, {aar})" in text


def test_a_municipality_year_of_one_file_has_no_finding():
    postings = _postings(2000, seed=7).with_columns(pl.lit("a.csv").alias("_source_file"))
    with duckdb.connect() as con:
        con.register("postings", postings)
        assert con.execute(REFERENCE).fetchall() == []
        assert posting_overlaps(con, ident("postings")) == []
