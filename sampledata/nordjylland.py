"""The regional sample: a deterministic landing directory for the 11 North Jutland municipalities.

`write_sample` writes every source of contracts/landing-zone.md, in its real file format, for
the 11 North Jutland municipalities. For every registration rule R01-R17 of
contracts/data-quality-rules.md it plants at least one *positive* (must be flagged) and one
*near miss* (looks alike, must not be flagged); it also plants a few unparseable values and one
CPR-like case key. `_manifest.json` lists each with its file and physical line, so tests can
assert the pipeline finds exactly these and nothing else: everything not planted is clean.

Determinism: every draw comes from `random.Random` seeded with the seed and the source name
(so sources do not shift each other), money is `Decimal` rounded half-up, and the xlsx files
get fixed document and zip timestamps.
"""
from __future__ import annotations

import calendar
import hashlib
import json
import random
import statistics
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from ingest import reference
from report.danish_format import tal
from rules.rounding import half_up
from sampledata.workbook import Formula, xlsx_bytes

D = Decimal
EXTRACTION = date(2024, 10, 25)  # health-check extract date (incomplete month 2024M10)
HEALTH_TOTALS = {2022: 381, 2023: 458, 2024: 602}  # domain/README.md, 2024 = Jan-25 Oct
POSTING_YEARS = (2023, 2024)

# code, DST name, population 1 January 2021 (domain/README.md)
MUNICIPALITIES = [
    ("851", "Aalborg", 219573), ("810", "Brønderslev", 36140), ("813", "Frederikshavn", 58933),
    ("860", "Hjørring", 64099), ("849", "Jammerbugt", 38166), ("825", "Læsø", 1776),
    ("846", "Mariagerfjord", 41584), ("773", "Morsø", 20078), ("840", "Rebild", 30504),
    ("787", "Thisted", 43126), ("820", "Vesthimmerlands", 36343),
]
NAME = {code: name for code, name, _ in MUNICIPALITIES}
REGION, NATIONAL = ("081", "Region Nordjylland"), ("000", "Hele landet")
NATIONAL_POP_2021 = 5840045

# function and its share of the municipality's 5.38 total (Aalborg ~1.2 bn kr./year); the 5.28
# shares are relative to the same total. Labels and the paragraph → function map (R01) are the
# reference seeds' (dbt_project/seeds), the one place they are kept.
SHARES = {"5.38.38": "0.30", "5.38.42": "0.04", "5.38.45": "0.06", "5.38.50": "0.34", "5.38.52": "0.12",
          "5.38.58": "0.04", "5.38.59": "0.10", "5.28.20": "0.18", "5.28.21": "0.10"}
_LABELS = dict(reference.seed("funktioner").select("funktion", "funktionsnavn").iter_rows())
FUNCTIONS = [(fn, _LABELS[fn], share) for fn, share in SHARES.items()]
ADULT_FUNCTIONS = [fn for fn in SHARES if fn.startswith("5.38")]
PARAGRAPH_FUNCTION = dict(reference.seed("paragraf_funktion").iter_rows())
SEL_RESIDENTIAL = ("SEL § 107", "SEL § 108", "SEL §§ 109-110")
SECURE = "Barnets lov § 43"



def _dk(x: Decimal, decimals: int, thousands: bool = False) -> str:
    """Danish number (report/danish_format.py), with or without thousands dots as systems differ."""
    text = tal(x, decimals)
    return text if thousands else text.replace(".", "")


def _dkdate(d: date) -> str:
    return d.strftime("%d-%m-%Y")


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _split(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of an integer total (ties to the first); parts sum exactly."""
    sign, total, w_sum = (-1 if total < 0 else 1), abs(total), sum(weights)
    parts = [total * w // w_sum for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % w_sum), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]


def _rng(seed: int, source: str) -> random.Random:
    return random.Random(f"{seed}:{source}")  # str seeds hash with sha512: stable across runs


# --------------------------------------------------------------------------- manifest plumbing
@dataclass
class Tag:
    """A planted registration on the row it is attached to."""
    rule: str
    kind: str  # "positive" | "near_miss"
    note: str
    kommunekode: str | None = None
    tilbudsnr: int | None = None
    periode: str | None = None


@dataclass
class Bad:
    """An unparseable raw value on the row it is attached to."""
    column: str
    raw: str


@dataclass
class Cpr:
    column: str


class _Landing:
    """Writes files under `out`, hashes them and records the tags of each written line."""

    def __init__(self, out: Path):
        self.out, self.files = out, {}
        self.planted, self.unparseable, self.cpr_like = [], [], []

    def write(self, rel: str, data: bytes) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[rel] = hashlib.sha256(data).hexdigest()

    def record(self, rel: str, line: int, tags: list) -> None:
        for t in tags:
            if isinstance(t, Bad):
                self.unparseable.append({"file": rel, "line": line, "column": t.column, "raw_value": t.raw})
            elif isinstance(t, Cpr):
                self.cpr_like.append({"file": rel, "line": line, "column": t.column})
            else:
                self.planted.append({
                    "rule": t.rule, "kind": t.kind, "source": rel.split("/")[0], "file": rel,
                    "line": line, "kommunekode": t.kommunekode, "tilbudsnr": t.tilbudsnr,
                    "periode": t.periode, "note": t.note})

    def csv(self, rel: str, header: list[str], rows: list[tuple[list[str], list]], *,
            encoding: str = "utf-8", bom: bool = False, eol: str = "\r\n",
            preamble: tuple[str, ...] = ()) -> None:
        lines = [*preamble, ";".join(header)]
        for cells, tags in rows:
            lines.append(";".join(_csv_cell(c) for c in cells))
            self.record(rel, len(lines), tags)
        # the brief's limit: unparseable values are never more than 0.5 % of a file's rows
        assert sum(isinstance(t, Bad) for _, tags in rows for t in tags) * 200 <= len(rows), rel
        data = (eol.join(lines) + eol).encode(encoding)
        self.write(rel, (b"\xef\xbb\xbf" if bom else b"") + data)


def _csv_cell(text: str) -> str:
    """Quoted as Excel quotes: only a cell holding `;` (or starting with `"`) needs it."""
    return '"' + text.replace('"', '""') + '"' if ";" in text or text.startswith('"') else text


# --------------------------------------------------------------------------- tilbud register
@dataclass(frozen=True)
class Tilbud:
    nr: int
    navn: str
    driftsherre: str
    kommune: str  # Beliggenhedskommune
    paragraf: str
    maalgruppe: str
    pladser: int
    ydelser: tuple = ()  # (ydelse, pladser, budgeted occupancy) for residential tilbud
    godkendt_fra: str = "01-01-2012"
    godkendt_til: str = ""

    @property
    def driftsherretype(self) -> str:
        return "kommune" if "Kommune" in self.driftsherre else "region" if "Region" in self.driftsherre else "privat"

    @property
    def residential(self) -> bool:
        return bool(self.ydelser)


def _t(nr, navn, herre, kom, par, maal, pladser, ydelser=(), fra="01-01-2012", til=""):
    full = tuple((y[0], y[1], D(y[2]) if len(y) > 2 else D("0.95")) for y in ydelser)
    return Tilbud(nr, navn, herre, kom, par, maal, pladser, full, fra, til)


AAL, HJO, FRH, THI = "Aalborg Kommune", "Hjørring Kommune", "Frederikshavn Kommune", "Thisted Kommune"
MAF, BRS, JAM, RN = "Mariagerfjord Kommune", "Brønderslev Kommune", "Jammerbugt Kommune", "Region Nordjylland"
KILDEVANG, NORDLYS, HAVBLIK = "Kildevang Bosteder ApS", "Nordlys Omsorg A/S", "Havblik Socialfond"
TILBUD = [  # fictional names; 1001's 2021 rates are the real appendix of domain/README.md
    _t(1001, "Botilbuddet Lindholm", AAL, "851", "SEL § 108", "Udviklingshæmning", 31,
       (("Takst 1", 2), ("Takst 2", 1), ("Takst 3", 11), ("Takst 4", 17)), "01-08-2008"),
    _t(1002, "Bostedet Vestergården", AAL, "851", "SEL § 107", "Sindslidelse", 12, (("Døgnophold", 12),)),
    _t(1003, "Herberget Nørresundby", AAL, "851", "SEL §§ 109-110", "Hjemløshed", 24, (("Døgnophold", 24),)),
    _t(1004, "Aktivitetscentret Skalborg", AAL, "851", "SEL § 104", "Udviklingshæmning", 40),
    _t(1005, "Værkstedet Østerå", AAL, "851", "SEL § 103", "Sindslidelse", 30),
    _t(1006, "Bostøtten Vejgaard", AAL, "851", "SEL § 85", "Sindslidelse", 60),
    _t(1007, "Bofællesskabet Hasseris", AAL, "851", "ABL § 105", "Udviklingshæmning", 16),
    _t(1008, "Botilbuddet Nordstjernen", HJO, "860", "SEL § 108", "Erhvervet hjerneskade", 18,
       (("Takst 1", 10), ("Takst 2", 8))),
    _t(1009, "Bostedet Sindal", HJO, "860", "SEL § 107", "Sindslidelse", 8, (("Døgnophold", 8),)),
    _t(1010, "Krisecentret Vendsyssel", HJO, "860", "SEL §§ 109-110", "Voldsudsatte kvinder", 10,
       (("Døgnophold", 10),)),
    _t(1011, "Dagcentret Hjørring", HJO, "860", "SEL § 104", "Udviklingshæmning", 25),
    _t(1012, "Botilbuddet Skovbrynet", FRH, "813", "SEL § 108", "Udviklingshæmning", 20,
       (("Takst 1", 12), ("Takst 2", 8))),
    _t(1013, "Bostedet Kilden", FRH, "813", "SEL § 107", "Sindslidelse", 6, (("Døgnophold", 6),)),
    _t(1014, "Værkstedet Havnen", FRH, "813", "SEL § 103", "Sindslidelse", 20, til="31-12-2022"),
    _t(1015, "Botilbuddet Vestervig", THI, "787", "SEL § 108", "Autisme", 14, (("Døgnophold", 14),)),
    _t(1016, "Forsorgshjemmet Thy", THI, "787", "SEL §§ 109-110", "Hjemløshed", 15, (("Døgnophold", 15),)),
    _t(1017, "Bostøtten Thy", THI, "787", "SEL § 85", "Sindslidelse", 40),
    _t(1018, "Botilbuddet Hobro", MAF, "846", "SEL § 108", "Erhvervet hjerneskade", 16, (("Døgnophold", 16),)),
    _t(1019, "Aktivitetshuset Mariagerfjord", MAF, "846", "SEL § 104", "Udviklingshæmning", 20),
    _t(1020, "Bostedet Brønderslev", BRS, "810", "SEL § 107", "Sindslidelse", 9,
       (("Døgnophold", 8), ("Akutplads", 1, "0.90"))),
    _t(1021, "Kompasset", RN, "810", SECURE, "Sikret institution for unge", 10,
       (("Sikret døgnophold", 10, "0.85"),), "01-01-2009"),
    _t(1022, "Bostedet Bakkehuset", RN, "851", "SEL § 108", "Autisme", 24, (("Døgnophold", 24),)),
    _t(1023, "Bostedet Nordkysten", RN, "813", "SEL § 107", "Sindslidelse", 12, (("Takst 1", 8), ("Takst 2", 4))),
    _t(1024, "Specialcenter Hjerneskade", RN, "846", "SEL § 108", "Erhvervet hjerneskade", 20,
       (("Takst 1", 14), ("Takst 2", 6))),
    _t(1025, "Værkstedet Nordvest", RN, "860", "SEL § 103", "Sindslidelse", 18),
    _t(1026, "Bostedet Kildevang", KILDEVANG, "849", "SEL § 107", "Sindslidelse", 8, (("Døgnophold", 8),)),
    _t(1027, "Botilbuddet Kildevang Have", KILDEVANG, "849", "SEL § 108", "Udviklingshæmning", 10,
       (("Døgnophold", 10),)),
    _t(1028, "Nordlys Bosted", NORDLYS, "840", "SEL § 108", "Autisme", 12, (("Døgnophold", 12),), "01-03-2016"),
    _t(1029, "Nordlys Aktivitetshus", NORDLYS, "840", "SEL § 104", "Autisme", 15, fra="01-03-2016"),
    _t(1030, "Havblik", HAVBLIK, "820", "SEL § 107", "Sindslidelse", 6, (("Takst 1", 4), ("Takst 2", 2))),
    _t(1031, "Havblik Boliger", HAVBLIK, "820", "ABL § 105", "Sindslidelse", 12),
    _t(1032, "Bostøtten Rebild", "Rebild Kommune", "840", "SEL § 85", "Sindslidelse", 30),
    _t(1033, "Dagtilbuddet Jammerbugt", JAM, "849", "SEL § 104", "Udviklingshæmning", 20),
    _t(1034, "Beskyttet Værksted Vesthimmerland", "Vesthimmerlands Kommune", "820", "SEL § 103",
       "Udviklingshæmning", 25),
    _t(1035, "Bostøtten Mors", "Morsø Kommune", "773", "SEL § 85", "Sindslidelse", 20),
    _t(1036, "Bostøtten Læsø", "Læsø Kommune", "825", "SEL § 85", "Sindslidelse", 4),
    _t(1037, "Kvindekrisecentret Aalborg", AAL, "851", "SEL §§ 109-110", "Voldsudsatte kvinder", 12,
       (("Døgnophold", 12),)),
    _t(1038, "Botilbuddet Aabybro", JAM, "849", "SEL § 108", "Udviklingshæmning", 10, (("Døgnophold", 10),)),
    _t(1039, "Bostedet Hadsund", MAF, "846", "SEL § 107", "Sindslidelse", 7, (("Døgnophold", 7),)),
    _t(1040, "Bofællesskabet Frederikshavn", FRH, "813", "ABL § 105", "Udviklingshæmning", 10),
]
BY_NR = {t.nr: t for t in TILBUD}
OPERATORS = list(dict.fromkeys(t.driftsherre for t in TILBUD if t.residential))


def _write_tilbud(landing: _Landing) -> None:
    header = ["Tilbudsnr", "Tilbudsnavn", "Driftsherre", "Driftsherretype", "Beliggenhedskommune",
              "Paragraf", "Målgruppe", "Normerede pladser", "Godkendt fra", "Godkendt til"]
    rows = [([str(t.nr), t.navn, t.driftsherre, t.driftsherretype, t.kommune, t.paragraf, t.maalgruppe,
              str(t.pladser), t.godkendt_fra, t.godkendt_til], []) for t in TILBUD]
    landing.csv("tilbud/tilbudsportalen.csv", header, rows, eol="\n")


# --------------------------------------------------------------------------- population
def _population(seed: int, years: range) -> tuple[dict, dict]:
    """Population 1 January per area and year (2021 real), and its split by single age 0-99."""
    rng = _rng(seed, "befolkning")
    areas = [(c, p) for c, _, p in MUNICIPALITIES] + [(NATIONAL[0], NATIONAL_POP_2021)]
    total, ages = {}, {}
    for code, p2021 in areas:
        series = {2021: p2021}  # other years drift at most 0.5 % a year
        for y in range(2022, years[-1] + 1):
            series[y] = int(half_up(series[y - 1] * (1 + D(rng.randint(-50, 50)) / 10000)))
        for y in range(2020, years[0] - 1, -1):
            series[y] = int(half_up(series[y + 1] / (1 + D(rng.randint(-50, 50)) / 10000)))
        profile = [1.0 if a < 20 else 1.1 if a < 30 else 1.0 if a < 60 else 0.95 if a < 70
                   else 0.75 if a < 80 else 0.35 if a < 90 else 0.05 for a in range(100)]
        weights = [round(1000 * p * rng.uniform(0.9, 1.1)) for p in profile]
        total[code] = series
        ages[code] = {y: _split(series[y], weights) for y in years}
    total[REGION[0]] = {y: sum(total[c][y] for c in NAME) for y in years}
    ages[REGION[0]] = {y: [sum(ages[c][y][a] for c in NAME) for a in range(100)] for y in years}
    return total, ages


def _write_befolkning(landing: _Landing, years: range, total: dict, ages: dict) -> None:
    areas = [NATIONAL, REGION] + [(c, n) for c, n, _ in MUNICIPALITIES]
    for first, last, name, monthly in ((years[0], 2021, "FOLK1A", False), (2022, years[-1], "FOLK1AM", True)):
        rows = []
        for code, label in areas:
            for age in ["IALT"] + list(range(100)):
                alder = "IALT Alder i alt" if age == "IALT" else f"{age} {age} år"
                for y in range(first, last + 1):
                    n = total[code][y] if age == "IALT" else ages[code][y][age]
                    tid = f"{y}M01" if monthly else f"{y}K1"
                    cells = [f"{code} {label}", "TOT I alt", alder] + ([] if monthly else ["TOT I alt"])
                    rows.append((cells + [tid, str(n)], []))
        header = ["OMRÅDE", "KØN", "ALDER"] + ([] if monthly else ["CIVILSTAND"]) + ["TID", "INDHOLD"]
        landing.csv(f"befolkning/{name}_{first}-{last}.csv", header, rows, bom=True)


# --------------------------------------------------------------------------- regnskab (REGK31)
R16_FACTOR = {  # postings sum = TOT x factor: R16 positive (4 % off) and near miss (1.5 % off)
    ("860", "5.38.59", 2024): (D("1.04"), Tag("R16", "positive", "postings sum 4 % above REGK31 TOT")),
    ("787", "5.38.58", 2023): (D("0.985"), Tag("R16", "near_miss", "postings sum 1.5 % below REGK31 TOT (< 2 %)")),
}


def _regnskab(seed: int, years: range) -> tuple[dict, dict]:
    """Net/gross/income in tenths of 1.000 kr. per (area, function, year) -> [TOT, UE, I],
    and the planted tags of each TOT row."""
    rng = _rng(seed, "regnskab")
    amounts, tags = {}, {}
    for code, _, pop in MUNICIPALITIES:
        size = D(1_200_000) * pop / 219573 * (1 if code == "851" else D(rng.randint(85, 115)) / 100)
        for fn, _, share in FUNCTIONS:
            level = {2021: size * D(share) * rng.randint(90, 110) / 100}
            for y in range(2022, years[-1] + 1):  # yearly growth 1-6 %
                level[y] = level[y - 1] * (1 + D(rng.randint(100, 600)) / 10000)
            for y in range(2020, years[0] - 1, -1):
                level[y] = level[y + 1] / (1 + D(rng.randint(100, 600)) / 10000)
            income_ratio = D(rng.randint(3, 25)) / 100
            for y in years:
                tot = int(half_up(level[y] * 10))
                inc = int(half_up(level[y] * income_ratio * 10))
                amounts[code, fn, y] = [tot, tot + inc, inc]

    def shift(key_years, factor):
        for code, fn, y in key_years:
            tot, _, inc = amounts[code, fn, y]
            new = int(half_up(tot * D(factor)))
            amounts[code, fn, y] = [new, new + inc, inc]

    def tag(code, fn, y, rule, kind, note):
        tags.setdefault((code, fn, y), []).append(Tag(rule, kind, note, code, None, str(y)))

    # R14: one year booked on the wrong function (+80 %), then back (-41..-44 %: near miss)
    shift([("813", "5.38.52", 2022)], "1.8")
    tag("813", "5.38.52", 2022, "R14", "positive", "net operating +80 % vs last year and > 1 mio. kr.")
    tag("813", "5.38.52", 2023, "R14", "near_miss", "falls back about -43 % (> 1 mio. kr. but not > 50 %)")
    # R14: a lasting drop of 60 % (in the Value-presentation file)
    shift([("820", "5.38.45", y) for y in years if y >= 2020], "0.4")
    tag("820", "5.38.45", 2020, "R14", "positive", "net operating -60 % vs last year and > 1 mio. kr.")
    # R14 near miss: +60 % on a small amount, change < 1 mio. kr.
    shift([("825", "5.38.42", y) for y in years if y >= 2023], "1.6")
    tag("825", "5.38.42", 2023, "R14", "near_miss", "net operating +60 % but change < 1 mio. kr.")
    # R17: TOT is UE - I + 12,3 (positive) and UE - I - 0,1 exactly (near miss)
    amounts["849", "5.38.50", 2021][1] -= 123
    tag("849", "5.38.50", 2021, "R17", "positive", "TOT - (UE - I) = 12,3 (1.000 kr.)")
    amounts["840", "5.38.59", 2023][1] += 1
    tag("840", "5.38.59", 2023, "R17", "near_miss", "TOT - (UE - I) = -0,1 exactly (not > 0,1)")
    for (code, fn, y), (_, t) in R16_FACTOR.items():
        tags.setdefault((code, fn, y), []).append(Tag(t.rule, t.kind, t.note, code, None, str(y)))

    for fn, _, _ in FUNCTIONS:  # region = sum of its municipalities; the nation ~10x the region
        for y in years:
            region = [sum(amounts[c, fn, y][i] for c in NAME) for i in range(3)]
            amounts[REGION[0], fn, y] = region
            tot = int(half_up(region[0] * D(rng.randint(950, 1050)) / 100))
            inc = int(half_up(region[2] * D(rng.randint(950, 1050)) / 100))
            amounts[NATIONAL[0], fn, y] = [tot, tot + inc, inc]
    return amounts, tags


def _write_regnskab(landing: _Landing, years: range, amounts: dict, tags: dict) -> None:
    areas = [NATIONAL, REGION] + [(c, n) for c, n, _ in MUNICIPALITIES]
    arts = [("TOT", "I alt (netto)"), ("UE", "Bruttoudgifter"), ("I", "Indtægter")]
    for first, last, coded in ((years[0], 2021, False), (2022, years[-1], True)):
        rows = []
        for code, name in areas:
            for fn, label, _ in FUNCTIONS:
                for i, (art, art_label) in enumerate(arts):
                    for y in range(first, last + 1):
                        value = _dk(D(amounts[code, fn, y][i]) / 10, 1, thousands=not coded)
                        if (code, fn, y, art) == (NATIONAL[0], "5.28.21", years[0], "I"):
                            value = ".."  # StatBank: not available (missing, not an error)
                        if coded:
                            cells = [f"{code} {name}", f"{fn.replace('.', '')} {label}", "1 Driftskonti",
                                     f"{art} {art_label}", "LOBM Løbende priser (1.000 kr.)", str(y), value]
                        else:
                            cells = [name, f"{fn} {label}", "Driftskonti", art_label,
                                     "Løbende priser (1.000 kr.)", str(y), value]
                        rows.append((cells, tags.get((code, fn, y), []) if art == "TOT" else []))
        landing.csv(f"regnskab/REGK31_{first}-{last}.csv",
                    ["OMRÅDE", "FUNKTION", "DRANST", "ART", "PRISENHED", "TID", "INDHOLD"], rows, bom=True)


# --------------------------------------------------------------------------- takstbilag
@dataclass
class Takst:
    year: int
    tilbud: Tilbud
    ydelse: str
    pladser: int | Decimal  # a Decimal for year-average places
    belaegning: Decimal
    omkostninger: int
    doegntakst: Decimal
    antal_doegn: int
    begrundelse: str = ""
    tags: list = field(default_factory=list)


BASE_RATE = {"SEL § 108": (1600, 2800), "SEL § 107": (1900, 3200), "SEL §§ 109-110": (700, 1400),
             SECURE: (7500, 9000)}  # kr. per day in 2021
# A capacity change during the year: the rate is computed on the year-average places (landing-zone §4).
YEAR_AVERAGE_PLACES = {(1003, "Døgnophold", 2024): D("23.5")}
REAL_2021 = {"Takst 1": 618526, "Takst 2": 373086, "Takst 3": 5157018, "Takst 4": 11496118}
RATE_JUMP = {(1018, 2023): "0.14", (1022, 2022): "0.12", (1028, 2024): "0.095"}  # R09 plants
BEGRUNDELSE = {"Akutplads": "Akutplads: budgetteret belægning 90 % godkendt af DAS",
               "Sikret døgnophold": "Sikret institution: budgetteret belægning 85 % jf. styringsaftalen"}


def _takst(year, t, ydelse, places, frac, omk) -> Takst:
    denom = D(places) * 365 * frac  # rates are computed on 365 days, also in leap years
    return Takst(year, t, ydelse, places, frac, omk, half_up(omk / denom, "0.01"),
                 int(half_up(denom)), BEGRUNDELSE.get(ydelse, ""))


def _takster(seed: int, years: range) -> dict[tuple[int, str, int], Takst]:
    """Every approved rate per (tilbud, ydelse, year); rates move 2-5 % a year."""
    rng = _rng(seed, "takstbilag")
    out = {}
    for t in (t for t in TILBUD if t.residential):
        lo, hi = BASE_RATE[t.paragraf]
        base = D(rng.randint(lo * 100, hi * 100)) / 100
        for k, (ydelse, places, frac) in enumerate(t.ydelser):
            target = {2021: base * D("1.3") ** k}  # levels ~30 % apart: R04 never matches a neighbour
            if t.nr == 1001:
                target[2021] = REAL_2021[ydelse] / (places * 365 * frac)
            for y in range(2022, years[-1] + 1):
                growth = D(rng.randint(200, 500)) / 10000  # drawn always: plants do not shift the rest
                target[y] = target[y - 1] * (1 + D(RATE_JUMP.get((t.nr, y), growth)))
            for y in range(2020, years[0] - 1, -1):
                target[y] = target[y + 1] / (1 + D(rng.randint(200, 500)) / 10000)
            for y in years:
                f = D("0.92") if (t.nr, y) == (1027, 2022) else frac
                p = YEAR_AVERAGE_PLACES.get((t.nr, ydelse, y), places)
                omk = REAL_2021[ydelse] if (t.nr, y) == (1001, 2021) else int(half_up(target[y] * p * 365 * f))
                out[t.nr, ydelse, y] = _takst(y, t, ydelse, p, f, omk)
    _plant_takster(out)
    return out


def _plant_takster(out: dict) -> None:
    def tag(key, rule, kind, note):
        out[key].tags.append(Tag(rule, kind, note, None, key[0], str(key[2])))

    real = out[1001, "Takst 1", 2021]
    assert (real.antal_doegn, real.doegntakst) == (694, D("891.89")), "real 2021 appendix"
    # R06: Døgntakst 1,00 kr. too high; near miss 0,01 kr. above the correctly rounded rate,
    # with Omkostninger chosen so the exact quotient is < 0,01 kr. away (rounding went down).
    out[1008, "Takst 1", 2022].doegntakst += D("1.00")
    tag((1008, "Takst 1", 2022), "R06", "positive", "Døgntakst 1,00 kr. above Omkostninger / døgn")
    row = out[1012, "Takst 1", 2023]
    denom = row.pladser * 365 * row.belaegning
    while not D("0.001") <= row.omkostninger / denom - half_up(row.omkostninger / denom, "0.01") <= D("0.004"):
        row.omkostninger += 1
    row.doegntakst = half_up(row.omkostninger / denom, "0.01") + D("0.01")
    tag((1012, "Takst 1", 2023), "R06", "near_miss",
        "Døgntakst 0,01 kr. above the rounded rate, < 0,01 from the exact quotient")
    # R07: Antal døgn computed on 366 days in the leap year; near miss 1 x 365 x 0,90 = 328,5 -> 329
    row = out[1015, "Døgnophold", 2024]
    row.antal_doegn = int(half_up(D(row.pladser * 366) * row.belaegning))
    tag((1015, "Døgnophold", 2024), "R07", "positive", "Antal døgn computed on 366 days")
    tag((1020, "Akutplads", 2023), "R07", "near_miss", "1 x 365 x 90 % = 328,5 -> 329 (half-up)")
    # R08: 92 % without Begrundelse; near misses below 95 % with Begrundelse
    tag((1027, "Døgnophold", 2022), "R08", "positive", "belægning 92 % and no Begrundelse")
    tag((1020, "Akutplads", 2023), "R08", "near_miss", "belægning 90 % with Begrundelse")
    tag((1021, "Sikret døgnophold", 2024), "R08", "near_miss", "belægning 85 % with Begrundelse")
    # R09: +14 % without Begrundelse; +12 % with; +9,5 % without
    tag((1018, "Døgnophold", 2023), "R09", "positive", "Døgntakst +14 % vs last year, no Begrundelse")
    out[1022, "Døgnophold", 2022].begrundelse = "Ny normering med vågen nattevagt, godkendt af DAS"
    tag((1022, "Døgnophold", 2022), "R09", "near_miss", "Døgntakst +12 % with Begrundelse")
    tag((1028, "Døgnophold", 2024), "R09", "near_miss", "Døgntakst +9,5 % (not > 10 %)")


def _slug(name: str) -> str:
    s = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return "-".join("".join(c if c.isalnum() else " " for c in s).split())


def _rate_formulas(tk: Takst) -> tuple:
    """Antal døgn and Døgntakst as the formulas operators use, with Excel's cached results: the
    rate unrounded (shown with two decimals, stored with all of them), as in real appendices."""
    exact = float(D(tk.omkostninger) / (D(tk.pladser) * 365 * tk.belaegning))
    if half_up(D(repr(exact)), "0.01") != tk.doegntakst:  # a double at a rounding tie: keep the value
        return tk.antal_doegn, tk.doegntakst
    return Formula("ROUND(G{r}*H{r}*I{r},0)", tk.antal_doegn), Formula("K{r}/(G{r}*H{r}*I{r})", exact)


def _write_takstbilag(landing: _Landing, years: range, takster: dict) -> None:
    header = ["År", "Tilbudsnr", "Tilbudsnavn", "Driftsherre", "Paragraf", "Ydelse", "Pladser", "Dage",
              "Belægningsprocent", "Antal døgn", "Omkostninger", "Døgntakst", "Begrundelse"]
    for y in years:
        for i, operator in enumerate(OPERATORS):
            style = (i + y) % 4  # Belægningsprocent: 0.95 | 95 | "95 %" | "95%" across workbooks
            rows, rel = [], f"takstbilag/takstbilag_{y}_{_slug(operator)}.xlsx"
            for tk in (v for (_, _, yy), v in takster.items() if yy == y and v.tilbud.driftsherre == operator):
                pct = (tk.belaegning * 100).normalize()
                pct = int(pct) if pct == int(pct) else pct
                occupancy = [tk.belaegning, pct, f"{pct} %", f"{pct}%"][style]
                days, rate = tk.antal_doegn, tk.doegntakst
                if style == 0 and not {t.rule for t in tk.tags} & {"R06", "R07"}:
                    days, rate = _rate_formulas(tk)
                rows.append([y, tk.tilbud.nr, tk.tilbud.navn, operator, tk.tilbud.paragraf, tk.ydelse, tk.pladser,
                             365, occupancy, days, tk.omkostninger, rate, tk.begrundelse])
                landing.record(rel, 3 + len(rows), tk.tags)
            formats = {"Omkostninger": "#,##0", "Døgntakst": "#,##0.00", "Belægningsprocent": "0%" if style == 0 else "0"}
            rows = [[float(v) if isinstance(v, Decimal) else v for v in row] for row in rows]
            landing.write(rel, xlsx_bytes("Takster", [f"Takstbilag {y} – {operator}"], header, rows, formats))


# --------------------------------------------------------------------------- belaegning
def _write_belaegning(landing: _Landing, seed: int, years: range) -> None:
    rng = _rng(seed, "belaegning")
    header = ["Tilbudsnr", "Måned", "Normerede pladser", "Pladser i drift", "Belagte døgn"]
    for y in years:
        rows, rel = [], f"belaegning/belaegning_{y}.csv"
        for t in (t for t in TILBUD if t.paragraf in SEL_RESIDENTIAL):  # Kompasset reports in sikrede/
            for m in range(1, 13):
                days, key, tags = calendar.monthrange(y, m)[1], (t.nr, y, m), []
                drift = t.pladser - 1 if rng.random() < 0.05 else t.pladser  # a place out of use
                occupied = int(half_up(D(drift * days) * D(rng.randint(930, 990)) / 1000))
                month = f"{y}-{m:02d}" if y % 2 == 0 else f"{y}M{m:02d}"

                def plant(rule, kind, note):
                    tags.append(Tag(rule, kind, note, None, t.nr, f"{y}-{m:02d}"))

                if key == (1002, 2023, 5):
                    drift, occupied = t.pladser, t.pladser * days + 2
                    plant("R10", "positive", "belagte døgn = pladser i drift x dage + 2")
                if key == (1012, 2022, 7):
                    occupied = drift * days
                    plant("R10", "near_miss", "belagte døgn = pladser i drift x dage exactly")
                if key == (1022, 2024, 2):
                    drift = t.pladser + 1
                    plant("R11", "positive", "pladser i drift = normerede + 1")
                if key == (1009, 2020, 4):
                    drift = t.pladser
                    occupied = int(half_up(D(drift * days) * D("0.95")))
                    plant("R11", "near_miss", "pladser i drift = normerede")
                cells = [str(t.nr), month, str(t.pladser), str(drift), str(occupied)]
                if key == (1013, 2022, 12):  # a typo in the month
                    cells[1] = f"{y}-13"
                    tags.append(Bad("Måned", cells[1]))
                if key == (1016, 2023, 1):  # a letter for a digit
                    s = cells[4]
                    cells[4] = s.replace("1", "l", 1) if "1" in s else s.replace("0", "O", 1) if "0" in s else s + "l"
                    tags.append(Bad("Belagte døgn", cells[4]))
                rows.append((cells, tags))
        landing.csv(rel, header, rows, encoding="utf-8" if y % 2 == 0 else "cp1252")


# --------------------------------------------------------------------------- sikrede
SECURE_INSTITUTIONS = [("Kompasset", RN, 10), ("Sølager", "Region Hovedstaden", 12),
                       ("Bakkegården", "Region Sjælland", 14)]


def _write_sikrede(landing: _Landing, seed: int, years: range) -> None:
    rng = _rng(seed, "sikrede")
    header = ["Institution", "Driftsherre", "Måned", "Normerede pladser", "Pladser i drift",
              "Belagte døgn sociale", "Belagte døgn retlige", "Afviste sociale", "Afviste retlige",
              "Venteliste ultimo"]
    for y in years:
        rows = []
        for name, operator, normed in SECURE_INSTITUTIONS:
            for m in range(1, 13):
                days, key, periode, tags = calendar.monthrange(y, m)[1], (name, y, m), f"{y}-{m:02d}", []
                r = rng.random()  # screening one young person can take several places out of use
                drift = normed - 2 if r < 0.03 else normed - 1 if r < 0.10 else normed
                occupied = int(half_up(D(drift * days) * D(rng.randint(800, 980)) / 1000))
                if key == ("Kompasset", 2021, 3):
                    drift = normed + 1
                    tags.append(Tag("R11", "positive", "overbelægning: pladser i drift 11 > normerede 10"))
                if key == ("Kompasset", 2021, 11):
                    drift, occupied = normed, normed * days
                    tags.append(Tag("R10", "near_miss", "belagte døgn = pladser i drift x dage exactly (100 %)"))
                if key == ("Bakkegården", 2022, 8):
                    occupied = drift * days + 4
                    tags.append(Tag("R10", "positive", "belagte døgn (sociale + retlige) = drift x dage + 4"))
                if key == ("Sølager", 2023, 4):
                    drift = normed
                    tags.append(Tag("R11", "near_miss", "pladser i drift = normerede"))
                for tag in tags:
                    tag.periode = periode
                social = int(half_up(D(occupied) * D(rng.randint(55, 75)) / 100))
                refused = [rng.choice([0] * 8 + [1, 2]), rng.choice([0] * 9 + [1])]
                waiting = "" if y <= 2020 else str(rng.randint(0, 3))  # not recorded before 2021
                rows.append(([name, operator, periode, str(normed), str(drift), str(social), str(occupied - social),
                              str(refused[0]), str(refused[1]), waiting], tags))
        landing.csv(f"sikrede/sikrede_{y}.csv", header, rows, bom=True)


# --------------------------------------------------------------------------- sundhedstjek
def _write_sundhedstjek(landing: _Landing, seed: int, total: dict) -> None:
    rng = _rng(seed, "sundhedstjek")
    months = [(y, m) for y in HEALTH_TOTALS for m in range(1, 13) if (y, m) <= (EXTRACTION.year, EXTRACTION.month)]
    codes = [c for c, _, _ in MUNICIPALITIES]
    counts = {c: {} for c in codes}
    for y, year_total in HEALTH_TOTALS.items():
        per_muni = _split(year_total, [total[c][2021] for c in codes])  # by population
        ym = [(yy, m) for yy, m in months if yy == y]
        ramp = {1: 60, 2: 75, 3: 90} if y == 2022 else {}  # the scheme started 1 January 2022
        partial = {(EXTRACTION.year, EXTRACTION.month): D(EXTRACTION.day) / 31 * D("0.9")}
        for c, n in zip(codes, per_muni):
            w = [int(rng.randint(70, 130) * ramp.get(m, 100) * partial.get((y, m), 1)) for _, m in ym]
            counts[c].update(zip(ym, _split(n, w)))

    def prev_median(c, ym):  # R13's reference: median of the previous 12 months
        i = months.index(ym)
        return statistics.median(counts[c][k] for k in months[max(0, i - 12):i])

    def set_count(c, ym, value):  # keep the yearly totals exact: take the difference from Aalborg
        delta, counts[c][ym] = value - counts[c][ym], value
        for _ in range(abs(delta)):
            pool = [k for k in months if k[0] == ym[0] and k != ym]
            k = max(pool, key=lambda k: counts["851"][k]) if delta > 0 else min(pool, key=lambda k: counts["851"][k])
            counts["851"][k] -= 1 if delta > 0 else -1

    tags = {c: [] for c in codes}
    spike = max(10, int(3 * prev_median("860", (2023, 6))) + 1)
    set_count("860", (2023, 6), spike)
    tags["860"].append(Tag("R13", "positive", f"{spike} > 3 x median of previous 12 months and >= 10",
                           "860", None, "2023-06"))
    assert 3 * prev_median("773", (2023, 9)) < 9
    set_count("773", (2023, 9), 9)
    tags["773"].append(Tag("R13", "near_miss", "9 > 3 x median but < 10", "773", None, "2023-09"))
    for c in codes:
        tags[c].append(Tag("R12", "positive", "extraction month 2024M10 is incomplete", c, None, "2024-10"))
        tags[c].append(Tag("R12", "near_miss", "2024M09 is complete (month before extraction)", c, None, "2024-09"))
    rows = [([NAME[c]] + [str(counts[c][k]) for k in months], tags[c]) for c in codes]
    # The region's extract tool saves in Windows-1252 (allowed): the preamble's `æ` must be decoded first.
    landing.csv("sundhedstjek/sundhedstjek_udtraek_2024-10-25.csv", ["Kommune"] + [f"{y}M{m:02d}" for y, m in months],
                rows, preamble=(f"Udtræksdato;{_dkdate(EXTRACTION)}", ""), encoding="cp1252")

    rows = []  # target group: residents 18+ in §§ 107-108 and § 85 housing, ~0,25 % of population
    for y in HEALTH_TOTALS:
        for i, c in enumerate(codes):
            n = int(half_up(total[c][y] * D(rng.randint(225, 275)) / 100000))
            rows.append(([c if i % 2 else NAME[c], str(y), str(n)], []))  # codes for some, names for others
    landing.csv("sundhedstjek/maalgruppe.csv", ["Kommune", "År", "Borgere i målgruppen"], rows)


# --------------------------------------------------------------------------- posteringer
@dataclass
class Posting:
    bogf: date
    funktion: str
    dranst: int
    art: str
    beloeb: Decimal
    tilbudsnr: int | None = None
    cvr: str = ""
    borger: str = ""
    fra: date | None = None
    til: date | None = None
    doegn: int | None = None
    tekst: str = ""
    tags: list = field(default_factory=list)
    raw: dict = field(default_factory=dict)  # column -> raw text replacing the formatted value


POSTING_COLUMNS = ["Kommunenr", "Bilagsnr", "Bogføringsdato", "Funktion", "Dranst", "Art", "Beløb", "Tilbudsnr",
                   "Leverandør CVR", "Borgerreference", "Periode fra", "Periode til", "Antal døgn", "Tekst"]
POSTING_FORMAT = {  # each municipality's financial system exports differently (landing-zone.md's freedoms)
    "851": dict(encoding="utf-8", bom=False, eol="\r\n", thousands=True, columns=POSTING_COLUMNS),
    "860": dict(encoding="cp1252", bom=False, eol="\r\n", thousands=False, columns=POSTING_COLUMNS,
                dates="%Y%m%d"),
    "825": dict(encoding="cp1252", bom=False, eol="\n", thousands=False, columns=POSTING_COLUMNS,
                header=lambda name: f" {name.lower()} "),
    "787": dict(encoding="utf-8", bom=True, eol="\n", thousands=False, columns=[
        "Bogføringsdato", "Bilagsnr", "Kommunenr", "Funktion", "Art", "Dranst", "Tekst", "Beløb",
        "Borgerreference", "Tilbudsnr", "Leverandør CVR", "Antal døgn", "Periode fra", "Periode til"]),
}
# placements the planted cases hang on: kommune -> [(tilbud, ydelse)], running 2023-2024
FORCED_PLACEMENTS = {
    "851": [(1001, "Takst 3"), (1002, "Døgnophold"), (1022, "Døgnophold")],
    "860": [(1008, "Takst 2"), (1009, "Døgnophold"), (1010, "Døgnophold")],
    "787": [(1015, "Døgnophold"), (1015, "Døgnophold"), (1016, "Døgnophold")],
    "825": [(1001, "Takst 2")],
}
EXTRA_PLACEMENTS = {"851": 14, "860": 8, "787": 4, "825": 1}
CPR_LIKE = "250386-0000"  # fake: valid ddmmyy, fails the modulus-11 check, serial 0000


def _cvr(operator: str) -> str:
    return str(40_000_000 + 7919 * (OPERATORS.index(operator) + 1))  # fictional CVR numbers


def _purchase_art(t: Tilbud) -> str:
    return {"kommune": "4.7", "region": "4.8", "privat": "4.9"}[t.driftsherretype]


def _placements(rng: random.Random, code: str, takster: dict, amounts: dict) -> list[tuple]:
    """(borger, tilbud, ydelse, start, end): forced ones first, then random ones within budget
    (day-based purchases use at most 55 % of a function's net amount, so the rest stays positive)."""
    budget = {fn: min(amounts[code, fn, y][0] for y in POSTING_YEARS) * 100 * D("0.55") for fn in ADULT_FUNCTIONS}
    candidates = [(t.nr, y[0]) for t in TILBUD if t.paragraf in SEL_RESIDENTIAL for y in t.ydelser]
    out, base = [], int(code) * 100

    def add(nr, ydelse, start, end):
        fn, cost = PARAGRAPH_FUNCTION[BY_NR[nr].paragraf], takster[nr, ydelse, 2024].doegntakst * 366
        if cost > budget[fn]:
            return False
        budget[fn] -= cost
        out.append((f"B-{base + len(out) + 1:06d}", BY_NR[nr], ydelse, start, end))
        return True

    for nr, ydelse in FORCED_PLACEMENTS[code]:
        assert add(nr, ydelse, date(2023, 1, 1), date(2024, 12, 31)), (code, nr)
    wanted = len(out) + EXTRA_PLACEMENTS[code]
    for _ in range(200):
        if len(out) == wanted:
            break
        nr, ydelse = rng.choice(candidates)
        start, end = date(2023, 1, 1), date(2024, 12, 31)
        if rng.random() < 0.25:  # moved in later; day 1-28 so February never starts after the 28th
            start = date(2023 + rng.randint(0, 1), rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.2:
            end = _month_end(2023 + rng.randint(0, 1), rng.randint(1, 12))
        if (end - start).days > 60:
            add(nr, ydelse, start, end)
    return out


def _day_postings(rng, placements, takster) -> list[Posting]:
    """One posting per placement and month; February 2024 is billed without the leap day."""
    posts = []
    for borger, t, ydelse, start, end in placements:
        for y in POSTING_YEARS:
            for m in range(1, 13):
                fra, til = max(start, date(y, m, 1)), min(end, _month_end(y, m), date(y, m, 28) if m == 2 else end)
                if fra > til:
                    continue
                days, rate = (til - fra).days + 1, takster[t.nr, ydelse, y].doegntakst
                posts.append(Posting(date(y, m, rng.randint(3, 12)), PARAGRAPH_FUNCTION[t.paragraf], 1,
                                     _purchase_art(t), rate * days, t.nr, _cvr(t.driftsherre), borger, fra, til,
                                     days, f"{ydelse}, {t.navn}, {m:02d}-{y}"))
    return posts


def _plant_postings(code: str, posts: list[Posting], placements: list, takster: dict) -> None:
    forced = [p[0] for p in placements[: len(FORCED_PLACEMENTS[code])]]

    def find(borger, y, m):
        return next(p for p in posts if p.borger == borger and p.fra and (p.fra.year, p.fra.month) == (y, m))

    def tag(p, rule, kind, note):
        p.tags.append(Tag(rule, kind, note, code, p.tilbudsnr, p.fra.strftime("%Y-%m") if p.fra else None))

    def rate(p):
        return takster[p.tilbudsnr, next(pl[2] for pl in placements if pl[0] == p.borger), p.fra.year].doegntakst

    if code == "851":
        p = find(forced[0], 2023, 5)
        p.funktion = "5.38.52"
        tag(p, "R01", "positive", "§ 108 tilbud booked on 5.38.52 (should be 5.38.50)")
        tag(find(forced[0], 2023, 1), "R03", "near_miss", "31 days billed for a 31-day period")
        tag(find(forced[0], 2024, 2), "R05", "near_miss", "February 2024 billed 01-02..28-02, no leap day")
        p = find(forced[1], 2024, 4)
        p.doegn, p.beloeb = 31, rate(p) * 31
        tag(p, "R03", "positive", "31 days billed for 01-04..30-04 (30 days)")
        p = find(forced[2], 2024, 3)
        p.beloeb = half_up(rate(p) * D("1.004"), "0.01") * p.doegn
        tag(p, "R04", "near_miss", "billed day rate 0,4 % above the approved rate")
        p = Posting(date(2024, 6, 10), "5.38.38", 1, "4.9", D("8450.00"), 1007, "", "B-085190",
                    tekst="Servicearealer, Bofællesskabet Hasseris")
        p.tags.append(Tag("R01", "near_miss", "ABL § 105 tilbud: paragraph not in the R01 mapping", code, 1007, "2024-06"))
        posts.append(p)
    if code == "860":
        orig = find(forced[0], 2023, 3)
        copy = Posting(**{**orig.__dict__, "bogf": date(2023, 4, 20), "tags": [], "raw": {}})
        tag(copy, "R02", "positive", "same kommune, tilbud, borger, period and amount booked again")
        posts.append(copy)
        p = find(forced[1], 2024, 9)
        p.fra, p.til = date(2024, 9, 30), date(2024, 9, 1)
        tag(p, "R03", "positive", "Periode til (01-09-2024) before Periode fra (30-09-2024)")
        p = find(forced[2], 2024, 2)
        p.til, p.doegn, p.beloeb = date(2024, 2, 29), 29, rate(p) * 29
        tag(p, "R05", "positive", "service period contains 29-02-2024 (29 days billed)")
    if code == "787":
        tag(find(forced[1], 2024, 6), "R02", "near_miss", "same tilbud, period and amount as another borger")
        p = find(forced[0], 2023, 8)
        p.borger = CPR_LIKE
        p.tags.append(Cpr("Borgerreference"))
        tag(p, "R15", "positive", "CPR-like Borgerreference (ddmmyy-xxxx)")
        p = find(forced[2], 2023, 10)
        p.beloeb = half_up(rate(p) * D("1.02"), "0.01") * p.doegn
        tag(p, "R04", "positive", "billed day rate 2 % above the approved rate")


def _distinct_split(rng, total: int, n: int, used: set) -> list[int]:
    """Split øre into n noisy parts, none equal to each other or to an amount already used:
    non-day postings share the empty tilbud/borger/period key, so equal amounts would be R02 copies."""
    while True:
        parts = _split(total, [rng.randint(900_000, 1_100_000) for _ in range(n)])
        if len(set(parts)) == n and not used & set(parts):
            used.update(parts)
            return parts


def _fill_postings(rng, code: str, posts: list[Posting], amounts: dict) -> None:
    """Non-day-based postings so that Dranst 1 per function and booking year sums exactly to
    REGK31 TOT x 1.000 (times the planted R16 factor); amounts in øre."""
    used = {int(p.beloeb * 100) for p in posts}
    for y in POSTING_YEARS:
        for fn in ADULT_FUNCTIONS:
            tot, _, inc = amounts[code, fn, y]
            factor, _ = R16_FACTOR.get((code, fn, y), (D(1), None))
            target = int(tot * 10000 * factor)  # tenths of 1.000 kr. -> øre
            spent = sum(int(p.beloeb * 100) for p in posts if p.dranst == 1 and p.funktion == fn and p.bogf.year == y)
            expense = target + inc * 10000 - spent
            assert expense > 0, (code, fn, y)
            for m, ore in enumerate(_distinct_split(rng, expense, 12, used), start=1):
                art, text = ("1.1", "Lønudgifter, egne tilbud") if m % 2 else ("4.9", "Øvrige tjenesteydelser")
                posts.append(Posting(date(y, m, 25), fn, 1, art, D(ore) / 100, tekst=f"{text}, {fn}"))
            # monthly credits too: with the forced placements every file has >= 200 rows, so one
            # unparseable value stays within 0.5 % of a file's rows
            for m, ore in enumerate(_distinct_split(rng, -inc * 10000, 12, used), start=1):
                posts.append(Posting(date(y, m, 28), fn, 1, "7.7", D(ore) / 100,
                                     tekst=f"Salg af pladser til andre kommuner, {fn}"))
        refusion = amounts[code, "5.38.50", y][0] * rng.randint(50, 200)  # 0.5-2 % of TOT, in øre
        for q, ore in enumerate(_distinct_split(rng, -refusion, 4, used)):
            posts.append(Posting(date(y, 3 * q + 2, 15), "5.38.50", 2, "8.6", D(ore) / 100,
                                 tekst="Statsrefusion, særligt dyre enkeltsager"))


def _plant_bad_postings(code: str, posts: list[Posting]) -> None:
    """Unparseable values and the R15 near miss, on rows that carry no planted rule."""
    refusion = [p for p in posts if p.dranst == 2]  # not in R16's Dranst 1 sums
    if code == "851":
        p = next(p for p in refusion if p.bogf.year == 2024)
        p.raw["Beløb"] = "12,34,5"
        p.tags.append(Bad("Beløb", "12,34,5"))
    if code == "860":
        p = next(p for p in refusion if p.bogf.year == 2023)
        p.raw["Bogføringsdato"] = "31-02-2023"
        p.tags.append(Bad("Bogføringsdato", "31-02-2023"))
        p = next(p for p in posts if p.bogf.year == 2023 and p.art == "4.9" and p.tilbudsnr is None)
        p.tekst = "Faktura 3213991234, kørsel"
    if code == "851":  # free texts as people type them: a `;` (the field is quoted) and a stray quote
        texts = [p for p in posts if p.tilbudsnr is None and not p.tags]
        texts[0].tekst = 'Kursus; "Recovery" for personale'
        texts[1].tekst = 'Skærm 24" til fælles stue'
        p.tags.append(Tag("R15", "near_miss", "ten-digit number that is not a valid ddmmyy date", code, None,
                          p.bogf.strftime("%Y-%m")))


def _write_posteringer(landing: _Landing, seed: int, takster: dict, amounts: dict) -> None:
    for code, fmt in POSTING_FORMAT.items():
        rng = _rng(seed, f"posteringer-{code}")
        placements = _placements(rng, code, takster, amounts)
        posts = _day_postings(rng, placements, takster)
        _plant_postings(code, posts, placements, takster)
        _fill_postings(rng, code, posts, amounts)
        _plant_bad_postings(code, posts)
        for y in POSTING_YEARS:
            year_posts = sorted((p for p in posts if p.bogf.year == y), key=lambda p: p.bogf)  # stable
            rows = []

            def day(d: date | None) -> str:
                return d.strftime(fmt.get("dates", "%d-%m-%Y")) if d else ""

            for seq, p in enumerate(year_posts, start=1):
                values = {
                    "Kommunenr": code, "Bilagsnr": f"{y % 100}{seq:05d}", "Bogføringsdato": day(p.bogf),
                    "Funktion": p.funktion, "Dranst": str(p.dranst), "Art": p.art,
                    "Beløb": _dk(p.beloeb, 2, fmt["thousands"]), "Tilbudsnr": str(p.tilbudsnr or ""),
                    "Leverandør CVR": p.cvr, "Borgerreference": p.borger,
                    "Periode fra": day(p.fra), "Periode til": day(p.til),
                    "Antal døgn": "" if p.doegn is None else str(p.doegn), "Tekst": p.tekst, **p.raw}
                rows.append(([values[c] for c in fmt["columns"]], p.tags))
            header = [fmt.get("header", str)(c) for c in fmt["columns"]]
            landing.csv(f"posteringer/{code}_{y}.csv", header, rows,
                        encoding=fmt["encoding"], bom=fmt["bom"], eol=fmt["eol"])


# --------------------------------------------------------------------------- entry point
def write_sample(out: Path, seed: int = 2024, years: tuple[int, int] = (2019, 2024),
                 scale: str = "nordjylland") -> dict:
    """Write a sample landing directory to `out` and return its manifest (also written to
    `out/_manifest.json`). Same seed -> byte-identical files."""
    if scale == "national":  # 98 municipalities at a realistic volume
        from sampledata.national import write_national

        return write_national(Path(out), seed=seed, years=years)
    if scale != "nordjylland":
        raise ValueError(f"unknown scale {scale!r}")
    if not (2010 <= years[0] <= 2019 and years[1] == 2024):
        # the planted cases and the real figures sit in 2020-2024; the health-check extract is 2024
        raise ValueError("years must start in 2010-2019 and end in 2024")
    span = range(years[0], years[1] + 1)
    landing = _Landing(Path(out))
    total, ages = _population(seed, span)
    amounts, regnskab_tags = _regnskab(seed, span)
    takster = _takster(seed, span)
    _write_regnskab(landing, span, amounts, regnskab_tags)
    _write_befolkning(landing, span, total, ages)
    _write_tilbud(landing)
    _write_takstbilag(landing, span, takster)
    _write_belaegning(landing, seed, span)
    _write_sikrede(landing, seed, span)
    _write_sundhedstjek(landing, seed, total)
    _write_posteringer(landing, seed, takster, amounts)
    manifest = {
        "seed": seed, "years": list(years), "files": dict(sorted(landing.files.items())),
        "planted": sorted(landing.planted, key=lambda e: (e["rule"], e["kind"], e["file"], e["line"], e["periode"] or "")),
        "unparseable": landing.unparseable, "cpr_like": landing.cpr_like,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (Path(out) / "_manifest.json").write_text(text, encoding="utf-8")
    return manifest
