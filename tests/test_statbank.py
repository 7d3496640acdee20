"""StatBank files in the shapes users download them: the shared cases load to the values their
README states, and each shape (API subset/order/presentation/language, web page, totals derived
or checked, refusals) has its own test with numbers computed by hand."""

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from ingest.errors import ContractError
from ingest.sources import BEFOLKNING, BUDGET, REGNSKAB, read_file
from ingest.statbank_file import AGE_KEYS_NOTE, WHICH_EXPORT

CASES = Path(__file__).parent / "cases" / "statbank"  # a copy of shared/cases, so a clean clone has it
JAN_2024 = date(2024, 1, 1)


def _case(tmp_path, rel):
    target = tmp_path / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(CASES / rel, target)
    return target


def _write(tmp_path, rel, text, encoding="utf-8", newline="\r\n"):
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def _population(parsed, when=JAN_2024):
    """{municipality: figure} of the all-ages, both-sexes, all-civil-status cells at `when`."""
    rows = parsed.rows.filter(
        (pl.col("koen") == "TOT")
        & (pl.col("alder") == -1)
        & (pl.col("civilstand") == "TOT")
        & (pl.col("periode_start") == when)
    )
    assert rows.select("omraade_kode").is_unique().all()
    return dict(rows.select("omraade_kode", "indhold").rows())


def _age_sum(parsed, low, high):
    rows = parsed.rows.filter(
        (pl.col("koen") == "TOT")
        & (pl.col("civilstand") == "TOT")
        & pl.col("alder").is_between(low, high)
        & (pl.col("periode_start") == JAN_2024)
    )
    return dict(rows.group_by("omraade_kode").agg(pl.col("indhold").sum()).rows())


# --------------------------------------------------------------------------- the shared cases
def test_case_folk1am_without_sex_and_age(tmp_path):
    parsed = read_file(BEFOLKNING, _case(tmp_path, "befolkning/folk1am_uden_koen_alder.csv"), tmp_path, "L1")
    assert parsed.shape == "StatBank API, Value, uden KØN/ALDER"
    # Hele landet and Region Nordjylland are comparison areas, kept under their codes (landing-zone §2).
    assert _population(parsed) == {"000": 5962000, "081": 596100, "773": 20030, "825": 1785, "851": 222100}
    # Christiansø: 3 months, dropped and counted.
    assert parsed.dropped == 3 and parsed.rejected.height == 0
    assert parsed.findings == (AGE_KEYS_NOTE,)
    assert AGE_KEYS_NOTE == "ingen aldersfordeling: nøglerne 18–64, 14–23 og 15–17 kan ikke beregnes"
    jan = parsed.rows.filter(pl.col("periode_start") == JAN_2024).sort("omraade_kode")
    assert jan["_source_line"].to_list() == [3, 6, 9, 12, 15]
    assert parsed.rows["alder"].unique().to_list() == [-1]  # no ages: the keys that need them stay NULL


def test_case_folk1a_code_without_totals_derives_them(tmp_path):
    parsed = read_file(BEFOLKNING, _case(tmp_path, "befolkning/folk1a_kode_uden_totaler.csv"), tmp_path, "L1")
    assert parsed.shape == "StatBank API, Code"
    assert _population(parsed) == {"773": 20030, "825": 1785, "851": 222100}
    assert _age_sum(parsed, 18, 64) == {"773": 11135, "825": 1036, "851": 122851}
    derived = parsed.rows.filter(pl.col("afledt").is_not_null())
    # KØN TOT for 3 areas × 101 ages, then ALDER IALT for 3 areas × 3 sexes.
    assert derived.height == 3 * 101 + 3 * 3 and parsed.data_rows == 3 * 2 * 101
    assert parsed.findings == (
        "303 total(er) for KØN mangler i filen og er afledt som summen af KØN 1, 2",
        "9 total(er) for ALDER mangler i filen og er afledt som summen af ALDER 0–100",
    )


def test_case_folk1a_civil_status_first_uses_the_total_not_the_parts(tmp_path):
    parsed = read_file(BEFOLKNING, _case(tmp_path, "befolkning/folk1a_civilstand_foerst.csv"), tmp_path, "L1")
    assert parsed.shape == "StatBank API, Value, uden KØN/ALDER"
    assert _population(parsed) == {"773": 20030, "825": 1785, "851": 222100}
    assert parsed.rows.filter(pl.col("afledt").is_not_null()).height == 0
    assert parsed.findings == (AGE_KEYS_NOTE,)  # the parts add up: no finding


def test_case_folk1a_civil_status_parts_that_do_not_add_up_are_a_finding(tmp_path):
    text = (
        (CASES / "befolkning/folk1a_civilstand_foerst.csv")
        .read_bytes()
        .replace(b"Fraskilt;Aalborg;2024K1;15100", b"Fraskilt;Aalborg;2024K1;15101")
    )
    path = tmp_path / "befolkning" / "f.csv"
    path.parent.mkdir()
    path.write_bytes(text)
    parsed = read_file(BEFOLKNING, path, tmp_path, "L1")
    assert _population(parsed)["851"] == 222100  # the total is kept
    assert parsed.findings[0] == (
        "linje 4: CIVILSTAND i alt er 222100, men summen af delene er 222101 "
        "(omraade_kode=851, koen=TOT, alder=-1, periode_start=2024-01-01); totalen bruges"
    )


def test_case_folk1a_english_labels(tmp_path):
    parsed = read_file(BEFOLKNING, _case(tmp_path, "befolkning/folk1a_engelsk.csv"), tmp_path, "L1")
    assert parsed.shape == "StatBank API, Value, engelske etiketter"
    assert _population(parsed) == {"773": 20030, "851": 222100}
    assert dict(parsed.rows.filter(pl.col("omraade_kode") == "851").select("koen", "indhold").rows()) == {
        "TOT": 222100,
        "1": 111200,
        "2": 110900,
    }


def test_case_regk31_web_page_wide(tmp_path):
    parsed = read_file(REGNSKAB, _case(tmp_path, "regnskab/regk31_webside_bred.csv"), tmp_path, "L1")
    assert parsed.shape == "StatBank webside, bred" and parsed.rejected.height == 0
    cells = {
        (r["omraade_kode"], r["funktion"], r["dranst"], r["art"], r["prisenhed"], r["aar"]): (
            r["indhold"],
            r["_source_line"],
        )
        for r in parsed.rows.iter_rows(named=True)
    }
    assert cells["773", "5.38.50", "1", "TOT", "LOBM", 2023] == (Decimal("42987.1"), 4)
    assert cells["851", "5.38.50", "1", "TOT", "LOBM", 2022] == (Decimal("512345.6"), 8)
    assert cells["773", "5.38.52", "1", "TOT", "LOBM", 2023] == (None, 7)  # `..`: kept as missing
    assert cells["773", "5.38.50", "1", "UE", "LOBM", 2022] == (Decimal("45012.0"), 5)  # stub carried forward
    assert cells["773", "5.38.50", "1", "I", "LOBM", 2023] == (Decimal("3913.3"), 6)
    assert len(cells) == 10
    assert parsed.rows.filter(pl.col("funktion") == "5.38.52")["funktionsnavn"].unique().to_list() == [
        "Botilbud til midlertidigt ophold (§ 107)"
    ]


# --------------------------------------------------------------------------- API shapes
POP = {"773": (10000, 10030), "825": (900, 885)}  # men, women


def _api_rows(presentation: str) -> list[list[str]]:
    names = {"773": "Morsø", "825": "Læsø"}
    sexes = {"1": "Mænd", "2": "Kvinder"}
    rows = []
    for code, (men, women) in POP.items():
        for sex, n in (("1", men), ("2", women)):
            area = {"Code": code, "Value": names[code], "CodeAndValue": f"{code} {names[code]}"}[presentation]
            koen = {"Code": sex, "Value": sexes[sex], "CodeAndValue": f"{sex} {sexes[sex]}"}[presentation]
            rows.append([koen, "2024M01", area, str(n)])
    return rows


@pytest.mark.parametrize("presentation", ["Code", "Value", "CodeAndValue"])
def test_any_order_and_presentation_gives_the_same_cube(tmp_path, presentation):
    body = "\n".join(";".join(r) for r in _api_rows(presentation))
    path = _write(tmp_path, "befolkning/p.csv", f"KØN;TID;OMRÅDE;INDHOLD\n{body}\n")
    parsed = read_file(BEFOLKNING, path, tmp_path, "L1")
    assert parsed.shape == f"StatBank API, {presentation}, uden ALDER"
    assert _population(parsed) == {"773": 20030, "825": 1785}  # 10000 + 10030, 900 + 885
    totals = parsed.rows.filter(pl.col("koen") == "TOT")
    assert totals["afledt"].to_list() == ["sum af KØN (1, 2)"] * 2 and totals["_source_line"].to_list() == [2, 4]


def test_an_eliminated_area_is_the_whole_country_and_is_kept_as_000(tmp_path):
    path = _write(tmp_path, "befolkning/p.csv", "TID;INDHOLD\n2024K1;5961249\n")
    parsed = read_file(BEFOLKNING, path, tmp_path, "L1")
    assert _population(parsed) == {"000": 5961249} and parsed.dropped == 0
    assert parsed.shape == "StatBank API, Value, uden OMRÅDE/KØN/ALDER"


def test_a_gap_in_the_ages_leaves_the_total_empty_and_names_the_missing_ages(tmp_path):
    ages = [a for a in range(0, 11) if a not in (5, 7, 8)]
    body = "\n".join(f"773;TOT;{a};2024K1;{100 + a}" for a in ages)
    path = _write(tmp_path, "befolkning/p.csv", f"OMRÅDE;KØN;ALDER;TID;INDHOLD\n{body}\n")
    parsed = read_file(BEFOLKNING, path, tmp_path, "L1")
    assert _population(parsed) == {}  # no IALT: NULL downstream, never the short sum
    assert parsed.findings == (
        "ALDER: alder 5, 7–8 mangler, så totalen kan ikke beregnes for 1 kombination(er) "
        "(første: linje 2); den forbliver tom",
    )
    # A complete breakdown beside its total is checked, never added on top.
    body = "\n".join(f"773;TOT;{a};2024K1;{100 + a}" for a in range(0, 3))
    path = _write(tmp_path, "befolkning/p.csv", f"OMRÅDE;KØN;ALDER;TID;INDHOLD\n773;TOT;IALT;2024K1;303\n{body}\n")
    parsed = read_file(BEFOLKNING, path, tmp_path, "L1")
    assert _population(parsed) == {"773": 303} and parsed.rows.height == 4 and parsed.findings == ()


def test_christiansoe_and_unknown_areas_are_dropped_comparison_areas_kept(tmp_path):
    text = (
        "OMRÅDE;TID;INDHOLD\n411 Christiansø;2024K1;90\nUoplyst kommune;2024K1;12\n084 Region Hovedstaden;2024K1;1\n"
        "All Denmark;2024K1;5961249\n101 København;2024K1;660000\nCopenhagen;2024K2;661000\n"
        "Landsdel Nordjylland;2024K1;7\nNorth Denmark Region;2024K1;590000\n"
    )
    parsed = read_file(BEFOLKNING, _write(tmp_path, "befolkning/p.csv", text), tmp_path, "L1")
    assert parsed.dropped == 3 and parsed.rejected.height == 0  # Christiansø, Uoplyst, the landsdel
    assert parsed.rows.select("omraade_kode", "indhold", "_source_line").rows() == [
        ("084", 1, 4),
        ("000", 5961249, 5),
        ("101", 660000, 6),
        ("101", 661000, 7),
        ("081", 590000, 9),
    ]


# --------------------------------------------------------------------------- web page shapes
def test_web_page_population_comma_separated_with_carried_labels_and_a_footnote(tmp_path):
    text = (
        '"Folketal den 1. i kvartalet efter område, køn, alder og tid"\n\n'
        '"","","","2023K1","2024K1"\n'
        '"Morsø","Mænd","Alder i alt","10001","10050"\n'
        '"","Kvinder","Alder i alt","9990","9980"\n'
        '"Læsø","Mænd","Alder i alt","899",".."\n'
        '"","Kvinder","Alder i alt","880","885"\n'
        '\n"Kilde: Danmarks Statistik"\n'
    )
    parsed = read_file(BEFOLKNING, _write(tmp_path, "befolkning/w.csv", text, encoding="cp1252"), tmp_path, "L1")
    assert parsed.shape == "StatBank webside, bred"
    assert _population(parsed, date(2023, 1, 1)) == {"773": 19991, "825": 1779}
    assert _population(parsed) == {"773": 20030}  # Læsø's men are `..` in 2024: the total stays empty
    lines = dict(
        parsed.rows.filter((pl.col("koen") == "2") & (pl.col("omraade_kode") == "825"))
        .select("tid", "_source_line")
        .rows()
    )
    assert lines == {"2023K1": 7, "2024K1": 7}
    assert parsed.findings == (
        "1 notelinje(r) under tabellen er ikke data og indlæses ikke (linje 9)",
        "3 total(er) for KØN mangler i filen og er afledt som summen af KØN 1, 2",
        "KØN: KØN 1 mangler, så totalen kan ikke beregnes for 1 kombination(er) (første: linje 6); den forbliver tom",
        AGE_KEYS_NOTE,
    )


def test_web_page_regk31_semicolon_utf8_with_named_stub_and_other_order(tmp_path):
    text = (
        "REGK31: Kommunernes regnskaber\n\n"
        "FUNKTION;OMRÅDE;;;;2023\n"
        "53850 Botilbud til længerevarende ophold (§ 108);851 Aalborg;1 Driftskonti;TOT I alt (netto);LOBM Løbende priser (1.000 kr.);530.111,0\n"
        ";;;UE Bruttoudgifter;;560.000,5\n"
        ";;;I Indtægter;;29.889,5\n"
    )
    parsed = read_file(REGNSKAB, _write(tmp_path, "regnskab/w.csv", text), tmp_path, "L1")
    assert parsed.shape == "StatBank webside, bred"
    assert parsed.rows.select("omraade_kode", "funktion", "art", "indhold", "_source_line").rows() == [
        ("851", "5.38.50", "TOT", Decimal("530111.0"), 4),
        ("851", "5.38.50", "UE", Decimal("560000.5"), 5),
        ("851", "5.38.50", "I", Decimal("29889.5"), 6),
    ]


def test_regk31_without_net_rows_derives_tot_as_gross_minus_income(tmp_path):
    text = (
        "OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD\n"
        "851;53850;1;UE;LOBM;2023;560.000,5\n851;53850;1;I;LOBM;2023;29.889,5\n"
    )
    parsed = read_file(REGNSKAB, _write(tmp_path, "regnskab/r.csv", text), tmp_path, "L1")
    tot = parsed.rows.filter(pl.col("art") == "TOT").row(0, named=True)
    assert (tot["indhold"], tot["afledt"], tot["_source_line"]) == (Decimal("530111.0"), "sum af ART (UE, I)", 2)


@pytest.mark.parametrize(
    "text, reason",
    [
        (
            "Morsø;2024K1;20030\nLæsø;2024K1;1785\n",
            f"ikke en StatBank-fil vi kan læse (ingen overskrift med INDHOLD eller med "
            f"perioder som kolonner): {WHICH_EXPORT}",
        ),
        ("Folketal\n\nMorsø;Mænd;10050\n", None),
    ],
)
def test_a_file_without_a_header_is_refused_with_the_export_to_choose(tmp_path, text, reason):
    with pytest.raises(ContractError) as err:
        read_file(BEFOLKNING, _write(tmp_path, "befolkning/x.csv", text), tmp_path, "L1")
    assert "\n" not in str(err.value) and WHICH_EXPORT in err.value.reason
    if reason:
        assert err.value.reason == reason and err.value.line == 1


def test_a_table_in_the_wrong_folder_is_refused(tmp_path):
    text = "OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD\n851;53850;1;TOT;LOBM;2023;1,0\n"
    with pytest.raises(ContractError) as err:
        read_file(BEFOLKNING, _write(tmp_path, "befolkning/r.csv", text), tmp_path, "L1")
    assert err.value.reason == "filen ligner REGK31 (kolonner: FUNKTION, DRANST, ART, PRISENHED): læg den i regnskab/"


def test_regk31_without_dranst_is_refused_naming_the_variable(tmp_path):
    text = "OMRÅDE;FUNKTION;ART;PRISENHED;TID;INDHOLD\n851;53850;TOT;LOBM;2023;1,0\n"
    with pytest.raises(ContractError) as err:
        read_file(REGNSKAB, _write(tmp_path, "regnskab/r.csv", text), tmp_path, "L1")
    assert err.value.column == "DRANST" and err.value.reason.startswith("REGK31 uden DRANST: vælg DRANST i StatBank")


def test_check_names_the_shape_and_the_findings(tmp_path, capsys):
    from cli.main import main

    # One file at a time: the two population files hold the same municipalities' 2024 totals, so
    # checked together they fail the uniqueness check a run would stop on (also tested below).
    out = []
    for rel in (
        "befolkning/folk1a_kode_uden_totaler.csv",
        "befolkning/folk1am_uden_koen_alder.csv",
        "regnskab/regk31_webside_bred.csv",
    ):
        _case(tmp_path / rel.split("/")[1], rel)
        assert main(["check", str(tmp_path / rel.split("/")[1] / rel)]) == 0
        out += capsys.readouterr().out.splitlines()
    assert out == [
        "befolkning/folk1a_kode_uden_totaler.csv: OK [befolkning] StatBank API, Code: 606 rækker godkendt, 0 værdier afvist",
        "    fund: 303 total(er) for KØN mangler i filen og er afledt som summen af KØN 1, 2",
        "    fund: 9 total(er) for ALDER mangler i filen og er afledt som summen af ALDER 0–100",
        "befolkning/folk1am_uden_koen_alder.csv: OK [befolkning] StatBank API, Value, uden KØN/ALDER: 15 rækker godkendt, "
        "0 værdier afvist, 3 rækker uden for kommuner og sammenligningsområder udeladt",
        f"    fund: {AGE_KEYS_NOTE}",
        "regnskab/regk31_webside_bred.csv: OK [regnskab] StatBank webside, bred: 10 rækker godkendt, 0 værdier afvist",
    ]
    _case(tmp_path, "befolkning/folk1a_kode_uden_totaler.csv")
    _case(tmp_path, "befolkning/folk1am_uden_koen_alder.csv")
    assert main(["check", str(tmp_path / "befolkning")]) == 1
    together = capsys.readouterr().out
    assert (
        together.count("kontrol expect_compound_columns_to_be_unique(omraade_kode,koen,alder,civilstand,periode_start)")
        == 2
    )


# --------------------------------------------------------------------------- BUDK32 (budget/)
@pytest.mark.parametrize("area_id", ["KOMK", "Kommune", "BUDGETOMR"])
def test_budk32_area_under_its_own_id_is_found_by_its_values(tmp_path, area_id):
    text = (
        f"{area_id};FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD\n"
        "851 Aalborg;53850 Botilbud;1 Driftskonti;TOT I alt (netto);LOBM Løbende priser (1.000 kr.);2024;1.234,5\n"
        "000 Hele landet;53850 Botilbud;1 Driftskonti;TOT I alt (netto);LOBM Løbende priser (1.000 kr.);2024;99,0\n"
        "411 Christiansø;53850 Botilbud;1 Driftskonti;TOT I alt (netto);LOBM Løbende priser (1.000 kr.);2024;1,0\n"
    )
    parsed = read_file(BUDGET, _write(tmp_path, "budget/b.csv", text), tmp_path, "L1")
    assert parsed.shape == "StatBank API, CodeAndValue" and parsed.dropped == 1
    assert parsed.rows.select("omraade_kode", "funktion", "aar", "indhold").rows() == [
        ("851", "5.38.50", 2024, Decimal("1234.500")),
        ("000", "5.38.50", 2024, Decimal("99.000")),
    ]


def test_budk32_with_two_columns_of_areas_or_none_is_not_guessed(tmp_path):
    """Two unknown columns that both read as areas: neither is taken, so the area counts as
    eliminated (the whole country) rather than a guess; a column of non-areas is never the area."""
    text = "KOMK;NOTE;TID;FUNKTION;DRANST;PRISENHED;INDHOLD\n851;x;2024;53850;1;LOBM;5,0\n"
    parsed = read_file(BUDGET, _write(tmp_path, "budget/b.csv", text), tmp_path, "L1")
    assert parsed.rows.select("omraade_kode", "indhold").rows() == [("851", Decimal("5.000"))]
    text = "KOMK;KOMK2;TID;FUNKTION;DRANST;PRISENHED;INDHOLD\n851;825;2024;53850;1;LOBM;5,0\n"
    parsed = read_file(BUDGET, _write(tmp_path, "budget/b.csv", text), tmp_path, "L1")
    assert parsed.rows.select("omraade_kode").rows() == [("000",)]
