"""Reading landing files: encodings, physical line numbers, quarantine, contract errors, Excel."""

import re
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import polars as pl
import pytest

from ingest.errors import ContractError
from ingest.sources import (
    BEFOLKNING,
    BELAEGNING,
    POSTERINGER,
    PRISINDEKS,
    REGNSKAB,
    SUNDHEDSTJEK,
    TAKSTBILAG,
    TILBUD,
    read_file,
)
from sampledata.contract import TAKSTBILAG_HEADER

HEADER = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn"


def _write(landing, rel, text, encoding="utf-8", newline="\r\n"):
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def test_bom_crlf_blank_lines_keep_physical_line_numbers(tmp_path):
    rows = "\n".join(f"{1000 + i};2024-01;10;10;300" for i in range(3))
    path = _write(tmp_path, "belaegning/b.csv", f"{HEADER}\n{rows}\n\n1100;2024M02;5;5;140\n", encoding="utf-8-sig")
    parsed = read_file(BELAEGNING, path, tmp_path, "L1")
    assert parsed.rows["_source_line"].to_list() == [2, 3, 4, 6]
    assert parsed.rows["belagte_doegn"].to_list() == [300, 300, 300, 140]


def test_cp1252_file_is_decoded(tmp_path):
    text = (
        "Tilbudsnr;Tilbudsnavn;Driftsherre;Driftsherretype;Beliggenhedskommune;Paragraf;Målgruppe;"
        "Normerede pladser;Godkendt fra;Godkendt til\n1001;Bøgely Å-huset;Læsø Kommune;kommune;825;SEL § 108;"
        "Voksne;12;01-01-2015;\n"
    )
    path = _write(tmp_path, "tilbud/t.csv", text, encoding="cp1252")
    parsed = read_file(TILBUD, path, tmp_path, "L1")
    assert parsed.rows.row(0, named=True)["tilbudsnavn"] == "Bøgely Å-huset"
    assert parsed.rows["godkendt_til"].to_list() == [None]


def test_unparseable_value_goes_to_rejected_with_file_line_column(tmp_path):
    good = "\n".join(f"{1000 + i};2024-01;10;10;300" for i in range(199))
    path = _write(tmp_path, "belaegning/b.csv", f"{HEADER}\n{good}\n1300;2024-01;10;10;3l0\n")
    parsed = read_file(BELAEGNING, path, tmp_path, "L1")
    assert parsed.rows.height == 199
    assert parsed.rejected.to_dicts() == [
        {
            "kilde": "belaegning",
            "kildefil": "belaegning/b.csv",
            "kildelinje": 201,
            "kolonne": "Belagte døgn",
            "raavaerdi": "3l0",
            "aarsag": "ikke et heltal",
            "load_id": "L1",
        }
    ]


def test_more_than_one_percent_rejected_is_a_contract_error(tmp_path):
    good = "\n".join(f"{1000 + i};2024-01;10;10;300" for i in range(98))
    path = _write(
        tmp_path, "belaegning/b.csv", f"{HEADER}\n{good}\n1300;2023-13;10;10;300\n1301;2024-01;10;10;12,34,5\n"
    )
    with pytest.raises(ContractError) as err:
        read_file(BELAEGNING, path, tmp_path, "L1")
    assert err.value.line == 100 and err.value.column == "Måned"
    assert "2 af 100 rækker" in str(err.value) and "belaegning/b.csv" in str(err.value)


def test_missing_required_column_names_file_and_column(tmp_path):
    path = _write(tmp_path, "belaegning/b.csv", "Tilbudsnr;Måned;Normerede pladser;Belagte døgn\n1001;2024-01;10;300\n")
    with pytest.raises(ContractError) as err:
        read_file(BELAEGNING, path, tmp_path, "L1")
    assert err.value.column == "Pladser i drift" and err.value.file == "belaegning/b.csv"


def test_headers_match_case_insensitively_in_any_order_and_extras_are_kept(tmp_path):
    text = "belagte DØGN ; Måned;Tilbudsnr;Pladser i drift;Normerede pladser;Kommentar\n300;2024-01;1001;10;10;ok\n"
    path = _write(tmp_path, "belaegning/b.csv", text)
    parsed = read_file(BELAEGNING, path, tmp_path, "L1")
    row = parsed.rows.row(0, named=True)
    assert (row["tilbudsnr"], row["belagte_doegn"], row["kommentar"]) == (1001, 300, "ok")


def test_undecodable_and_binary_files_are_contract_errors(tmp_path):
    bad = tmp_path / "belaegning" / "b.csv"
    bad.parent.mkdir()
    bad.write_bytes(HEADER.encode("cp1252") + b"\n1001;2024-01;10;10;\x81\x8d\n")
    with pytest.raises(ContractError, match="hverken læses som UTF-8 eller Windows-1252"):
        read_file(BELAEGNING, bad, tmp_path, "L1")
    # A UTF-8 file with lines appended in cp1252: named as mixed, with the first bad line.
    bad.write_bytes(HEADER.encode() + b"\n1001;2024-01;10;10;300\n1002;2024-01;10;10;300 \xf8\n")
    with pytest.raises(ContractError, match="blandet kodning") as err:
        read_file(BELAEGNING, bad, tmp_path, "L1")
    assert err.value.line == 3
    bad.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ContractError, match="binær"):
        read_file(BELAEGNING, bad, tmp_path, "L1")


REAL_2021 = [  # shared/domain/README.md: a real 2021 appendix of a municipal operator
    ("Takst 1", 2, 0.95, 694, 618526, 891.89),
    ("Takst 2", 1, "95 %", 347, "373.086", "1.075,95"),
    ("Takst 3", 11, 95, 3814, 5157018, 1352.04),
    ("Takst 4", 17, "95%", 5895, 11496118, 1950.23),
]


def write_real_appendix(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Takster"
    ws.append(["Takstbilag 2021 – Aalborg Kommune"])
    ws.append([])
    ws.append(TAKSTBILAG_HEADER)
    for ydelse, pladser, pct, doegn, omk, takst in REAL_2021:
        ws.append(
            [2021, 1001, "Bostedet", "Aalborg Kommune", "SEL § 108", ydelse, pladser, 365, pct, doegn, omk, takst, None]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def test_takstbilag_header_below_title_block_percent_three_ways_excel_rows(tmp_path):
    path = tmp_path / "takstbilag" / "aalborg_2021.xlsx"
    write_real_appendix(path)
    parsed = read_file(TAKSTBILAG, path, tmp_path, "L1")
    assert parsed.rejected.height == 0
    rows = parsed.rows.sort("ydelse")
    assert rows["_source_line"].to_list() == [4, 5, 6, 7]
    assert rows["belaegningsprocent"].to_list() == [Decimal("0.95")] * 4
    assert rows["omkostninger"].to_list() == [Decimal(v) for v in ("618526", "373086", "5157018", "11496118")]
    assert rows["doegntakst"].to_list() == [Decimal(v) for v in ("891.89", "1075.95", "1352.04", "1950.23")]
    assert rows["antal_doegn"].to_list() == [694, 347, 3814, 5895]


def test_workbook_without_takster_sheet_is_a_contract_error(tmp_path):
    path = tmp_path / "takstbilag" / "x.xlsx"
    path.parent.mkdir()
    wb = openpyxl.Workbook()
    wb.active.title = "Ark1"
    wb.save(path)
    with pytest.raises(ContractError, match="Takster"):
        read_file(TAKSTBILAG, path, tmp_path, "L1")


REGK31_HEADER = "OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD"


def test_regk31_both_presentations_resolve_to_the_same_codes(tmp_path):
    value = (
        f"{REGK31_HEADER}\nAalborg;5.38.50 Botilbud til længerevarende ophold (§ 108);Driftskonti;I alt (netto);"
        "Løbende priser (1.000 kr.);2021;215.733,4\nLæsø;5.38.50 Botilbud til længerevarende ophold (§ 108);"
        "Driftskonti;Indtægter;Løbende priser (1.000 kr.);2021;..\n"
    )
    code = (
        f"{REGK31_HEADER}\n851 Aalborg;53850 Botilbud til længerevarende ophold (§ 108);1 Driftskonti;TOT I alt (netto);"
        "LOBM Løbende priser (1.000 kr.);2021;215733,4\n825 Læsø;53850 Botilbud til længerevarende ophold (§ 108);"
        "1 Driftskonti;I Indtægter;LOBM Løbende priser (1.000 kr.);2021;..\n"
    )
    keys = ["omraade_kode", "funktion", "funktionsnavn", "dranst", "art", "prisenhed", "aar", "indhold"]
    got = []
    for name, text in (("value.csv", value), ("code.csv", code)):
        parsed = read_file(REGNSKAB, _write(tmp_path, f"regnskab/{name}", text, encoding="utf-8-sig"), tmp_path, "L1")
        assert parsed.rejected.height == 0
        got.append(parsed.rows.select(keys).rows())
    assert (
        got[0]
        == got[1]
        == [
            (
                "851",
                "5.38.50",
                "Botilbud til længerevarende ophold (§ 108)",
                "1",
                "TOT",
                "LOBM",
                2021,
                Decimal("215733.400"),
            ),
            ("825", "5.38.50", "Botilbud til længerevarende ophold (§ 108)", "1", "I", "LOBM", 2021, None),
        ]
    )


def test_unknown_municipality_name_is_rejected_with_its_line(tmp_path):
    rows = "\n".join(
        f"Aalborg;5.38.50 X;Driftskonti;I alt (netto);Løbende priser (1.000 kr.);{y};1,0" for y in [2021] * 100
    )
    text = f"{REGK31_HEADER}\n{rows}\nÅlborg;5.38.50 X;Driftskonti;I alt (netto);Løbende priser (1.000 kr.);2021;1,0\n"
    parsed = read_file(REGNSKAB, _write(tmp_path, "regnskab/r.csv", text), tmp_path, "L1")
    assert parsed.rejected.select("kildelinje", "kolonne", "raavaerdi").rows() == [(102, "OMRÅDE", "Ålborg")]


def test_population_keeps_municipalities_and_comparison_areas_and_reads_quarters_and_months(tmp_path):
    text = (
        "OMRÅDE;KØN;ALDER;CIVILSTAND;TID;INDHOLD\n000 Hele landet;TOT I alt;IALT Alder i alt;TOT I alt;2021K1;5840045\n"
        "081 Region Nordjylland;TOT I alt;IALT Alder i alt;TOT I alt;2021K1;590322\n"
        "825 Læsø;TOT I alt;IALT Alder i alt;TOT I alt;2021K1;1776\nLæsø;Kvinder;17 år;I alt;2021M01;9\n"
    )
    parsed = read_file(BEFOLKNING, _write(tmp_path, "befolkning/f.csv", text), tmp_path, "L1")
    assert parsed.dropped == 0
    assert parsed.rows.select(
        "omraade_kode", "koen", "alder", "civilstand", "periode_start", "indhold", "_source_line"
    ).rows() == [
        ("000", "TOT", -1, "TOT", date(2021, 1, 1), 5840045, 2),
        ("081", "TOT", -1, "TOT", date(2021, 1, 1), 590322, 3),
        ("825", "TOT", -1, "TOT", date(2021, 1, 1), 1776, 4),
        ("825", "2", 17, "TOT", date(2021, 1, 1), 9, 5),
    ]


def test_health_check_wide_file_unpivots_with_lines_and_month_columns(tmp_path):
    others = "\n".join("Thisted;1;1;1" for _ in range(40))  # enough cells that one bad one is < 1 %
    text = f"Udtræksdato;25-10-2024\n\nKommune;2024M08;2024M09;2024M10\nAalborg;31;2x;4\nLæsø;0;1;..\n{others}\n"
    parsed = read_file(SUNDHEDSTJEK, _write(tmp_path, "sundhedstjek/u.csv", text), tmp_path, "L1")
    first = parsed.rows.filter(pl.col("_source_line") <= 5).select(
        "kommunekode", "maaned", "antal", "udtraeksdato", "_source_line"
    )
    assert first.rows() == [
        ("851", date(2024, 8, 1), 31, date(2024, 10, 25), 4),
        ("851", date(2024, 10, 1), 4, date(2024, 10, 25), 4),
        ("825", date(2024, 8, 1), 0, date(2024, 10, 25), 5),
        ("825", date(2024, 9, 1), 1, date(2024, 10, 25), 5),
        ("825", date(2024, 10, 1), None, date(2024, 10, 25), 5),
    ]
    assert parsed.rejected.select("kildelinje", "kolonne", "raavaerdi").rows() == [(4, "2024M09", "2x")]


def test_cpr_like_values_are_masked_in_rows_rejections_and_findings(tmp_path):
    header = "Kommunenr;Bilagsnr;Bogføringsdato;Funktion;Dranst;Art;Beløb;Tilbudsnr;Leverandør CVR;Borgerreference;Periode fra;Periode til;Antal døgn;Tekst"
    good = "\n".join(f"851;{i};04-01-2023;5.38.50;1;4.8;100,00;;;B-{i:06d};;;;" for i in range(200))
    planted = "851;9001;04-01-2023;5.38.50;1;4.8;100,00;;;250386-0000;;;;Borger 2503860000 ringede"
    in_number = "851;9002;04-01-2023;5.38.50;1;4.8;100,00;250386-0000;;B-9;;;;"
    path = _write(tmp_path, "posteringer/p.csv", f"{header}\n{good}\n{planted}\n{in_number}\n")
    parsed = read_file(POSTERINGER, path, tmp_path, "L1")
    assert parsed.cpr.select("kildelinje", "kolonne", "maskeret_vaerdi").rows() == [
        (202, "Borgerreference", "XXXXXX-XXXX"),
        (202, "Tekst", "Borger XXXXXX-XXXX ringede"),
        (203, "Tilbudsnr", "XXXXXX-XXXX"),
    ]  # a number column too: found, masked, then rejected
    assert parsed.rejected.select("kildelinje", "kolonne", "raavaerdi").rows() == [(203, "Tilbudsnr", "XXXXXX-XXXX")]
    everything = str(parsed.rows.to_dicts()) + str(parsed.rejected.to_dicts()) + str(parsed.cpr.to_dicts())
    assert "250386" not in everything and "0000 ringede" not in everything


@pytest.mark.parametrize("appended", ["– ophold", "5 €", "§ 108", "’citat’", "Ærø"])
def test_utf8_lines_appended_to_a_cp1252_file_are_mixed_encodings_not_mojibake(tmp_path, appended):
    head = f"{HEADER}\n1001;2024-01;10;10;300\n".encode("cp1252") + "Bøgely;".encode("cp1252")
    path = tmp_path / "belaegning" / "b.csv"
    path.parent.mkdir()
    path.write_bytes(head + appended.encode("utf-8") + b"\n")
    with pytest.raises(ContractError, match="blandet kodning"):
        read_file(BELAEGNING, path, tmp_path, "L1")


def test_cp1252_text_with_dashes_euro_and_no_break_space_is_cp1252(tmp_path):
    path = _write(
        tmp_path,
        "tilbud/t.csv",
        (
            "Tilbudsnr;Tilbudsnavn;Driftsherre;Driftsherretype;Beliggenhedskommune;Paragraf;Målgruppe;"
            "Normerede pladser;Godkendt fra;Godkendt til\n1001;Bøgely – Å-huset «Syd»;SØ\xa0Kommune € ½;kommune;825;"
            "SEL § 108;Voksne;12;01-01-2015;\n"
        ),
        encoding="cp1252",
    )
    parsed = read_file(TILBUD, path, tmp_path, "L1")
    assert parsed.rows.select("tilbudsnavn", "driftsherre").row(0) == ("Bøgely – Å-huset «Syd»", "SØ\xa0Kommune € ½")


def _rate_sheet(path, header, rows, formats=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Takster"
    sheet.append(["Takstbilag 2024 – Testkommune"])
    sheet.append([])
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    for cell, fmt in (formats or {}).items():
        sheet[cell].number_format = fmt
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


RATE_ROW = [2021, 1001, "Bostedet", "Læsø Kommune", "SEL § 108", "Takst 1", 2, 365, 0.95, 694, 618526, 891.89, None]


def test_workbook_header_cells_with_line_breaks_a_literal_percent_and_a_note_row(tmp_path):
    header = [h.replace(" ", "\n") for h in TAKSTBILAG_HEADER]  # Alt+Enter in every header cell
    note = ["Taksterne er godkendt af byrådet 12-11-2020"]
    path = _rate_sheet(
        tmp_path / "takstbilag" / "t.xlsx",
        header,
        [RATE_ROW, [*RATE_ROW[:5], "Takst 2", 1, 365, 95, 347, 373086, 1075.95], [], note],
        formats={"I5": '0" %"'},
    )  # 95 shown as "95 %": a literal sign, the value is 95
    parsed = read_file(TAKSTBILAG, path, tmp_path, "L1")
    assert parsed.rejected.height == 0
    assert parsed.rows.select("_source_line", "belaegningsprocent", "antal_doegn", "doegntakst").rows() == [
        (4, Decimal("0.95"), 694, Decimal("891.89")),
        (5, Decimal("0.95"), 347, Decimal("1075.95")),
    ]
    assert parsed.findings == (
        "1 notelinje(r) med én tekstcelle i arket 'Takster' er ikke takster og indlæses ikke (række 7)",
    )


def _store_as_double(path, cell: str, text: str) -> None:
    """Rewrite one number cell's stored text in the sheet XML, as other writers store it."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml, n = re.subn(rf'(<c r="{cell}"[^>]*><v>)[^<]*(</v>)', rf"\g<1>{text}\g<2>", parts[sheet].decode())
    assert n == 1, f"cell {cell} not found as a value cell"
    parts[sheet] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_a_stored_rate_whose_decimals_look_like_a_cpr_number_is_a_number_not_a_finding(tmp_path):
    """Excel stores a computed rate as a double: 28501074 / (31 × 365 × 0,98) is kept as
    2570.2809166088, ten decimals that read like 280916-6088. A number cell with a fraction is
    not a typed CPR number (Excel keeps one as text, or as a whole number) and no text field
    (contracts/data-quality-rules.md, R15): not masked, not rejected. A whole number, a whole
    number stored as a double (read back as "1010901234.0", as files written by Apache POI have
    it) and a text cell holding a CPR-like value still are."""
    stored_rate = [2020, 1002, "Bostedet Granly", "Hjørring Kommune", "SEL § 108", "Døgnophold", 31, 365, 0.98]
    rows = [
        RATE_ROW,
        [*stored_rate, 11089, 28501074, 2570.2809166088, None],
        [*RATE_ROW[:5], "Takst 2", 1, 365, 0.95, 347, 2503860000, 1075.95, "sag 250386-0000"],
        [*RATE_ROW[:5], "Takst 3", 1, 365, 0.95, 347, 1010901234.0, 1075.95, None],
        *([[*RATE_ROW[:5], f"Takst {i}", *RATE_ROW[6:]] for i in range(4, 250)]),
    ]
    path = _rate_sheet(tmp_path / "takstbilag" / "t.xlsx", TAKSTBILAG_HEADER, rows, formats={"L5": "#,##0.00"})
    _store_as_double(path, "K7", "1.010901234E9")  # openpyxl writes the whole number as 1010901234
    parsed = read_file(TAKSTBILAG, path, tmp_path, "L1")
    assert parsed.rows.filter(pl.col("_source_line") == 5).select(
        "tilbudsnr", "doegntakst", "doegntakst_cellevaerdi"
    ).rows() == [(1002, Decimal("2570.28"), "2570.2809166088")]
    assert parsed.cpr.select("kildelinje", "kolonne", "maskeret_vaerdi").rows() == [
        (6, "Begrundelse", "sag XXXXXX-XXXX"),
        (6, "Omkostninger", "XXXXXX-XXXX"),
        (7, "Omkostninger", "XXXXXX-XXXX.0"),
    ]
    assert parsed.rejected.select("kildelinje", "kolonne", "raavaerdi").rows() == [
        (6, "Omkostninger", "XXXXXX-XXXX"),
        (7, "Omkostninger", "XXXXXX-XXXX.0"),
    ]


def test_csv_header_name_with_a_quoted_line_break(tmp_path):
    text = 'Tilbudsnr;Måned;Normerede pladser;Pladser i drift;"Belagte\ndøgn"\n1001;2024-01;10;10;300\n1002;2024M02;9;9;252\n'
    parsed = read_file(BELAEGNING, _write(tmp_path, "belaegning/b.csv", text), tmp_path, "L1")
    assert parsed.rows.select("tilbudsnr", "belagte_doegn", "_source_line").rows() == [(1001, 300, 3), (1002, 252, 4)]


def test_a_fully_quoted_export_reads_the_same_on_the_fast_and_the_careful_path(tmp_path, monkeypatch):
    from ingest import textfile

    header = ";".join(f'"{h}"' for h in ("Tilbudsnr", "Måned", "Normerede pladser", "Pladser i drift", "Belagte døgn"))
    lines = [f'"{1000 + i}";"2024-01";"10";"{10 - i % 2}";"{300 - i}"' for i in range(400)]
    lines[7] = '"1007";"2024-01";"10";"9";"29\r\n3"'  # a line break inside a quoted count: rejected on both paths
    path = _write(tmp_path, "belaegning/q.csv", "\n".join([header, *lines]) + "\n")
    fast = read_file(BELAEGNING, path, tmp_path, "L1")
    monkeypatch.setattr(textfile, "MANY_QUOTED_LINES", 10_000)
    careful = read_file(BELAEGNING, path, tmp_path, "L1")
    assert fast.rows.to_dicts() == careful.rows.to_dicts()
    assert fast.rejected.to_dicts() == careful.rejected.to_dicts()
    assert fast.rows.height == 399 and fast.rows["_source_line"].to_list()[6:9] == [8, 11, 12]  # line 9–10 rejected
    assert fast.rejected.select("kildelinje", "kolonne").rows() == [(9, "Belagte døgn")]


# --------------------------------------------------------------------------- prisindeks/ (landing-zone §10)
def test_price_index_in_both_forms(tmp_path):
    text = "år ; PL-indeks\n2019;100,0\n2020;101,9\n2021;1.004,55\n"
    parsed = read_file(PRISINDEKS, _write(tmp_path, "prisindeks/a.csv", text, encoding="cp1252"), tmp_path, "L1")
    assert parsed.rows.select("aar", "pl_indeks", "pl_udvikling_pct", "_source_line").rows() == [
        (2019, Decimal("100.000"), None, 2),
        (2020, Decimal("101.900"), None, 3),
        (2021, Decimal("1004.550"), None, 4),
    ]
    text = "År;PL-udvikling (%)\n2020;1,9 %\n2021;2,6%\n2022;-0,4\n"
    parsed = read_file(PRISINDEKS, _write(tmp_path, "prisindeks/b.csv", text), tmp_path, "L1")
    assert parsed.rows.select("aar", "pl_udvikling_pct").rows() == [
        (2020, Decimal("1.900")),
        (2021, Decimal("2.600")),
        (2022, Decimal("-0.400")),
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "År;PL-indeks\n2019;100\n2020;101\n2023;104\n",
            "prisindeks/p.csv, linje 4, kolonne 'År': år 2021 mangler i indekset (årene skal følge hinanden): tilføj året",
        ),
        (
            "År;PL-indeks;PL-udvikling (%)\n2019;100;\n",
            "prisindeks/p.csv, linje 1, kolonne 'PL-indeks / PL-udvikling (%)': angiv én af kolonnerne 'PL-indeks' "
            "(et indeks) eller 'PL-udvikling (%)' (årlig ændring i %), ikke begge",
        ),
        (
            "År;Indeks\n2019;100\n",
            "prisindeks/p.csv, linje 1, kolonne 'PL-indeks / PL-udvikling (%)': angiv én af kolonnerne 'PL-indeks' "
            "(et indeks) eller 'PL-udvikling (%)' (årlig ændring i %), ingen fundet",
        ),
    ],
)
def test_price_index_gap_or_wrong_columns_is_refused_naming_what_to_do(tmp_path, text, message):
    with pytest.raises(ContractError) as caught:
        read_file(PRISINDEKS, _write(tmp_path, "prisindeks/p.csv", text), tmp_path, "L1")
    assert str(caught.value) == message
