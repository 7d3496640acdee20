"""The tilbud register (`tilbud/`): ~3 000 residential tilbud, the 8 secure institutions and
~1 500 others, with invented names, operators, CVR numbers and approvals."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from ingest import reference
from sampledata.contract import SECURE
from sampledata.landing import Landing
from sampledata.national.common import RESIDENTIAL, SECURE_PLACES, choose
from sampledata.text import csv_bytes, dk_date, rng

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
    paragraf = np.where(residential, choose(r, RESIDENTIAL, n), choose(r, OTHER_PARAGRAPHS, n))
    herretype = choose(r, {"kommune": 0.55, "region": 0.10, "privat": 0.35}, n)
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
