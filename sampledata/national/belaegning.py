"""Monthly occupancy of the residential tilbud (`belaegning/`), with the planted R10/R11 cases
and two unparseable values."""

from __future__ import annotations

import numpy as np
import polars as pl

from sampledata.landing import PLANT, Landing, Plant, Plants
from sampledata.national.common import RESIDENTIAL, month_starts, pick_rows, set_row, slug
from sampledata.text import csv_bytes, month_text, rng


def write_belaegning(landing: Landing, seed: int, register: pl.DataFrame, years: range, plants: Plants) -> None:
    """Monthly occupancy of every residential tilbud (not the secure institutions, which report
    in sikrede/): one file per region and year, the region's secretariat deciding the format.
    Plants R10, R11 and two unparseable values."""
    r = rng(seed, "belaegning")
    tilbud = register.filter(pl.col("paragraf").is_in(list(RESIDENTIAL))).select(
        "tilbudsnr", "regionsnavn", pl.col("pladser").alias("normeret")
    )
    rows = tilbud.join(month_starts(years), how="cross").sort("regionsnavn", "aar", "tilbudsnr", "maaned")
    n = rows.height
    out_of_use = (r.random(n) < 0.05) & (rows["normeret"].to_numpy() > 1)
    rows = (
        rows.with_row_index("_rid")
        .with_columns(
            (pl.col("normeret") - pl.Series(out_of_use.astype(np.int64))).alias("drift"),
            pl.Series("_u", r.uniform(0.93, 0.99, n)),
            pl.lit(None, dtype=pl.Int64).alias(PLANT),
            pl.lit(None, dtype=pl.String).alias("_raw_maaned"),
            pl.lit(None, dtype=pl.String).alias("_raw_belagte"),
        )
        .with_columns((pl.col("drift") * pl.col("dage") * pl.col("_u")).floor().cast(pl.Int64).alias("belagte"))
    )

    def plant(rid, rule, kind, note, **values):
        nonlocal rows
        row = rows.filter(pl.col("_rid") == rid).row(0, named=True)
        rows = set_row(
            rows,
            rid,
            **values,
            **{PLANT: plants.new(Plant(rule, kind, note, None, row["tilbudsnr"], row["maaned"].strftime("%Y-%m")))},
        )

    full = pl.col("drift") == pl.col("normeret")
    for rid in pick_rows(r, rows, full, 3):
        plant(
            rid,
            "R10",
            "positive",
            "belagte døgn = pladser i drift x dage + 2",
            belagte=pl.col("drift") * pl.col("dage") + 2,
        )
    for rid in pick_rows(r, rows, full, 2):
        plant(
            rid,
            "R10",
            "near_miss",
            "belagte døgn = pladser i drift x dage exactly",
            belagte=pl.col("drift") * pl.col("dage"),
        )
    for rid in pick_rows(r, rows, full, 3):
        plant(rid, "R11", "positive", "pladser i drift = normerede + 1", drift=pl.col("normeret") + 1)
    for rid in pick_rows(r, rows, full, 2):
        plant(rid, "R11", "near_miss", "pladser i drift = normerede")
    bad_month, bad_count = pick_rows(r, rows, pl.col("aar") > years[0], 2)
    row = rows.filter(pl.col("_rid") == bad_month).row(0, named=True)
    rows = set_row(
        rows,
        bad_month,
        _raw_maaned=f"{row['aar']}-13",
        **{PLANT: plants.new(Plant(None, column="Måned", raw=f"{row['aar']}-13"))},
    )
    row = rows.filter(pl.col("_rid") == bad_count).row(0, named=True)
    typo = str(row["belagte"]).replace("1", "l", 1) if "1" in str(row["belagte"]) else str(row["belagte"]) + "O"
    rows = set_row(
        rows, bad_count, _raw_belagte=typo, **{PLANT: plants.new(Plant(None, column="Belagte døgn", raw=typo))}
    )

    regions = sorted(rows["regionsnavn"].unique().to_list())
    fmt = {
        g: dict(
            statbank=i % 2 == 1,
            encoding=["utf-8", "cp1252"][i % 2 == 0 and i > 0],
            bom=i == 3,
            eol=["\r\n", "\n"][i % 3 == 2],
            lower=i == 4,
        )
        for i, g in enumerate(regions)
    }
    for (region, year), part in rows.group_by(["regionsnavn", "aar"], maintain_order=True):
        f = fmt[region]
        header = ["Tilbudsnr", "Måned", "Normerede pladser", "Pladser i drift", "Belagte døgn"]
        if f["lower"]:
            header = [h.lower() for h in header]
        out = part.select(
            pl.col("tilbudsnr").cast(pl.String),
            pl.coalesce("_raw_maaned", month_text(pl.col("maaned"), f["statbank"])),
            pl.col("normeret").cast(pl.String),
            pl.col("drift").cast(pl.String),
            pl.coalesce("_raw_belagte", pl.col("belagte").cast(pl.String)),
        ).rename(dict(zip(["tilbudsnr", "_raw_maaned", "normeret", "drift", "_raw_belagte"], header)))
        rel = f"belaegning/{slug(region)}_{year}.csv"
        landing.write(rel, csv_bytes(out, encoding=f["encoding"], bom=f["bom"], eol=f["eol"]))
        landing.record(rel, part, first_line=2)
