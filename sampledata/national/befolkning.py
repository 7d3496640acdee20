"""Population (`befolkning/`): the 98 municipalities' populations, and FOLK1A / FOLK1AM by age
for every municipality, region and the country."""

from __future__ import annotations

import numpy as np
import polars as pl

from ingest import reference
from sampledata.contract import age_weight
from sampledata.domain import MUNICIPALITIES, NATIONAL_POP_2021
from sampledata.landing import Landing
from sampledata.national.common import years_series
from sampledata.text import csv_bytes, rng, split_exact

# Population 1 January 2021: the 11 North Jutland figures are real (domain/README.md); the
# others are drawn and scaled so that the 98 add up to the real national figure.
REAL_POP_2021 = {code: population for code, _, population in MUNICIPALITIES}  # the regional sample's
LARGE_CITIES = {"101": 640_000, "751": 350_000, "461": 205_000}  # København, Aarhus, Odense (rounded)
AGES = 100  # single years 0-99 in FOLK1A / FOLK1AM


def municipalities(seed: int) -> pl.DataFrame:
    """The 98 municipalities of the reference seed with a population on 1 January 2021
    (`pop2021`, Int64; real for North Jutland, summing to the real national figure)."""
    k = reference.kommuner().select("kommunekode", "kommunenavn", "regionskode", "regionsnavn")
    codes = k["kommunekode"].to_list()
    fixed = {**REAL_POP_2021, **LARGE_CITIES}
    rest = [c for c in codes if c not in fixed]
    draw = rng(seed, "kommuner").lognormal(mean=10.5, sigma=0.5, size=len(rest))
    pops = np.floor(draw * (NATIONAL_POP_2021 - sum(fixed.values())) / draw.sum()).astype(np.int64)
    pops[int(np.argmax(pops))] += NATIONAL_POP_2021 - sum(fixed.values()) - int(pops.sum())
    pop = {**fixed, **dict(zip(rest, pops.tolist()))}
    return k.with_columns(pl.col("kommunekode").replace_strict(pop, return_dtype=pl.Int64).alias("pop2021"))


def population(seed: int, kommuner: pl.DataFrame, years: range) -> pl.DataFrame:
    """Population on 1 January per municipality and year (`kommunekode`, `aar`, `indbyggere`):
    2021 as `municipalities`, other years drifting at most 0,5 % a year."""
    factor = years_series(rng(seed, "befolkning"), kommuner.height, years, -0.005, 0.005)
    return pl.DataFrame(
        {
            "kommunekode": np.repeat(kommuner["kommunekode"].to_numpy(), len(years)),
            "aar": np.tile(np.array(list(years)), kommuner.height),
            "indbyggere": np.round(kommuner["pop2021"].to_numpy()[:, None] * factor).astype(np.int64).ravel(),
        }
    )


def write_befolkning(landing: Landing, seed: int, kommuner: pl.DataFrame, pop: pl.DataFrame, years: range) -> None:
    """FOLK1A (quarters, with CIVILSTAND, CodeAndValue) up to 2021 and FOLK1AM (months, Value
    presentation: labels only) from 2022: every municipality, region and the country, ages
    0–99 and the total. Ages split each municipality's figure exactly."""
    r = rng(seed, "alder")
    profile = np.array([age_weight(a) for a in range(AGES)])
    weights = np.round(1000 * profile[None, :] * r.uniform(0.9, 1.1, (kommuner.height, AGES))).astype(np.int64)
    w = pl.DataFrame(
        {
            "kommunekode": np.repeat(kommuner["kommunekode"].to_numpy(), AGES),
            "alder": np.tile(np.arange(AGES), kommuner.height),
            "w": weights.ravel(),
        }
    )
    ages = split_exact(pop.join(w, on="kommunekode"), "indbyggere", "w", ["kommunekode", "aar"], "n")
    muni = pl.concat(
        [
            pop.select(
                "kommunekode", "aar", pl.lit(None, dtype=pl.Int64).alias("alder"), pl.col("indbyggere").alias("n")
            ),
            ages.select("kommunekode", "aar", "alder", "n"),
        ]
    ).join(kommuner.select("kommunekode", "kommunenavn", "regionskode", "regionsnavn"), on="kommunekode")
    regions = (
        muni.group_by("regionskode", "regionsnavn", "aar", "alder")
        .agg(pl.col("n").sum())
        .rename({"regionskode": "kode", "regionsnavn": "navn"})
    )
    country = (
        muni.group_by("aar", "alder")
        .agg(pl.col("n").sum())
        .with_columns(pl.lit("000").alias("kode"), pl.lit("Hele landet").alias("navn"))
    )
    areas = pl.concat(
        [
            country.select("kode", "navn", "aar", "alder", "n").with_columns(pl.lit(0).alias("_o")),
            regions.select("kode", "navn", "aar", "alder", "n").with_columns(pl.lit(1).alias("_o")),
            muni.select(
                pl.col("kommunekode").alias("kode"), pl.col("kommunenavn").alias("navn"), "aar", "alder", "n"
            ).with_columns(pl.lit(2).alias("_o")),
        ]
    ).sort("_o", "kode", pl.col("alder").fill_null(-1), "aar")
    coded = areas.filter(pl.col("aar") <= 2021).select(
        pl.concat_str(pl.col("kode"), pl.lit(" "), pl.col("navn")).alias("OMRÅDE"),
        pl.lit("TOT I alt").alias("KØN"),
        pl.when(pl.col("alder").is_null())
        .then(pl.lit("IALT Alder i alt"))
        .otherwise(pl.format("{} {} år", pl.col("alder"), pl.col("alder")))
        .alias("ALDER"),
        pl.lit("TOT I alt").alias("CIVILSTAND"),
        pl.format("{}K1", pl.col("aar")).alias("TID"),
        pl.col("n").cast(pl.String).alias("INDHOLD"),
    )
    labels = areas.filter(pl.col("aar") >= 2022).select(
        pl.col("navn").alias("OMRÅDE"),
        pl.lit("I alt").alias("KØN"),
        pl.when(pl.col("alder").is_null())
        .then(pl.lit("Alder i alt"))
        .otherwise(pl.format("{} år", pl.col("alder")))
        .alias("ALDER"),
        pl.format("{}M01", pl.col("aar")).alias("TID"),
        pl.col("n").cast(pl.String).alias("INDHOLD"),
    )
    for name, frame, first, last in (("FOLK1A", coded, years[0], 2021), ("FOLK1AM", labels, 2022, years[-1])):
        rel = f"befolkning/{name}_{first}-{last}.csv"
        landing.write(rel, csv_bytes(frame, bom=True))
        landing.record(rel, frame, first_line=2)
