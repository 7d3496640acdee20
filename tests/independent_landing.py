"""An independent landing-dir generator, written from the contract text only.

Source of truth: shared/contracts/landing-zone.md (file layouts and every freedom it grants),
shared/contracts/data-quality-rules.md (so the data is clean: no blocking check and no registration
flag except the ones the business expects, R05 and R12) and shared/domain/README.md (codes, names
and plausible sizes). It deliberately does NOT read or import the project's own sample generator
or readers (``ingest/``): a generator written by the same hands as the readers shares their blind
spots.

Every freedom is chosen deterministically from ``seed``: encodings (UTF-8, UTF-8 with BOM,
cp1252), CRLF/LF, a missing final newline, header case / padding / column order, quoted headers
and fields, unknown extra columns, Danish number forms, all four date forms, both month forms, both
StatBank presentations, the three percent forms of the rate appendix, places with decimals,
missing-value markers (empty, ``..``, ``-``), quoted free text with ``;`` and ``"`` in ledgers,
file names with spaces and Danish letters. ``generate()`` returns a :class:`Truth` with the values
a correct pipeline must publish, computed here from what was written.

Usage: ``python tests/independent_landing.py OUT_DIR [--seed N] [--truth FILE]``.
No CPR-like value is ever written (a self-check refuses to write one).
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import math
import random
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

YEARS = (2023, 2024)

# (code, DST name, population 1 January 2021) -- shared/domain/README.md
MUNICIPALITIES = [
    ("851", "Aalborg", 219573),
    ("810", "Brønderslev", 36140),
    ("813", "Frederikshavn", 58933),
    ("860", "Hjørring", 64099),
    ("849", "Jammerbugt", 38166),
    ("825", "Læsø", 1776),
    ("846", "Mariagerfjord", 41584),
    ("773", "Morsø", 20078),
    ("840", "Rebild", 30504),
    ("787", "Thisted", 43126),
    ("820", "Vesthimmerlands", 36343),
]
# Municipalities outside the framework agreement that a national StatBank download also holds
# (names with a hyphen and an initial Æ), and Christiansø, which is no municipality (dropped).
OTHER_MUNICIPALITIES = [("751", "Aarhus", 355238), ("169", "Høje-Taastrup", 50919), ("492", "Ærø", 6048)]
NOT_A_MUNICIPALITY = [("411", "Christiansø", 90)]
MUNI_NAME = {code: name for code, name, _ in MUNICIPALITIES + OTHER_MUNICIPALITIES + NOT_A_MUNICIPALITY}
NJ_CODES = [code for code, _, _ in MUNICIPALITIES]

# Functions of the accounts used here: code -> (label, net operating kr. per inhabitant).
FUNCTIONS = {
    "53838": ("Personlig støtte og pasning af personer med handicap mv. (§§ 85, 95-96, 102 og 118)", 1500),
    "53842": ("Botilbud for personer med særlige sociale problemer (§§ 109-110)", 160),
    "53845": ("Behandling af personer med et stofmisbrug (§§ 101 og 101 a)", 150),
    "53850": ("Botilbud til længerevarende ophold (§ 108)", 1800),
    "53852": ("Botilbud til midlertidigt ophold (§ 107)", 700),
    "53853": ("Kontaktperson- og ledsageordninger (§§ 45, 97-99)", 60),
    "53858": ("Beskyttet beskæftigelse (§ 103)", 120),
    "53859": ("Aktivitets- og samværstilbud (§ 104)", 420),
    "52820": ("Plejefamilier", 600),
    "52823": ("Døgninstitutioner for børn og unge", 480),
}
# data-quality-rules.md, R01 mapping
PARAGRAPH_FUNCTION = {
    "SEL § 107": "5.38.52",
    "SEL § 108": "5.38.50",
    "SEL §§ 109-110": "5.38.42",
    "SEL § 103": "5.38.58",
    "SEL § 104": "5.38.59",
    "SEL § 85": "5.38.38",
}
RESIDENTIAL = ("SEL § 107", "SEL § 108", "SEL §§ 109-110")
DAY_SERVICE = ("SEL § 103", "SEL § 104", "SEL § 85")
DRANST_LABEL = {"1": "Driftskonti", "2": "Statsrefusion", "3": "Anlægskonti"}
ART_LABEL = {"TOT": "I alt (netto)", "UE": "Bruttoudgifter", "I": "Indtægter"}
PRIS_LABEL = {"LOBM": "Løbende priser (1.000 kr.)", "INDL": "Kr. pr. indbygger"}
# Function -> (dranst 2 rows, dranst 3 rows): only a few functions carry refunds / investments.
DRANST2_FUNCS = ("53850", "53852")
DRANST3_FUNCS = ("53850", "53859")
# Cells of the accounts that StatBank does not publish (".." or "-") in every year.
MISSING_ACCOUNTS = {("825", "53842"), ("825", "53845")}

SECURE_INSTITUTIONS = [("Kompasset", "Region Nordjylland", 10), ("Sønderbro", "Københavns Kommune", 14)]

TILBUD_PREFIX = [
    "Bostedet",
    "Botilbuddet",
    "Bofællesskabet",
    "Center",
    "Opgangsfællesskabet",
    "Boenheden",
    "Døgntilbuddet",
]
TILBUD_PLACE = [
    "Egebakken",
    "Lyngbo",
    "Skovly",
    "Fjordglimt",
    "Havbrisen",
    "Kildehuset",
    "Møllehøj",
    "Engholm",
    "Granly",
    "Toftegården",
    "Birkely",
    "Æblehaven",
    "Østergården",
    "Åbrinken",
    "Solhøj",
    "Vesterled",
    "Nørreå",
    "Strandgården",
    "Bakkely",
    "Rønnebo",
    "Hedelund",
    "Kærholm",
    "Lindely",
    "Søbred",
    "Mosegården",
    "Tranekær",
    "Rosengården",
    "Klitly",
    "Bøgely",
    "Ålykke",
]
PRIVATE_OPERATORS = [
    "Fonden Lyngbo",
    "Solsikken ApS",
    "Den selvejende institution Klitly",
    "Nordlys Omsorg A/S",
    "Fonden Kærholm",
]
TARGET_GROUPS = [
    "Udviklingshæmning",
    "Sindslidelse",
    "Autisme; ADHD",
    "Erhvervet hjerneskade",
    "Hjemløshed",
    "Stofmisbrug",
    "Fysisk funktionsnedsættelse",
    "Udviklingshæmning, autisme",
]

DATE_FORMS = {"dd-mm-yyyy": "%d-%m-%Y", "dd.mm.yyyy": "%d.%m.%Y", "yyyy-mm-dd": "%Y-%m-%d", "yyyymmdd": "%Y%m%d"}
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
MISSING_MARKERS = ("", "..", "-")

CPR_LIKE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})-?\d{4}(?!\d)")


# ---------------------------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------------------------


def half_up(value: Decimal, quantum: str = "0.01") -> Decimal:
    return Decimal(value).quantize(Decimal(quantum), rounding=ROUND_HALF_UP)


def dk_number(value, decimals: int = 0, thousands: bool = False, trim: bool = False) -> str:
    """A Danish number: thousands '.', decimals ','; optionally trailing zeros trimmed."""
    quantum = "1" if decimals == 0 else "0." + "0" * (decimals - 1) + "1"
    d = half_up(Decimal(value), quantum)
    sign = "-" if d < 0 else ""
    text = f"{abs(d):.{decimals}f}"
    whole, _, frac = text.partition(".")
    if thousands:
        whole = f"{int(whole):,}".replace(",", ".")
    if trim:
        frac = frac.rstrip("0")
    return sign + whole + ("," + frac if frac else "")


def fmt_date(day: dt.date, form: str) -> str:
    return day.strftime(DATE_FORMS[form])


def fmt_month(year: int, month: int, form: str) -> str:
    return f"{year}-{month:02d}" if form == "yyyy-mm" else f"{year}M{month:02d}"


def months(first: tuple[int, int], last: tuple[int, int]):
    y, m = first
    while (y, m) <= last:
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def is_cpr_like(text: str) -> bool:
    for match in CPR_LIKE.finditer(text):
        dd, mm, yy = (int(g) for g in match.groups())
        for century in (1900, 2000):
            try:
                dt.date(century + yy, mm, dd)
                return True
            except ValueError:
                pass
    return False


# ---------------------------------------------------------------------------------------------
# CSV writing with the general freedoms of the contract
# ---------------------------------------------------------------------------------------------


@dataclass
class CsvStyle:
    encoding: str = "utf-8"
    newline: str = "\r\n"
    final_newline: bool = True
    header_case: str = "as-is"  # as-is | lower | upper | title | mixed
    header_pad: bool = False
    shuffle_columns: bool = False
    quoting: str = "minimal"  # minimal | text | all
    extra_column: bool = False
    trailing_separator: bool = False  # every line ends with ';' (an empty, unnamed last column)
    wrote_line_break: bool = False  # set by write_csv: a quoted value spans lines
    wrote_early_break: bool = False  # set by write_csv: ... in the first or second column

    def describe(self) -> list[str]:
        tags = [f"encoding={self.encoding}", "newline=" + ("CRLF" if self.newline == "\r\n" else "LF")]
        if not self.final_newline:
            tags.append("no-final-newline")
        tags.append(f"header-case={self.header_case}")
        if self.header_pad:
            tags.append("header-padded")
        if self.shuffle_columns:
            tags.append("columns-shuffled")
        tags.append(f"quoting={self.quoting}")
        if self.extra_column:
            tags.append("extra-column")
        if self.trailing_separator:
            tags.append("trailing-empty-column")
        return tags


def random_style(rng: random.Random, *, encodings=ENCODINGS, shuffle_ok: bool = True) -> CsvStyle:
    return CsvStyle(
        encoding=rng.choice(encodings),
        newline=rng.choice(["\r\n", "\n"]),
        final_newline=rng.random() > 0.2,
        header_case=rng.choice(["as-is", "as-is", "lower", "upper", "title", "mixed"]),
        header_pad=rng.random() < 0.4,
        shuffle_columns=shuffle_ok and rng.random() < 0.6,
        quoting=rng.choice(["minimal", "minimal", "text", "all"]),
        extra_column=rng.random() < 0.3,
        trailing_separator=rng.random() < 0.25,
    )


def _case(name: str, how: str, rng: random.Random) -> str:
    if how == "mixed":
        how = rng.choice(["as-is", "lower", "upper", "title"])
    return {"as-is": name, "lower": name.lower(), "upper": name.upper(), "title": name.title()}[how]


def _quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    style: CsvStyle,
    rng: random.Random,
    *,
    text_columns: set[str] = frozenset(),
    preamble: list[str] = (),
    fixed_first: int = 0,
    no_break_in_first_columns: bool = False,
) -> dict[int, int]:
    """Write rows under ``header`` (canonical names) in ``style``.

    ``fixed_first`` columns keep their place when columns are shuffled. Returns, for each row
    index, its 1-based physical line number (the header is line ``len(preamble) + 1``).
    """
    order = list(range(len(header)))
    if style.shuffle_columns:
        tail = order[fixed_first:]
        rng.shuffle(tail)
        order = order[:fixed_first] + tail
    out_header = []
    for i in order:
        name = _case(header[i], style.header_case, rng)
        if style.header_pad:
            name = rng.choice([" ", "  ", ""]) + name + rng.choice([" ", "", "   "])
        out_header.append(name)
    extra_values = None
    if style.extra_column:
        out_header.insert(
            rng.randrange(len(out_header) + 1) if style.shuffle_columns else len(out_header), "Bemærkning"
        )
        extra_pos = out_header.index("Bemærkning")
        extra_values = [rng.choice(["", "", "kontrolleret", "jf. mail fra økonomi – OK"]) for _ in rows]

    def render(fields: list[str], names: list[str], header_line: bool) -> str:
        cells = []
        for value, name in zip(fields, names):
            if not header_line and is_cpr_like(value):
                raise ValueError(f"{path.name}: CPR-like value {value!r} would be written")
            must = ";" in value or '"' in value or "\n" in value
            if "\n" in value:
                style.wrote_line_break = True
            if must or style.quoting == "all" or (style.quoting == "text" and name in text_columns):
                cells.append(_quote(value.replace("\n", style.newline)))
            else:
                cells.append(value)
        return ";".join(cells) + (";" if style.trailing_separator else "")

    lines = list(preamble)
    canonical_out = [header[i] for i in order]
    if extra_values is not None:
        canonical_out.insert(extra_pos, "Bemærkning")
    lines.append(render(out_header, canonical_out, True))
    canon_idx: list[int | None] = list(order)
    if extra_values is not None:
        canon_idx.insert(extra_pos, None)
    line_of_row: dict[int, int] = {}
    physical = sum(1 + line.count("\n") for line in lines)  # lines written so far
    for idx, row in enumerate(rows):
        fields = [row[i] for i in order]
        if extra_values is not None:
            fields.insert(extra_pos, extra_values[idx])
        if no_break_in_first_columns:
            # Where the text after a line break leaves as many fields as a whole record (first
            # column; second column when lines end with ';'), the product splits the record.
            # The row itself is changed so that callers see what was written.
            for pos in (0, 1):
                ci = canon_idx[pos]
                if ci is not None and "\n" in row[ci]:
                    row[ci] = row[ci].replace("\n", " ")
                    fields[pos] = row[ci]
        if "\n" in fields[0] or "\n" in fields[1]:
            style.wrote_early_break = True
        lines.append(render(fields, canonical_out, False))
        line_of_row[idx] = physical + 1  # a record's first physical line
        physical += 1 + lines[-1].count("\n")
    text = style.newline.join(lines) + (style.newline if style.final_newline else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(style.encoding))
    return line_of_row


# ---------------------------------------------------------------------------------------------
# What was written (expected published values) and how (freedoms covered)
# ---------------------------------------------------------------------------------------------


@dataclass
class Truth:
    seed: int
    files: dict[str, list[str]] = field(default_factory=dict)  # rel path -> freedoms
    population: dict[str, dict] = field(default_factory=dict)  # "851/2024" -> keys
    accounts: dict[str, str] = field(default_factory=dict)  # "851/53850/1/TOT/LOBM/2024" -> "123,4"|None
    net_538_kr: dict[str, str] = field(default_factory=dict)  # "851/2024" -> kr
    rates: dict[str, dict] = field(default_factory=dict)  # "2024/12345/Takst 1" -> row
    occupancy: dict[str, dict] = field(default_factory=dict)  # "12345/2024" -> sums
    secure: dict[str, dict] = field(default_factory=dict)  # "Kompasset/2024" -> sums
    health_checks: dict[str, dict] = field(default_factory=dict)  # "851/2024" -> counts
    health_extract_date: str = ""
    leap_day_postings: list[list] = field(default_factory=list)  # [rel file, line]
    incomplete_month_flags: int = 0
    posting_rows: int = 0
    postings: list[dict] = field(default_factory=list)  # every ledger row as written
    tilbud: dict[str, dict] = field(default_factory=dict)

    def coverage(self) -> set[str]:
        return {tag for tags in self.files.values() for tag in tags}


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


@dataclass
class Tilbud:
    nr: int
    navn: str
    driftsherre: str
    dtype: str
    kommune: str
    paragraf: str
    maalgruppe: str
    godkendt_fra: dt.date
    godkendt_til: dt.date | None
    places: dict[tuple[int, int], int] = field(default_factory=dict)  # normed per month
    cvr: str = ""

    def open_in(self, year: int, month: int) -> bool:
        first = dt.date(year, month, 1)
        last = dt.date(year, month, days_in(year, month))
        return self.godkendt_fra <= last and (self.godkendt_til is None or self.godkendt_til >= first)


class Generator:
    def __init__(self, out: Path, seed: int, exclude: frozenset[str] = frozenset()):
        self.exclude = frozenset(exclude)
        self.out = Path(out)
        self.rng = random.Random(seed)
        self.truth = Truth(seed=seed)
        self.used_nrs: set[int] = set()
        self.used_names: set[str] = set()
        self.cvrs: dict[str, str] = {}
        self.tilbud: list[Tilbud] = []
        self.rates: dict[tuple[int, int], list[tuple[str, Decimal]]] = {}  # (year, nr) -> levels
        self.private_rate: dict[tuple[int, int], Decimal] = {}
        self.budget_pct: dict[tuple[int, int], Decimal] = {}
        self.population: dict[tuple[str, int], list[tuple[int, int]]] = {}  # (code, year) -> [(m, f)]
        self.accounts: dict[tuple, Decimal | None] = {}

    # -- small helpers -----------------------------------------------------------------------
    def record(self, path: Path, tags: list[str]) -> None:
        rel = path.relative_to(self.out)
        self.truth.files[str(rel)] = [f"{rel.parts[0]}:{tag}" for tag in tags if tag]

    def cvr(self, operator: str) -> str:
        if operator not in self.cvrs:
            while True:
                value = str(self.rng.randrange(10_000_000, 99_999_999))
                if value not in self.cvrs.values():
                    break
            self.cvrs[operator] = value
        return self.cvrs[operator]

    def new_nr(self) -> int:
        while True:
            nr = self.rng.randrange(10_000, 999_999)
            if nr not in self.used_nrs:
                self.used_nrs.add(nr)
                return nr

    def new_name(self, paragraf: str) -> str:
        prefix = {
            "SEL §§ 109-110": ["Krisecentret", "Forsorgshjemmet"],
            "SEL § 103": ["Værkstedet", "Produktionsskolen"],
            "SEL § 104": ["Værestedet", "Dagtilbuddet"],
            "SEL § 85": ["Støttecentret", "Bostøtten"],
            "ABL § 105": ["Boligerne"],
        }.get(paragraf, TILBUD_PREFIX)
        while True:
            name = f"{self.rng.choice(prefix)} {self.rng.choice(TILBUD_PLACE)}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name

    # -- 3. tilbud register --------------------------------------------------------------------
    def make_tilbud(self) -> None:
        rng = self.rng
        per_muni = {
            "851": 6,
            "860": 3,
            "813": 3,
            "787": 2,
            "846": 2,
            "849": 2,
            "820": 2,
            "810": 2,
            "840": 2,
            "773": 2,
            "825": 1,
        }
        plan: list[tuple[str, str, str, str]] = []  # (operator, type, location, paragraf)
        for code, count in per_muni.items():
            operator = f"{MUNI_NAME[code]} Kommune"
            paragraphs = ["SEL § 108", "SEL § 107", "SEL § 104", "SEL § 103", "SEL § 108", "SEL § 85"]
            if code == "825":
                paragraphs = ["SEL § 85"]
            for i in range(count):
                plan.append((operator, "kommune", code, paragraphs[i % len(paragraphs)]))
        for paragraf, code in [
            ("SEL § 108", "851"),
            ("SEL § 107", "860"),
            ("SEL §§ 109-110", "851"),
            ("SEL § 108", "846"),
        ]:
            plan.append(("Region Nordjylland", "region", code, paragraf))
        for i, operator in enumerate(PRIVATE_OPERATORS):
            code = rng.choice([c for c, _, _ in MUNICIPALITIES if c != "825"])
            plan.append(
                (operator, "privat", code, ["SEL § 108", "SEL § 107", "SEL §§ 109-110", "SEL § 108", "ABL § 105"][i])
            )
        plan.append(("Frederikshavn Kommune", "kommune", "813", "SEL §§ 109-110"))

        for operator, dtype, code, paragraf in plan:
            navn = self.new_name(paragraf)
            if dtype == "privat" and rng.random() < 0.5:
                navn = f'{navn.split()[0]} "{navn.split(" ", 1)[1]}"'  # quoted name inside the name
            fra = dt.date(rng.randrange(2008, 2022), rng.randrange(1, 13), 1)
            t = Tilbud(self.new_nr(), navn, operator, dtype, code, paragraf, rng.choice(TARGET_GROUPS), fra, None)
            t.cvr = self.cvr(operator)
            base = {
                "SEL § 108": rng.randrange(8, 30),
                "SEL § 107": rng.randrange(6, 18),
                "SEL §§ 109-110": rng.randrange(10, 26),
                "SEL § 103": rng.randrange(15, 40),
                "SEL § 104": rng.randrange(15, 45),
                "SEL § 85": rng.randrange(20, 60),
                "ABL § 105": rng.randrange(8, 20),
            }[paragraf]
            if dtype == "region" and paragraf == "SEL § 108" and code == "851":
                base = rng.randrange(36, 46)  # occupied days above 1.000 a month
            for y, m in months((YEARS[0], 1), (YEARS[-1], 12)):
                t.places[(y, m)] = base
            self.tilbud.append(t)

        residential_muni = [t for t in self.tilbud if t.dtype == "kommune" and t.paragraf == "SEL § 108"]
        # The real 2021 appendix of the domain README: four rate levels 2 + 1 + 11 + 17 places.
        real = residential_muni[0]
        for key in real.places:
            real.places[key] = 31
        self.real_appendix_nr = real.nr
        # A capacity change: 16 places, 17 from May of the second year (year average 16,7).
        grow = residential_muni[1]
        for y, m in grow.places:
            grow.places[(y, m)] = 17 if (y, m) >= (YEARS[-1], 5) else 16
        self.growing_nr = grow.nr
        # A tilbud that closed in June of the first year.
        closing = [t for t in self.tilbud if t.dtype == "kommune" and t.paragraf == "SEL § 107"][-1]
        closing.godkendt_til = dt.date(YEARS[0], 6, 30)
        # A tilbud approved during the first year.
        opening = [t for t in self.tilbud if t.dtype == "kommune" and t.paragraf == "SEL § 107"][0]
        opening.godkendt_fra = dt.date(YEARS[0], 3, 1)
        # Approved until a date in the future.
        [t for t in self.tilbud if t.dtype == "region"][0].godkendt_til = dt.date(YEARS[-1] + 2, 12, 31)

        # The secure institution of North Jutland, also registered on Tilbudsportalen.
        kompasset = Tilbud(
            self.new_nr(),
            "Kompasset",
            "Region Nordjylland",
            "region",
            "810",
            "Barnets lov § 43",
            "Sikret døgninstitution",
            dt.date(2010, 1, 1),
            None,
        )
        kompasset.cvr = self.cvr("Region Nordjylland")
        for y, m in months((YEARS[0], 1), (YEARS[-1], 12)):
            kompasset.places[(y, m)] = 10
        self.tilbud.append(kompasset)
        self.kompasset = kompasset

        for t in self.tilbud:
            self.truth.tilbud[str(t.nr)] = {
                "navn": t.navn,
                "driftsherre": t.driftsherre,
                "paragraf": t.paragraf,
                "kommune": t.kommune,
            }

    def write_tilbud(self) -> None:
        rng = self.rng
        header = [
            "Tilbudsnr",
            "Tilbudsnavn",
            "Driftsherre",
            "Driftsherretype",
            "Beliggenhedskommune",
            "Paragraf",
            "Målgruppe",
            "Normerede pladser",
            "Godkendt fra",
            "Godkendt til",
        ]
        rows_all = list(self.tilbud)
        rng.shuffle(rows_all)
        split = rng.choice([len(rows_all), len(rows_all) // 2])
        for part, chunk in enumerate([rows_all[:split], rows_all[split:]]):
            if not chunk:
                continue
            style = random_style(rng)
            date_form = rng.choice(list(DATE_FORMS))
            missing = rng.choice(MISSING_MARKERS)
            rows = []
            for t in chunk:
                last_places = t.places[(YEARS[-1], 12)]
                rows.append(
                    [
                        str(t.nr),
                        t.navn,
                        t.driftsherre,
                        t.dtype,
                        t.kommune,
                        t.paragraf,
                        t.maalgruppe,
                        str(last_places),
                        fmt_date(t.godkendt_fra, date_form),
                        fmt_date(t.godkendt_til, date_form) if t.godkendt_til else missing,
                    ]
                )
            name = ["tilbudsportalen_udtraek.csv", "Tilbud – kommunale og private.csv"][part]
            path = self.out / "tilbud" / name
            write_csv(path, header, rows, style, rng, text_columns={"Tilbudsnavn", "Målgruppe", "Driftsherre"})
            self.record(path, ["tilbud", f"date={date_form}", f"missing={missing!r}", *style.describe()])

    # -- 4. takstbilag -------------------------------------------------------------------------
    def make_rates(self) -> None:
        rng = self.rng
        for t in self.tilbud:
            if t.paragraf not in RESIDENTIAL:
                continue
            base_rate = Decimal(rng.randrange(1500, 4200))
            for year in YEARS:
                if not any(t.open_in(year, m) for m in range(1, 13)):
                    continue
                if t.dtype == "privat":
                    self.private_rate[(year, t.nr)] = Decimal(base_rate) * (
                        1 + Decimal(year - YEARS[0]) * Decimal("0.035")
                    )
                    self.private_rate[(year, t.nr)] = half_up(self.private_rate[(year, t.nr)])
        # Appendix rows are built per operator and year in write_rates (needs form choices).

    def write_rates(self) -> None:
        from openpyxl import Workbook

        rng = self.rng
        header = [
            "År",
            "Tilbudsnr",
            "Tilbudsnavn",
            "Driftsherre",
            "Paragraf",
            "Ydelse",
            "Pladser",
            "Dage",
            "Belægningsprocent",
            "Antal døgn",
            "Omkostninger",
            "Døgntakst",
            "Begrundelse",
        ]
        by_operator: dict[str, list[Tilbud]] = defaultdict(list)
        for t in self.tilbud:
            if t.paragraf in RESIDENTIAL and t.dtype != "privat":
                by_operator[t.driftsherre].append(t)
        target_rate: dict[int, Decimal] = {t.nr: Decimal(rng.randrange(1400, 4300)) for t in self.tilbud}
        previous: dict[tuple[int, str], Decimal] = {}
        pct_forms = ["fraction", "number", "text", "text-space"]
        for year in YEARS:
            for operator, tilbud in sorted(by_operator.items()):
                rows = []
                for t in tilbud:
                    open_months = [m for m in range(1, 13) if t.open_in(year, m)]
                    if not open_months:
                        continue
                    avg_places = Decimal(sum(t.places[(year, m)] * days_in(year, m) for m in open_months)) / Decimal(
                        sum(days_in(year, m) for m in open_months)
                    )
                    if t.nr == self.real_appendix_nr:
                        levels = [
                            ("Takst 1", Decimal(2)),
                            ("Takst 2", Decimal(1)),
                            ("Takst 3", Decimal(11)),
                            ("Takst 4", Decimal(17)),
                        ]
                    elif avg_places != avg_places.to_integral_value():
                        levels = [("Døgnophold", half_up(avg_places, "0.1"))]
                    elif t.nr % 3 == 0 and avg_places >= 6:
                        first = half_up(avg_places / 3, "1")
                        levels = [("Takst 1", first), ("Takst 2", avg_places - first)]
                    else:
                        levels = [("Døgnophold", avg_places)]
                    if t.nr == self.real_appendix_nr and year == YEARS[0]:
                        pct = Decimal("0.95")
                    else:
                        pct = rng.choice(
                            [Decimal("0.95")] * 4
                            + [Decimal("0.96"), Decimal("0.97"), Decimal("0.98"), Decimal("0.975"), Decimal("0.92")]
                        )
                    for level_no, (ydelse, places) in enumerate(levels):
                        denominator = places * 365 * pct
                        if t.nr == self.real_appendix_nr and year == YEARS[0]:
                            costs = Decimal([618526, 373086, 5157018, 11496118][level_no])
                        else:
                            prev = previous.get((t.nr, ydelse))
                            aim = (
                                prev * Decimal(str(1 + rng.uniform(0.01, 0.06)))
                                if prev
                                else target_rate[t.nr] * Decimal(str(1 + 0.12 * level_no))
                            )
                            costs = half_up(aim * denominator, "1")
                        rate = half_up(costs / denominator)
                        days = int(half_up(denominator, "1"))
                        prev = previous.get((t.nr, ydelse))
                        change = None if prev is None else half_up((rate / prev - 1) * 100)
                        reason = None
                        if pct < Decimal("0.95"):
                            reason = "Lavere belægning pga. ombygning; godkendt af DAS"
                        elif change is not None and abs(rate / prev - 1) > Decimal("0.10"):
                            reason = "Ny normering; forklaret i takstnotatet"
                        elif rng.random() < 0.15:
                            reason = rng.choice(["Uændret drift", "Pris- og lønfremskrivning – 2,1 %"])
                        form = pct_forms[(len(rows) + year) % 4] if rng.random() < 0.8 else rng.choice(pct_forms)
                        rows.append(
                            {
                                "year": year,
                                "t": t,
                                "ydelse": ydelse,
                                "places": places,
                                "pct": pct,
                                "days": days,
                                "costs": costs,
                                "rate": rate,
                                "reason": reason,
                                "form": form,
                                "prev": prev,
                                "change": change,
                            }
                        )
                        previous[(t.nr, ydelse)] = rate
                        self.rates.setdefault((year, t.nr), []).append((ydelse, rate))
                        self.budget_pct[(year, t.nr)] = pct
                if not rows:
                    continue
                wb = Workbook()
                ws = wb.active
                tags = ["takstbilag"]
                if rng.random() < 0.4:
                    ws.title = "Forside"
                    ws["A1"] = f"Takstbilag {year}"
                    ws["A3"] = "Se fanen Takster"
                    ws = wb.create_sheet("Takster")
                    tags.append("extra-sheet-first")
                else:
                    ws.title = "Takster"
                ws.cell(row=1, column=1, value=f"Takstbilag {year} – {operator}")
                title_rows = rng.choice([2, 3, 4])
                if rng.random() < 0.4:
                    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
                    tags.append("merged-title")
                if title_rows >= 3:
                    ws.cell(row=2, column=1, value="Godkendt af DAS")
                    ws.cell(row=2, column=2, value=dt.datetime(year - 1, 9, 14)).number_format = "dd-mm-yyyy"
                    tags.append("date-cell-in-title")
                if title_rows == 4:
                    ws.cell(row=3, column=1, value="Beløb i kr.; takster beregnet på 365 dage")
                header_row = title_rows + 1
                tags.append(f"title-rows={title_rows}")
                for col, name in enumerate(header, start=1):
                    ws.cell(row=header_row, column=col, value=name)
                for i, r in enumerate(rows):
                    excel_row = header_row + 1 + i
                    t = r["t"]
                    places_value = (
                        int(r["places"]) if r["places"] == r["places"].to_integral_value() else float(r["places"])
                    )
                    if isinstance(places_value, float):
                        tags.append("places-decimal")
                    if r["form"] == "fraction":
                        pct_value = float(r["pct"])
                    elif r["form"] == "number":
                        pct_value = (
                            float(r["pct"] * 100) if r["pct"] * 100 != int(r["pct"] * 100) else int(r["pct"] * 100)
                        )
                    else:
                        txt = dk_number(r["pct"] * 100, 1, trim=True)
                        pct_value = txt + ("%" if r["form"] == "text" else " %")
                    tags.append(f"pct={r['form']}")
                    values = [
                        r["year"],
                        t.nr,
                        t.navn,
                        t.driftsherre,
                        t.paragraf,
                        r["ydelse"],
                        places_value,
                        365,
                        pct_value,
                        r["days"],
                        int(r["costs"]),
                        float(r["rate"]),
                        r["reason"],
                    ]
                    cell_mode = rng.choice(["number", "number", "text", "float-artefact"])
                    if cell_mode == "text":
                        # Numbers typed into text-formatted cells, in Danish forms.
                        values[0], values[1] = str(values[0]), str(values[1])
                        values[6] = dk_number(r["places"], 1, trim=True)
                        values[7] = "365"
                        values[9] = dk_number(r["days"], thousands=True)
                        values[10] = dk_number(r["costs"], thousands=True)
                        values[11] = dk_number(r["rate"], 2, thousands=True)
                    elif cell_mode == "float-artefact":
                        # What a formula pasted as values leaves: binary float noise.
                        values[1] = float(t.nr)
                        values[6] = (
                            float(r["places"]) * 3 / 3 + 1e-12
                            if isinstance(places_value, float)
                            else float(r["places"])
                        )
                        values[10] = float(r["costs"]) + 1e-9
                        values[11] = float(r["rate"]) - 1e-11
                    tags.append(f"cells={cell_mode}")
                    for col, value in enumerate(values, start=1):
                        cell = ws.cell(row=excel_row, column=col, value=value)
                        if col == 9 and r["form"] == "fraction":
                            cell.number_format = "0%" if r["pct"] * 100 == int(r["pct"] * 100) else "0.0%"
                        if col in (11,):
                            cell.number_format = "#,##0"
                        if col == 12:
                            cell.number_format = "#,##0.00"
                    key = f"{year}/{t.nr}/{r['ydelse']}"
                    self.truth.rates[key] = {
                        "pladser": str(r["places"]),
                        "belaegning_pct": str(half_up(r["pct"] * 100)),
                        "antal_doegn": r["days"],
                        "omkostninger_kr": str(r["costs"]),
                        "doegntakst_kr": str(r["rate"]),
                        "forrige_doegntakst_kr": None if r["prev"] is None else str(r["prev"]),
                        "aendring_pct": None if r["change"] is None else str(r["change"]),
                        "begrundelse": r["reason"],
                        "excel_row": excel_row,
                    }
                slug = operator.replace(" Kommune", "").replace("Region ", "Region_")
                path = self.out / "takstbilag" / f"Takstbilag {year} {slug}.xlsx"
                path.parent.mkdir(parents=True, exist_ok=True)
                wb.save(path)
                self.record(path, sorted(set(tags)))

    # -- 5. belaegning ---------------------------------------------------------------------------
    def write_occupancy(self) -> None:
        rng = self.rng
        header = ["Tilbudsnr", "Måned", "Normerede pladser", "Pladser i drift", "Belagte døgn"]
        rows_by_file: dict[str, list[list]] = defaultdict(list)
        residential = [t for t in self.tilbud if t.paragraf in RESIDENTIAL]
        split_by = rng.choice(["year", "operator-type"])
        for t in residential:
            sums = {y: {"normerede_doegn": 0, "doegn_i_drift": 0, "belagte_doegn": 0, "maaneder": 0} for y in YEARS}
            for y, m in months((YEARS[0], 1), (YEARS[-1], 12)):
                if not t.open_in(y, m):
                    continue
                normed = t.places[(y, m)]
                in_service = normed - (rng.choice([1, 2]) if rng.random() < 0.12 else 0)
                dim = days_in(y, m)
                occupied = min(in_service * dim, round(in_service * dim * rng.uniform(0.86, 1.0)))
                key = str(y) if split_by == "year" else t.dtype
                rows_by_file[key].append([t.nr, (y, m), normed, in_service, occupied])
                s = sums[y]
                s["normerede_doegn"] += normed * dim
                s["doegn_i_drift"] += in_service * dim
                s["belagte_doegn"] += occupied
                s["maaneder"] += 1
            for y in YEARS:
                if sums[y]["maaneder"]:
                    s = sums[y]
                    pct = self.budget_pct.get((y, t.nr))
                    s["budgetteret_belaegning_pct"] = None if pct is None else str(half_up(pct * 100))
                    s["tomme_doegn"] = max(s["doegn_i_drift"] - s["belagte_doegn"], 0)
                    lowest = min((r for _, r in self.rates.get((y, t.nr), [])), default=None)
                    s["tompladsudgift_kr"] = None if lowest is None else str(half_up(lowest * s["tomme_doegn"]))
                    self.truth.occupancy[f"{t.nr}/{y}"] = s
        for key, rows in sorted(rows_by_file.items()):
            style = random_style(rng)
            month_form = rng.choice(["yyyy-mm", "statbank"])
            rng.shuffle(rows)
            out_rows = [
                [
                    str(nr),
                    fmt_month(y, m, month_form),
                    str(normed),
                    str(in_service),
                    dk_number(occupied, thousands=rng.random() < 0.5),
                ]
                for nr, (y, m), normed, in_service, occupied in rows
            ]
            path = self.out / "belaegning" / f"belaegning_{key}.csv"
            write_csv(path, header, out_rows, style, rng)
            self.record(path, ["belaegning", f"month={month_form}", *style.describe()])

    # -- 6. sikrede ----------------------------------------------------------------------------------
    def write_secure(self) -> None:
        rng = self.rng
        header = [
            "Institution",
            "Driftsherre",
            "Måned",
            "Normerede pladser",
            "Pladser i drift",
            "Belagte døgn sociale",
            "Belagte døgn retlige",
            "Afviste sociale",
            "Afviste retlige",
            "Venteliste ultimo",
        ]
        style = random_style(rng)
        month_form = rng.choice(["yyyy-mm", "statbank"])
        missing = rng.choice(MISSING_MARKERS)
        rows = []
        for inst, operator, normed in SECURE_INSTITUTIONS:
            for year in YEARS:
                s = {
                    "normerede_doegn": 0,
                    "doegn_i_drift": 0,
                    "belagte_doegn_sociale": 0,
                    "belagte_doegn_retlige": 0,
                    "afviste_sociale": 0,
                    "afviste_retlige": 0,
                }
                waits = []
                for m in range(1, 13):
                    dim = days_in(year, m)
                    in_service = normed - (rng.choice([1, 2, 3]) if rng.random() < 0.25 else 0)
                    occupied = round(in_service * dim * rng.uniform(0.8, 1.0))
                    social = round(occupied * rng.uniform(0.45, 0.7))
                    remand = occupied - social
                    ref_s, ref_r = rng.choice([0, 0, 0, 1, 2]), rng.choice([0, 0, 1])
                    wait = None if year == YEARS[0] else rng.choice([0, 1, 2, 3, 4])
                    rows.append(
                        [
                            inst,
                            operator,
                            fmt_month(year, m, month_form),
                            str(normed),
                            str(in_service),
                            str(social),
                            str(remand),
                            str(ref_s),
                            str(ref_r),
                            missing if wait is None else str(wait),
                        ]
                    )
                    s["normerede_doegn"] += normed * dim
                    s["doegn_i_drift"] += in_service * dim
                    s["belagte_doegn_sociale"] += social
                    s["belagte_doegn_retlige"] += remand
                    s["afviste_sociale"] += ref_s
                    s["afviste_retlige"] += ref_r
                    if wait is not None:
                        waits.append(wait)
                s["venteliste_gns"] = None if not waits else str(half_up(Decimal(sum(waits)) / len(waits)))
                self.truth.secure[f"{inst}/{year}"] = s
        path = self.out / "sikrede" / "sikrede_institutioner_danske_regioner.csv"
        write_csv(path, header, rows, style, rng, text_columns={"Institution", "Driftsherre"})
        self.record(path, ["sikrede", f"month={month_form}", f"missing={missing!r}", *style.describe()])

    # -- 7. sundhedstjek -------------------------------------------------------------------------------
    def write_health_checks(self) -> None:
        rng = self.rng
        ex_month = rng.choice([9, 10, 11, 12])
        extract = dt.date(YEARS[-1], ex_month, rng.randrange(3, 28))
        self.truth.health_extract_date = extract.isoformat()
        first = (YEARS[0] - 1, 1)  # as in the contract's example: from 2022M01
        # Some extracts print the whole year: months after the extraction month, empty or 0.
        whole_year = rng.random() < 0.5 and extract.month < 12
        after_value = rng.choice([None, 0])
        month_list = list(months(first, (extract.year, 12 if whole_year else extract.month)))
        target: dict[tuple[str, int], int] = {}
        style = random_style(rng, shuffle_ok=False)
        style.extra_column = False  # every column after Kommune is a month
        month_case = rng.choice(["M", "m"])
        date_form = rng.choice(list(DATE_FORMS))
        missing = rng.choice(MISSING_MARKERS)
        header = ["Kommune"] + [f"{y}{month_case}{m:02d}" for y, m in month_list]
        rows = []
        counts: dict[tuple[str, int, int], int | None] = {}
        for code, name, pop in MUNICIPALITIES:
            for year in (YEARS[0] - 1, *YEARS):
                target[(code, year)] = max(3, round(pop * rng.uniform(0.0042, 0.0050)))
            # about 40 % of the target group reached in 24 months (domain README)
            mean = target[(code, YEARS[-1])] * 0.4 / 24
            row = [name]
            for y, m in month_list:
                value = round(mean * rng.uniform(0.6, 1.4))
                if (y, m) == (extract.year, extract.month):
                    value = round(value * extract.day / days_in(y, m))
                elif (y, m) > (extract.year, extract.month):
                    value = after_value
                elif code == "825" and y == first[0] and m <= 3:
                    value = None  # not available for the smallest municipality
                counts[(code, y, m)] = value
                row.append(missing if value is None else str(value))
            rows.append(row)
        rng.shuffle(rows)
        preamble = [f"Udtræksdato;{fmt_date(extract, date_form)}", ""]
        path = self.out / "sundhedstjek" / f"sundhedstjek_0123_{extract:%Y%m%d}.csv"
        write_csv(path, header, rows, style, rng, preamble=preamble)
        self.record(
            path,
            [
                "sundhedstjek-wide",
                f"date={date_form}",
                f"month-case={month_case}",
                f"missing={missing!r}",
                *(["months-after-extraction"] if whole_year else []),
                *style.describe(),
            ],
        )
        # R12: one flag per municipality row and month from the extraction month on
        self.truth.incomplete_month_flags = len(rows) * sum(
            1 for ym in month_list if ym >= (extract.year, extract.month)
        )
        for code, _name, _ in MUNICIPALITIES:
            for year in (YEARS[0] - 1, *YEARS):
                vals = [counts[(code, y, m)] for y, m in month_list if y == year]
                present = [v for v in vals if v is not None]
                # coverage: the 24 months ending with the year's last complete month
                last_complete = (
                    (year, 12)
                    if (year, 12) < (extract.year, extract.month)
                    else ((extract.year, extract.month - 1) if extract.month > 1 else (extract.year - 1, 12))
                )
                window = [(y, m) for y, m in month_list if (y, m) <= last_complete][-24:]
                coverage = None
                if len(window) == 24 and window[0] >= first:
                    served = sum(counts[(code, y, m)] or 0 for y, m in window)
                    coverage = str(half_up(Decimal(served) * 100 / target[(code, year)]))
                self.truth.health_checks[f"{code}/{year}"] = {
                    "antal_sundhedstjek": sum(present),
                    "maaneder_med_data": len(present),
                    "borgere_i_maalgruppe": target[(code, year)],
                    "pr_100": str(half_up(Decimal(sum(present)) * 100 / target[(code, year)])),
                    "daekning_24_mdr_pct": coverage,
                    "delvis_periode": year == extract.year or len(present) < 12,
                }
        # b) target group file
        style = random_style(rng)
        by = rng.choice(["code", "name", "mixed"])
        rows = []
        for code, name, _ in MUNICIPALITIES:
            for year in (YEARS[0] - 1, *YEARS):
                use_name = by == "name" or (by == "mixed" and rng.random() < 0.5)
                rows.append(
                    [
                        name if use_name else code,
                        str(year),
                        dk_number(target[(code, year)], thousands=rng.random() < 0.5),
                    ]
                )
        rng.shuffle(rows)
        path = self.out / "sundhedstjek" / "målgruppe_botilbud.csv"
        write_csv(path, ["Kommune", "År", "Borgere i målgruppen"], rows, style, rng)
        self.record(path, ["sundhedstjek-target", f"kommune-by={by}", *style.describe()])

    # -- 2. befolkning -------------------------------------------------------------------------------------
    def make_population(self) -> None:
        rng = self.rng

        def weight(age: int) -> float:
            if age <= 64:
                return 1.0 + 0.1 * math.sin(age / 9)
            if age <= 104:
                return max(0.0, 1.0 - ((age - 64) / 41) ** 1.6)
            return 0.0

        for code, _, pop2021 in MUNICIPALITIES + OTHER_MUNICIPALITIES + NOT_A_MUNICIPALITY:
            total = pop2021
            for year in YEARS:
                total = round(total * rng.uniform(0.995, 1.012) ** (2 if year == YEARS[0] else 1))
                self.population[(code, year)] = self._split(total, weight, rng)

    @staticmethod
    def _split(total: int, weight, rng: random.Random) -> list[tuple[int, int]]:
        raw = [weight(a) * rng.uniform(0.92, 1.08) for a in range(126)]
        s = sum(raw)
        exact = [total * w / s for w in raw]
        counts = [int(x) for x in exact]
        for i in sorted(range(126), key=lambda i: exact[i] - counts[i], reverse=True)[: total - sum(counts)]:
            counts[i] += 1
        out = []
        for c in counts:
            men = round(c * rng.uniform(0.47, 0.53))
            out.append((men, c - men))
        return out

    @staticmethod
    def _marital_split(value: int, age: str, rng: random.Random) -> list[tuple[str, int]]:
        """Unmarried / married / widowed / divorced parts that sum to ``value``."""
        if age != "IALT" and int(age) < 18:
            return [("U", value), ("G", 0), ("E", 0), ("F", 0)]
        married = round(value * rng.uniform(0.3, 0.5))
        widowed = round(value * rng.uniform(0.0, 0.08))
        divorced = round(value * rng.uniform(0.05, 0.12))
        return [("U", value - married - widowed - divorced), ("G", married), ("E", widowed), ("F", divorced)]

    def write_population(self) -> None:
        rng = self.rng
        codes = [c for c, _, _ in MUNICIPALITIES]
        rng.shuffle(codes)
        cut1, cut2 = sorted(rng.sample(range(2, len(codes) - 1), 2))
        groups = [codes[:cut1], codes[cut1:cut2], codes[cut2:]]
        others = [c for c, _, _ in OTHER_MUNICIPALITIES]
        if "christiansoe" not in self.exclude:
            others += [c for c, _, _ in NOT_A_MUNICIPALITY]
        # A fourth file: one municipality with the marital-status breakdown next to its total.
        largest = max(groups, key=len)
        groups.append([largest.pop()])
        for code, year in self.population:
            if code not in NJ_CODES:
                continue
            pairs = self.population[(code, year)]
            tot = [m + f for m, f in pairs]
            self.truth.population[f"{code}/{year}"] = {
                "indbyggere": sum(tot),
                "unge_14_23": sum(tot[14:24]),
                "unge_15_17": sum(tot[15:18]),
                "indbyggere_18_64": sum(tot[18:65]),
            }
        smallest = min(range(3), key=lambda i: len(groups[i]))
        for gi, group in enumerate(groups):
            civil = gi == 3
            table = "FOLK1A" if civil else rng.choice(["FOLK1A", "FOLK1AM"])
            presentation = rng.choice(["CodeAndValue", "Value"])
            # English labels (lang=en) only where the codes decide: CodeAndValue.
            lang = "en" if presentation == "CodeAndValue" and rng.random() < 0.4 else "da"
            if "english-quarter" in self.exclude:
                lang = "da"
            with_sexes = gi == smallest
            shuffle = rng.random() < 0.4
            area_rows = gi == 1
            variables = ["OMRÅDE", "KØN", "ALDER"] + (["CIVILSTAND"] if table == "FOLK1A" else []) + ["TID"]

            def tid(year: int, part: int) -> str:
                if table == "FOLK1A":
                    return f"{year}{'Q' if lang == 'en' else 'K'}{part}"
                return f"{year}M{[1, 7][part // 3]:02d}"

            def label(var: str, code: str) -> str:
                if lang == "en":
                    name = {
                        ("OMRÅDE", "000"): "All Denmark",
                        ("OMRÅDE", "081"): "Region North Jutland",
                        ("KØN", "TOT"): "Total",
                        ("KØN", "1"): "Men",
                        ("KØN", "2"): "Women",
                        ("ALDER", "IALT"): "Age, total",
                        ("CIVILSTAND", "TOT"): "Total",
                    }.get((var, code))
                    if var == "TID":
                        return code
                    name = name or (MUNI_NAME[code] if var == "OMRÅDE" else f"{code} years")
                    return f"{code} {name}"
                if var == "OMRÅDE":
                    name = {"000": "Hele landet", "081": "Region Nordjylland"}.get(code) or MUNI_NAME[code]
                elif var == "KØN":
                    name = {"TOT": "I alt", "1": "Mænd", "2": "Kvinder"}[code]
                elif var == "ALDER":
                    name = "Alder i alt" if code == "IALT" else f"{code} år"
                elif var == "CIVILSTAND":
                    name = {"TOT": "I alt", "U": "Ugift", "G": "Gift/separeret", "E": "Enke/enkemand", "F": "Fraskilt"}[
                        code
                    ]
                else:
                    return code
                return name if presentation == "Value" else f"{code} {name}"

            data: dict[tuple[str, int, int], list[tuple[int, int]]] = {}
            for code in group + (others if gi == 2 else []):
                for year in YEARS:
                    data[(code, year, 1)] = self.population[(code, year)]
            for code in group[:1]:
                # An extra mid-year figure that must NOT be taken as 1 January.
                data[(code, YEARS[0], 3)] = self._split(
                    sum(m + f for m, f in self.population[(code, YEARS[0])]) + 37, lambda a: 1.0 if a < 90 else 0.1, rng
                )
            if area_rows:
                for year in YEARS:
                    region = [
                        (
                            sum(self.population[(c, year)][a][0] for c in codes),
                            sum(self.population[(c, year)][a][1] for c in codes),
                        )
                        for a in range(126)
                    ]
                    data[("081", year, 1)] = region
                    data[("000", year, 1)] = [(m * 10 + a, f * 10 + a) for a, (m, f) in enumerate(region)]
            thousands = rng.random() < 0.35
            rows = []
            for (area, year, part), pairs in data.items():
                sexes = [("TOT", lambda p: p[0] + p[1])] + (
                    [("1", lambda p: p[0]), ("2", lambda p: p[1])] if with_sexes else []
                )
                for sex, pick in sexes:
                    ages = [("IALT", sum(pick(p) for p in pairs))] + [(str(a), pick(pairs[a])) for a in range(126)]
                    for age, value in ages:
                        statuses = [("TOT", value)]
                        if civil:
                            statuses += self._marital_split(value, age, rng)
                        for status, number in statuses:
                            row = {
                                "OMRÅDE": label("OMRÅDE", area),
                                "KØN": label("KØN", sex),
                                "ALDER": label("ALDER", age),
                                "CIVILSTAND": label("CIVILSTAND", status),
                                "TID": tid(year, part),
                                "INDHOLD": dk_number(number, thousands=thousands),
                            }
                            rows.append([row[v] for v in variables + ["INDHOLD"]])
            style = CsvStyle(
                encoding="utf-8-sig",
                newline="\r\n",
                header_case=rng.choice(["as-is", "as-is", "lower"]),
                shuffle_columns=shuffle,
                quoting="minimal",
            )
            if rng.random() < 0.3:  # re-saved download: no BOM, LF, no final newline
                style.encoding, style.newline, style.final_newline = "utf-8", "\n", False
            path = self.out / "befolkning" / f"{table.lower()}_{gi + 1}.csv"
            write_csv(path, variables + ["INDHOLD"], rows, style, rng)
            self.record(
                path,
                [
                    "befolkning",
                    table,
                    f"presentation={presentation}",
                    f"lang={lang}",
                    "statbank-thousands" if thousands else "statbank-plain",
                    "sexes" if with_sexes else "sex-total-only",
                    "area-rows" if area_rows else "",
                    "marital-breakdown" if civil else "",
                    "other-areas" if gi == 2 else "",
                    "christiansoe" if "411" in group + others and gi == 2 else "",
                    *style.describe(),
                ],
            )

    # -- 1. regnskab --------------------------------------------------------------------------------
    def make_accounts(self) -> None:
        rng = self.rng
        for code, _, _ in MUNICIPALITIES + OTHER_MUNICIPALITIES:
            pop = sum(m + f for m, f in self.population[(code, YEARS[0])])
            for fn, (_, per_head) in FUNCTIONS.items():
                missing = (code, fn) in MISSING_ACCOUNTS
                level = Decimal(pop) * Decimal(per_head) * Decimal(str(rng.uniform(0.7, 1.3))) / 1000
                for year in YEARS:
                    if year != YEARS[0]:
                        level = level * Decimal(str(rng.uniform(0.96, 1.10)))
                    tot = half_up(level, "0.1")
                    income = half_up(tot * Decimal(str(rng.uniform(0.03, 0.15))), "0.1")
                    for art, value in (("TOT", tot), ("UE", tot + income), ("I", income)):
                        self.accounts[(code, fn, "1", art, "LOBM", year)] = None if missing else value
                    pop_y = sum(m + f for m, f in self.population[(code, year)])
                    self.accounts[(code, fn, "1", "TOT", "INDL", year)] = (
                        None if missing else half_up(tot * 1000 / pop_y, "1")
                    )
                    if fn in DRANST2_FUNCS:
                        refund = half_up(tot * Decimal(str(rng.uniform(0.04, 0.10))), "0.1")
                        for art, value in (("TOT", -refund), ("UE", Decimal("0.0")), ("I", refund)):
                            self.accounts[(code, fn, "2", art, "LOBM", year)] = None if missing else value
                    if fn in DRANST3_FUNCS:
                        invest = None if rng.random() < 0.5 else half_up(Decimal(rng.uniform(100, 5000)), "0.1")
                        for art, value in (
                            ("TOT", invest),
                            ("UE", invest),
                            ("I", None if invest is None else Decimal("0.0")),
                        ):
                            self.accounts[(code, fn, "3", art, "LOBM", year)] = value
        for year in YEARS:
            for code, _, _ in MUNICIPALITIES:
                s = sum(
                    (
                        v
                        for (c, fn, dr, art, pr, y), v in self.accounts.items()
                        if c == code
                        and y == year
                        and fn.startswith("538")
                        and dr == "1"
                        and art == "TOT"
                        and pr == "LOBM"
                        and v is not None
                    ),
                    Decimal(0),
                )
                self.truth.net_538_kr[f"{code}/{year}"] = str(s * 1000)
        for key, value in self.accounts.items():
            self.truth.accounts["/".join(map(str, key))] = None if value is None else str(value)

    def write_accounts(self) -> None:
        rng = self.rng
        variables = ["OMRÅDE", "FUNKTION", "DRANST", "ART", "PRISENHED", "TID", "INDHOLD"]
        codes = [c for c, _, _ in MUNICIPALITIES]
        rng.shuffle(codes)
        cut = rng.randrange(3, len(codes) - 3)
        groups = [codes[:cut], codes[cut:]]
        for gi, group in enumerate(groups):
            presentation = (
                ["CodeAndValue", "Value"][gi] if rng.random() < 0.8 else rng.choice(["CodeAndValue", "Value"])
            )
            if gi == 1:
                group = group + [c for c, _, _ in OTHER_MUNICIPALITIES]
            keys = [k for k in self.accounts if k[0] in group]
            thousands = rng.random() < 0.35
            region = defaultdict(Decimal)
            if gi == 0:  # national and regional totals ride along in one file
                for (c, fn, dr, art, pr, y), v in self.accounts.items():
                    if pr == "LOBM" and v is not None and c in NJ_CODES:
                        region[("081", fn, dr, art, pr, y)] += v
                for k, v in list(region.items()):
                    region[("000",) + k[1:]] = v * 10 + Decimal("12.3")
            rows = []
            for key in sorted(keys) + sorted(region):
                area, fn, dr, art, pr, year = key
                value = self.accounts.get(key) if key in self.accounts else region[key]
                if value is None:
                    text = ".." if (area, fn) in MISSING_ACCOUNTS or rng.random() < 0.5 else "-"
                elif pr == "INDL":
                    text = dk_number(value, thousands=thousands)
                else:
                    text = dk_number(value, 1, thousands=thousands)
                if presentation == "CodeAndValue":
                    area_s = f"{area} " + (
                        {"000": "Hele landet", "081": "Region Nordjylland"}.get(area) or MUNI_NAME[area]
                    )
                    cells = [
                        area_s,
                        f"{fn} {FUNCTIONS[fn][0]}",
                        f"{dr} {DRANST_LABEL[dr]}",
                        f"{art} {ART_LABEL[art]}",
                        f"{pr} {PRIS_LABEL[pr]}",
                        str(year),
                        text,
                    ]
                else:
                    area_s = {"000": "Hele landet", "081": "Region Nordjylland"}.get(area) or MUNI_NAME[area]
                    dotted = f"{fn[0]}.{fn[1:3]}.{fn[3:]}"
                    cells = [
                        area_s,
                        f"{dotted} {FUNCTIONS[fn][0]}",
                        DRANST_LABEL[dr],
                        ART_LABEL[art],
                        PRIS_LABEL[pr],
                        str(year),
                        text,
                    ]
                rows.append(cells)
            style = CsvStyle(
                encoding="utf-8-sig",
                newline="\r\n",
                header_case=rng.choice(["as-is", "as-is", "lower"]),
                shuffle_columns=rng.random() < 0.3,
            )
            path = self.out / "regnskab" / f"REGK31_{gi + 1}.csv"
            write_csv(path, variables, rows, style, rng)
            self.record(
                path,
                [
                    "regnskab",
                    f"presentation={presentation}",
                    "other-areas" if gi == 1 else "",
                    "statbank-thousands" if thousands else "statbank-plain",
                    *style.describe(),
                ],
            )

    # -- 8. posteringer ----------------------------------------------------------------------------
    def write_postings(self) -> None:
        rng = self.rng
        header = [
            "Kommunenr",
            "Bilagsnr",
            "Bogføringsdato",
            "Funktion",
            "Dranst",
            "Art",
            "Beløb",
            "Tilbudsnr",
            "Leverandør CVR",
            "Borgerreference",
            "Periode fra",
            "Periode til",
            "Antal døgn",
            "Tekst",
        ]
        cases_per_muni = {
            "851": 14,
            "860": 6,
            "813": 6,
            "787": 4,
            "846": 4,
            "849": 4,
            "820": 4,
            "810": 4,
            "840": 3,
            "773": 3,
            "825": 1,
        }
        art_of = {"kommune": "4.7", "region": "4.8", "privat": "4.9"}
        month_names = [
            "januar",
            "februar",
            "marts",
            "april",
            "maj",
            "juni",
            "juli",
            "august",
            "september",
            "oktober",
            "november",
            "december",
        ]
        used_refs: set[str] = set()

        def new_ref() -> str:
            while True:
                ref = rng.choice(["B-", "SAG-", "BR"]) + "".join(
                    rng.choice("ABCDEFGHJKLMNPRSTUVXYZ23456789") for _ in range(6)
                )
                if ref not in used_refs and not re.search(r"\d{5}", ref):
                    used_refs.add(ref)
                    return ref

        day_tilbud = [t for t in self.tilbud if t.paragraf in RESIDENTIAL]
        service_tilbud = [t for t in self.tilbud if t.paragraf in DAY_SERVICE]
        for code, name, _ in MUNICIPALITIES:
            postings: list[dict] = []
            # a) place purchases, billed per month with days
            for _ in range(cases_per_muni[code]):
                t = rng.choice(day_tilbud)
                if (code, PARAGRAPH_FUNCTION[t.paragraf].replace(".", "")) in MISSING_ACCOUNTS:
                    continue
                ref = new_ref()
                start = (YEARS[0] if rng.random() < 0.65 else YEARS[-1], rng.randrange(1, 13))
                n_months = rng.randrange(4, 22)
                level = None
                for k, (y, m) in enumerate(months(start, (YEARS[-1], 12))):
                    if k >= n_months:
                        break
                    if not t.open_in(y, m):
                        continue
                    first_day = dt.date(y, m, 1)
                    last_day = dt.date(y, m, days_in(y, m))
                    if t.godkendt_til and t.godkendt_til < last_day:
                        last_day = t.godkendt_til
                    if t.godkendt_fra > first_day:
                        first_day = t.godkendt_fra
                    if k == 0:
                        first_day = dt.date(y, m, rng.randrange(1, 20))
                    days = (last_day - first_day).days + 1
                    if rng.random() < 0.1:
                        days -= rng.randrange(1, 4)  # hospital stay: fewer days billed
                    if t.dtype == "privat":
                        rate = self.private_rate[(y, t.nr)]
                    else:
                        levels = self.rates[(y, t.nr)]
                        if level is None:
                            level = rng.randrange(len(levels))
                        rate = levels[min(level, len(levels) - 1)][1]
                    amount = half_up(rate * days)
                    text = rng.choice(
                        [
                            f"Ophold {month_names[m - 1]} {y} – {t.navn}",
                            f"Takst {month_names[m - 1]} {y}; {t.navn}",
                            f"Døgnophold {month_names[m - 1]} {y}",
                            f'Faktura "{t.navn.replace(chr(34), "")}" {month_names[m - 1]} {y}',
                        ]
                    )
                    postings.append(
                        {
                            "date": dt.date(y, m, min(rng.randrange(1, 29), days_in(y, m))),
                            "fn": PARAGRAPH_FUNCTION[t.paragraf],
                            "dranst": "1",
                            "art": art_of[t.dtype],
                            "amount": amount,
                            "tilbud": t.nr,
                            "cvr": t.cvr,
                            "ref": ref,
                            "fra": first_day,
                            "til": last_day,
                            "days": days,
                            "text": text,
                        }
                    )
            # b) day services and support: monthly amounts without days
            for _ in range(max(1, cases_per_muni[code] // 2)):
                t = rng.choice(service_tilbud)
                ref = new_ref()
                amount_month = Decimal(rng.randrange(4000, 22000)) + Decimal(rng.randrange(0, 100)) / 100
                start = (rng.choice(YEARS), rng.randrange(1, 13))
                n_months = rng.randrange(4, 14)
                for k, (y, m) in enumerate(months(start, (YEARS[-1], 12))):
                    if k >= n_months or not t.open_in(y, m):
                        break
                    postings.append(
                        {
                            "date": dt.date(y, m, min(rng.randrange(1, 29), days_in(y, m))),
                            "fn": PARAGRAPH_FUNCTION[t.paragraf],
                            "dranst": "1",
                            "art": art_of[t.dtype],
                            "amount": amount_month,
                            "tilbud": t.nr,
                            "cvr": t.cvr,
                            "ref": ref,
                            "fra": dt.date(y, m, 1),
                            "til": dt.date(y, m, days_in(y, m)),
                            "days": None,
                            "text": f"{t.paragraf}-ydelse {month_names[m - 1]} {y} (månedstakst)",
                        }
                    )
            # c) credits without a tilbud
            for _ in range(rng.randrange(1, 4)):
                y = rng.choice(YEARS)
                m = rng.randrange(1, 13)
                fn = rng.choice(["5.38.50", "5.38.52", "5.38.38"])
                if (code, fn.replace(".", "")) in MISSING_ACCOUNTS:
                    continue
                postings.append(
                    {
                        "date": dt.date(y, m, 15),
                        "fn": fn,
                        "dranst": "1",
                        "art": "7.7",
                        "amount": -(Decimal(rng.randrange(1000, 90000)) + Decimal(rng.randrange(0, 100)) / 100),
                        "tilbud": None,
                        "cvr": None,
                        "ref": None,
                        "fra": None,
                        "til": None,
                        "days": None,
                        "text": rng.choice(
                            [
                                "Tilbagebetaling – for meget betalt",
                                "Mellemkommunal refusion",
                                'Regulering "dobbeltbetaling" rettet',
                                "Kreditnota 450 € kursus",
                            ]
                        ),
                    }
                )
            # d) a couple of investments (dranst 3), not compared with the accounts
            for y in YEARS:
                if rng.random() < 0.4:
                    postings.append(
                        {
                            "date": dt.date(y, 9, 30),
                            "fn": "5.38.50",
                            "dranst": "3",
                            "art": "4.5",
                            "amount": Decimal(rng.randrange(50000, 900000)),
                            "tilbud": None,
                            "cvr": None,
                            "ref": None,
                            "fra": None,
                            "til": None,
                            "days": None,
                            "text": "Ombygning af fællesareal; etape 2",
                        }
                    )
            # e) the remainder of every operating account, so that postings match the accounts (R16)
            for year in YEARS:
                for fn in FUNCTIONS:
                    reported = self.accounts[(code, fn, "1", "TOT", "LOBM", year)]
                    dotted = f"{fn[0]}.{fn[1:3]}.{fn[3:]}"
                    if reported is None:
                        continue
                    detail = sum(
                        (
                            p["amount"]
                            for p in postings
                            if p["fn"] == dotted and p["dranst"] == "1" and p["date"].year == year
                        ),
                        Decimal(0),
                    )
                    rest = reported * 1000 - detail
                    wages = half_up(rest * Decimal("0.6"))
                    for amount, art, text, day in (
                        (wages, "1.0", f"Løn {year} – samlet", dt.date(year, 6, 30)),
                        (rest - wages, "4.0", f"Øvrig drift {year}; samlet", dt.date(year, 12, 31)),
                    ):
                        postings.append(
                            {
                                "date": day,
                                "fn": dotted,
                                "dranst": "1",
                                "art": art,
                                "amount": amount,
                                "tilbud": None,
                                "cvr": None,
                                "ref": None,
                                "fra": None,
                                "til": None,
                                "days": None,
                                "text": text,
                            }
                        )
            self._write_muni_postings(code, name, postings, header)

    def _write_muni_postings(self, code: str, name: str, postings: list[dict], header: list[str]) -> None:
        rng = self.rng
        bilag = rng.randrange(1_000_000, 4_000_000)
        base_style = random_style(rng)
        base_style.shuffle_columns = True
        number_form = rng.choice(["thousands", "plain", "mixed"])
        trim = rng.random() < 0.3
        date_form = rng.choice(list(DATE_FORMS))
        missing = rng.choice(MISSING_MARKERS)
        for year in YEARS:
            year_postings = sorted((p for p in postings if p["date"].year == year), key=lambda p: p["date"])
            parts = [year_postings]
            if rng.random() < 0.35:
                half = len(year_postings) // 2
                parts = [year_postings[:half], year_postings[half:]]
            stem = rng.choice([f"{code}_{year}", f"Posteringer {name} {year}", f"eksport_{code}_{year}"])
            for pi, part in enumerate(parts):
                style = CsvStyle(**asdict(base_style))
                this_date_form = date_form if pi == 0 else rng.choice(list(DATE_FORMS))
                rows = []
                for p in part:
                    bilag += rng.randrange(1, 40)
                    thousands = number_form == "thousands" or (number_form == "mixed" and rng.random() < 0.5)
                    rows.append(
                        [
                            code,
                            str(bilag),
                            fmt_date(p["date"], this_date_form),
                            p["fn"],
                            p["dranst"],
                            p["art"],
                            dk_number(p["amount"], 2, thousands=thousands, trim=trim),
                            missing if p["tilbud"] is None else str(p["tilbud"]),
                            missing if p["cvr"] is None else p["cvr"],
                            "" if p["ref"] is None else p["ref"],
                            missing if p["fra"] is None else fmt_date(p["fra"], this_date_form),
                            missing if p["til"] is None else fmt_date(p["til"], this_date_form),
                            missing if p["days"] is None else str(p["days"]),
                            p["text"] if rng.random() > 0.03 else p["text"] + "\nefterregistreret",
                        ]
                    )
                fname = stem + (f"_del{pi + 1}.csv" if len(parts) > 1 else ".csv")
                path = self.out / "posteringer" / fname
                lines = write_csv(
                    path,
                    header,
                    rows,
                    style,
                    rng,
                    text_columns={"Tekst", "Borgerreference"},
                    no_break_in_first_columns="line-break-early-column" in self.exclude,
                )
                rel = str(path.relative_to(self.out))
                for idx, p in enumerate(part):
                    if p["days"] and p["fra"] <= dt.date(2024, 2, 29) <= p["til"]:
                        self.truth.leap_day_postings.append([rel, lines[idx]])
                    self.truth.postings.append(
                        {
                            "kildefil": rel,
                            "kildelinje": lines[idx],
                            "kommunenr": code,
                            "bilagsnr": rows[idx][1],
                            "bogfoeringsdato": p["date"].isoformat(),
                            "funktion": p["fn"],
                            "dranst": int(p["dranst"]),
                            "art": p["art"],
                            "beloeb": str(p["amount"]),
                            "tilbudsnr": p["tilbud"],
                            "leverandoer_cvr": p["cvr"],
                            "borgerreference": p["ref"],
                            "periode_fra": p["fra"] and p["fra"].isoformat(),
                            "periode_til": p["til"] and p["til"].isoformat(),
                            "antal_doegn": p["days"],
                            "tekst": rows[idx][-1],
                        }
                    )
                self.truth.posting_rows += len(rows)
                self.record(
                    path,
                    [
                        "posteringer",
                        f"date={this_date_form}",
                        f"numbers={number_form}",
                        *(["line-break-in-quoted-text"] if style.wrote_line_break else []),
                        *(["line-break-early-column"] if style.wrote_early_break else []),
                        "numbers-trimmed" if trim else "numbers-2-decimals",
                        f"missing={missing!r}",
                        *style.describe(),
                    ],
                )

    # -- all ------------------------------------------------------------------------------------------
    def run(self) -> Truth:
        self.make_population()
        self.make_tilbud()
        self.make_rates()
        self.make_accounts()
        self.write_population()
        self.write_accounts()
        self.write_tilbud()
        self.write_rates()
        self.write_occupancy()
        self.write_secure()
        self.write_health_checks()
        self.write_postings()
        return self.truth


# Freedoms a landing dir must show for a test to claim it used "every freedom the contract grants";
# "*:" = in any source.
REQUIRED_COVERAGE = (
    "*:encoding=utf-8",
    "*:encoding=utf-8-sig",
    "*:encoding=cp1252",
    "posteringer:encoding=cp1252",
    "*:newline=CRLF",
    "*:newline=LF",
    "*:no-final-newline",
    "*:header-case=lower",
    "*:header-case=upper",
    "*:header-case=title",
    "*:header-case=mixed",
    "*:header-padded",
    "*:columns-shuffled",
    "*:quoting=all",
    "*:quoting=text",
    "*:extra-column",
    "*:trailing-empty-column",
    "*:missing=''",
    "*:missing='..'",
    "*:missing='-'",
    "posteringer:date=dd-mm-yyyy",
    "posteringer:date=dd.mm.yyyy",
    "posteringer:date=yyyy-mm-dd",
    "posteringer:date=yyyymmdd",
    "posteringer:numbers=thousands",
    "posteringer:numbers=plain",
    "posteringer:numbers=mixed",
    "posteringer:numbers-trimmed",
    "posteringer:line-break-in-quoted-text",
    "*:month=yyyy-mm",
    "*:month=statbank",
    "regnskab:presentation=CodeAndValue",
    "regnskab:presentation=Value",
    "regnskab:other-areas",
    "befolkning:presentation=CodeAndValue",
    "befolkning:presentation=Value",
    "befolkning:FOLK1A",
    "befolkning:FOLK1AM",
    "befolkning:sexes",
    "befolkning:marital-breakdown",
    "befolkning:area-rows",
    "befolkning:other-areas",
    "*:statbank-thousands",
    "takstbilag:pct=fraction",
    "takstbilag:pct=number",
    "takstbilag:pct=text",
    "takstbilag:pct=text-space",
    "takstbilag:places-decimal",
    "takstbilag:cells=text",
    "takstbilag:cells=float-artefact",
    "takstbilag:merged-title",
    "takstbilag:date-cell-in-title",
    "takstbilag:extra-sheet-first",
    "sundhedstjek:months-after-extraction",
    "sundhedstjek:kommune-by=mixed",
)


def missing_coverage(truth: Truth, required=REQUIRED_COVERAGE) -> list[str]:
    """The required freedoms that ``truth``'s landing dir does not show."""
    have = truth.coverage()
    tails = {tag.split(":", 1)[1] for tag in have}
    return [req for req in required if (req[2:] not in tails if req.startswith("*:") else req not in have)]


def find_seed(exclude: frozenset[str] = frozenset(), start: int = 0, tries: int = 500) -> int:
    """The first seed from ``start`` whose landing dir shows every required freedom."""
    import tempfile

    for seed in range(start, start + tries):
        with tempfile.TemporaryDirectory() as tmp:
            if not missing_coverage(generate(Path(tmp), seed, exclude)):
                return seed
    raise LookupError("no seed covers every freedom")


# Freedoms that can be switched off (each one is a product bug found with this generator, see
# tests/test_independent_landing.py): "english-quarter" = StatBank lang=en exports (2024Q1).
# "line-break-early-column" = a quoted ledger value with a line break in the first or second column.
# "christiansoe" = the StatBank area 411 Christiansø (no municipality) in a population file.
EXCLUDABLE = frozenset({"english-quarter", "line-break-early-column", "christiansoe"})


def generate(out: Path, seed: int = 0, exclude: frozenset[str] = frozenset()) -> Truth:
    """Write an independent landing dir into ``out`` and return what a correct pipeline must publish.

    ``exclude`` switches freedoms off (names in ``EXCLUDABLE``).
    """
    unknown = set(exclude) - EXCLUDABLE
    if unknown:
        raise ValueError(f"unknown freedoms to exclude: {sorted(unknown)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return Generator(out, seed, frozenset(exclude)).run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--truth", type=Path, help="write the expected values as JSON here")
    parser.add_argument("--exclude", action="append", default=[], choices=sorted(EXCLUDABLE))
    args = parser.parse_args()
    truth = generate(args.out, args.seed, frozenset(args.exclude))
    if args.truth:
        args.truth.write_text(json.dumps(asdict(truth), indent=1, ensure_ascii=False), encoding="utf-8")
    print(
        f"{len(truth.files)} files, {truth.posting_rows} postings, {len(truth.coverage())} freedom tags; "
        f"not shown: {missing_coverage(truth) or 'none'}"
    )


if __name__ == "__main__":
    main()
