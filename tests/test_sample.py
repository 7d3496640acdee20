"""Tests of the regional sample landing-dir generator (sampledata/nordjylland/).

Determinism, the real figures, and a manifest whose every planted row is where it says: what the
pipeline must flag is the manifest (tests/test_quality.py asserts exactly its positives and none
of its near misses), so the rules are written once, in dbt, not again here.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from ingest.sources import POSTERINGER, REGNSKAB, read_file
from sampledata.nordjylland import write_sample

D = Decimal
REAL_POP_2021 = {
    "851": 219573,
    "810": 36140,
    "813": 58933,
    "860": 64099,
    "849": 38166,
    "825": 1776,
    "846": 41584,
    "773": 20078,
    "840": 30504,
    "787": 43126,
    "820": 36343,
}
NAMES = {
    "Aalborg": "851",
    "Brønderslev": "810",
    "Frederikshavn": "813",
    "Hjørring": "860",
    "Jammerbugt": "849",
    "Læsø": "825",
    "Mariagerfjord": "846",
    "Morsø": "773",
    "Rebild": "840",
    "Thisted": "787",
    "Vesthimmerlands": "820",
}
POSTING_NAMES = {
    h.casefold(): h
    for h in (
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
    )
}


@pytest.fixture(scope="module")
def sample(sample_landing):
    """The session's sample (the default seed), written once for this module and the others."""
    return sample_landing


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _lines(path: Path) -> list[str]:
    """Physical lines (1-based index = list index + 1), decoded as the contract says."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    return text.replace("\r\n", "\n").split("\n")[:-1]


def _rows(path: Path, header_line: int = 1):
    """Records as Python's csv module reads them (quoted fields), keyed by the contract's header
    names whatever their case and padding, each with its physical line (no field spans lines)."""
    lines = _lines(path)
    header = [h.strip() for h in next(csv.reader([lines[header_line - 1]], delimiter=";"))]
    if path.parent.name == "posteringer":
        header = [POSTING_NAMES.get(h.casefold(), h) for h in header]
    for i, text in enumerate(lines[header_line:], start=header_line + 1):
        yield i, dict(zip(header, next(csv.reader([text], delimiter=";"))))


# ----------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def other_seeds(tmp_path_factory) -> dict[int, tuple[Path, dict]]:
    """Samples of two seeds besides the default one, written once for the module."""
    out = tmp_path_factory.mktemp("other_seeds")
    return {seed: (out / str(seed), write_sample(out / str(seed), seed=seed)) for seed in (1, 99)}


def test_same_seed_is_byte_identical_and_another_seed_differs(tmp_path, sample, other_seeds):
    write_sample(tmp_path / "again")  # the module's sample's seed, written a second time
    ha, hb = _hashes(sample[0]), _hashes(tmp_path / "again")
    # 96 data files (the decisions file, a BUDK32 file and a P/L index among them) + manifest
    assert len(ha) == 97 and ha == hb
    for root, _ in other_seeds.values():
        hc = _hashes(root)
        assert set(ha) == set(hc)
        assert sum(ha[k] != hc[k] for k in ha) >= 90  # all but the fixed register and the like differ
    manifest = sample[1]
    assert manifest["files"] == {k: v for k, v in ha.items() if k != "_manifest.json"}


def test_manifest_lines_point_at_matching_rows(sample):
    _assert_manifest_points_at_rows(*sample)


def _assert_manifest_points_at_rows(root: Path, manifest: dict) -> None:
    """Every rule has a planted positive and a near miss, and each entry names a row of its file
    that carries the tilbud, municipality and period it says (what test_quality.py then expects
    the pipeline to flag, exactly)."""
    assert {e["rule"] for e in manifest["planted"] if e["kind"] == "positive"} == {f"R{i:02d}" for i in range(1, 18)}
    assert {e["rule"] for e in manifest["planted"] if e["kind"] == "near_miss"} == {f"R{i:02d}" for i in range(1, 18)}
    for e in manifest["planted"]:
        path = root / e["file"]
        assert path.exists(), e
        if path.suffix == ".xlsx":
            ws = openpyxl.load_workbook(path)["Takster"]
            assert [c.value for c in ws[3]][:2] == ["År", "Tilbudsnr"]
            assert ws.cell(e["line"], 2).value == e["tilbudsnr"], e
            assert str(ws.cell(e["line"], 1).value) == e["periode"], e
            continue
        text = _lines(path)[e["line"] - 1]
        if e["tilbudsnr"]:
            assert str(e["tilbudsnr"]) in text.split(";"), e
        if e["kommunekode"]:
            name = next(n for n, c in NAMES.items() if c == e["kommunekode"])
            assert e["kommunekode"] in text.split(";") or text.startswith((e["kommunekode"] + " ", name + ";")), e
        if e["source"] in ("regnskab",):
            assert ";TOT " in text or ";I alt (netto);" in text, e
            assert text.split(";")[5] == e["periode"], e
        if e["source"] in ("belaegning", "sikrede"):
            y, m = e["periode"].split("-")
            assert f"{y}-{m}" in text or f"{y}M{m}" in text, e
        if e["source"] == "posteringer":
            y, m = e["periode"].split("-")
            assert f"-{m}-{y}" in text or f";{y}{m}" in text, e  # dd-mm-yyyy or yyyymmdd
    for e in manifest["unparseable"]:
        assert e["raw_value"] in _lines(root / e["file"])[e["line"] - 1].split(";"), e
    for e in manifest["cpr_like"]:
        assert "250386-0000" in _lines(root / e["file"])[e["line"] - 1], e


def test_real_2021_appendix_rows(sample):
    ws = openpyxl.load_workbook(sample[0] / "takstbilag/takstbilag_2021_aalborg-kommune.xlsx", data_only=True)[
        "Takster"
    ]
    assert ws["A1"].value == "Takstbilag 2021 – Aalborg Kommune"
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == 1001]
    got = [(r[5], r[6], r[7], r[9], r[10], D(str(r[11]))) for r in rows]
    assert got == [
        ("Takst 1", 2, 365, 694, 618526, D("891.89")),
        ("Takst 2", 1, 365, 347, 373086, D("1075.95")),
        ("Takst 3", 11, 365, 3814, 5157018, D("1352.04")),
        ("Takst 4", 17, 365, 5895, 11496118, D("1950.23")),
    ]
    occupancy = {r[8] for r in rows}
    assert len(occupancy) == 1 and str(occupancy.pop()).replace(" ", "").rstrip("%") in ("0.95", "95")


def test_population_2021_is_real_and_ages_add_up(sample):
    ialt, ages = {}, {}
    for _, r in _rows(sample[0] / "befolkning/FOLK1A_2019-2021.csv"):
        code = r["OMRÅDE"].split(" ")[0]
        if code in REAL_POP_2021 and r["TID"] == "2021K1":
            if r["ALDER"].startswith("IALT"):
                ialt[code] = int(r["INDHOLD"])
            else:
                ages[code] = ages.get(code, 0) + int(r["INDHOLD"])
    assert ialt == REAL_POP_2021 and sum(ialt.values()) == 590322
    assert ages == ialt


def test_health_check_yearly_totals(sample):
    totals = {}
    for _, r in _rows(sample[0] / "sundhedstjek/sundhedstjek_udtraek_2024-10-25.csv", header_line=3):
        assert r["Kommune"] in NAMES
        for k, v in r.items():
            if k != "Kommune":
                totals[k[:4]] = totals.get(k[:4], 0) + int(v)
    assert totals == {"2022": 381, "2023": 458, "2024": 602}


def test_cpr_like_value_appears_exactly_once(sample):
    count = sum(
        p.read_bytes().count(b"250386-0000") for p in sample[0].rglob("*") if p.is_file() and p.name != "_manifest.json"
    )
    assert count == 1 and [e["column"] for e in sample[1]["cpr_like"]] == ["Borgerreference"]


def test_postings_sum_exactly_to_regnskab_except_planted_r16(sample):
    """Dranst 1 postings per municipality × function × year = REGK31 TOT × 1.000 to the øre, except
    the two planted R16 deviations (read with the product's own readers)."""
    root = sample[0]
    postings = pl.concat(
        [
            read_file(POSTERINGER, p, root, "t").rows.select(
                "kommunenr", "funktion", "dranst", "bogfoeringsdato", "beloeb"
            )
            for p in POSTERINGER.files(root)
        ]
    )
    sums = (
        postings.filter(pl.col("dranst") == 1)
        .group_by("kommunenr", "funktion", pl.col("bogfoeringsdato").dt.year().alias("aar"))
        .agg(pl.col("beloeb").sum())
    )
    accounts = pl.concat([read_file(REGNSKAB, p, root, "t").rows for p in REGNSKAB.files(root)]).filter(
        (pl.col("dranst") == "1") & (pl.col("art") == "TOT") & (pl.col("prisenhed") == "LOBM")
    )
    joined = sums.join(
        accounts.select(pl.col("omraade_kode").alias("kommunenr"), "funktion", "aar", "indhold"),
        on=["kommunenr", "funktion", "aar"],
    )
    assert joined.height == 4 * 7 * 2
    off = {
        (k, f, a): D(str(b)) / (D(str(i)) * 1000) for k, f, a, b, i in joined.rows() if D(str(b)) != D(str(i)) * 1000
    }
    assert off == {("860", "5.38.59", 2024): D("1.04"), ("787", "5.38.58", 2023): D("0.985")}


def test_other_seeds_plant_every_rule_on_matching_rows(other_seeds):
    for root, manifest in other_seeds.values():
        _assert_manifest_points_at_rows(root, manifest)


def test_scale_national_dispatches_to_the_national_generator(tmp_path):
    # sampledata/national/ (tests/test_national_sample.py); its own year check answers here
    with pytest.raises(ValueError, match="end in 2024"):
        write_sample(tmp_path, scale="national", years=(2015, 2023))


# The seeds' published figures the sample reproduces (issue 21 item 7; shared/domain/README.md).
SEEDS_KOMPASSET_PCT = {2020: 101, 2021: 114}  # occupied days ÷ normed days, whole percent
SEEDS_REFUSED_2021 = (28, 5)  # social, legal; all institutions of the file
SEEDS_YOUTH_2021 = ("851", 32332, 72158)  # Aalborg's 14–23-year-olds of the 11's


def _secure_months(root: Path, year: int) -> list[dict]:
    """The year's `sikrede/` rows as ints (csv module, not our reader), with the month's days."""
    months = []
    for line, r in _rows(root / f"sikrede/sikrede_{year}.csv"):
        month = int(r["Måned"].split("-")[1])
        months.append(
            {
                "line": line,
                "institution": r["Institution"],
                "periode": r["Måned"],
                "days": calendar.monthrange(year, month)[1],
                "normed": int(r["Normerede pladser"]),
                "drift": int(r["Pladser i drift"]),
                "flex": int(r["Fleksible pladser"] or 0),
                "occupied": int(r["Belagte døgn sociale"]) + int(r["Belagte døgn retlige"]),
                "refused": (int(r["Afviste sociale"]), int(r["Afviste retlige"])),
            }
        )
    return months


def _whole_pct(numerator: int, denominator: int) -> Decimal:
    return (D(100 * numerator) / D(denominator)).quantize(D("1"), ROUND_HALF_UP)


def test_seeds_figures_of_the_secure_institutions(sample, other_seeds):
    """Kompasset's occupancy of its normed places is 101 % in 2020 and 114 % in 2021, the file's
    refusals of 2021 are 28 social and 5 legal, for every seed; and the months under those figures
    break R10/R11 only where the manifest plants it (so test_quality's exact flags still hold)."""
    for root, manifest in [sample, *other_seeds.values()]:
        for year, expected in SEEDS_KOMPASSET_PCT.items():
            months = [m for m in _secure_months(root, year) if m["institution"] == "Kompasset"]
            assert len(months) == 12
            normed_days = sum(m["normed"] * m["days"] for m in months)
            assert normed_days == 10 * (366 if calendar.isleap(year) else 365)
            assert _whole_pct(sum(m["occupied"] for m in months), normed_days) == expected
            planted = {
                (e["rule"], e["kind"], e["line"])
                for e in manifest["planted"]
                if e["file"] == f"sikrede/sikrede_{year}.csv"
            }
            over_drift = {m["line"] for m in months if m["occupied"] > m["drift"] * m["days"]}
            over_places = {m["line"] for m in months if m["drift"] > m["normed"] + m["flex"]}
            assert over_drift == {line for rule, kind, line in planted if (rule, kind) == ("R10", "positive")} & {
                m["line"] for m in months
            }
            assert over_places == {line for rule, kind, line in planted if (rule, kind) == ("R11", "positive")} & {
                m["line"] for m in months
            }
        kompasset_2021 = {
            (e["rule"], e["kind"], e["periode"]) for e in manifest["planted"] if e["file"] == "sikrede/sikrede_2021.csv"
        }
        assert kompasset_2021 == {
            ("R11", "near_miss", "2021-03"),
            ("R11", "positive", "2021-07"),
            ("R10", "near_miss", "2021-11"),
        }
        refused = [m["refused"] for m in _secure_months(root, 2021)]
        assert (sum(s for s, _ in refused), sum(r for _, r in refused)) == SEEDS_REFUSED_2021


def test_seeds_14_23_year_olds_of_2021(sample, other_seeds):
    """FOLK1A at 1 January 2021: Aalborg has 32.332 of the 11 municipalities' 72.158 aged 14–23,
    and every municipality's ages still add up to its real population."""
    code, aalborg, eleven = SEEDS_YOUTH_2021
    for root, _ in [sample, *other_seeds.values()]:
        youth, ages = {}, {}
        for _, r in _rows(root / "befolkning/FOLK1A_2019-2021.csv"):
            area = r["OMRÅDE"].split(" ")[0]
            if area not in REAL_POP_2021 or r["TID"] != "2021K1" or r["ALDER"].startswith("IALT"):
                continue
            age = int(r["ALDER"].split(" ")[0])
            ages[area] = ages.get(area, 0) + int(r["INDHOLD"])
            if 14 <= age <= 23:
                youth[area] = youth.get(area, 0) + int(r["INDHOLD"])
        assert youth[code] == aalborg and sum(youth.values()) == eleven
        assert ages == REAL_POP_2021
        # the other ten keep a plausible share (10–16 %), not the remainder piled on one
        assert all(0.10 < youth[c] / REAL_POP_2021[c] < 0.16 for c in youth if c != code)
