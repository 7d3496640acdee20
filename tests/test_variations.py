"""Every freedom the landing contract grants, for every source: the same rows written in each
variant must parse to exactly the frame the canonical file gives (contracts/landing-zone.md).

Hypothesis draws the variants (a well-kept property-based testing library, derandomized so CI is
repeatable): encoding (UTF-8, UTF-8 with BOM, cp1252), line endings (CRLF, LF, no final newline,
an extra LF-only empty line after CRLF lines), Excel's `sep=;` line, a trailing `;` on every
line, header case / padding / column order, quoted fields (with `;` and `""` inside), every
number form (thousands dots or none, `95` / `95,0` / `95,00`), every date form (`dd-mm-yyyy`,
`dd.mm.yyyy`, `yyyy-mm-dd`, `yyyymmdd`, one-digit day and month), both month forms, every missing
marker (empty, `..`, `-`), and for workbooks title rows, number vs. text cells, percent cells
three ways and places with decimals.
"""

from __future__ import annotations

import io
import random
import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.sources import SOURCES, read_file
from sampledata.contract import TAKSTBILAG_HEADER

SETTINGS = settings(
    max_examples=examples(20), deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
D = Decimal


@dataclass(frozen=True)
class Col:
    header: str
    kind: str  # text | int | dec | date | month | year | code
    values: tuple  # one logical value per row; None = missing


# ------------------------------------------------------------------------------ variants


@dataclass(frozen=True)
class Variant:
    """One way of writing a file that the contract allows. The defaults are the canonical form;
    per-cell choices (number grouping, date form, missing marker, quoting) come from `seed`."""

    encoding: str = "utf-8"
    newline: str = "\n"
    ending: str = "final"  # final | none | extra_lf (CRLF lines, then an LF-only empty line)
    sep_hint: bool = False
    trailing: bool = False
    header_case: str = "as is"  # as is | lower | upper
    header_padding: bool = False
    order_seed: int | None = None  # None: the contract's order
    cell_seed: int | None = None  # None: canonical cells


@st.composite
def variants(draw) -> Variant:
    return Variant(
        encoding=draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])),
        newline=draw(st.sampled_from(["\r\n", "\n"])),
        ending=draw(st.sampled_from(["final", "none", "extra_lf"])),
        sep_hint=draw(st.booleans()),
        trailing=draw(st.booleans()),
        header_case=draw(st.sampled_from(["as is", "lower", "upper"])),
        header_padding=draw(st.booleans()),
        order_seed=draw(st.none() | st.integers(0, 10_000)),
        cell_seed=draw(st.integers(0, 10_000)),
    )


def _group(digits: str) -> str:
    out = ""
    while len(digits) > 3:
        out, digits = "." + digits[-3:] + out, digits[:-3]
    return digits + out


def _cell(value, kind: str, rng: random.Random | None) -> str:
    """A logical value as the text a file may hold; `rng` None: the canonical form."""
    if value is None:
        return rng.choice(["", "..", "-"]) if rng and kind != "text" else ""
    if kind in ("int", "year"):
        text = str(abs(value))
        if kind == "int" and rng and rng.random() < 0.5:
            text = _group(text)
        return ("-" if value < 0 else "") + text
    if kind == "dec":
        whole, _, frac = f"{abs(value):f}".partition(".")
        frac = frac.rstrip("0")
        if rng:
            whole = _group(whole) if rng.random() < 0.5 else whole
            frac = frac + "0" * rng.randint(0, max(0, 2 - len(frac)))  # 95 · 95,0 · 95,00
        return ("-" if value < 0 else "") + whole + ("," + frac if frac else "")
    if kind == "date":
        forms = ["%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y%m%d", "short"]
        form = rng.choice(forms) if rng else forms[0]
        return f"{value.day}-{value.month}-{value.year}" if form == "short" else value.strftime(form)
    if kind == "month":
        return value.strftime(rng.choice(["%Y-%m", "%YM%m"]) if rng else "%Y-%m")
    return str(value)


def render_csv(columns: list[Col], variant: Variant, *, preamble: tuple[str, ...] = ()) -> tuple[bytes, list[int]]:
    """The rows written as one file in `variant`; returns the bytes and the physical line where
    each record starts (a quoted text with a line break spans two)."""
    rng = random.Random(variant.cell_seed) if variant.cell_seed is not None else None
    order = list(range(len(columns)))
    if variant.order_seed is not None and not preamble:  # the wide file's columns are its months
        random.Random(variant.order_seed).shuffle(order)
    case = {"as is": str, "lower": str.lower, "upper": str.upper}[variant.header_case]
    pad = (lambda h: f" {h}  ") if variant.header_padding else (lambda h: h)
    end = ";" if variant.trailing else ""

    def field(col: Col, r: int) -> str:
        text = _cell(col.values[r], col.kind, rng)
        quoted = col.kind == "text" and (
            ";" in text
            or "\n" in text
            or '"' in text
            and text.startswith('"')
            or (rng is not None and rng.random() < 0.25)
        )
        return '"' + text.replace('"', '""') + '"' if quoted else text

    lines = (["sep=;"] if variant.sep_hint else []) + list(preamble)
    lines.append(";".join(pad(case(columns[i].header)) for i in order) + end)
    starts = []
    for r in range(len(columns[0].values)):
        starts.append(sum(line.count("\n") + 1 for line in lines) + 1)
        lines.append(";".join(field(columns[i], r) for i in order) + end)
    nl = variant.newline
    text = (
        nl.join(line.replace("\n", nl) for line in lines)
        + {"final": nl, "none": "", "extra_lf": nl + "\n"}[variant.ending]
    )
    return text.encode(variant.encoding), starts


# ------------------------------------------------------------------------------ sources

POSTERINGER = [
    Col("Kommunenr", "text", ("851", "773", "825")),
    Col("Bilagsnr", "text", ("24000001", "B-17", "24000003")),
    Col("Bogføringsdato", "date", (date(2024, 1, 7), date(2023, 12, 31), date(2024, 2, 29))),
    Col("Funktion", "text", ("5.38.50", "5.38.52", "5.38.59")),
    Col("Dranst", "int", (1, 1, 3)),
    Col("Art", "text", ("4.9", "4.6", "2.2")),
    Col("Beløb", "dec", (D("1234567.89"), D("-1558.39"), D("95.00"))),
    Col("Tilbudsnr", "int", (111001, None, 1002)),
    Col("Leverandør CVR", "text", ("29189420", None, "40007919")),
    Col("Borgerreference", "text", ("S-0042", None, "B-000311")),
    Col("Periode fra", "date", (date(2024, 1, 1), None, date(2024, 2, 1))),
    Col("Periode til", "date", (date(2024, 1, 31), None, date(2024, 2, 29))),
    Col("Antal døgn", "int", (31, None, 1029)),
    Col("Tekst", "text", ('Døgnophold januar; "Ågården"', "Værksted €\nanden linje", 'Skærm 24" til stue')),
]
TILBUD = [
    Col("Tilbudsnr", "int", (1001, 181002)),
    Col("Tilbudsnavn", "text", ("Bøgely Å-huset", "Ågården")),
    Col("Driftsherre", "text", ("Læsø Kommune", "Region Nordjylland")),
    Col("Driftsherretype", "text", ("kommune", "region")),
    Col("Beliggenhedskommune", "text", ("825", "851")),
    Col("Paragraf", "text", ("SEL § 108", "SEL §§ 109-110")),
    Col("Målgruppe", "text", ("Voksne med handicap", "Hjemløse")),
    Col("Normerede pladser", "int", (12, 1040)),
    Col("Godkendt fra", "date", (date(2015, 1, 1), date(2012, 3, 9))),
    Col("Godkendt til", "date", (None, date(2025, 12, 31))),
]
BELAEGNING = [
    Col("Tilbudsnr", "int", (1001, 1001, 181002)),
    Col("Måned", "month", (date(2024, 1, 1), date(2024, 2, 1), date(2019, 12, 1))),
    Col("Normerede pladser", "int", (12, 12, 1040)),
    Col("Pladser i drift", "int", (11, 12, 1000)),
    Col("Belagte døgn", "int", (330, 348, 31000)),
]
SIKREDE = [
    Col("Institution", "text", ("Kompasset", "Sølager")),
    Col("Driftsherre", "text", ("Region Nordjylland", "Region Hovedstaden")),
    Col("Måned", "month", (date(2024, 3, 1), date(2024, 3, 1))),
    Col("Normerede pladser", "int", (10, 16)),
    Col("Pladser i drift", "int", (9, 16)),
    Col("Belagte døgn sociale", "int", (180, 300)),
    Col("Belagte døgn retlige", "int", (95, 170)),
    Col("Afviste sociale", "int", (2, 0)),
    Col("Afviste retlige", "int", (0, 1)),
    Col("Venteliste ultimo", "int", (None, 3)),
]
MAALGRUPPE = [
    Col("Kommune", "text", ("851", "Læsø", "Brønderslev")),
    Col("År", "year", (2024, 2023, 2024)),
    Col("Borgere i målgruppen", "int", (1210, 9, 1003)),
]
REGNSKAB = [
    Col("OMRÅDE", "text", ("851 Aalborg", "825 Læsø")),
    Col("FUNKTION", "text", ("53850 Botilbud til længerevarende ophold (§ 108)",) * 2),
    Col("DRANST", "text", ("1 Driftskonti", "1 Driftskonti")),
    Col("ART", "text", ("TOT I alt (netto)", "I Indtægter")),
    Col("PRISENHED", "text", ("LOBM Løbende priser (1.000 kr.)",) * 2),
    Col("TID", "year", (2021, 2022)),
    Col("INDHOLD", "dec", (D("215733.4"), None)),
]

BEFOLKNING = [
    Col("OMRÅDE", "text", ("851 Aalborg", "825 Læsø", "825 Læsø")),
    Col("KØN", "text", ("TOT I alt", "TOT I alt", "TOT I alt")),
    Col("ALDER", "text", ("IALT Alder i alt", "IALT Alder i alt", "IALT Alder i alt")),
    Col("CIVILSTAND", "text", ("TOT I alt", "TOT I alt", "TOT I alt")),
    Col("TID", "text", ("2024K1", "2024K1", "2023K1")),
    Col("INDHOLD", "int", (222100, 1785, 1776)),
]

CSV_SOURCES = {
    "posteringer": POSTERINGER,
    "tilbud": TILBUD,
    "belaegning": BELAEGNING,
    "sikrede": SIKREDE,
    "sundhedstjek_maalgruppe": MAALGRUPPE,
    "regnskab": REGNSKAB,
    "befolkning": BEFOLKNING,
}


def _parse(source_name: str, data: bytes):
    source = SOURCES[source_name]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / source.landing_folder / "f.csv"
        path.parent.mkdir()
        path.write_bytes(data)
        return read_file(source, path, Path(tmp), "L")


def _assert_same(source_name: str, columns: list[Col], variant: Variant, preamble: tuple[str, ...] = ()):
    canonical = _parse(source_name, render_csv(columns, Variant(), preamble=preamble)[0])
    assert canonical.rejected.height == 0, canonical.rejected.to_dicts()
    data, starts = render_csv(columns, variant, preamble=preamble)
    parsed = _parse(source_name, data)
    assert parsed.rejected.height == 0, (data, parsed.rejected.to_dicts())
    assert parsed.rows.drop("_source_line").to_dicts() == canonical.rows.drop("_source_line").to_dicts(), data
    assert parsed.rows["_source_line"].unique(maintain_order=True).to_list() == starts, data
    return parsed


@pytest.mark.parametrize("source_name", sorted(CSV_SOURCES))
@SETTINGS
@given(variant=variants())
def test_every_csv_freedom_parses_to_the_canonical_rows(source_name, variant):
    _assert_same(source_name, CSV_SOURCES[source_name], variant)


TYPED = {"int": int, "year": int, "dec": Decimal, "date": date, "month": date}


@pytest.mark.parametrize("source_name", sorted(CSV_SOURCES))
def test_canonical_rows_hold_the_logical_values(source_name):
    """The comparison above is only as good as the canonical parse: every typed column of it
    must hold the values the rows were written from."""
    rows = _parse(source_name, render_csv(CSV_SOURCES[source_name], Variant())[0]).rows
    rows = rows.filter(pl.col("afledt").is_null()) if "afledt" in rows.columns else rows  # derived totals
    name_of = {f.header: f.name for f in SOURCES[source_name].fields if f.kind != "custom"}
    checked = 0
    for col in CSV_SOURCES[source_name]:
        if col.kind in TYPED and col.header in name_of:
            assert rows[name_of[col.header]].to_list() == list(col.values), col.header
            checked += 1
    assert checked >= 1
    texts = [c for c in CSV_SOURCES[source_name] if c.kind == "text" and c.header in name_of]
    for col in texts:
        assert rows[name_of[col.header]].to_list() == [v if v and v.strip() else None for v in col.values], col.header


HEALTH_MONTHS = [date(2024, m, 1) for m in (8, 9, 10)]
HEALTH = [Col("Kommune", "text", ("Aalborg", "Læsø", "773"))] + [
    Col(m.strftime("%YM%m"), "int", values)
    for m, values in zip(HEALTH_MONTHS, [(31, 0, None), (1029, 1, 2), (4, None, 0)])
]


@SETTINGS
@given(
    variants(),
    st.sampled_from(["25-10-2024", "25.10.2024", "2024-10-25", "20241025"]),
    st.sampled_from(["%YM%m", "%Y-%m"]),
)
def test_health_check_extract_freedoms(variant, extraction, month_form):
    columns = HEALTH[:1] + [Col(m.strftime(month_form), c.kind, c.values) for m, c in zip(HEALTH_MONTHS, HEALTH[1:])]
    parsed = _assert_same("sundhedstjek", columns, variant, preamble=(f"Udtræksdato;{extraction}", ""))
    got = {(k, m): a for k, m, a in parsed.rows.select("kommunekode", "maaned", "antal").rows()}
    assert got == {
        ("851", HEALTH_MONTHS[0]): 31,
        ("851", HEALTH_MONTHS[1]): 1029,
        ("851", HEALTH_MONTHS[2]): 4,
        ("825", HEALTH_MONTHS[0]): 0,
        ("825", HEALTH_MONTHS[1]): 1,
        ("825", HEALTH_MONTHS[2]): None,
        ("773", HEALTH_MONTHS[0]): None,
        ("773", HEALTH_MONTHS[1]): 2,
        ("773", HEALTH_MONTHS[2]): 0,
    }
    assert set(parsed.rows["udtraeksdato"]) == {date(2024, 10, 25)}


# ------------------------------------------------------------------------------ workbooks

# The real 2021 appendix (domain/README.md) and a year-average place count.
TAKST_ROWS = [
    (
        2021,
        1001,
        "Bostedet",
        "Læsø Kommune",
        "SEL § 108",
        "Takst 1",
        D("2"),
        365,
        D("0.95"),
        694,
        D("618526"),
        D("891.89"),
        None,
    ),
    (
        2021,
        1001,
        "Bostedet",
        "Læsø Kommune",
        "SEL § 108",
        "Takst 3",
        D("11"),
        365,
        D("0.95"),
        3814,
        D("5157018"),
        D("1352.04"),
        None,
    ),
    (
        2024,
        181002,
        "Ågården",
        "Morsø Kommune",
        "SEL § 108",
        "Takst 1",
        D("16.7"),
        365,
        D("0.9"),
        5486,
        D("7305820"),
        D("1331.84"),
        "Lav belægning; ombygning",
    ),
]


def _danish(value: Decimal, rng: random.Random | None) -> str:
    return _cell(value, "dec", rng)


@st.composite
def workbook_variants(draw):
    return {
        "title_rows": draw(st.integers(0, 3)),
        "header_case": draw(st.sampled_from(["as is", "lower", "upper"])),
        "order_seed": draw(st.none() | st.integers(0, 10_000)),
        "cell_seed": draw(st.integers(0, 10_000)),
    }


def render_workbook(variant: dict | None) -> tuple[bytes, int]:
    """The rate rows as a `Takster` sheet; each number written as a number cell or as Danish text,
    the occupancy as a percent-formatted fraction, a plain 95 or a text `95 %` / `95%` / `95`."""
    rng = random.Random(variant["cell_seed"]) if variant else None
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Takster"
    order = list(range(len(TAKSTBILAG_HEADER)))
    if variant and variant["order_seed"] is not None:
        random.Random(variant["order_seed"]).shuffle(order)
    title_rows = variant["title_rows"] if variant else 0
    if title_rows:
        sheet.append(["Takstbilag 2024 – Region Nordjylland"])
        for _ in range(title_rows - 1):
            sheet.append([])
    case = {"as is": str, "lower": str.lower, "upper": str.upper}[variant["header_case"] if variant else "as is"]
    sheet.append([case(TAKSTBILAG_HEADER[i]) for i in order])
    header_row = sheet.max_row
    for values in TAKST_ROWS:
        row = []
        for i in order:
            value, name = values[i], TAKSTBILAG_HEADER[i]
            if value is None or isinstance(value, str):
                row.append(value)
            elif name == "Belægningsprocent":
                form = rng.choice(["cell %", "cell 95", "text %", "text%", "text 95"]) if rng else "cell %"
                percent = value * 100
                row.append(
                    {
                        "cell %": float(value),
                        "cell 95": float(percent),
                        "text %": f"{_danish(percent, rng)} %",
                        "text%": f"{_danish(percent, rng)}%",
                        "text 95": _danish(percent, rng),
                    }[form]
                )
            elif rng and rng.random() < 0.5:
                kind = "year" if name == "År" else "int"
                row.append(_danish(D(value), rng) if isinstance(value, Decimal) else _cell(value, kind, rng))
            else:
                row.append(float(value) if isinstance(value, Decimal) else value)
        sheet.append(row)
        cell = sheet.cell(sheet.max_row, order.index(TAKSTBILAG_HEADER.index("Belægningsprocent")) + 1)
        if isinstance(cell.value, float) and cell.value <= 1:
            cell.number_format = "0%"  # shown as 95 %, stored as 0.95
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), header_row


def _parse_workbook(data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "takstbilag" / "t.xlsx"
        path.parent.mkdir()
        path.write_bytes(data)
        return read_file(SOURCES["takstbilag"], path, Path(tmp), "L")


@SETTINGS
@given(workbook_variants())
def test_every_workbook_freedom_parses_to_the_canonical_rows(variant):
    canonical = _parse_workbook(render_workbook(None)[0])
    data, header_row = render_workbook(variant)
    parsed = _parse_workbook(data)
    assert parsed.rejected.height == 0, parsed.rejected.to_dicts()
    keep = [c for c in canonical.rows.columns if c != "_source_line" and not c.endswith("_cellevaerdi")]
    assert parsed.rows.select(keep).to_dicts() == canonical.rows.select(keep).to_dicts()
    assert parsed.rows["_source_line"].to_list() == [header_row + 1, header_row + 2, header_row + 3]


def test_canonical_workbook_rows_hold_the_logical_values():
    rows = _parse_workbook(render_workbook(None)[0]).rows
    assert rows.select("pladser", "belaegningsprocent", "antal_doegn", "omkostninger", "doegntakst").rows() == [
        (D("2.00"), D("0.950000"), 694, D("618526.00"), D("891.89")),
        (D("11.00"), D("0.950000"), 3814, D("5157018.00"), D("1352.04")),
        (D("16.70"), D("0.900000"), 5486, D("7305820.00"), D("1331.84")),
    ]
