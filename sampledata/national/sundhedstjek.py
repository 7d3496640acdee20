"""GP health checks (`sundhedstjek/`): the region's wide extract of all 98 municipalities and
the target group, with the planted R12/R13 cases."""

from __future__ import annotations

import numpy as np
import polars as pl

from sampledata.domain import EXTRACTION
from sampledata.landing import Landing, Plant, Plants
from sampledata.text import csv_bytes, rng

HEALTH_YEARS = (2022, 2023, 2024)  # the scheme started 1 January 2022


def write_sundhedstjek(landing: Landing, seed: int, kommuner: pl.DataFrame, pop: pl.DataFrame, plants: Plants) -> None:
    """The region's wide extract (cp1252, `Udtræksdato` preamble) of all 98 municipalities,
    2022M01 … 2024M10, and the target group per municipality and year. Plants R12 (every
    municipality's extraction month; the month before as near miss) and R13."""
    r = rng(seed, "sundhedstjek")
    months = [(y, m) for y in HEALTH_YEARS for m in range(1, 13) if (y, m) <= (EXTRACTION.year, EXTRACTION.month)]
    n_m, n_t = kommuner.height, len(months)
    p = pop.filter(pl.col("aar") == 2022).join(kommuner.select("kommunekode"), on="kommunekode", how="right")
    base = p["indbyggere"].to_numpy() * r.uniform(0.00055, 0.00085, n_m) / 12
    ramp = np.array([{(2022, 1): 0.6, (2022, 2): 0.75, (2022, 3): 0.9}.get(k, 1.0) for k in months])
    partial = np.array([EXTRACTION.day / 31 * 0.9 if k == (EXTRACTION.year, EXTRACTION.month) else 1.0 for k in months])
    counts = np.round(base[:, None] * ramp * partial * r.uniform(0.7, 1.3, (n_m, n_t))).astype(np.int64)

    def median_before(i: int, t: int) -> float:
        return float(np.median(counts[i, max(0, t - 12) : t]))

    tags: dict[tuple[int, int], int] = {}
    codes = kommuner["kommunekode"].to_list()

    def tag(i, t, rule, kind, note):
        plant = Plant(rule, kind, note, codes[i], None, f"{months[t][0]}-{months[t][1]:02d}")
        if (i, t) in tags:
            plants.add(tags[i, t], plant)
        else:
            tags[i, t] = plants.new(plant)

    t_spike = months.index((2023, 6))
    big = [i for i in np.argsort(-base)[:30].tolist() if median_before(i, t_spike) >= 5]
    for i in r.choice(big, 3, replace=False).tolist():  # R13 positive: above 3 x median and >= 10
        counts[i, t_spike] = max(10, int(3 * median_before(i, t_spike)) + 1)
        tag(i, t_spike, "R13", "positive", f"{counts[i, t_spike]} > 3 x median of previous 12 months and >= 10")
    t_near = months.index((2023, 9))
    small = [i for i in range(n_m) if 3 * median_before(i, t_near) < 9]
    i = int(r.choice(small))
    counts[i, t_near] = 9
    tag(i, t_near, "R13", "near_miss", "9 > 3 x median but < 10")
    even = [
        i
        for i in np.argsort(-base)[:30].tolist()
        if median_before(i, t_near) >= 4 and median_before(i, t_near) == int(median_before(i, t_near)) and i not in tags
    ]
    i = int(r.choice(even))
    counts[i, t_near] = 3 * int(median_before(i, t_near))
    tag(i, t_near, "R13", "near_miss", "exactly 3 x median (not more than), >= 10")
    for i in range(n_m):  # every municipality's row
        tag(i, n_t - 1, "R12", "positive", "extraction month 2024M10 is incomplete")
        tag(i, n_t - 2, "R12", "near_miss", "2024M09 is complete (month before extraction)")

    wide = pl.DataFrame(
        {
            "Kommune": kommuner["kommunenavn"],
            **{f"{y}M{m:02d}": counts[:, t].astype(str) for t, (y, m) in enumerate(months)},
        }
    )
    rel = "sundhedstjek/sundhedstjek_udtraek_2024-10-25.csv"
    landing.write(rel, csv_bytes(wide, encoding="cp1252", preamble=(f"Udtræksdato;{EXTRACTION:%d-%m-%Y}", "")))
    landing.rows["sundhedstjek"] = landing.rows.get("sundhedstjek", 0) + wide.height
    for (i, _t), pid in sorted(tags.items()):
        landing.record_line(rel, 4 + i, pid)

    group = p.join(pop.filter(pl.col("aar").is_in(HEALTH_YEARS)), on="kommunekode", suffix="_y")
    group = (
        group.sort("aar_y", "kommunekode")
        .with_row_index("_i")
        .select(
            pl.when(pl.col("_i") % 2 == 0)
            .then(pl.col("kommunekode"))
            .otherwise(pl.col("kommunekode").replace_strict(dict(zip(codes, kommuner["kommunenavn"].to_list()))))
            .alias("Kommune"),
            pl.col("aar_y").cast(pl.String).alias("År"),
            (pl.col("indbyggere_y") * pl.Series(r.uniform(0.0022, 0.0028, p.height * len(HEALTH_YEARS))))
            .round()
            .cast(pl.Int64)
            .cast(pl.String)
            .alias("Borgere i målgruppen"),
        )
    )
    rel = "sundhedstjek/maalgruppe.csv"
    landing.write(rel, csv_bytes(group))
    landing.record(rel, group, first_line=2)
