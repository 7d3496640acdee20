"""Municipal budgets (StatBank BUDK32, landing-zone §9) for the 98 municipalities, the five
regions and Hele landet, CodeAndValue as the regional sample writes it: the net operating budget
per function and year in 1.000 kr. with one decimal, each 0,95–1,03 × the accounts' net (TOT), so
`cockpit.udgifter_kommune` has a budget against the accounts for every area (issue 21)."""

from __future__ import annotations

import polars as pl

from sampledata.contract import BUDK32_HEADER
from sampledata.landing import Landing
from sampledata.national.common import FUNCTIONS
from sampledata.text import csv_bytes, dk_amount, rng


def write_budget(landing: Landing, seed: int, accounts: pl.DataFrame, years: range) -> None:
    """`accounts`: the REGK31 net amounts of `write_regnskab` (kommunekode, navn, funktion, aar,
    tot in tenths of 1.000 kr., `_o` the area's order). One CSV over `years`, rows in the accounts'
    order (country, regions, municipalities; function; year); the factor is drawn per row from a
    stream of its own, so the other sources' files do not change."""
    labels = pl.DataFrame(
        {
            "funktion": [f for f, _, _ in FUNCTIONS],
            "label": [lbl for _, lbl, _ in FUNCTIONS],
            "_f": range(len(FUNCTIONS)),
        }
    )
    rows = (
        accounts.filter(pl.col("aar").is_between(years[0], years[-1]))
        .join(labels, on="funktion")
        .sort("_o", "kommunekode", "_f", "aar")
    )
    factor = rng(seed, "budget").uniform(0.95, 1.03, rows.height)
    rows = rows.with_columns((pl.col("tot") * pl.Series(factor)).round().cast(pl.Int64).alias("budget"))
    out = rows.select(
        pl.concat_str("kommunekode", pl.lit(" "), "navn").alias(BUDK32_HEADER[0]),
        pl.concat_str(pl.col("funktion").str.replace_all(".", "", literal=True), pl.lit(" "), "label").alias(
            BUDK32_HEADER[1]
        ),
        pl.lit("1 Driftskonti").alias(BUDK32_HEADER[2]),
        pl.lit("TOT I alt (netto)").alias(BUDK32_HEADER[3]),
        pl.lit("LOBM Løbende priser (1.000 kr.)").alias(BUDK32_HEADER[4]),
        pl.col("aar").cast(pl.String).alias(BUDK32_HEADER[5]),
        dk_amount(pl.col("budget"), thousands=False, decimals=1).alias(BUDK32_HEADER[6]),
    )
    rel = f"budget/BUDK32_{years[0]}-{years[-1]}.csv"
    landing.write(rel, csv_bytes(out, bom=True))
    landing.record(rel, out, first_line=2)
