"""REGK31 accounts (`regnskab/`): the adult functions as the ledgers add up, the children's
drawn, with the planted R17 cases."""

from __future__ import annotations

import numpy as np
import polars as pl

from sampledata.landing import PLANT, Landing, Plant, Plants
from sampledata.national.common import ADULT, FUNCTIONS, SPEND_PER_HEAD_2021, pick_rows, set_row, years_series
from sampledata.text import csv_bytes, dk_amount, rng


def write_regnskab(
    landing: Landing,
    seed: int,
    kommuner: pl.DataFrame,
    pop: pl.DataFrame,
    konti: pl.DataFrame,
    years: range,
    plants: Plants,
) -> pl.DataFrame:
    """REGK31: net (TOT), gross (UE) and income (I) in 1.000 kr. with one decimal, per area,
    function and year. The adult functions come from the ledgers (`konti`: TOT and I in tenths,
    equal to the postings' sums, R14/R16 plants marked); the children's functions are drawn.
    Older years in the Value presentation with thousands dots, newer in CodeAndValue.
    Plants R17 (TOT ≠ UE − I) here. Returns the net amounts written (kommunekode, navn,
    funktion, aar, tot in tenths of 1.000 kr., `_o` 0 country / 1 region / 2 municipality), which
    the budgets are drawn around."""
    r = rng(seed, "regnskab")
    children = [(f, s) for f, _, s in FUNCTIONS if f.startswith("5.28")]
    factor = years_series(r, kommuner.height * len(children), years, 0.01, 0.06)
    p21 = np.repeat(kommuner["pop2021"].to_numpy(), len(children))
    share = np.tile([s for _, s in children], kommuner.height) * r.uniform(0.85, 1.15, p21.size)
    tot = np.round(p21[:, None] * SPEND_PER_HEAD_2021 * share[:, None] * factor / 100).astype(np.int64)
    kids = pl.DataFrame(
        {
            "kommunekode": np.repeat(np.repeat(kommuner["kommunekode"].to_numpy(), len(children)), len(years)),
            "funktion": np.repeat(np.tile([f for f, _ in children], kommuner.height), len(years)),
            "aar": np.tile(np.array(list(years)), p21.size),
            "tot": tot.ravel(),
        }
    ).with_columns(
        (pl.col("tot") * pl.Series(np.repeat(r.uniform(0.03, 0.2, p21.size), len(years))))
        .round()
        .cast(pl.Int64)
        .alias("indt"),
        pl.lit(None, dtype=pl.Int64).alias(PLANT),
    )
    muni = pl.concat([konti.select("kommunekode", "funktion", "aar", "tot", "indt", PLANT), kids])
    muni = muni.with_columns((pl.col("tot") + pl.col("indt")).alias("ue")).with_row_index("_rid")
    # R17: UE moved so that TOT - (UE - I) = 12,3 (positive) or -0,1 exactly (near miss)
    for delta, kind, note in (
        (-123, "positive", "TOT - (UE - I) = 12,3 (1.000 kr.)"),
        (-45, "positive", "TOT - (UE - I) = 4,5 (1.000 kr.)"),
        (1, "near_miss", "TOT - (UE - I) = -0,1 exactly (not > 0,1)"),
    ):
        rid = pick_rows(r, muni, pl.col("funktion").is_in(ADULT), 1)[0]
        row = muni.filter(pl.col("_rid") == rid).row(0, named=True)
        muni = set_row(muni, rid, ue=pl.col("ue") + delta)
        plant = Plant("R17", kind, note, row["kommunekode"], None, str(row["aar"]))
        if row[PLANT] is None:
            muni = set_row(muni, rid, **{PLANT: plants.new(plant)})
        else:
            plants.add(row[PLANT], plant)
    muni = muni.join(
        kommuner.select("kommunekode", pl.col("kommunenavn").alias("navn"), "regionskode", "regionsnavn"),
        on="kommunekode",
    )
    sums = [pl.col("tot").sum(), pl.col("ue").sum(), pl.col("indt").sum()]
    regions = (
        muni.group_by("regionskode", "regionsnavn", "funktion", "aar")
        .agg(sums)
        .rename({"regionskode": "kommunekode", "regionsnavn": "navn"})
    )
    country = (
        muni.group_by("funktion", "aar")
        .agg(sums)
        .with_columns(pl.lit("000").alias("kommunekode"), pl.lit("Hele landet").alias("navn"))
    )
    cols = ["kommunekode", "navn", "funktion", "aar", "tot", "ue", "indt"]
    areas = pl.concat(
        [
            country.select(cols).with_columns(pl.lit(0).alias("_o"), pl.lit(None, dtype=pl.Int64).alias(PLANT)),
            regions.select(cols).with_columns(pl.lit(1).alias("_o"), pl.lit(None, dtype=pl.Int64).alias(PLANT)),
            muni.select(*cols, pl.lit(2).alias("_o"), PLANT),
        ]
    )
    arts = pl.DataFrame(
        {"art": ["TOT", "UE", "I"], "art_navn": ["I alt (netto)", "Bruttoudgifter", "Indtægter"], "_a": [0, 1, 2]}
    )
    labels = pl.DataFrame(
        {
            "funktion": [f for f, _, _ in FUNCTIONS],
            "label": [lbl for _, lbl, _ in FUNCTIONS],
            "_f": list(range(len(FUNCTIONS))),
        }
    )
    rows = (
        areas.join(arts, how="cross")
        .join(labels, on="funktion")
        .with_columns(
            pl.when(pl.col("art") == "TOT")
            .then(pl.col("tot"))
            .when(pl.col("art") == "UE")
            .then(pl.col("ue"))
            .otherwise(pl.col("indt"))
            .alias("vaerdi"),
            pl.when(pl.col("art") == "TOT").then(pl.col(PLANT)).alias(PLANT),
        )
        .sort("_o", "kommunekode", "_f", "_a", "aar")
    )
    split = years[0] + (years[-1] - years[0]) // 2
    for first, last, coded in ((years[0], split, False), (split + 1, years[-1], True)):
        part = rows.filter(pl.col("aar").is_between(first, last))
        value = dk_amount(pl.col("vaerdi"), thousands=not coded, decimals=1)
        if not coded:  # StatBank: not available (missing, not an error), on a country row
            value = (
                pl.when(
                    (pl.col("kommunekode") == "000")
                    & (pl.col("aar") == first)
                    & (pl.col("art") == "I")
                    & (pl.col("funktion") == "5.28.21")
                )
                .then(pl.lit(".."))
                .otherwise(value)
            )
        if coded:
            out = part.select(
                pl.concat_str("kommunekode", pl.lit(" "), "navn").alias("OMRÅDE"),
                pl.concat_str(pl.col("funktion").str.replace_all(".", "", literal=True), pl.lit(" "), "label").alias(
                    "FUNKTION"
                ),
                pl.lit("1 Driftskonti").alias("DRANST"),
                pl.concat_str("art", pl.lit(" "), "art_navn").alias("ART"),
                pl.lit("LOBM Løbende priser (1.000 kr.)").alias("PRISENHED"),
                pl.col("aar").cast(pl.String).alias("TID"),
                value.alias("INDHOLD"),
            )
        else:
            out = part.select(
                pl.col("navn").alias("OMRÅDE"),
                pl.concat_str("funktion", pl.lit(" "), "label").alias("FUNKTION"),
                pl.lit("Driftskonti").alias("DRANST"),
                pl.col("art_navn").alias("ART"),
                pl.lit("Løbende priser (1.000 kr.)").alias("PRISENHED"),
                pl.col("aar").cast(pl.String).alias("TID"),
                value.alias("INDHOLD"),
            )
        rel = f"regnskab/REGK31_{first}-{last}.csv"
        landing.write(rel, csv_bytes(out, bom=True))
        landing.record(rel, part, first_line=2)
    return areas.select("kommunekode", "navn", "funktion", "aar", "tot", "_o")
