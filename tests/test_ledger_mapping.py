"""Ledger exports in a financial system's own layout, loaded through a declared mapping: the
shared case, a steward's mapping beside the files, rejected rows with their original lines,
the CPR guard, and refusals that say how to declare a mapping."""

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from ingest.errors import ContractError
from ingest.sources import POSTERINGER, read_file

CASE = Path(__file__).parent / "cases" / "posteringer" / "erp_eksport_debet_kredit.csv"  # a copy of shared/cases
ERP_HEADER = (
    "Kontering;Artskonto;Bilagsnr;Bogført;Debet/kredit;Beløb;Leverandør CVR;Sagsnøgle;Ydelsesperiode fra;"
    "Ydelsesperiode til;Mængde;Mængdeenhed;Tilbud;Tekst"
)


def _landing(tmp_path, name="erp.csv", data=None):
    path = tmp_path / "posteringer" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if data is not None else CASE.read_bytes())
    return path


def test_case_erp_export_loads_as_five_contract_postings(tmp_path):
    parsed = read_file(POSTERINGER, _landing(tmp_path), tmp_path, "L1")
    assert parsed.shape == "mapping: kmd-opus-851 v1"
    assert parsed.rejected.height == 0 and parsed.cpr.height == 0
    rows = {r["_source_line"]: r for r in parsed.rows.iter_rows(named=True)}
    assert sorted(rows) == [2, 3, 4, 5, 6]  # physical lines of the original file; the trailing LF line is not a row
    line3 = {
        k: rows[3][k]
        for k in (
            "kommunenr",
            "bilagsnr",
            "bogfoeringsdato",
            "funktion",
            "dranst",
            "art",
            "beloeb",
            "tilbudsnr",
            "borgerreference",
            "periode_fra",
            "periode_til",
            "antal_doegn",
            "leverandoer_cvr",
            "tekst",
            "gruppering",
        )
    }
    assert line3 == {
        "kommunenr": "851",
        "bilagsnr": "24000118",
        "bogfoeringsdato": date(2024, 1, 15),
        "funktion": "5.38.50",
        "dranst": 1,
        "art": "4.9",
        "beloeb": Decimal("-1690.32"),
        "tilbudsnr": 111001,
        "borgerreference": "S-0042",
        "periode_fra": date(2024, 1, 1),
        "periode_til": date(2024, 1, 31),
        "antal_doegn": 1,
        "leverandoer_cvr": "29189420",
        "tekst": "Tilbagebetaling 1 døgn januar",
        "gruppering": "001",
    }
    assert (rows[6]["dranst"], rows[6]["funktion"], rows[6]["art"], rows[6]["beloeb"]) == (
        3,
        "5.38.50",
        "3.0",
        Decimal("2000000.00"),
    )
    assert (rows[5]["art"], rows[5]["antal_doegn"], rows[5]["tilbudsnr"]) == ("2.2", None, None)
    assert (rows[4]["funktion"], rows[4]["beloeb"], rows[4]["antal_doegn"]) == ("5.38.52", Decimal("38115.50"), 31)
    # Operating postings (dranst 1) sum by hand: 52.400,00 − 1.690,32 + 38.115,50 + 6.420,50
    assert parsed.rows.filter(pl.col("dranst") == 1)["beloeb"].sum() == Decimal("95245.68")


def test_without_a_mapping_the_file_is_refused_in_one_line(tmp_path, monkeypatch):
    from ingest import ledger_mapping

    monkeypatch.setattr(ledger_mapping, "SHIPPED", tmp_path / "none")
    ledger_mapping._shipped.cache_clear()
    try:
        with pytest.raises(ContractError) as err:
            read_file(POSTERINGER, _landing(tmp_path), tmp_path, "L1")
    finally:
        ledger_mapping._shipped.cache_clear()
    assert "\n" not in str(err.value) and err.value.line == 1
    assert err.value.reason == (
        "kolonnerne Kommunenr, Bogføringsdato, Funktion, Dranst, Art, Tilbudsnr, Borgerreference, Periode fra, "
        "Periode til, Antal døgn mangler, og ingen mapping passer til filens overskrift: beskriv eksporten i en "
        "mapping (YAML) i posteringer/ ved siden af filen, se docs/mappings.md"
    )


STEWARD_MAPPING = """\
name: prisme-860
version: 3
signature: [Kontering, Artskonto, Debet/kredit, Bogført]
files: ["860/*.csv"]
columns:
  Kommunenr: {constant: "860"}
  Bilagsnr: Bilagsnr
  Bogføringsdato: {from: Bogført, date_format: dd.mm.yyyy}
  Funktion: {from: Kontering, pattern: '^(\\\\d)(\\\\d{2})(\\\\d{2})', template: '{1}.{2}.{3}'}
  Dranst: {from: Kontering, pattern: '^\\\\d{5}([1-3])'}
  Art: {from: Artskonto, pattern: '^(\\\\d)(\\\\d)', template: '{1}.{2}'}
  Beløb: {from: Beløb, sign: {from: Debet/kredit, negative: [K], positive: [D]}}
  Borgerreference: Sagsnøgle
  Tekst: Tekst
"""


def _steward_file(tmp_path, lines: list[str]) -> Path:
    folder = tmp_path / "posteringer"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prisme-860.yaml").write_text(STEWARD_MAPPING.replace("\\\\", "\\"), encoding="utf-8")
    header = "Kontering;Artskonto;Bilagsnr;Bogført;Debet/kredit;Beløb;Sagsnøgle;Tekst"
    return _landing(tmp_path, "860/2024.csv", ("\n".join([header, *lines]) + "\n").encode("cp1252"))


def test_a_stewards_mapping_beside_the_files_signs_dates_and_rejects_with_lines(tmp_path):
    good = [f"5385210;49;B{i};0{1 + i % 9}.02.2024;D;1.000,00;S-{i};Døgn" for i in range(200)]
    bad = [
        "X385210;49;B900;10.02.2024;D;5,00;S-900;forkert kontering",
        "5385210;49;B901;10.02.2024;?;5,00;S-901;ukendt debet/kredit",
        "5385210;49;B902;31.02.2024;K;250,50;250386-0000;ugyldig dato",
    ]
    path = _steward_file(tmp_path, [*good, *bad])
    with pytest.raises(ContractError, match=r"3 af 203 rækker \(1.5%\)"):  # over the 1 % limit, like any posting file
        read_file(POSTERINGER, path, tmp_path, "L1")
    path = _steward_file(tmp_path, [*good, *good, bad[2]])
    parsed = read_file(POSTERINGER, path, tmp_path, "L1")
    assert parsed.shape == "mapping: prisme-860 v3"
    first = parsed.rows.row(0, named=True)
    assert (
        first["kommunenr"],
        first["funktion"],
        first["dranst"],
        first["art"],
        first["beloeb"],
        first["bogfoeringsdato"],
    ) == ("860", "5.38.52", 1, "4.9", Decimal("1000.00"), date(2024, 2, 1))
    # the 31.02 line is rejected under the contract's and the file's column name; its CPR-like
    # case key is masked in the rows' stead, as for any posting
    assert parsed.rejected.select("kildelinje", "kolonne", "raavaerdi", "aarsag").rows() == [
        (
            402,
            "Bogføringsdato (Bogført)",
            "31.02.2024",
            "ikke en dato (dd-mm-åååå, dd.mm.åååå, åååå-mm-dd eller ååååmmdd)",
        )
    ]
    assert parsed.cpr.select("kildelinje", "kolonne").rows() == [(402, "Borgerreference")]
    # The rows the mapping itself cannot transform are rejected whole, with their line.
    path = _steward_file(tmp_path, [*good, *good, bad[0], bad[1]])
    parsed = read_file(POSTERINGER, path, tmp_path, "L1")
    assert parsed.rejected.select("kildelinje", "kolonne", "raavaerdi").rows() == [
        (402, "(hele linjen)", "Kontering 'X385210' passer ikke til mønsteret for Funktion"),
        (403, "(hele linjen)", "Debet/kredit '?' er hverken K eller D"),
    ]
    assert parsed.rows.height == 400


def test_two_fitting_mappings_are_an_error_and_a_broken_mapping_names_its_file(tmp_path):
    path = _landing(tmp_path)
    (tmp_path / "posteringer" / "kopi.yaml").write_text(
        (Path(__file__).resolve().parents[1] / "ingest" / "mappings" / "kmd-opus-851.yaml")
        .read_text(encoding="utf-8")
        .replace("name: kmd-opus-851", "name: kmd-opus-860")
        .replace('{constant: "851"}', '{constant: "860"}'),
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match=r"flere mappings passer til filen \(kmd-opus-860, kmd-opus-851\)"):
        read_file(POSTERINGER, path, tmp_path, "L1")
    (tmp_path / "posteringer" / "kopi.yaml").write_text(
        "name: x\nversion: 1\nsignature: [A]\ncolumns: {Beløb: {pattern: '('}}\n"
    )
    with pytest.raises(ContractError) as err:
        read_file(POSTERINGER, path, tmp_path, "L1")
    assert err.value.file == "kopi.yaml" and "enten from eller constant" in err.value.reason


def test_a_file_in_the_contracts_columns_needs_no_mapping(tmp_path):
    header = (
        "Kommunenr;Bilagsnr;Bogføringsdato;Funktion;Dranst;Art;Beløb;Tilbudsnr;Leverandør CVR;Borgerreference;"
        "Periode fra;Periode til;Antal døgn;Tekst"
    )
    path = _landing(tmp_path, "851.csv", f"{header}\n851;1;15-01-2024;5.38.50;1;4.9;-1.690,32;;;;;;;\n".encode())
    parsed = read_file(POSTERINGER, path, tmp_path, "L1")
    assert parsed.shape == "kontraktens kolonner" and parsed.rows["beloeb"].to_list() == [Decimal("-1690.32")]


def test_check_shows_the_mapping_applied(tmp_path, capsys):
    from cli.main import main

    _landing(tmp_path)
    assert main(["check", str(tmp_path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "posteringer/erp.csv: OK [posteringer] mapping: kmd-opus-851 v1: 5 rækker godkendt, 0 værdier afvist"
    ]


def test_unknown_export_columns_are_kept_and_a_string_files_pattern_is_one_pattern(tmp_path):
    header, *lines = CASE.read_bytes().decode("utf-8").split("\r\n")
    data = "\r\n".join([header + ";Omkostningssted;Tekst2"] + [f"{line};20431;x" for line in lines if line.strip()])
    _landing(tmp_path, "851_opus.csv", data.encode("utf-8"))
    parsed = read_file(POSTERINGER, tmp_path / "posteringer" / "851_opus.csv", tmp_path, "L1")
    assert parsed.rows["omkostningssted"].to_list() == ["20431"] * 5 and parsed.rows["tekst2"].to_list() == ["x"] * 5
    # A steward's mapping for 860 with `files` as one string: it must not catch 851's export.
    mapping = (Path(__file__).parents[1] / "ingest" / "mappings" / "kmd-opus-851.yaml").read_text(encoding="utf-8")
    (tmp_path / "posteringer" / "kmd-opus-860.yaml").write_text(
        mapping.replace("kmd-opus-851", "kmd-opus-860").replace('constant: "851"', 'constant: "860"')
        + "\nfiles: '860_*.csv'\n",
        encoding="utf-8",
    )
    assert (
        read_file(POSTERINGER, tmp_path / "posteringer" / "851_opus.csv", tmp_path, "L1").shape
        == "mapping: kmd-opus-851 v1"
    )
    shutil.copy(tmp_path / "posteringer" / "851_opus.csv", tmp_path / "posteringer" / "860_opus.csv")
    other = read_file(POSTERINGER, tmp_path / "posteringer" / "860_opus.csv", tmp_path, "L1")
    assert other.shape == "mapping: kmd-opus-860 v1" and set(other.rows["kommunenr"]) == {"860"}


def test_a_malformed_mapping_is_named_not_the_data_file(tmp_path):
    _landing(tmp_path)
    (tmp_path / "posteringer" / "min.yaml").write_text(
        "name: min\nversion: v1\nsignature: [Kontering]\ncolumns: {Kommunenr: {constant: '851'}}\n", encoding="utf-8"
    )
    with pytest.raises(ContractError) as err:
        read_file(POSTERINGER, tmp_path / "posteringer" / "erp.csv", tmp_path, "L1")
    assert err.value.file == "min.yaml" and "version skal være et heltal (1, 2, …), ikke 'v1'" in err.value.reason
