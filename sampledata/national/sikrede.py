"""The secure institutions' monthly occupancy, refusals and waiting list (`sikrede/`), with the
planted R10/R11 cases."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from ingest import reference
from sampledata.landing import PLANT, Landing, Plant, Plants
from sampledata.national.common import SECURE_PLACES, month_starts, pick_rows, set_row
from sampledata.text import csv_bytes, month_text, rng


def write_sikrede(landing: Landing, seed: int, years: range, plants: Plants) -> None:
    """The 8 secure institutions, monthly: normed places (106 in all, 114 from December 2021),
    places in operation, occupied days by ground, refusals, waiting list (from 2021).
    One file per year, UTF-8 with BOM. Plants R10 and R11."""
    r = rng(seed, "sikrede")
    seed_rows = pl.read_csv(reference.SEEDS / "ref_sikrede_institutioner.csv", infer_schema=False)
    inst = seed_rows.select("institution", "driftsherre").with_columns(
        pl.col("institution")
        .replace_strict({k: v[0] for k, v in SECURE_PLACES.items()}, return_dtype=pl.Int64)
        .alias("foer"),
        pl.col("institution")
        .replace_strict({k: v[1] for k, v in SECURE_PLACES.items()}, return_dtype=pl.Int64)
        .alias("efter"),
    )
    rows = inst.join(month_starts(years), how="cross").sort("aar", "institution", "maaned")
    n = rows.height
    u = r.random(n)
    rows = (
        rows.with_row_index("_rid")
        .with_columns(
            pl.when(pl.col("maaned") >= date(2021, 12, 1))
            .then(pl.col("efter"))
            .otherwise(pl.col("foer"))
            .alias("normeret"),
            pl.lit(None, dtype=pl.Int64).alias(PLANT),
        )
        .with_columns(
            (pl.col("normeret") - pl.Series(np.where(u < 0.03, 2, np.where(u < 0.10, 1, 0)))).alias("drift"),
            pl.Series("_u", r.uniform(0.80, 0.98, n)),
            pl.Series("_s", r.uniform(0.55, 0.75, n)),
            pl.Series("afviste_sociale", r.choice([0] * 8 + [1, 2], n)),
            pl.Series("afviste_retlige", r.choice([0] * 9 + [1], n)),
            pl.when(pl.col("aar") >= 2021).then(pl.Series(r.integers(0, 4, n))).alias("venteliste"),
        )
        .with_columns((pl.col("drift") * pl.col("dage") * pl.col("_u")).round().cast(pl.Int64).alias("belagte"))
    )

    def plant(rid, rule, kind, note, **values):
        nonlocal rows
        row = rows.filter(pl.col("_rid") == rid).row(0, named=True)
        rows = set_row(
            rows,
            rid,
            **values,
            **{PLANT: plants.new(Plant(rule, kind, note, None, None, row["maaned"].strftime("%Y-%m")))},
        )

    full = pl.col("drift") == pl.col("normeret")
    for rid in pick_rows(r, rows, full, 2):
        plant(
            rid,
            "R10",
            "positive",
            "belagte døgn (sociale + retlige) = drift x dage + 4",
            belagte=pl.col("drift") * pl.col("dage") + 4,
        )
    plant(
        pick_rows(r, rows, full, 1)[0],
        "R10",
        "near_miss",
        "belagte døgn = pladser i drift x dage exactly (100 %)",
        belagte=pl.col("drift") * pl.col("dage"),
    )
    for rid in pick_rows(r, rows, full, 2):
        plant(rid, "R11", "positive", "overbelægning: pladser i drift > normerede", drift=pl.col("normeret") + 1)
    plant(pick_rows(r, rows, full, 1)[0], "R11", "near_miss", "pladser i drift = normerede")
    rows = rows.with_columns((pl.col("belagte") * pl.col("_s")).round().cast(pl.Int64).alias("sociale"))
    for year, part in rows.group_by("aar", maintain_order=True):
        out = part.select(
            pl.col("institution").alias("Institution"),
            pl.col("driftsherre").alias("Driftsherre"),
            month_text(pl.col("maaned"), False).alias("Måned"),
            *[
                pl.col(c).cast(pl.String).alias(h)
                for c, h in [
                    ("normeret", "Normerede pladser"),
                    ("drift", "Pladser i drift"),
                    ("sociale", "Belagte døgn sociale"),
                ]
            ],
            (pl.col("belagte") - pl.col("sociale")).cast(pl.String).alias("Belagte døgn retlige"),
            pl.col("afviste_sociale").cast(pl.String).alias("Afviste sociale"),
            pl.col("afviste_retlige").cast(pl.String).alias("Afviste retlige"),
            pl.col("venteliste").cast(pl.String).alias("Venteliste ultimo"),
        )
        rel = f"sikrede/sikrede_{year[0]}.csv"
        landing.write(rel, csv_bytes(out, bom=True))
        landing.record(rel, part, first_line=2)
