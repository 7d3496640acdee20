"""The national sample (sampledata/national/, `cockpit sample --scale national`).

A small volume of the same generator (all 98 municipalities, 2020–2024, ~0,2 million postings)
is written once: its files must use the landing contract's freedoms, be byte-identical for the
same seed, and — run through the real pipeline — give exactly the planted registration flags
and rejected values of its manifest (precision and recall), as the regional sample does.
The full volume (20 million postings) is measured by `bench/refresh.py --scale national`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import warehouse_settings

from sampledata.domain import NATIONAL_POP_2021
from sampledata.national import write_national
from sampledata.national.befolkning import REAL_POP_2021

D = Decimal
YEARS = (2020, 2024)
RULES = {f"R{i:02d}" for i in range(1, 18)}
# SHA-256 of `_manifest.json` (every file's SHA-256, the rows, every planted line) for seed 2024,
# YEARS and 100 000 postings. Re-recorded when the BUDK32 file and the P/L index were added
# (issue 21): the manifest lists two more files and their rows; every earlier file's bytes, plant
# and rejected value are as recorded before (41e40cc4…, compared file by file).
RECORDED_MANIFEST = "1495e7a0fd9727977c7eb26c228a03cfeb6e5855bc7f922ead4f7ad2318ff46c"


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("national")
    return out, write_national(out, years=YEARS, postings=100_000)


def _text(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def _lines(path: Path) -> list[str]:
    return _text(path)[0].replace("\r\n", "\n").split("\n")[:-1]


def test_every_source_for_all_98_municipalities(national):
    root, manifest = national
    files = manifest["files"]
    ledgers = [f for f in files if f.startswith("posteringer/")]
    codes = {Path(f).name.split("_")[0] for f in ledgers}
    assert len(codes) == 98
    assert len(ledgers) == 98 * 5 + 4 * 5  # one file per municipality and year, two for the largest four
    assert {f.split("/")[0] for f in files} == {
        "befolkning",
        "regnskab",
        "tilbud",
        "takstbilag",
        "belaegning",
        "sikrede",
        "sundhedstjek",
        "posteringer",
        "budget",
        "prisindeks",
    }
    assert manifest["rows"]["posteringer"] == manifest["postings"] > 100_000
    assert manifest["rows"]["tilbud"] > 4_000 and manifest["rows"]["belaegning"] == 3_000 * 60

    population = {}
    for line in _lines(root / "befolkning/FOLK1A_2020-2021.csv")[1:]:
        area, _, age, _, tid, n = line.split(";")
        if tid == "2021K1" and age.startswith("IALT") and area[:3] not in ("000", "081", "082", "083", "084", "085"):
            population[area.split(" ")[0]] = int(n)
    assert len(population) == 98 and sum(population.values()) == NATIONAL_POP_2021
    assert {c: population[c] for c in REAL_POP_2021} == REAL_POP_2021


def _budget_and_accounts(root: Path) -> tuple[dict, dict]:
    """BUDK32 and REGK31 net (TOT) per (area code, function, year) in 1.000 kr., read with the csv
    module; REGK31's older file names the area and function without codes (Value)."""
    budget = {}
    with open(root / f"budget/BUDK32_{YEARS[0]}-{YEARS[1]}.csv", encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh, delimiter=";"):
            key = (r["KOMK"].split(" ")[0], r["FUNKTION"].split(" ")[0], int(r["TID"]))
            budget[key] = D(r["INDHOLD"].replace(",", "."))
    accounts = {}
    with open(root / "regnskab/REGK31_2023-2024.csv", encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh, delimiter=";"):
            if r["ART"].startswith("TOT "):
                key = (r["OMRÅDE"].split(" ")[0], r["FUNKTION"].split(" ")[0], int(r["TID"]))
                accounts[key] = D(r["INDHOLD"].replace(",", "."))
    return budget, accounts


def test_budgets_for_every_area_around_the_accounts(national):
    """BUDK32: one net budget per function and year for the 98, the five regions and Hele landet
    (all 9 functions × 5 years), each within 0,95–1,03 of the year's REGK31 net (± the rounding)."""
    budget, accounts = _budget_and_accounts(national[0])
    areas = {a for a, _, _ in budget}
    assert len(areas) == 98 + 5 + 1 and "000" in areas and {"081", "082", "083", "084", "085"} <= areas
    assert len(budget) == len(areas) * 9 * 5
    assert set(accounts) <= set(budget) and len(accounts) == len(areas) * 9 * 2
    for key, tot in accounts.items():
        assert tot * D("0.95") - D("0.1") <= budget[key] <= tot * D("1.03") + D("0.1"), key


def test_price_index_chains_the_yearly_changes(national):
    """`År;PL-indeks`, first year 100,0, each year the unrounded index before it × (1 + the
    change): 2021 +2,6 %, 2022 +4,6 %, 2023 +4,5 %, 2024 +2,7 % (sampledata.domain), by hand."""
    lines = _lines(national[0] / "prisindeks/pl_indeks.csv")
    assert lines == ["År;PL-indeks", "2020;100,0", "2021;102,6", "2022;107,3", "2023;112,1", "2024;115,2"]


def test_files_use_the_contract_freedoms(national):
    root, manifest = national
    encodings, endings, headers, orders, dates, thousands, quoted = set(), set(), set(), set(), set(), set(), 0
    for rel in (f for f in manifest["files"] if f.startswith("posteringer/")):
        raw = (root / rel).read_bytes()
        text, encoding = _text(root / rel)
        encodings.add(encoding)
        endings.add("crlf" if b"\r\n" in raw else "lf")
        header = next(csv.reader(io.StringIO(text.splitlines()[0]), delimiter=";"))
        headers.add("lower" if header[0] == header[0].lower() else "upper" if header[0].isupper() else "exact")
        names = [h.strip().casefold() for h in header]
        orders.add(tuple(names))
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        key = {h.strip().casefold(): h for h in header}
        for value in (r[key["bogføringsdato"]] for r in rows[:50]):
            dates.add(
                next(
                    k
                    for k, p in (
                        ("dmy", r"\d\d-\d\d-\d{4}"),
                        ("dots", r"\d\d\.\d\d\.\d{4}"),
                        ("iso", r"\d{4}-\d\d-\d\d"),
                        ("compact", r"\d{8}"),
                    )
                    if re.fullmatch(p, value)
                )
            )
        thousands.add(any(re.fullmatch(r"-?\d{1,3}(\.\d{3})+,\d\d", r[key["beløb"]]) for r in rows))
        quoted += text.count('"Kursus; ""Recovery"" for personale"')
    assert encodings == {"utf-8", "utf-8-sig", "cp1252"} and endings == {"crlf", "lf"}
    assert headers == {"exact", "lower", "upper"} and len(orders) == 3
    assert dates == {"dmy", "dots", "iso", "compact"} and thousands == {True, False} and quoted > 0

    months = {
        m
        for f in manifest["files"]
        if f.startswith("belaegning/")
        for m in re.findall(r";(\d{4}(?:-|M)\d\d);", _text(root / f)[0])[:1]
    }
    assert {bool(re.fullmatch(r"\d{4}M\d\d", m)) for m in months} == {True, False}

    styles, formulas, header_rows = set(), 0, set()
    for rel in [f for f in manifest["files"] if f.startswith("takstbilag/2024/")][:60]:
        ws = openpyxl.load_workbook(root / rel)["Takster"]
        header_row = next(r for r in range(1, 6) if ws.cell(r, 1).value == "År")
        header_rows.add(header_row)
        occupancy = ws.cell(header_row + 1, 9).value
        styles.add(type(occupancy).__name__ + ("%" if isinstance(occupancy, str) and " %" in occupancy else ""))
        formulas += sum(isinstance(c.value, str) and c.value.startswith("=") for c in ws["L"])
    assert header_rows == {3, 4} and styles >= {"float", "int", "str", "str%"} and formulas > 0


def test_manifest_points_at_the_planted_rows(national):
    root, manifest = national
    planted = manifest["planted"]
    assert {e["rule"] for e in planted if e["kind"] == "positive"} == RULES
    assert {e["rule"] for e in planted if e["kind"] == "near_miss"} == RULES
    assert len({e["kommunekode"] for e in planted if e["source"] == "posteringer"}) >= 5
    for e in planted:
        path = root / e["file"]
        if path.suffix == ".xlsx":
            ws = openpyxl.load_workbook(path)["Takster"]
            assert ws.cell(e["line"], 2).value == e["tilbudsnr"] and str(ws.cell(e["line"], 1).value) == e["periode"], e
            continue
        fields = [f.strip() for f in next(csv.reader([_lines(path)[e["line"] - 1]], delimiter=";"))]
        if e["source"] == "posteringer":
            assert e["kommunekode"] in fields, e
        if e["tilbudsnr"] is not None:
            assert str(e["tilbudsnr"]) in fields, e
        if e["source"] == "regnskab":
            assert e["periode"] in fields and (
                "I alt (netto)" in fields or any(f.startswith("TOT ") for f in fields)
            ), e
    for e in manifest["unparseable"]:
        assert e["raw_value"] in next(csv.reader([_lines(root / e["file"])[e["line"] - 1]], delimiter=";")), e
    for e in manifest["cpr_like"]:
        assert "010190-0000" in _lines(root / e["file"])[e["line"] - 1], e
    found = sum(p.read_bytes().count(b"010190-0000") for p in root.rglob("*.csv"))
    assert found == len(manifest["cpr_like"]) >= 2


def test_same_seed_same_bytes(national, tmp_path):
    again = write_national(tmp_path, years=YEARS, postings=100_000)
    assert again["files"] == national[1]["files"]
    on_disk = {
        p.relative_to(national[0]).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in national[0].rglob("*")
        if p.is_file() and p.name != "_manifest.json"
    }
    assert on_disk == national[1]["files"]


def test_files_are_the_recorded_bytes(national):
    # A move of the generator's code must not move a byte; a change on purpose records the new
    # digest here and says why in its commit.
    root, _ = national
    assert hashlib.sha256((root / "_manifest.json").read_bytes()).hexdigest() == RECORDED_MANIFEST


def test_cli_refuses_years_it_cannot_write(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "sample",
            "--scale",
            "national",
            "--years",
            "2015-2023",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == "fejl: years must start in 2010-2020 and end in 2024"


def test_pipeline_flags_exactly_the_planted_cases(national, tmp_path):
    from orchestration.runner import run_pipeline

    root, manifest = national
    settings = warehouse_settings(tmp_path, root)
    outcome = run_pipeline(settings)
    assert outcome.published, outcome.reason
    # the yearly report of all of Denmark's warehouse is made, on the agreement alone (test_report)
    assert f"Rapport {YEARS[1]}: {settings.report_dir / f'styringscockpit_{YEARS[1]}.html'}" in outcome.summary
    # Raw values and row-level postings are the build DB's (docs/disclosure.md).
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        flags = con.execute("select regel, kildefil, kildelinje, periode from cockpit.datakvalitet").fetchall()
        rejected = set(
            con.execute("select kildefil, kildelinje, kolonne, raavaerdi from cockpit.afviste_raekker").fetchall()
        )
        postings = con.execute("select count(*) from raw.posteringer").fetchone()[0]
        budgets = {
            (k, a): b
            for k, a, b in con.execute("select kommunekode, aar, budget_kr from cockpit.udgifter_kommune").fetchall()
        }
        fixed = con.execute(
            "select aar, prisniveau_aar, indeks_fpl from cockpit.udgifter_omraade where omraadekode = '000' order by aar"
        ).fetchall()
    key = lambda e: (e["rule"], e["file"], e["line"], e["periode"])  # noqa: E731
    positives = {key(e) for e in manifest["planted"] if e["kind"] == "positive"}
    near_misses = {key(e) for e in manifest["planted"] if e["kind"] == "near_miss"}
    assert len(flags) == len(set(flags))
    assert set(flags) - positives == set(), "precision"
    assert positives - set(flags) == set(), "recall"
    assert not near_misses & set(flags)
    assert rejected == {(e["file"], e["line"], e["column"], e["raw_value"]) for e in manifest["unparseable"]}
    # the budget file and the P/L index reach the cockpit: every municipality's 5.38 budget is
    # its file rows' sum × 1.000, and Hele landet has an index in 2024 prices for every year
    budget, _ = _budget_and_accounts(root)
    expected = {}
    for (area, fn, year), amount in budget.items():
        if fn.startswith("538") and area in {k for k, _ in budgets}:
            expected[area, year] = expected.get((area, year), 0) + amount * 1000
    assert len(budgets) == 98 * 5 and budgets == expected
    assert [(a, p) for a, p, _ in fixed] == [(y, 2024) for y in range(YEARS[0], YEARS[1] + 1)]
    assert fixed[0][2] == 100 and all(i is not None for _, _, i in fixed)
    assert postings == manifest["rows"]["posteringer"] - sum(
        e["file"].startswith("posteringer/") for e in manifest["unparseable"]
    )
