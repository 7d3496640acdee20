"""Ledger postings (`posteringer/`): places bought by the day and everything else booked on the
adult functions, about 20 million by default, each municipality exporting as its own system
does, with the planted R01-R05, R14-R16 cases and unparseable values."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl

from sampledata.contract import POSTING_HEADER, POSTING_HEADER_SYSTEM_ORDER
from sampledata.domain import PARAGRAPH_FUNCTION
from sampledata.landing import PLANT, Landing, Plant, Plants
from sampledata.national.common import (
    ADULT,
    DEFAULT_POSTINGS,
    FUNCTIONS,
    RESIDENTIAL,
    SPEND_PER_HEAD_2021,
    choose,
    is_leap,
    month_starts,
    pick_rows,
    set_row,
    years_series,
)
from sampledata.text import csv_bytes, dk_amount, dk_date, rng, split_exact

CPR_LIKE = "010190-0000"  # the project's invented CPR-like value (no real person)
EXPENSES = [
    ("1.1", "Lønudgifter, fastansatte"),
    ("1.5", "Lønudgifter, timelønnede"),
    ("2.2", "Fødevarer"),
    ("2.7", "Inventar og udstyr"),
    ("2.9", "Øvrige varekøb"),
    ("4.0", "Tjenesteydelser"),
    ("4.9", "Køb af tjenesteydelser fra andre"),
]
INCOME = [("7.7", "Salg af pladser til andre kommuner"), ("7.1", "Egenbetaling, ophold")]
TYPED_TEXTS = ['Kursus; "Recovery" for personale', 'Skærm 24" til fælles stue', "Husleje; servicearealer"]
SLOTS_PER_INHABITANT = 0.0012  # places bought by the day (≈ 7 000 nationally), each for 10 years
SLOT_FUNCTIONS = {"5.38.50": 0.5, "5.38.52": 0.35, "5.38.42": 0.15}
# the paragraph of a tilbud a slot's function buys (the seed's R01 map read backwards)
FUNCTION_PARAGRAPH = {v: k for k, v in PARAGRAPH_FUNCTION.items()}
ORDERS = [
    POSTING_HEADER,  # the contract's order, a system's own order, and a third
    POSTING_HEADER_SYSTEM_ORDER,
    [
        "Kommunenr",
        "Funktion",
        "Dranst",
        "Art",
        "Bilagsnr",
        "Bogføringsdato",
        "Tilbudsnr",
        "Borgerreference",
        "Periode fra",
        "Periode til",
        "Antal døgn",
        "Beløb",
        "Leverandør CVR",
        "Tekst",
    ],
]


def posting_formats(seed: int, codes: list[str]) -> dict[str, dict]:
    """How each municipality's financial system exports (the contract's freedoms)."""
    r = rng(seed, "posting-formats")
    n = len(codes)
    pick = lambda opts: choose(r, opts, n).tolist()  # noqa: E731
    columns = r.choice(len(ORDERS), n, p=[0.6, 0.25, 0.15])
    return {
        code: dict(
            encoding=enc,
            eol=eol,
            thousands=th,
            dates=dates,
            header=header,
            columns=ORDERS[col],
            missing=missing,
            quote_all=quote,
        )
        for code, enc, eol, th, dates, header, col, missing, quote in zip(
            codes,
            pick({"utf-8": 0.4, "utf-8-sig": 0.2, "cp1252": 0.4}),
            pick({"\r\n": 0.7, "\n": 0.3}),
            pick({True: 0.5, False: 0.5}),
            pick({"dmy": 0.55, "yyyymmdd": 0.2, "iso": 0.15, "dmy_dots": 0.1}),
            pick({"exact": 0.6, "lower": 0.2, "upper": 0.2}),
            columns,
            pick({"": 0.9, "-": 0.1}),
            pick({False: 0.9, True: 0.1}),
        )
    }


def _header(name: str, style: str) -> str:
    return {"exact": name, "lower": f" {name.lower()} ", "upper": name.upper()}[style]


class PostingPlan:
    """Where the ledger plants go: rule → municipalities, chosen once for the whole run."""

    def __init__(self, seed: int, kommuner: pl.DataFrame, years: range):
        r = rng(seed, "posting-plan")
        pop = kommuner["pop2021"].to_numpy()
        codes = np.array(kommuner["kommunekode"].to_list())
        enough = codes[np.argsort(-pop)[:40]]  # big enough for several places of each kind
        self.rules = {
            rule: set(r.choice(enough, k, replace=False).tolist())
            for rule, k in (("R01", 3), ("R02", 3), ("R03", 3), ("R04", 3), ("R05", 3), ("R15", 2), ("bad", 3))
        }
        self.years = [y for y in years if y >= years[0] + 1]
        self.leap = [y for y in years if calendar.isleap(y)]
        # R16: (kommune, funktion, år) -> (factor, plant); R14 on functions bought by the day never
        bigger = codes[pop > 40_000]
        tiny = codes[pop < 4_000]
        picks = r.choice(bigger, 4, replace=False).tolist()
        y = r.choice(self.years[1:-1], 4).tolist()
        self.r16 = {
            (picks[0], "5.38.59", y[0]): (1.04, Plant("R16", "positive", "postings sum 4 % above REGK31 TOT")),
            (picks[1], "5.38.38", y[1]): (0.95, Plant("R16", "positive", "postings sum 5 % below REGK31 TOT")),
            (picks[2], "5.38.58", y[2]): (
                0.985,
                Plant("R16", "near_miss", "postings sum 1,5 % below REGK31 TOT (< 2 %)"),
            ),
            (picks[3], "5.38.45", y[3]): (
                1.019,
                Plant("R16", "near_miss", "postings sum 1,9 % above REGK31 TOT (< 2 %)"),
            ),
        }
        a, b = r.choice([c for c in bigger if c not in picks], 2, replace=False).tolist()
        ya, yb = r.choice(self.years[1:-2], 2).tolist()
        c = r.choice(tiny)
        # (kommune, funktion) -> ({year: factor on the drawn amount}, [(year, plant)])
        self.r14 = {
            (a, "5.38.59"): (
                {ya: 1.8},
                [
                    (ya, Plant("R14", "positive", "net operating +80 % vs last year and > 1 mio. kr.")),
                    (ya + 1, Plant("R14", "near_miss", "falls back about -44 % (> 1 mio. kr. but not > 50 %)")),
                ],
            ),
            (b, "5.38.45"): (
                {yy: 0.4 for yy in years if yy >= yb},
                [(yb, Plant("R14", "positive", "net operating -60 % vs last year and > 1 mio. kr."))],
            ),
            (c, "5.38.58"): (
                {yy: 1.6 for yy in years if yy >= ya},
                [(ya, Plant("R14", "near_miss", "net operating +60 % but change < 1 mio. kr."))],
            ),
        }


def write_posteringer(
    landing: Landing,
    seed: int,
    kommuner: pl.DataFrame,
    register: pl.DataFrame,
    rates: pl.DataFrame,
    years: range,
    total: int,
    plants: Plants,
    progress: Callable[[str], None],
) -> pl.DataFrame:
    """The ledgers of all 98 municipalities, one file per municipality and year (the largest
    four export each half-year), about `total` postings in all. Returns the REGK31 figures the
    ledgers add up to (`kommunekode`, `funktion`, `aar`, `tot`, `indt` in tenths of 1.000 kr.,
    `_plant` for R14/R16), so the accounts agree with the postings to the øre."""
    plan = PostingPlan(seed, kommuner, years)
    formats = posting_formats(seed, kommuner["kommunekode"].to_list())
    offers = (
        _ydelser_of(rates)
        .join(register.select("tilbudsnr", "tilbudsnavn", "driftsherretype", "regionsnavn", "cvr"), on="tilbudsnr")
        .filter(pl.col("paragraf").is_in(list(RESIDENTIAL)))
    )
    rates_by = rates.select("tilbudsnr", "ydelse", "aar", "doegntakst_oere")
    pop = kommuner["pop2021"].to_numpy()
    slot_rate = SLOTS_PER_INHABITANT * min(1.0, total / DEFAULT_POSTINGS)  # a small sample buys fewer places
    day_total = int(np.maximum(3, np.round(pop * slot_rate)).sum() * 12 * len(years) * 1.03)
    per_head = max(total - day_total, 0) / (pop.sum() * len(years))
    big = set(kommuner.sort("pop2021", descending=True)["kommunekode"].head(4).to_list())
    abl = register.filter(pl.col("paragraf") == "ABL § 105")
    konti = []
    for k in kommuner.iter_rows(named=True):  # one municipality at a time: memory stays small
        code = k["kommunekode"]
        r = rng(seed, "posteringer", code)
        day = _day_postings(r, k, offers, rates_by, years, slot_rate)
        day = _plant_day_postings(r, code, day, plan, plants, abl)
        other = _other_amounts(r, k, years, plan)
        accounts, rest = _non_day_postings(r, k, day, other, years, per_head, plan, plants, formats[code]["dates"])
        rows = pl.concat([day.select(rest.columns), rest])
        rows = rows.with_columns(pl.Series("_order", r.permutation(rows.height))).sort("bogf", "_order")
        n = _write_ledger(landing, code, rows, formats[code], code in big)
        konti.append(accounts)
        progress(f"posteringer: {code} {k['kommunenavn']}: {n:,} rækker".replace(",", "."))
    return pl.concat(konti)


def _ydelser_of(rates: pl.DataFrame) -> pl.DataFrame:
    """The ydelser a municipality buys by the day: every tilbud × ydelse with a rate, Akutplads
    left out (a slot is a place held all years)."""
    return (
        rates.select("tilbudsnr", "ydelse", "paragraf")
        .unique(maintain_order=True)
        .filter(pl.col("ydelse") != "Akutplads")
    )


def _day_postings(
    r: np.random.Generator, k: dict, offers: pl.DataFrame, rates: pl.DataFrame, years: range, slot_rate: float
) -> pl.DataFrame:
    """Places bought by the day: each slot (a place at a tilbud × ydelse) is held all years by
    a chain of borgere; one posting per slot and month, two in a month when one moves out and
    the next in. Billed at the year's approved rate for the days of the period; February of a
    leap year to the 28th (a leap day would be R05)."""
    code = k["kommunekode"]
    n = max(3, round(k["pop2021"] * slot_rate))
    fn = choose(r, SLOT_FUNCTIONS, n)
    fn[0] = "5.38.50"  # every municipality buys at least one § 108 place
    chosen = []
    for f in SLOT_FUNCTIONS:  # three draws per municipality, not one per slot
        idx = np.flatnonzero(fn == f)
        cand = offers.filter(pl.col("paragraf") == FUNCTION_PARAGRAPH[f])
        near = cand.filter(pl.col("regionsnavn") == k["regionsnavn"])
        pool_near, pool_all = near.height, cand.height
        local = r.random(idx.size) < 0.7 if pool_near else np.zeros(idx.size, bool)
        pick = np.where(local, r.integers(0, max(pool_near, 1), idx.size), r.integers(0, pool_all, idx.size))
        chosen.append(
            pl.concat([near[pick[local].tolist()], cand[pick[~local].tolist()]])
            .with_columns(pl.lit(f).alias("funktion"))
            .with_columns(pl.Series("slot", np.r_[idx[local], idx[~local]]))
        )
    slots = pl.concat(chosen).sort("slot")
    months = month_starts(years)
    sm = slots.join(months, how="cross").sort("slot", "maaned")
    m = sm.height
    change = r.random(m) < 1 / 30
    sm = sm.with_columns(
        pl.Series("skift", change),
        pl.Series("skiftedag", r.integers(2, 29, m)),
        pl.Series("bogf_dag", r.integers(2, 12, m)),
    )
    sm = sm.with_columns(pl.col("skift").cast(pl.Int64).cum_sum().over("slot").alias("k"))
    sm = sm.with_columns(pl.when(pl.col("skift")).then(pl.lit([0, 1])).otherwise(pl.lit([1])).alias("del")).explode(
        "del"
    )
    last = pl.when((pl.col("maaned").dt.month() == 2) & is_leap(pl.col("aar"))).then(28).otherwise(pl.col("dage"))
    fra_day = pl.when(pl.col("skift") & (pl.col("del") == 1)).then(pl.col("skiftedag")).otherwise(1)
    til_day = pl.when(pl.col("skift") & (pl.col("del") == 0)).then(pl.col("skiftedag") - 1).otherwise(last)
    borger = pl.when(pl.col("skift") & (pl.col("del") == 0)).then(pl.col("k") - 1).otherwise(pl.col("k"))
    sm = sm.with_columns(
        (pl.col("maaned") + pl.duration(days=fra_day - 1)).alias("fra"),
        (pl.col("maaned") + pl.duration(days=til_day - 1)).alias("til"),
        (til_day - fra_day + 1).alias("doegn"),
        pl.format(
            "B{}-{}-{}", pl.lit(code), pl.col("slot").cast(pl.String).str.zfill(4), borger.cast(pl.String).str.zfill(2)
        ).alias("borger"),
        (pl.col("maaned") + pl.duration(days=pl.col("bogf_dag"))).alias("bogf"),
    ).join(rates, on=["tilbudsnr", "ydelse", "aar"], how="left")
    return sm.with_row_index("_rid").select(
        "_rid",
        "bogf",
        "funktion",
        pl.lit(1).alias("dranst"),
        pl.col("driftsherretype").replace_strict({"kommune": "4.7", "region": "4.8", "privat": "4.9"}).alias("art"),
        (pl.col("doegntakst_oere") * pl.col("doegn")).alias("beloeb"),
        "tilbudsnr",
        "cvr",
        "borger",
        "fra",
        "til",
        "doegn",
        pl.format("{}, {}, {}", "ydelse", "tilbudsnavn", pl.col("maaned").dt.strftime("%m-%Y")).alias("tekst"),
        "doegntakst_oere",
        pl.lit(None, dtype=pl.Int64).alias(PLANT),
        pl.lit(None, dtype=pl.String).alias("_raw_beloeb"),
        pl.lit(None, dtype=pl.String).alias("_raw_bogf"),
        pl.col("skift"),
    )


def _plant_day_postings(
    r, code: str, day: pl.DataFrame, plan: PostingPlan, plants: Plants, abl: pl.DataFrame
) -> pl.DataFrame:
    """R01–R05 and R15 on this municipality's day postings, where the plan puts them."""

    def tag(frame, rid, rule, kind, note):
        row = frame.filter(pl.col("_rid") == rid).row(0, named=True)
        plant = Plant(rule, kind, note, code, row["tilbudsnr"], (row["fra"] or row["bogf"]).strftime("%Y-%m"))
        return set_row(frame, rid, **{PLANT: plants.new(plant)})

    whole = ~pl.col("skift") & pl.col("bogf").dt.year().is_in(plan.years)
    month = pl.col("fra").dt.month()
    extra = []
    if code in plan.rules["R01"]:
        rid = pick_rows(r, day, whole & (pl.col("funktion") == "5.38.50"), 1)[0]
        day = tag(
            set_row(day, rid, funktion="5.38.52"),
            rid,
            "R01",
            "positive",
            "§ 108 tilbud booked on 5.38.52 (should be 5.38.50)",
        )
        t = abl.row(int(r.integers(0, abl.height)), named=True)
        bogf = date(int(r.choice(plan.years)), 6, 10)
        extra.append(
            {
                "bogf": bogf,
                "funktion": "5.38.38",
                "dranst": 1,
                "art": "4.9",
                "beloeb": 845_000,
                "tilbudsnr": t["tilbudsnr"],
                "cvr": t["cvr"],
                "borger": f"B{code}-9999-01",
                "fra": None,
                "til": None,
                "doegn": None,
                "tekst": f"Servicearealer, {t['tilbudsnavn']}",
                PLANT: plants.new(
                    Plant(
                        "R01",
                        "near_miss",
                        "ABL § 105 tilbud: paragraph not in the R01 mapping",
                        code,
                        t["tilbudsnr"],
                        bogf.strftime("%Y-%m"),
                    )
                ),
            }
        )
    if code in plan.rules["R02"]:
        rid = pick_rows(r, day, whole & (month <= 10), 1)[0]
        row = day.filter(pl.col("_rid") == rid).row(0, named=True)
        copy = {**row, "bogf": date(row["bogf"].year, row["bogf"].month + 1, 20), "_rid": None}
        copy[PLANT] = plants.new(
            Plant(
                "R02",
                "positive",
                "same kommune, tilbud, borger, period and amount booked again",
                code,
                row["tilbudsnr"],
                row["fra"].strftime("%Y-%m"),
            )
        )
        other = {**row, "_rid": None, "borger": f"B{code}-9998-01"}
        other[PLANT] = plants.new(
            Plant(
                "R02",
                "near_miss",
                "same tilbud, period and amount as another borger",
                code,
                row["tilbudsnr"],
                row["fra"].strftime("%Y-%m"),
            )
        )
        rid2 = pick_rows(r, day, whole & (month <= 10) & (pl.col("_rid") != rid), 1)[0]
        row2 = day.filter(pl.col("_rid") == rid2).row(0, named=True)
        cent = {
            **row2,
            "_rid": None,
            "beloeb": row2["beloeb"] - 1,
            "bogf": date(row2["bogf"].year, row2["bogf"].month + 1, 21),
        }
        cent[PLANT] = plants.new(
            Plant(
                "R02",
                "near_miss",
                "same borger, tilbud and period; amount 0,01 kr. less",
                code,
                row2["tilbudsnr"],
                row2["fra"].strftime("%Y-%m"),
            )
        )
        extra += [copy, other, cent]
    if code in plan.rules["R03"]:
        rid = pick_rows(r, day, whole & month.is_in([4, 6, 9, 11]), 1)[0]
        day = set_row(day, rid, doegn=31, beloeb=pl.col("doegntakst_oere") * 31)
        day = tag(day, rid, "R03", "positive", "31 days billed for a 30-day month")
        rid = pick_rows(r, day, whole & (month != 2), 1)[0]
        day = tag(
            set_row(day, rid, fra=pl.col("til"), til=pl.col("fra")),
            rid,
            "R03",
            "positive",
            "Periode til before Periode fra (dates swapped)",
        )
        day = tag(
            day, pick_rows(r, day, whole & (month == 1), 1)[0], "R03", "near_miss", "31 days billed for a 31-day period"
        )
    if code in plan.rules["R04"]:
        for factor, kind, note in (
            (1.02, "positive", "billed day rate 2 % above the approved rate"),
            (0.99, "positive", "billed day rate 1 % below the approved rate"),
            (1.004, "near_miss", "billed day rate 0,4 % above the approved rate"),
        ):
            rid = pick_rows(r, day, whole, 1)[0]
            day = set_row(
                day, rid, beloeb=(pl.col("doegntakst_oere") * factor).round().cast(pl.Int64) * pl.col("doegn")
            )
            day = tag(day, rid, "R04", kind, note)
    if code in plan.rules["R05"] and plan.leap:
        feb = whole & (month == 2) & is_leap(pl.col("fra").dt.year())
        rid = pick_rows(r, day, feb, 1)[0]
        day = set_row(
            day, rid, til=pl.col("til") + pl.duration(days=1), doegn=29, beloeb=pl.col("doegntakst_oere") * 29
        )
        day = tag(day, rid, "R05", "positive", "service period contains 29 February (29 days billed)")
        day = tag(day, pick_rows(r, day, feb, 1)[0], "R05", "near_miss", "February of a leap year billed to the 28th")
    if code in plan.rules["R15"]:
        rid = pick_rows(r, day, whole, 1)[0]
        day = tag(set_row(day, rid, borger=CPR_LIKE), rid, "R15", "positive", "CPR-like Borgerreference (ddmmyy-xxxx)")
        plants.add(day.filter(pl.col("_rid") == rid)[PLANT][0], Plant(None, column="Borgerreference", cpr=True))
    if extra:
        day = pl.concat([day, pl.DataFrame(extra, schema=day.schema)])
    return day


def _other_amounts(r, k: dict, years: range, plan: PostingPlan) -> dict[tuple[str, int], int]:
    """What each adult function costs besides the places bought by the day, in øre, growing
    1–6 % a year (R14 plants move it)."""
    factor = years_series(r, len(ADULT), years, 0.01, 0.06)
    out = {}
    for i, (f, _, share) in enumerate(x for x in FUNCTIONS if x[0] in ADULT):
        level = (
            k["pop2021"] * SPEND_PER_HEAD_2021 * share * (0.45 if f in SLOT_FUNCTIONS else 1) * r.uniform(0.85, 1.15)
        )
        moves = plan.r14.get((k["kommunekode"], f), ({}, []))[0]
        for j, y in enumerate(years):
            out[f, y] = int(round(level * factor[i, j] * moves.get(y, 1.0) * 100))
    return out


def _non_day_postings(
    r,
    k: dict,
    day: pl.DataFrame,
    other: dict,
    years: range,
    per_head: float,
    plan: PostingPlan,
    plants: Plants,
    date_style: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Salaries, purchases, sales of places and state refunds: amounts split exactly so that the
    Dranst 1 postings of a function and booking year add up to REGK31 TOT × 1.000 (times the
    R16 factor where planted). Returns (the REGK31 figures, all non-day postings in the
    columns of the ledger frame)."""
    code = k["kommunekode"]
    spent = {
        (f, y): v
        for f, y, v in day.filter(pl.col("dranst") == 1)
        .group_by("funktion", pl.col("bogf").dt.year().alias("aar"))
        .agg(pl.col("beloeb").sum())
        .iter_rows()
    }
    groups = []
    for f in ADULT:
        income_ratio = r.uniform(0.03, 0.2)
        for y in years:
            s = spent.get((f, y), 0)
            tot = round((other[f, y] + s) / 10_000)  # tenths of 1.000 kr.
            inc = round(tot * income_ratio)
            factor, r16 = plan.r16.get((code, f, y), (1.0, None))
            expense = round(tot * 10_000 * factor) + inc * 10_000 - s
            assert expense > 0, (code, f, y)
            count = max(24, round(per_head * k["pop2021"] * other[f, y] / sum(other[g, y] for g in ADULT)))
            planted = ([r16] if r16 else []) + [p for yy, p in plan.r14.get((code, f), ({}, []))[1] if yy == y]
            plant = plants.new(*[replace(p, kommunekode=code, periode=str(y)) for p in planted]) if planted else None
            groups.append((f, y, tot, inc, expense, count, plant))
    accounts = pl.DataFrame(
        [(code, f, y, tot, inc, plant) for f, y, tot, inc, _, _, plant in groups],
        schema={
            "kommunekode": pl.String,
            "funktion": pl.String,
            "aar": pl.Int64,
            "tot": pl.Int64,
            "indt": pl.Int64,
            PLANT: pl.Int64,
        },
        orient="row",
    )
    g = pl.DataFrame(
        [(f, y, e, -inc * 10_000, n) for f, y, _, inc, e, n, _ in groups],
        schema={"funktion": pl.String, "aar": pl.Int64, "udgift": pl.Int64, "indtaegt": pl.Int64, "n": pl.Int64},
        orient="row",
    )
    credits = g.select(
        "funktion",
        "aar",
        pl.col("indtaegt").alias("sum"),
        pl.max_horizontal(12, pl.col("n") // 8).alias("n"),
        pl.lit(False).alias("udgift_p"),
    )
    debits = g.select(
        "funktion",
        "aar",
        pl.col("udgift").alias("sum"),
        (pl.col("n") - pl.max_horizontal(12, pl.col("n") // 8)).alias("n"),
        pl.lit(True).alias("udgift_p"),
    )
    refund = pl.DataFrame(
        {
            "funktion": ["5.38.50"] * len(years),
            "aar": list(years),
            "sum": [-round(tot * 10_000 * r.uniform(0.005, 0.02)) for f, y, tot, *_ in groups if f == "5.38.50"],
            "n": [4] * len(years),
            "udgift_p": [None] * len(years),
        },
        schema={"funktion": pl.String, "aar": pl.Int64, "sum": pl.Int64, "n": pl.Int64, "udgift_p": pl.Boolean},
    )
    parts = pl.concat([debits, credits, refund]).with_columns(pl.int_ranges(0, "n").alias("i")).explode("i")
    n = parts.height
    parts = parts.with_columns(pl.Series("w", np.maximum(1, np.round(r.lognormal(0, 1, n) * 1000)).astype(np.int64)))
    parts = split_exact(parts, "sum", "w", ["funktion", "aar", "udgift_p"], "beloeb")
    day_of_year = r.integers(0, 365, n)
    kind = r.integers(0, 1000, n)
    art_text = (
        pl.when(pl.col("udgift_p").is_null())
        .then(pl.lit("8.6|Statsrefusion, særligt dyre enkeltsager"))
        .when(pl.col("udgift_p"))
        .then(pl.lit([f"{a}|{t}" for a, t in EXPENSES]).list.get(pl.col("_k") % len(EXPENSES)))
        .otherwise(pl.lit([f"{a}|{t}" for a, t in INCOME]).list.get(pl.col("_k") % len(INCOME)))
    )
    rest = (
        parts.with_columns(pl.Series("_k", kind), pl.Series("_d", day_of_year))
        .with_columns(art_text.str.split_exact("|", 1).struct.rename_fields(["art", "tekst0"]).alias("_at"))
        .unnest("_at")
    )
    rest = rest.select(
        (pl.date(pl.col("aar"), 1, 1) + pl.duration(days=pl.col("_d"))).alias("bogf"),
        "funktion",
        pl.when(pl.col("udgift_p").is_null()).then(2).otherwise(1).alias("dranst"),
        "art",
        "beloeb",
        pl.lit(None, dtype=pl.Int64).alias("tilbudsnr"),
        pl.lit(None, dtype=pl.String).alias("cvr"),
        pl.lit(None, dtype=pl.String).alias("borger"),
        pl.lit(None, dtype=pl.Date).alias("fra"),
        pl.lit(None, dtype=pl.Date).alias("til"),
        pl.lit(None, dtype=pl.Int64).alias("doegn"),
        pl.when(pl.col("udgift_p") & (pl.col("_k") < 2))  # people type: a `;`, a stray `"`
        .then(pl.lit(TYPED_TEXTS).list.get(pl.col("_d") % len(TYPED_TEXTS)))
        .otherwise(pl.concat_str("tekst0", pl.lit(", "), "funktion"))
        .alias("tekst"),
        pl.lit(None, dtype=pl.Int64).alias(PLANT),
        pl.lit(None, dtype=pl.String).alias("_raw_beloeb"),
        pl.lit(None, dtype=pl.String).alias("_raw_bogf"),
    )
    rest = _plant_non_day(r, code, rest, plan, plants, date_style)
    return accounts, rest


def _plant_non_day(
    r, code: str, rest: pl.DataFrame, plan: PostingPlan, plants: Plants, date_style: str
) -> pl.DataFrame:
    """Unparseable values on refund rows (Dranst 2, outside R16's sums) and the R15 near miss."""
    rest = rest.with_row_index("_rid")
    if code in plan.rules["bad"]:
        refund = pl.col("dranst") == 2
        rid = pick_rows(r, rest, refund, 1)[0]
        rest = set_row(
            rest, rid, _raw_beloeb="12,34,5", **{PLANT: plants.new(Plant(None, column="Beløb", raw="12,34,5"))}
        )
        rid = pick_rows(r, rest, refund, 1)[0]
        y = rest.filter(pl.col("_rid") == rid)["bogf"][0].year
        raw = {"dmy": f"31-02-{y}", "dmy_dots": f"31.02.{y}", "iso": f"{y}-02-31", "yyyymmdd": f"{y}0231"}[date_style]
        rest = set_row(rest, rid, _raw_bogf=raw, **{PLANT: plants.new(Plant(None, column="Bogføringsdato", raw=raw))})
    if code in plan.rules["R15"]:
        rid = pick_rows(r, rest, pl.col("dranst") == 1, 1)[0]
        row = rest.filter(pl.col("_rid") == rid).row(0, named=True)
        rest = set_row(
            rest,
            rid,
            tekst="Faktura 3213991234, kørsel",
            **{
                PLANT: plants.new(
                    Plant(
                        "R15",
                        "near_miss",
                        "ten-digit number that is not a valid ddmmyy date",
                        code,
                        None,
                        row["bogf"].strftime("%Y-%m"),
                    )
                )
            },
        )
    return rest.drop("_rid")


def _write_ledger(landing: Landing, code: str, rows: pl.DataFrame, fmt: dict, halves: bool) -> int:
    """A municipality's postings as its system exports them: one file per booking year (two,
    by half-year, for the largest), voucher numbers running through the year."""
    missing = pl.lit(fmt["missing"] or None, dtype=pl.String)  # None: an empty field

    def day(c: str) -> pl.Expr:
        return dk_date(pl.col(c), fmt["dates"])

    rows = rows.with_columns(pl.col("bogf").dt.year().alias("aar"))
    rows = rows.with_columns((pl.int_range(pl.len()).over("aar") + 1).alias("_seq"))
    text = {
        "Kommunenr": pl.lit(code),
        "Bilagsnr": pl.format(
            "{}{}", (pl.col("aar") % 100).cast(pl.String).str.zfill(2), pl.col("_seq").cast(pl.String).str.zfill(6)
        ),
        "Bogføringsdato": pl.coalesce("_raw_bogf", day("bogf")),
        "Funktion": pl.col("funktion"),
        "Dranst": pl.col("dranst").cast(pl.String),
        "Art": pl.col("art"),
        "Beløb": pl.coalesce("_raw_beloeb", dk_amount(pl.col("beloeb"), thousands=fmt["thousands"])),
        "Tilbudsnr": pl.col("tilbudsnr").cast(pl.String).fill_null(missing),
        "Leverandør CVR": pl.col("cvr"),
        "Borgerreference": pl.col("borger"),
        "Periode fra": day("fra").fill_null(missing),
        "Periode til": day("til").fill_null(missing),
        "Antal døgn": pl.col("doegn").cast(pl.String).fill_null(missing),
        "Tekst": pl.col("tekst"),
    }
    out = rows.select(
        *[text[c].alias(_header(c, fmt["header"])) for c in fmt["columns"]],
        "aar",
        PLANT,
        (pl.col("bogf").dt.month() <= 6).alias("_h1"),
    )
    encoding = "cp1252" if fmt["encoding"] == "cp1252" else "utf-8"
    for (year,), part in out.group_by("aar", maintain_order=True):
        pieces = (
            [(f"{code}_{year}_1", part.filter(pl.col("_h1"))), (f"{code}_{year}_2", part.filter(~pl.col("_h1")))]
            if halves
            else [(f"{code}_{year}", part)]
        )
        for name, piece in pieces:
            rel = f"posteringer/{year}/{name}.csv"
            data = piece.drop("aar", PLANT, "_h1")
            landing.write(
                rel,
                csv_bytes(
                    data,
                    encoding=encoding,
                    bom=fmt["encoding"] == "utf-8-sig",
                    eol=fmt["eol"],
                    quote_all=fmt["quote_all"],
                ),
            )
            landing.record(rel, piece, first_line=2)
    return rows.height
