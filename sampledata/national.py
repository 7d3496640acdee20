"""National sample landing directory: 98 municipalities × 10 years at a realistic volume.

`write_national` writes every source of contracts/landing-zone.md in its real format for all
98 municipalities of the reference seed (`dbt_project/seeds/kommuner.csv`): population, REGK31
accounts, ~3 000 residential tilbud (plus ~1 500 other) with yearly rate appendices (xlsx, one
per operator and year) and monthly occupancy, the 8 secure institutions, GP health checks, and
ledger postings — about 20 million by default, one or two files per municipality and year.
The files use the freedoms the contract grants, varied per municipality or operator: UTF-8
with and without BOM and cp1252, CRLF and LF, header case and padding, columns in any order,
Danish numbers with and without thousands dots, four date formats, `yyyy-mm` and `2024M01`
months, missing values empty or `-`, quoted free texts with `;` and a stray `"`, a few systems
quoting every field, rate
workbooks with title blocks of different heights, occupancy as 0,95 / 95 / `95 %` / `95%`,
formulas with Excel's cached results, year-average places.

Every rule R01–R17 of contracts/data-quality-rules.md has planted positives and near misses
in several municipalities, formats and years; the rest is clean by construction (rates computed
exactly, day postings billed at the approved rate for the days of their period, February of a
leap year billed to the 28th, ledger sums equal to REGK31 × 1.000 to the øre, smooth growth).
`_manifest.json` lists each planted case with file and physical line, as the regional sample
does, so precision and recall can be checked at scale.

Generation streams: the postings are built per municipality (every year at once, at most a few
hundred thousand rows) with polars and written file by file, so peak memory stays far below
2 GB. Determinism: every draw comes from a numpy generator seeded with the seed and the name
of what it draws (`text.rng`); polars never samples on its own.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from ingest import reference
from sampledata.contract import (
    BASE_RATE,
    POSTING_HEADER,
    POSTING_HEADER_SYSTEM_ORDER,
    SECURE,
    TAKSTBILAG_HEADER,
    age_weight,
)
from sampledata.landing import PLANT, Landing, Plant, Plants
from sampledata.nordjylland.common import MUNICIPALITIES, NATIONAL_POP_2021
from sampledata.text import csv_bytes, dk_amount, dk_date, month_text, rng, split_exact
from sampledata.workbook import Formula, xlsx_bytes

DEFAULT_YEARS = (2015, 2024)
DEFAULT_POSTINGS = 20_000_000
EXTRACTION = date(2024, 10, 25)  # health-check extract date: 2024M10 is incomplete (R12)
HEALTH_YEARS = (2022, 2023, 2024)  # the scheme started 1 January 2022
CPR_LIKE = "010190-0000"  # the project's invented CPR-like value (no real person)

# Population 1 January 2021: the 11 North Jutland figures are real (domain/README.md); the
# others are drawn and scaled so that the 98 add up to the real national figure.
REAL_POP_2021 = {code: population for code, _, population in MUNICIPALITIES}  # the regional sample's
LARGE_CITIES = {"101": 640_000, "751": 350_000, "461": 205_000}  # København, Aarhus, Odense (rounded)

FUNCTIONS = [  # function, REGK31 label, share of the municipality's 5.38 spending
    ("5.38.38", "Personlig støtte og pasning af personer med handicap mv. (§§ 85, 95-96, 102 og 118)", 0.30),
    ("5.38.42", "Botilbud for personer med særlige sociale problemer (§§ 109-110)", 0.04),
    ("5.38.45", "Behandling af personer med et stofmisbrug (§§ 101 og 101 a)", 0.06),
    ("5.38.50", "Botilbud til længerevarende ophold (§ 108)", 0.34),
    ("5.38.52", "Botilbud til midlertidigt ophold (§ 107)", 0.12),
    ("5.38.58", "Beskyttet beskæftigelse (§ 103)", 0.04),
    ("5.38.59", "Aktivitets- og samværstilbud (§ 104)", 0.10),
    ("5.28.20", "Plejefamilier", 0.18),
    ("5.28.21", "Forebyggende foranstaltninger for børn og unge", 0.10),
]
ADULT = [f for f, _, _ in FUNCTIONS if f.startswith("5.38")]
SPEND_PER_HEAD_2021 = 5_500  # kr. on 5.38 per inhabitant (Aalborg's ~1,2 bn kr. / 219.573)
PARAGRAPH_FUNCTION = {
    "SEL § 108": "5.38.50",
    "SEL § 107": "5.38.52",
    "SEL §§ 109-110": "5.38.42",
    "SEL § 103": "5.38.58",
    "SEL § 104": "5.38.59",
    "SEL § 85": "5.38.38",
}
RESIDENTIAL = {"SEL § 108": 0.45, "SEL § 107": 0.35, "SEL §§ 109-110": 0.20}
OTHER_PARAGRAPHS = {"SEL § 103": 0.2, "SEL § 104": 0.3, "SEL § 85": 0.35, "ABL § 105": 0.15}
PLACES = {"SEL § 108": (8, 40), "SEL § 107": (4, 24), "SEL §§ 109-110": (10, 40)}
PREFIX = {
    "SEL § 108": ["Botilbuddet", "Bostedet", "Bocentret"],
    "SEL § 107": ["Bostedet", "Midlertidigt bosted"],
    "SEL §§ 109-110": ["Herberget", "Krisecentret", "Forsorgshjemmet"],
    "SEL § 103": ["Værkstedet"],
    "SEL § 104": ["Aktivitetscentret", "Dagcentret"],
    "SEL § 85": ["Bostøtten"],
    "ABL § 105": ["Bofællesskabet"],
}
TARGET_GROUPS = [
    "Udviklingshæmning",
    "Sindslidelse",
    "Autisme",
    "Erhvervet hjerneskade",
    "Hjemløshed",
    "Voldsudsatte kvinder",
    "Misbrug",
]
WORDS = [
    "Lindely",
    "Skovbrynet",
    "Engholm",
    "Solsikken",
    "Havblik",
    "Kildevang",
    "Nordlys",
    "Bakkehuset",
    "Åbakken",
    "Lærkereden",
    "Egely",
    "Fjordglimt",
    "Toftegården",
    "Møllehuset",
    "Stensbjerg",
    "Østerled",
    "Vestergården",
    "Birkelund",
    "Rosenhøj",
    "Granly",
    "Bøgely",
    "Strandhuset",
    "Hedebo",
    "Kærsholm",
    "Søbakken",
    "Lyngbo",
    "Ådalen",
    "Højvang",
    "Nørremark",
    "Sønderled",
    "Tranehøj",
    "Grønnegården",
]
PRIVATE_SUFFIX = ["ApS", "A/S", "Fonden", "Socialfond", "S/I", "Omsorg ApS"]
# The eight secure institutions (seed ref_sikrede_institutioner.csv): 106 places from 2017,
# 114 from December 2021 (domain/README.md); the split between them is invented.
SECURE_PLACES = {
    "Kompasset": (10, 10),
    "Sønderbro": (17, 17),
    "Sølager": (14, 14),
    "Bakkegården": (14, 14),
    "Stevnsfortet": (14, 14),
    "Egely": (16, 20),
    "Grenen": (15, 19),
    "Koglen": (6, 6),
}
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


def _choice(r: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[r.choice(len(keys), size=n, p=p / p.sum())]


def _years_series(r: np.random.Generator, n: int, years: range, lo: float, hi: float) -> np.ndarray:
    """Factors relative to 2021 for each of `n` series and year: yearly growth in [lo, hi]."""
    growth = r.uniform(lo, hi, size=(n, years[-1] - years[0] + 1))
    factor = np.ones_like(growth)
    i2021 = 2021 - years[0]
    for j in range(i2021 + 1, growth.shape[1]):  # a loop over ten years, not over rows
        factor[:, j] = factor[:, j - 1] * (1 + growth[:, j])
    for j in range(i2021 - 1, -1, -1):
        factor[:, j] = factor[:, j + 1] / (1 + growth[:, j])
    return factor


# --------------------------------------------------------------------------- municipalities
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
    factor = _years_series(rng(seed, "befolkning"), kommuner.height, years, -0.005, 0.005)
    return pl.DataFrame(
        {
            "kommunekode": np.repeat(kommuner["kommunekode"].to_numpy(), len(years)),
            "aar": np.tile(np.array(list(years)), kommuner.height),
            "indbyggere": np.round(kommuner["pop2021"].to_numpy()[:, None] * factor).astype(np.int64).ravel(),
        }
    )


# --------------------------------------------------------------------------- tilbud
def tilbud_register(seed: int, kommuner: pl.DataFrame) -> pl.DataFrame:
    """The register: ~3 000 residential tilbud (SEL §§ 107, 108, 109-110), the 8 secure
    institutions and ~1 500 others, spread by population. Columns tilbudsnr, tilbudsnavn,
    driftsherre, driftsherretype, beliggenhedskommune, regionsnavn, paragraf, maalgruppe,
    pladser (Int64), godkendt_fra, godkendt_til (Date), cvr."""
    r = rng(seed, "tilbud")
    pop = kommuner["pop2021"].to_numpy()
    n_res = np.maximum(1, np.round(pop * 3000 / pop.sum())).astype(int)
    n_oth = np.round(pop * 1500 / pop.sum()).astype(int)
    per = np.repeat(np.arange(kommuner.height), n_res + n_oth)
    residential = np.concatenate([np.r_[np.ones(a, bool), np.zeros(b, bool)] for a, b in zip(n_res, n_oth)])
    n = per.size
    paragraf = np.where(residential, _choice(r, RESIDENTIAL, n), _choice(r, OTHER_PARAGRAPHS, n))
    herretype = _choice(r, {"kommune": 0.55, "region": 0.10, "privat": 0.35}, n)
    herretype = np.where(~residential & (herretype == "region"), "kommune", herretype)
    regions = kommuner["regionsnavn"].to_numpy()
    names = kommuner["kommunenavn"].to_numpy()
    # ~150 private operators, each working in one region
    region_list = sorted(set(regions.tolist()))
    region_pop = {g: pop[regions == g].sum() for g in region_list}
    private = {
        g: [f"{w} {s}" for w, s in zip(r.choice(WORDS, 40), r.choice(PRIVATE_SUFFIX, 40))][
            : max(8, int(150 * region_pop[g] / pop.sum()))
        ]
        for g in region_list
    }
    private_pick = np.array(
        [private[g][i % len(private[g])] for g, i in zip(regions[per], r.integers(0, 1000, n))], dtype=object
    )
    driftsherre = np.where(
        herretype == "kommune",
        np.char.add(names[per].astype(str), " Kommune"),
        np.where(herretype == "region", regions[per], private_pick),
    )
    lo, hi = (
        np.vectorize(lambda p: PLACES.get(p, (4, 60))[0])(paragraf),
        np.vectorize(lambda p: PLACES.get(p, (4, 60))[1])(paragraf),
    )
    places = r.integers(lo, hi + 1)
    prefix = np.array([PREFIX[p][i % len(PREFIX[p])] for p, i in zip(paragraf, r.integers(0, 6, n))], dtype=object)
    word = r.choice(WORDS, n)
    navn = np.char.add(np.char.add(prefix.astype(str), " "), word)
    navn = np.where(r.random(n) < 0.4, np.char.add(np.char.add(navn, ", "), names[per].astype(str)), navn)
    fra = np.datetime64("2000-01-01") + r.integers(0, 15 * 365, n).astype("timedelta64[D]")
    closed = ~residential & (r.random(n) < 0.08)
    til = np.where(
        closed, np.datetime64("2016-01-01") + r.integers(0, 7 * 365, n).astype("timedelta64[D]"), np.datetime64("NaT")
    )
    frame = pl.DataFrame(
        {
            "tilbudsnavn": navn.astype(str),
            "driftsherre": driftsherre.astype(str),
            "driftsherretype": herretype.astype(str),
            "beliggenhedskommune": kommuner["kommunekode"].to_numpy()[per],
            "regionsnavn": regions[per],
            "paragraf": paragraf.astype(str),
            "maalgruppe": r.choice(TARGET_GROUPS, n),
            "pladser": places.astype(np.int64),
            "godkendt_fra": fra.astype("datetime64[D]"),
            "godkendt_til": til.astype("datetime64[D]"),
        }
    )
    secure = _secure_register(r, kommuner)
    frame = pl.concat([frame, secure.select(frame.columns)])
    numbers = r.choice(np.arange(10_000, 999_999), size=frame.height, replace=False)
    operators = sorted(set(frame["driftsherre"].to_list()))
    cvr = dict(
        zip(
            operators, (r.choice(np.arange(10_000_000, 99_999_999), len(operators), replace=False).astype(str).tolist())
        )
    )
    return frame.with_columns(
        pl.Series("tilbudsnr", numbers, dtype=pl.Int64),
        pl.col("driftsherre").replace_strict(cvr, return_dtype=pl.String).alias("cvr"),
    )


def _secure_register(r: np.random.Generator, kommuner: pl.DataFrame) -> pl.DataFrame:
    seed_rows = pl.read_csv(reference.SEEDS / "ref_sikrede_institutioner.csv", infer_schema=False)
    rows = []
    for inst in seed_rows.iter_rows(named=True):  # the eight institutions
        code = inst["kommunekode"] or kommuner.filter(pl.col("regionsnavn") == inst["regionsnavn"])["kommunekode"][0]
        rows.append(
            {
                "tilbudsnavn": inst["institution"],
                "driftsherre": inst["driftsherre"],
                "driftsherretype": "kommune" if "Kommune" in inst["driftsherre"] else "region",
                "beliggenhedskommune": code,
                "regionsnavn": inst["regionsnavn"],
                "paragraf": SECURE,
                "maalgruppe": "Sikret institution for unge",
                "pladser": SECURE_PLACES[inst["institution"]][1],
                "godkendt_fra": date(2009, 1, 1),
                "godkendt_til": None,
            }
        )
    return pl.DataFrame(rows, schema_overrides={"godkendt_til": pl.Date, "pladser": pl.Int64})


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


# --------------------------------------------------------------------------- rates
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
    factor = _years_series(r, n, years, 0.02, 0.05)
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


def _leap(year: pl.Expr) -> pl.Expr:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def _pick(r: np.random.Generator, frame: pl.DataFrame, where: pl.Expr, k: int = 1) -> list[int]:
    """`k` distinct `_rid`s of unplanted rows matching `where`, drawn by `r`."""
    ids = frame.filter(where & pl.col(PLANT).is_null())["_rid"].to_numpy()
    return sorted(r.choice(ids, size=k, replace=False).tolist())


def _set(frame: pl.DataFrame, rid: int, **values) -> pl.DataFrame:
    hit = pl.col("_rid") == rid
    return frame.with_columns(
        [
            pl.when(hit).then(pl.lit(v) if not isinstance(v, pl.Expr) else v).otherwise(pl.col(c)).alias(c)
            for c, v in values.items()
        ]
    )


def _rate_plant(frame: pl.DataFrame, rid: int, plants: Plants, rule: str, kind: str, note: str) -> pl.DataFrame:
    row = frame.filter(pl.col("_rid") == rid).row(0, named=True)
    plant = Plant(rule, kind, note, None, row["tilbudsnr"], str(row["aar"]))
    if row[PLANT] is not None:
        plants.add(row[PLANT], plant)
        return frame
    return _set(frame, rid, **{PLANT: plants.new(plant)})


def _plant_rate_inputs(r, frame: pl.DataFrame, years: range, plants: Plants) -> pl.DataFrame:
    """R08 and R09: occupancy and rate moves decided before the rates are computed."""
    later = pl.col("aar") >= years[0] + 1
    plain = pl.col("begrundelse").is_null() & pl.col("single")
    for rid in _pick(r, frame, plain & later, 3):
        frame = _set(frame, rid, belaegning_pm=920)
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
        rid = _pick(r, frame, plain & later & (pl.col("aar") < years[-1]), 1)[0]
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
            frame = _set(frame, rid, begrundelse=why)
        frame = _rate_plant(frame, rid, plants, "R09", kind, note)
    return frame


def _plant_rate_outputs(r, frame: pl.DataFrame, years: range, plants: Plants) -> pl.DataFrame:
    """R06 and R07: the written Døgntakst or Antal døgn departs from the computation."""
    free = pl.col("single") & pl.col("begrundelse").is_null()
    for rid in _pick(r, frame, free, 3):
        frame = _set(frame, rid, doegntakst_oere=pl.col("doegntakst_oere") + 100)
        frame = _rate_plant(frame, rid, plants, "R06", "positive", "Døgntakst 1,00 kr. above Omkostninger / døgn")
    # near miss: 0,01 kr. above the rounded rate, < 0,01 kr. from the exact quotient (rounding went down)
    for rid in _pick(r, frame, free, 2):
        row = frame.filter(pl.col("_rid") == rid).row(0, named=True)
        d = row["pladser10"] * 365 * row["belaegning_pm"]
        omk = row["omkostninger"]
        while not d // 10 <= omk * 1_000_000 % d <= 4 * d // 10:  # a few steps of 1 kr.
            omk += 1
        frame = _set(frame, rid, omkostninger=omk, doegntakst_oere=omk * 1_000_000 // d + 1)
        frame = _rate_plant(
            frame,
            rid,
            plants,
            "R06",
            "near_miss",
            "Døgntakst 0,01 kr. above the rounded rate, < 0,01 from the exact quotient",
        )
    leap = _leap(pl.col("aar"))
    d366 = pl.col("pladser10") * 366 * pl.col("belaegning_pm")
    for rid in _pick(r, frame, free & leap & ((d366 + 5_000) // 10_000 != pl.col("antal_doegn")), 2):
        frame = _set(frame, rid, antal_doegn=(d366 + 5_000) // 10_000)
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
        rel = f"takstbilag/{year}/takstbilag_{year}_{_slug(operator)}.xlsx"
        formats = {"Omkostninger": "#,##0", "Døgntakst": "#,##0.00", "Belægningsprocent": "0%" if s == 0 else "0"}
        landing.write(rel, xlsx_bytes("Takster", title, header, values, formats))
        landing.record(rel, part, first_line=len(title) + 3)


def _slug(name: str) -> str:
    s = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return "-".join("".join(c if c.isalnum() else " " for c in s).split())


def write_tilbud(landing: Landing, register: pl.DataFrame) -> None:
    """The Tilbudsportalen extract: one file, UTF-8, LF, dates `dd-mm-yyyy`."""
    out = register.sort("tilbudsnr").select(
        pl.col("tilbudsnr").cast(pl.String).alias("Tilbudsnr"),
        pl.col("tilbudsnavn").alias("Tilbudsnavn"),
        pl.col("driftsherre").alias("Driftsherre"),
        pl.col("driftsherretype").alias("Driftsherretype"),
        pl.col("beliggenhedskommune").alias("Beliggenhedskommune"),
        pl.col("paragraf").alias("Paragraf"),
        pl.col("maalgruppe").alias("Målgruppe"),
        pl.col("pladser").cast(pl.String).alias("Normerede pladser"),
        dk_date(pl.col("godkendt_fra"), "dmy").alias("Godkendt fra"),
        dk_date(pl.col("godkendt_til"), "dmy").alias("Godkendt til"),
    )
    rel = "tilbud/tilbudsportalen.csv"
    landing.write(rel, csv_bytes(out, eol="\n"))
    landing.record(rel, out, first_line=2)


# --------------------------------------------------------------------------- occupancy
def _months(years: range) -> pl.DataFrame:
    start = pl.date_range(date(years[0], 1, 1), date(years[-1], 12, 1), "1mo", eager=True)
    return pl.DataFrame({"maaned": start}).with_columns(
        pl.col("maaned").dt.year().alias("aar"), pl.col("maaned").dt.month_end().dt.day().cast(pl.Int64).alias("dage")
    )


def write_belaegning(landing: Landing, seed: int, register: pl.DataFrame, years: range, plants: Plants) -> None:
    """Monthly occupancy of every residential tilbud (not the secure institutions, which report
    in sikrede/): one file per region and year, the region's secretariat deciding the format.
    Plants R10, R11 and two unparseable values."""
    r = rng(seed, "belaegning")
    tilbud = register.filter(pl.col("paragraf").is_in(list(RESIDENTIAL))).select(
        "tilbudsnr", "regionsnavn", pl.col("pladser").alias("normeret")
    )
    rows = tilbud.join(_months(years), how="cross").sort("regionsnavn", "aar", "tilbudsnr", "maaned")
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
        rows = _set(
            rows,
            rid,
            **values,
            **{PLANT: plants.new(Plant(rule, kind, note, None, row["tilbudsnr"], row["maaned"].strftime("%Y-%m")))},
        )

    full = pl.col("drift") == pl.col("normeret")
    for rid in _pick(r, rows, full, 3):
        plant(
            rid,
            "R10",
            "positive",
            "belagte døgn = pladser i drift x dage + 2",
            belagte=pl.col("drift") * pl.col("dage") + 2,
        )
    for rid in _pick(r, rows, full, 2):
        plant(
            rid,
            "R10",
            "near_miss",
            "belagte døgn = pladser i drift x dage exactly",
            belagte=pl.col("drift") * pl.col("dage"),
        )
    for rid in _pick(r, rows, full, 3):
        plant(rid, "R11", "positive", "pladser i drift = normerede + 1", drift=pl.col("normeret") + 1)
    for rid in _pick(r, rows, full, 2):
        plant(rid, "R11", "near_miss", "pladser i drift = normerede")
    bad_month, bad_count = _pick(r, rows, pl.col("aar") > years[0], 2)
    row = rows.filter(pl.col("_rid") == bad_month).row(0, named=True)
    rows = _set(
        rows,
        bad_month,
        _raw_maaned=f"{row['aar']}-13",
        **{PLANT: plants.new(Plant(None, column="Måned", raw=f"{row['aar']}-13"))},
    )
    row = rows.filter(pl.col("_rid") == bad_count).row(0, named=True)
    typo = str(row["belagte"]).replace("1", "l", 1) if "1" in str(row["belagte"]) else str(row["belagte"]) + "O"
    rows = _set(rows, bad_count, _raw_belagte=typo, **{PLANT: plants.new(Plant(None, column="Belagte døgn", raw=typo))})

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
        rel = f"belaegning/{_slug(region)}_{year}.csv"
        landing.write(rel, csv_bytes(out, encoding=f["encoding"], bom=f["bom"], eol=f["eol"]))
        landing.record(rel, part, first_line=2)


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
    rows = inst.join(_months(years), how="cross").sort("aar", "institution", "maaned")
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
        rows = _set(
            rows,
            rid,
            **values,
            **{PLANT: plants.new(Plant(rule, kind, note, None, None, row["maaned"].strftime("%Y-%m")))},
        )

    full = pl.col("drift") == pl.col("normeret")
    for rid in _pick(r, rows, full, 2):
        plant(
            rid,
            "R10",
            "positive",
            "belagte døgn (sociale + retlige) = drift x dage + 4",
            belagte=pl.col("drift") * pl.col("dage") + 4,
        )
    plant(
        _pick(r, rows, full, 1)[0],
        "R10",
        "near_miss",
        "belagte døgn = pladser i drift x dage exactly (100 %)",
        belagte=pl.col("drift") * pl.col("dage"),
    )
    for rid in _pick(r, rows, full, 2):
        plant(rid, "R11", "positive", "overbelægning: pladser i drift > normerede", drift=pl.col("normeret") + 1)
    plant(_pick(r, rows, full, 1)[0], "R11", "near_miss", "pladser i drift = normerede")
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


# --------------------------------------------------------------------------- health checks
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


# --------------------------------------------------------------------------- population
AGES = 100


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


# --------------------------------------------------------------------------- accounts (REGK31)
def write_regnskab(
    landing: Landing,
    seed: int,
    kommuner: pl.DataFrame,
    pop: pl.DataFrame,
    konti: pl.DataFrame,
    years: range,
    plants: Plants,
) -> None:
    """REGK31: net (TOT), gross (UE) and income (I) in 1.000 kr. with one decimal, per area,
    function and year. The adult functions come from the ledgers (`konti`: TOT and I in tenths,
    equal to the postings' sums, R14/R16 plants marked); the children's functions are drawn.
    Older years in the Value presentation with thousands dots, newer in CodeAndValue.
    Plants R17 (TOT ≠ UE − I) here."""
    r = rng(seed, "regnskab")
    children = [(f, s) for f, _, s in FUNCTIONS if f.startswith("5.28")]
    factor = _years_series(r, kommuner.height * len(children), years, 0.01, 0.06)
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
        rid = _pick(r, muni, pl.col("funktion").is_in(ADULT), 1)[0]
        row = muni.filter(pl.col("_rid") == rid).row(0, named=True)
        muni = _set(muni, rid, ue=pl.col("ue") + delta)
        plant = Plant("R17", kind, note, row["kommunekode"], None, str(row["aar"]))
        if row[PLANT] is None:
            muni = _set(muni, rid, **{PLANT: plants.new(plant)})
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


# --------------------------------------------------------------------------- postings
SLOTS_PER_INHABITANT = 0.0012  # places bought by the day (≈ 7 000 nationally), each for 10 years
SLOT_FUNCTIONS = {"5.38.50": 0.5, "5.38.52": 0.35, "5.38.42": 0.15}
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
    pick = lambda opts: _choice(r, opts, n).tolist()  # noqa: E731
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
        ydelser_of(rates)
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


def ydelser_of(rates: pl.DataFrame) -> pl.DataFrame:
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
    fn = _choice(r, SLOT_FUNCTIONS, n)
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
    months = _months(years)
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
    last = pl.when((pl.col("maaned").dt.month() == 2) & _leap(pl.col("aar"))).then(28).otherwise(pl.col("dage"))
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
        return _set(frame, rid, **{PLANT: plants.new(plant)})

    whole = ~pl.col("skift") & pl.col("bogf").dt.year().is_in(plan.years)
    month = pl.col("fra").dt.month()
    extra = []
    if code in plan.rules["R01"]:
        rid = _pick(r, day, whole & (pl.col("funktion") == "5.38.50"), 1)[0]
        day = tag(
            _set(day, rid, funktion="5.38.52"),
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
        rid = _pick(r, day, whole & (month <= 10), 1)[0]
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
        rid2 = _pick(r, day, whole & (month <= 10) & (pl.col("_rid") != rid), 1)[0]
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
        rid = _pick(r, day, whole & month.is_in([4, 6, 9, 11]), 1)[0]
        day = _set(day, rid, doegn=31, beloeb=pl.col("doegntakst_oere") * 31)
        day = tag(day, rid, "R03", "positive", "31 days billed for a 30-day month")
        rid = _pick(r, day, whole & (month != 2), 1)[0]
        day = tag(
            _set(day, rid, fra=pl.col("til"), til=pl.col("fra")),
            rid,
            "R03",
            "positive",
            "Periode til before Periode fra (dates swapped)",
        )
        day = tag(
            day, _pick(r, day, whole & (month == 1), 1)[0], "R03", "near_miss", "31 days billed for a 31-day period"
        )
    if code in plan.rules["R04"]:
        for factor, kind, note in (
            (1.02, "positive", "billed day rate 2 % above the approved rate"),
            (0.99, "positive", "billed day rate 1 % below the approved rate"),
            (1.004, "near_miss", "billed day rate 0,4 % above the approved rate"),
        ):
            rid = _pick(r, day, whole, 1)[0]
            day = _set(day, rid, beloeb=(pl.col("doegntakst_oere") * factor).round().cast(pl.Int64) * pl.col("doegn"))
            day = tag(day, rid, "R04", kind, note)
    if code in plan.rules["R05"] and plan.leap:
        feb = whole & (month == 2) & _leap(pl.col("fra").dt.year())
        rid = _pick(r, day, feb, 1)[0]
        day = _set(day, rid, til=pl.col("til") + pl.duration(days=1), doegn=29, beloeb=pl.col("doegntakst_oere") * 29)
        day = tag(day, rid, "R05", "positive", "service period contains 29 February (29 days billed)")
        day = tag(day, _pick(r, day, feb, 1)[0], "R05", "near_miss", "February of a leap year billed to the 28th")
    if code in plan.rules["R15"]:
        rid = _pick(r, day, whole, 1)[0]
        day = tag(_set(day, rid, borger=CPR_LIKE), rid, "R15", "positive", "CPR-like Borgerreference (ddmmyy-xxxx)")
        plants.add(day.filter(pl.col("_rid") == rid)[PLANT][0], Plant(None, column="Borgerreference", cpr=True))
    if extra:
        day = pl.concat([day, pl.DataFrame(extra, schema=day.schema)])
    return day


def _other_amounts(r, k: dict, years: range, plan: PostingPlan) -> dict[tuple[str, int], int]:
    """What each adult function costs besides the places bought by the day, in øre, growing
    1–6 % a year (R14 plants move it)."""
    factor = _years_series(r, len(ADULT), years, 0.01, 0.06)
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
        rid = _pick(r, rest, refund, 1)[0]
        rest = _set(rest, rid, _raw_beloeb="12,34,5", **{PLANT: plants.new(Plant(None, column="Beløb", raw="12,34,5"))})
        rid = _pick(r, rest, refund, 1)[0]
        y = rest.filter(pl.col("_rid") == rid)["bogf"][0].year
        raw = {"dmy": f"31-02-{y}", "dmy_dots": f"31.02.{y}", "iso": f"{y}-02-31", "yyyymmdd": f"{y}0231"}[date_style]
        rest = _set(rest, rid, _raw_bogf=raw, **{PLANT: plants.new(Plant(None, column="Bogføringsdato", raw=raw))})
    if code in plan.rules["R15"]:
        rid = _pick(r, rest, pl.col("dranst") == 1, 1)[0]
        row = rest.filter(pl.col("_rid") == rid).row(0, named=True)
        rest = _set(
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


# --------------------------------------------------------------------------- entry point
def write_national(
    out: Path,
    seed: int = 2024,
    years: tuple[int, int] = DEFAULT_YEARS,
    postings: int = DEFAULT_POSTINGS,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict:
    """Write the national landing directory to `out` and return its manifest (also in
    `out/_manifest.json`): `files` (path → SHA-256), `rows` (data rows per source folder),
    `planted` (rule, kind, source, file, line, kommunekode, tilbudsnr, periode, note),
    `unparseable` (file, line, column, raw_value) and `cpr_like` (file, line, column).

    `years` must end in 2024 (the health-check extract is of 25 October 2024) and start in
    2010–2020; `postings` is the approximate number of ledger postings (at least one day-based
    posting per place bought, so small numbers give somewhat more). Same arguments → byte-
    identical files. Raises ValueError for other years."""
    if not (2010 <= years[0] <= 2020 and years[1] == 2024):
        raise ValueError("years must start in 2010-2020 and end in 2024")
    span = range(years[0], years[1] + 1)
    plants = Plants()
    landing = Landing(Path(out), plants)
    kommuner = municipalities(seed)
    pop = population(seed, kommuner, span)
    register = tilbud_register(seed, kommuner)
    rates = takster(seed, ydelser(seed, register), span, plants)
    progress(f"tilbud: {register.height} i registret, {rates.height} takstrækker")
    write_tilbud(landing, register)
    write_befolkning(landing, seed, kommuner, pop, span)
    write_takstbilag(landing, seed, rates, register)
    progress(f"takstbilag: {sum(f.startswith('takstbilag/') for f in landing.files)} projektmapper")
    write_belaegning(landing, seed, register, span, plants)
    write_sikrede(landing, seed, span, plants)
    write_sundhedstjek(landing, seed, kommuner, pop, plants)
    konti = write_posteringer(landing, seed, kommuner, register, rates, span, postings, plants, progress)
    write_regnskab(landing, seed, kommuner, pop, konti, span, plants)
    return landing.manifest(seed=seed, years=list(years), scale="national", postings=landing.rows.get("posteringer", 0))
