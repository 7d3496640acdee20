"""Rate appendices (`takstbilag/`): every approved rate per tilbud, ydelse and year, computed
as the contract says, with the planted R06-R09 cases; one workbook per operator and year."""

from __future__ import annotations

import numpy as np
import polars as pl

from sampledata.contract import BASE_RATE, SECURE, TAKSTBILAG_HEADER
from sampledata.landing import PLANT, Landing, Plant, Plants
from sampledata.national.common import RESIDENTIAL, is_leap, pick_rows, set_row, slug, years_series
from sampledata.text import rng
from sampledata.workbook import Formula, xlsx_bytes


def ydelser(seed: int, register: pl.DataFrame) -> pl.DataFrame:
    """Rate levels of every residential tilbud: `tilbudsnr`, `ydelse`, `niveau` (0…3),
    `pladser` (Int64), `belaegning_pm` (budgeted occupancy in per mille), `begrundelse`."""
    r = rng(seed, "ydelser")
    res = register.filter(pl.col("paragraf").is_in([*RESIDENTIAL, SECURE]))
    n = res.height
    pattern = r.random(n)
    levels = np.where(pattern < 0.6, 1, np.where(pattern < 0.9, r.integers(2, 5, n), 10))  # 10: + Akutplads
    levels = np.where(res["paragraf"].to_numpy() == SECURE, 1, levels)
    levels = np.where((res["pladser"].to_numpy() < 4) & (levels > 1), 1, levels)
    budget = np.where(r.random(n) < 0.8, 950, r.choice([960, 970, 980], n))
    rows = pl.DataFrame(
        {
            "tilbudsnr": res["tilbudsnr"],
            "paragraf": res["paragraf"],
            "total": res["pladser"],
            "levels": levels,
            "bpm": budget,
        }
    )
    rows = rows.with_columns(
        pl.int_ranges(0, pl.when(pl.col("levels") == 10).then(2).otherwise(pl.col("levels"))).alias("niveau")
    ).explode("niveau")
    multi = pl.col("levels").is_between(2, 4)
    akut = pl.col("levels") == 10
    rows = rows.with_columns(
        pl.when(pl.col("paragraf") == SECURE)
        .then(pl.lit("Sikret døgnophold"))
        .when(multi)
        .then(pl.format("Takst {}", pl.col("niveau") + 1))
        .when(akut & (pl.col("niveau") == 1))
        .then(pl.lit("Akutplads"))
        .otherwise(pl.lit("Døgnophold"))
        .alias("ydelse"),
        # places of a level: an even split (the first level takes the rest); Akutplads 1
        pl.when(multi)
        .then(
            pl.col("total") // pl.col("levels")
            + pl.when(pl.col("niveau") == 0).then(pl.col("total") % pl.col("levels")).otherwise(0)
        )
        .when(akut)
        .then(pl.when(pl.col("niveau") == 1).then(1).otherwise(pl.col("total") - 1))
        .otherwise(pl.col("total"))
        .alias("pladser"),
        pl.when(pl.col("paragraf") == SECURE)
        .then(850)
        .when(akut & (pl.col("niveau") == 1))
        .then(900)
        .otherwise(pl.col("bpm"))
        .alias("belaegning_pm"),
    )
    return rows.with_columns(
        pl.when(pl.col("ydelse") == "Akutplads")
        .then(pl.lit("Akutplads: budgetteret belægning 90 % godkendt"))
        .when(pl.col("ydelse") == "Sikret døgnophold")
        .then(pl.lit("Sikret institution: budgetteret belægning 85 % jf. styringsaftalen"))
        .alias("begrundelse"),
    ).select("tilbudsnr", "paragraf", "ydelse", "niveau", "pladser", "belaegning_pm", "begrundelse")


def takster(seed: int, levels: pl.DataFrame, years: range, plants: Plants) -> pl.DataFrame:
    """Every approved rate per tilbud × ydelse × year, computed as the contract says (§4) in
    integers: with D = pladser×10 × 365 × belægning‰ (units of 1/10 000 place-day),
    `antal_doegn` = round(D / 10 000) and `doegntakst_oere` = round(omkostninger × 10⁶ / D),
    half-up. Rates move 2–5 % a year; levels lie ~30 % apart (R04 never matches a neighbour).
    Plants R06–R09 (positives and near misses) and marks them in `_plant`."""
    r = rng(seed, "takster")
    n = levels.height
    paragraf = levels["paragraf"].to_numpy()
    lo = np.vectorize(lambda p: BASE_RATE[p][0])(paragraf)
    hi = np.vectorize(lambda p: BASE_RATE[p][1])(paragraf)
    base = r.uniform(lo, hi) * np.where(
        levels["ydelse"].to_numpy() == "Akutplads", 1.5, 1.3 ** levels["niveau"].to_numpy()
    )
    factor = years_series(r, n, years, 0.02, 0.05)
    frame = (
        levels.join(pl.DataFrame({"aar": list(years)}, schema={"aar": pl.Int64}), how="cross")
        .select(
            "tilbudsnr",
            "ydelse",
            "paragraf",
            "aar",
            (pl.col("pladser") * 10).alias("pladser10"),
            "belaegning_pm",
            "begrundelse",
            pl.Series("maal_kr", (base[:, None] * factor).ravel()),
            (pl.col("ydelse") == "Døgnophold").alias("single"),
        )
        .with_row_index("_rid")
        .with_columns(pl.lit(None, dtype=pl.Int64).alias(PLANT))
    )
    # year-average places (a capacity change during the year): half a place less, now and then
    avg = (r.random(frame.height) < 0.01) & frame["single"].to_numpy() & (frame["pladser10"].to_numpy() >= 100)
    frame = frame.with_columns(
        pl.when(pl.Series(avg)).then(pl.col("pladser10") - 5).otherwise(pl.col("pladser10")).alias("pladser10")
    )
    frame = _plant_rate_inputs(r, frame, years, plants)
    d = pl.col("pladser10") * 365 * pl.col("belaegning_pm")
    frame = frame.with_columns((pl.col("maal_kr") * d / 10_000).round().cast(pl.Int64).alias("omkostninger"))
    frame = frame.with_columns(
        ((2 * pl.col("omkostninger") * 1_000_000 + d) // (2 * d)).alias("doegntakst_oere"),
        ((d + 5_000) // 10_000).alias("antal_doegn"),
    )
    return _plant_rate_outputs(r, frame, years, plants).drop("maal_kr", "single")


def _rate_plant(frame: pl.DataFrame, rid: int, plants: Plants, rule: str, kind: str, note: str) -> pl.DataFrame:
    row = frame.filter(pl.col("_rid") == rid).row(0, named=True)
    plant = Plant(rule, kind, note, None, row["tilbudsnr"], str(row["aar"]))
    if row[PLANT] is not None:
        plants.add(row[PLANT], plant)
        return frame
    return set_row(frame, rid, **{PLANT: plants.new(plant)})


def _plant_rate_inputs(r, frame: pl.DataFrame, years: range, plants: Plants) -> pl.DataFrame:
    """R08 and R09: occupancy and rate moves decided before the rates are computed."""
    later = pl.col("aar") >= years[0] + 1
    plain = pl.col("begrundelse").is_null() & pl.col("single")
    for rid in pick_rows(r, frame, plain & later, 3):
        frame = set_row(frame, rid, belaegning_pm=920)
        frame = _rate_plant(frame, rid, plants, "R08", "positive", "belægning 92 % and no Begrundelse")
    akut = frame.filter((pl.col("ydelse") == "Akutplads") & pl.col(PLANT).is_null())["_rid"][0]
    frame = _rate_plant(frame, akut, plants, "R08", "near_miss", "belægning 90 % with Begrundelse")
    secure = frame.filter((pl.col("ydelse") == "Sikret døgnophold") & pl.col(PLANT).is_null())["_rid"][0]
    frame = _rate_plant(frame, secure, plants, "R08", "near_miss", "belægning 85 % with Begrundelse")
    # R09: this year's target moves by `jump` from last year's (the following years move on from it)
    cases = [
        (0.14, None, "positive", "Døgntakst +14 % vs last year, no Begrundelse"),
        (0.16, None, "positive", "Døgntakst +16 % vs last year, no Begrundelse"),
        (-0.13, None, "positive", "Døgntakst -13 % vs last year, no Begrundelse"),
        (0.12, "Ny normering med vågen nattevagt, godkendt af DAS", "near_miss", "Døgntakst +12 % with Begrundelse"),
        (0.095, None, "near_miss", "Døgntakst +9,5 % (not > 10 %)"),
    ]
    for jump, why, kind, note in cases:
        rid = pick_rows(r, frame, plain & later & (pl.col("aar") < years[-1]), 1)[0]
        row = frame.filter(pl.col("_rid") == rid).row(0, named=True)
        prev = frame.filter(
            (pl.col("tilbudsnr") == row["tilbudsnr"])
            & (pl.col("ydelse") == row["ydelse"])
            & (pl.col("aar") == row["aar"] - 1)
        )
        if prev[PLANT][0] is not None:
            continue
        scale = prev["maal_kr"][0] * (1 + jump) / row["maal_kr"]
        same = (
            (pl.col("tilbudsnr") == row["tilbudsnr"])
            & (pl.col("ydelse") == row["ydelse"])
            & (pl.col("aar") >= row["aar"])
        )
        frame = frame.with_columns(pl.when(same).then(pl.col("maal_kr") * scale).otherwise(pl.col("maal_kr")))
        if why:
            frame = set_row(frame, rid, begrundelse=why)
        frame = _rate_plant(frame, rid, plants, "R09", kind, note)
    return frame


def _plant_rate_outputs(r, frame: pl.DataFrame, years: range, plants: Plants) -> pl.DataFrame:
    """R06 and R07: the written Døgntakst or Antal døgn departs from the computation."""
    free = pl.col("single") & pl.col("begrundelse").is_null()
    for rid in pick_rows(r, frame, free, 3):
        frame = set_row(frame, rid, doegntakst_oere=pl.col("doegntakst_oere") + 100)
        frame = _rate_plant(frame, rid, plants, "R06", "positive", "Døgntakst 1,00 kr. above Omkostninger / døgn")
    # near miss: 0,01 kr. above the rounded rate, < 0,01 kr. from the exact quotient (rounding went down)
    for rid in pick_rows(r, frame, free, 2):
        row = frame.filter(pl.col("_rid") == rid).row(0, named=True)
        d = row["pladser10"] * 365 * row["belaegning_pm"]
        omk = row["omkostninger"]
        while not d // 10 <= omk * 1_000_000 % d <= 4 * d // 10:  # a few steps of 1 kr.
            omk += 1
        frame = set_row(frame, rid, omkostninger=omk, doegntakst_oere=omk * 1_000_000 // d + 1)
        frame = _rate_plant(
            frame,
            rid,
            plants,
            "R06",
            "near_miss",
            "Døgntakst 0,01 kr. above the rounded rate, < 0,01 from the exact quotient",
        )
    leap = is_leap(pl.col("aar"))
    d366 = pl.col("pladser10") * 366 * pl.col("belaegning_pm")
    for rid in pick_rows(r, frame, free & leap & ((d366 + 5_000) // 10_000 != pl.col("antal_doegn")), 2):
        frame = set_row(frame, rid, antal_doegn=(d366 + 5_000) // 10_000)
        frame = _rate_plant(frame, rid, plants, "R07", "positive", "Antal døgn computed on 366 days")
    tie = frame.filter((pl.col("ydelse") == "Akutplads") & (pl.col("pladser10") == 10) & pl.col(PLANT).is_null())[
        "_rid"
    ][0]
    return _rate_plant(frame, tie, plants, "R07", "near_miss", "1 x 365 x 90 % = 328,5 -> 329 (half-up)")


def write_takstbilag(landing: Landing, seed: int, rates: pl.DataFrame, register: pl.DataFrame) -> None:
    """One workbook per operator and year (sheet `Takster`), in a folder per year. The operator
    decides the look: occupancy as 0,95 (percent format, with formula cells), 95, `95 %` or
    `95%`; a title block of one or two lines above an empty row."""
    r = rng(seed, "takstbilag-format")
    info = register.select("tilbudsnr", "tilbudsnavn", "driftsherre")
    rows = rates.join(info, on="tilbudsnr").sort("driftsherre", "aar", "tilbudsnr", "ydelse")
    d = pl.col("pladser10") * 365 * pl.col("belaegning_pm")
    exact = pl.col("omkostninger") / (pl.col("pladser10") / 10 * 365 * pl.col("belaegning_pm") / 1000)
    rows = rows.with_columns(
        exact.alias("_exact"),
        # a formula's cached value must round to the written rate away from any tie
        ((exact * 100 - pl.col("doegntakst_oere")).abs() < 0.49).alias("_formula_ok"),
        pl.when(pl.col("pladser10") % 10 == 0).then(pl.col("pladser10") // 10).alias("_places_int"),
        (pl.col("pladser10") / 10).alias("_places"),
        (pl.col("belaegning_pm") / 10).alias("_pct"),
        (d > 0).alias("_ok"),
    )
    operators = rows["driftsherre"].unique(maintain_order=True).to_list()
    style = dict(zip(operators, r.integers(0, 4, len(operators)).tolist()))
    long_title = dict(zip(operators, (r.random(len(operators)) < 0.4).tolist()))
    header = TAKSTBILAG_HEADER
    for (operator, year), part in rows.group_by(["driftsherre", "aar"], maintain_order=True):
        s = (style[operator] + year) % 4
        title = [f"Takstbilag {year} – {operator}"]
        if long_title[operator]:
            title.append(f"Godkendt efter styringsaftalen {year}")
        values = []
        for row in part.iter_rows(named=True):  # the rows of one workbook, for openpyxl
            pct = row["_pct"] if row["_pct"] != int(row["_pct"]) else int(row["_pct"])
            occupancy = [row["belaegning_pm"] / 1000, pct, f"{pct} %", f"{pct}%"][s]
            days, rate = row["antal_doegn"], row["doegntakst_oere"] / 100
            if s == 0 and row["_formula_ok"] and row[PLANT] is None:
                days = Formula("ROUND(G{r}*H{r}*I{r},0)", row["antal_doegn"])
                rate = Formula("K{r}/(G{r}*H{r}*I{r})", row["_exact"])
            places = row["_places_int"] if row["_places_int"] is not None else row["_places"]
            values.append(
                (
                    year,
                    row["tilbudsnr"],
                    row["tilbudsnavn"],
                    operator,
                    row["paragraf"],
                    row["ydelse"],
                    places,
                    365,
                    occupancy,
                    days,
                    row["omkostninger"],
                    rate,
                    row["begrundelse"],
                )
            )
        rel = f"takstbilag/{year}/takstbilag_{year}_{slug(operator)}.xlsx"
        formats = {"Omkostninger": "#,##0", "Døgntakst": "#,##0.00", "Belægningsprocent": "0%" if s == 0 else "0"}
        landing.write(rel, xlsx_bytes("Takster", title, header, values, formats))
        landing.record(rel, part, first_line=len(title) + 3)
