"""Reading landing files: encodings, physical line numbers, quarantine, contract errors, Excel."""

from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest

from ingest.errors import ContractError
from ingest.sources import BELAEGNING, TAKSTBILAG, TILBUD, read_file

HEADER = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn"
NOW = datetime(2024, 1, 1)


def _write(landing, rel, text, encoding="utf-8", newline="\r\n"):
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def test_bom_crlf_blank_lines_keep_physical_line_numbers(tmp_path):
    rows = "\n".join(f"{1000 + i};2024-01;10;10;300" for i in range(3))
    path = _write(tmp_path, "belaegning/b.csv", f"{HEADER}\n{rows}\n\n1100;2024M02;5;5;140\n", encoding="utf-8-sig")
    parsed, sha = read_file(BELAEGNING, path, tmp_path, "L1", NOW)
    assert parsed.rows["_source_line"].to_list() == [2, 3, 4, 6]
    assert parsed.rows["belagte_doegn"].to_list() == [300, 300, 300, 140]
    assert parsed.rows["_source_file"].unique().to_list() == ["belaegning/b.csv"]
    assert len(sha) == 64 and parsed.rows["_file_sha256"][0] == sha


def test_cp1252_file_is_decoded(tmp_path):
    text = ("Tilbudsnr;Tilbudsnavn;Driftsherre;Driftsherretype;Beliggenhedskommune;Paragraf;Målgruppe;"
            "Normerede pladser;Godkendt fra;Godkendt til\n1001;Bøgely Å-huset;Læsø Kommune;kommune;825;SEL § 108;"
            "Voksne;12;01-01-2015;\n")
    path = _write(tmp_path, "tilbud/t.csv", text, encoding="cp1252")
    parsed, _ = read_file(TILBUD, path, tmp_path, "L1", NOW)
    assert parsed.rows.row(0, named=True)["tilbudsnavn"] == "Bøgely Å-huset"
    assert parsed.rows["godkendt_til"].to_list() == [None]


def test_unparseable_value_goes_to_rejected_with_file_line_column(tmp_path):
    good = "\n".join(f"{1000 + i};2024-01;10;10;300" for i in range(199))
    path = _write(tmp_path, "belaegning/b.csv", f"{HEADER}\n{good}\n1300;2024-01;10;10;3l0\n")
    parsed, _ = read_file(BELAEGNING, path, tmp_path, "L1", NOW)
    assert parsed.rows.height == 199
    assert parsed.rejected.to_dicts() == [{
        "kilde": "belaegning", "kildefil": "belaegning/b.csv", "kildelinje": 201, "kolonne": "Belagte døgn",
        "raavaerdi": "3l0", "aarsag": "ikke et heltal", "load_id": "L1",
    }]


def test_more_than_one_percent_rejected_is_a_contract_error(tmp_path):
    good = "\n".join(f"{1000 + i};2024-01;10;10;300" for i in range(98))
    path = _write(tmp_path, "belaegning/b.csv", f"{HEADER}\n{good}\n1300;2023-13;10;10;300\n1301;2024-01;10;10;12,34,5\n")
    with pytest.raises(ContractError) as err:
        read_file(BELAEGNING, path, tmp_path, "L1", NOW)
    assert err.value.line == 100 and err.value.column == "Måned"
    assert "2 af 100 rækker" in str(err.value) and "belaegning/b.csv" in str(err.value)


def test_missing_required_column_names_file_and_column(tmp_path):
    path = _write(tmp_path, "belaegning/b.csv", "Tilbudsnr;Måned;Normerede pladser;Belagte døgn\n1001;2024-01;10;300\n")
    with pytest.raises(ContractError) as err:
        read_file(BELAEGNING, path, tmp_path, "L1", NOW)
    assert err.value.column == "Pladser i drift" and err.value.file == "belaegning/b.csv"


def test_headers_match_case_insensitively_in_any_order_and_extras_are_kept(tmp_path):
    text = "belagte DØGN ; Måned;Tilbudsnr;Pladser i drift;Normerede pladser;Kommentar\n300;2024-01;1001;10;10;ok\n"
    path = _write(tmp_path, "belaegning/b.csv", text)
    parsed, _ = read_file(BELAEGNING, path, tmp_path, "L1", NOW)
    row = parsed.rows.row(0, named=True)
    assert (row["tilbudsnr"], row["belagte_doegn"], row["kommentar"]) == (1001, 300, "ok")


def test_undecodable_and_binary_files_are_contract_errors(tmp_path):
    bad = tmp_path / "belaegning" / "b.csv"
    bad.parent.mkdir()
    bad.write_bytes(HEADER.encode() + b"\n1001;2024-01;10;10;\x81\x8d\n")
    with pytest.raises(ContractError, match="hverken læses som UTF-8 eller Windows-1252"):
        read_file(BELAEGNING, bad, tmp_path, "L1", NOW)
    bad.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ContractError, match="binær"):
        read_file(BELAEGNING, bad, tmp_path, "L1", NOW)


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
    ws.append(["År", "Tilbudsnr", "Tilbudsnavn", "Driftsherre", "Paragraf", "Ydelse", "Pladser", "Dage",
               "Belægningsprocent", "Antal døgn", "Omkostninger", "Døgntakst", "Begrundelse"])
    for ydelse, pladser, pct, doegn, omk, takst in REAL_2021:
        ws.append([2021, 1001, "Bostedet", "Aalborg Kommune", "SEL § 108", ydelse, pladser, 365, pct, doegn, omk, takst, None])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def test_takstbilag_header_below_title_block_percent_three_ways_excel_rows(tmp_path):
    path = tmp_path / "takstbilag" / "aalborg_2021.xlsx"
    write_real_appendix(path)
    parsed, _ = read_file(TAKSTBILAG, path, tmp_path, "L1", NOW)
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
        read_file(TAKSTBILAG, path, tmp_path, "L1", NOW)
