"""The handed cases of tests/cases/bugs, bugs2 and freedoms (a copy of shared/cases), each
with the outcome its README states, read file by file exactly as `cockpit check` and a run read
them. The run-level outcomes (published values, flags, refusals) are in test_cases_run.py."""

import contextlib
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from ingest.errors import ContractError
from ingest.sources import BELAEGNING, POSTERINGER, SUNDHEDSTJEK, TAKSTBILAG, read_file

CASES = Path(__file__).parent / "cases"


def _read(source, rel: str):
    path = CASES / rel
    return read_file(source, path, path.parent.parent, "case")


def _row(parsed, line: int) -> dict:
    (row,) = parsed.rows.filter(pl.col("_source_line") == line).to_dicts()
    return row


def test_02_quotes_inside_free_text_are_read_as_excel_reads_them():
    parsed = _read(POSTERINGER, "bugs/02_quote_in_tekst/posteringer/quote_in_tekst.csv")
    assert (parsed.rows.height, parsed.rejected.height) == (200, 0)
    assert _row(parsed, 40)["tekst"] == "Solsikken ophold marts 2024"
    assert _row(parsed, 80)["tekst"] == 'Skærm 24" til fælles stue'
    assert _row(parsed, 40)["beloeb"] == Decimal("1543.39") and _row(parsed, 80)["beloeb"] == Decimal("1223.79")
    assert parsed.rows["_source_line"].to_list() == list(range(2, 202))


def test_02_cpr_like_number_in_a_quoted_text_is_masked_and_recorded():
    parsed = _read(POSTERINGER, "bugs/02_quote_in_tekst/posteringer/quote_cpr_like.csv")
    assert (parsed.rows.height, parsed.rejected.height) == (200, 0)
    assert _row(parsed, 60)["tekst"] == "Ref XXXXXX-XXXX ophold marts 2024"
    assert parsed.cpr.select("kildefil", "kildelinje", "kolonne", "maskeret_vaerdi").rows() == [
        ("posteringer/quote_cpr_like.csv", 60, "Tekst", "Ref XXXXXX-XXXX ophold marts 2024")
    ]
    assert "010190" not in str(parsed.rows.to_dicts()) + str(parsed.cpr.to_dicts())


@pytest.mark.parametrize("name, form", [("yy_dates.csv", "07-01-24"), ("yy_dates_dotted.csv", "07.01.24")])
def test_04_two_digit_years_are_rejected_naming_file_column_and_first_line(name, form):
    with pytest.raises(ContractError) as err:
        _read(POSTERINGER, f"bugs/04_two_digit_year/posteringer/{name}")
    assert (err.value.file, err.value.column, err.value.line) == (f"posteringer/{name}", "Bogføringsdato", 2)
    assert "200 af 200 rækker" in err.value.reason and f"'{form}'" in err.value.reason
    assert "tocifret årstal" in err.value.reason


def test_05_formula_results_are_rounded_half_up_and_the_stored_value_kept():
    parsed = _read(TAKSTBILAG, "bugs/05_excel_formula_unrounded/takstbilag/formler_uafrundet.xlsx")
    assert parsed.rejected.height == 0
    first, second = _row(parsed, 4), _row(parsed, 5)
    assert (first["antal_doegn"], first["doegntakst"], first["belaegningsprocent"]) == (
        694,
        Decimal("891.89"),
        Decimal("0.95"),
    )
    assert first["doegntakst_cellevaerdi"] == "891.8904109589041"
    assert (second["belaegningsprocent"], second["doegntakst"]) == (Decimal("0.949938"), Decimal("1352.13"))
    assert second["belaegningsprocent_cellevaerdi"] == "0.9499377334993774"


def test_06_a_number_cell_is_a_number_never_a_thousands_dot():
    parsed = _read(TAKSTBILAG, "bugs/06_excel_numeric_three_decimals/takstbilag/tre_decimaler.xlsx")
    first, second = _row(parsed, 4), _row(parsed, 5)
    # 891.895 stored, shown 891,895: half-up to øre (docs/interpretations.md, "Excel cells by type"), not 891.895,00 kr.
    assert first["doegntakst"] == Decimal("891.90") and first["doegntakst_cellevaerdi"] == "891.895"
    assert second["doegntakst"] == Decimal("1352.04") and second["doegntakst_cellevaerdi"] is None


def test_07_formulas_without_cached_values_are_refused_naming_sheet_and_cells():
    with pytest.raises(ContractError) as err:
        _read(TAKSTBILAG, "bugs/07_excel_formula_no_cache/takstbilag/uden_cache.xlsx")
    assert err.value.reason.startswith("arket 'Takster', celle J4, L4, J5, L5: formel uden beregnet værdi")
    assert "åbn projektmappen i Excel" in err.value.reason
    assert (err.value.column, err.value.line) == ("Antal døgn, Døgntakst", 4)


@pytest.mark.parametrize(
    ("rel", "passes"),
    [
        ("bugs/05_excel_formula_unrounded/takstbilag/formler_uafrundet.xlsx", [True, False]),
        ("bugs/06_excel_numeric_three_decimals/takstbilag/tre_decimaler.xlsx", [True]),
        ("bugs/07_excel_formula_no_cache/takstbilag/uden_cache.xlsx", [True, False]),
    ],
)
def test_a_workbook_is_read_for_its_formulas_only_when_its_sheet_holds_one(monkeypatch, rel, passes):
    import openpyxl

    opened, real = [], openpyxl.load_workbook

    def counted(*args, **kwargs):
        opened.append(kwargs["data_only"])
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", counted)
    with contextlib.suppress(ContractError):  # case 07 is refused, after both passes
        _read(TAKSTBILAG, rel)
    assert opened == passes  # the cached values, then the formulas only where there are some


def test_a_formula_element_is_found_in_any_form_a_sheet_writes_it_and_nothing_else_is():
    from ingest.textfile import _FORMULA

    cells = [
        b'<c r="J4"><f>ROUND(G4*H4*I4,0)</f><v>694</v></c>',
        b'<c r="J5"><f t="shared" si="0"/></c>',
        b'<x:c r="J4"><x:f t="array" ref="J4:J5">A1</x:f></x:c>',
        b'<c r="J4"><f\n>A1</f></c>',
    ]
    others = [
        b'<conditionalFormatting><cfRule type="expression"><formula>$A1&gt;0</formula></cfRule>',
        b'<dataValidation><formula1>"ja,nej"</formula1></dataValidation>',
        b'<c r="A1" t="s"><v>0</v></c>',
        b'<sheetFormatPr defaultRowHeight="15"/><filterColumn colId="0"/>',
    ]
    cells.append(b'<s-1:c r="A2"><s-1:f>1+1</s-1:f></s-1:c>')  # any XML name as the prefix
    assert [bool(_FORMULA.search(c)) for c in cells + others] == [True] * 5 + [False] * 4


def test_a_sheet_in_utf_16_is_read_for_its_formulas_as_before(tmp_path):
    """The formula search reads 8-bit XML; a sheet saved as UTF-16 (valid XML, no program writes
    it) still gets the formula pass, so a formula without a cached value is still refused."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Takster"
    sheet.append(["Tilbudsnr", "Døgntakst"])
    sheet.append([1001, "=1+1"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    wide = tmp_path / "takstbilag" / "utf16.xlsx"
    wide.parent.mkdir()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(wide, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'")
                text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
                data = text.encode("utf-16")
            target.writestr(item, data)
    with pytest.raises(ContractError) as err:
        read_file(TAKSTBILAG, wide, wide.parent.parent, "case")
    assert "celle B2: formel uden beregnet værdi" in err.value.reason


def test_freedom_cp1252_lower_case_padded_reordered_headers():
    parsed = _read(POSTERINGER, "freedoms/posteringer/smaa_bogstaver_cp1252.csv")
    assert (parsed.rows.height, parsed.rejected.height) == (3, 0)
    line3 = _row(parsed, 3)
    assert (line3["kommunenr"], line3["beloeb"], line3["antal_doegn"]) == ("773", Decimal("-1558.39"), 1)
    assert (line3["bogfoeringsdato"], line3["funktion"], line3["dranst"]) == (date(2024, 2, 6), "5.38.52", 1)
    assert _row(parsed, 4)["tekst"] == "Materialer, værksted €"
    assert "Ågården" in _row(parsed, 2)["tekst"]


def test_freedom_cp1252_health_check_extract_is_the_wide_kind():
    path = CASES / "freedoms/sundhedstjek/udtraek_cp1252.csv"
    assert SUNDHEDSTJEK.accepts(path)
    parsed = _read(SUNDHEDSTJEK, "freedoms/sundhedstjek/udtraek_cp1252.csv")
    assert (parsed.rows.height, parsed.rejected.height) == (30, 0)
    broenderslev_june = parsed.rows.filter((pl.col("kommunekode") == "810") & (pl.col("maaned") == date(2024, 6, 1)))
    assert broenderslev_june["antal"].to_list() == [4]
    assert set(parsed.rows["udtraeksdato"]) == {date(2024, 10, 25)}


def test_freedom_places_with_decimals_title_block_percent_cells():
    parsed = _read(TAKSTBILAG, "freedoms/takstbilag/pladser_med_decimaler.xlsx")
    assert parsed.rejected.height == 0
    got = parsed.rows.select("_source_line", "pladser", "belaegningsprocent", "antal_doegn", "doegntakst").rows()
    assert got == [
        (4, Decimal("16.70"), Decimal("0.95"), 5791, Decimal("1261.64")),
        (5, Decimal("8.50"), Decimal("0.95"), 2947, Decimal("1397.27")),
    ]


@pytest.mark.parametrize("name, tilbud", [("unicode_semikolon.csv", 9951), ("unicode_tekst_tab.csv", 9952)])
def test_bugs2_01_utf16_unicode_exports_are_read(name, tilbud):
    parsed = _read(BELAEGNING, f"bugs2/01_utf16_unicode_text/belaegning/{name}")
    assert (parsed.rows.height, parsed.rejected.height) == (12, 0)
    assert set(parsed.rows["tilbudsnr"]) == {tilbud}
    assert parsed.rows["maaned"].to_list() == [date(2024, m, 1) for m in range(1, 13)]
    assert parsed.rows["belagte_doegn"].sum() == 3294  # 9 × 366
    assert parsed.rows["_source_line"].to_list() == list(range(2, 14))


def test_bugs2_06_excel_error_values_are_rejected_by_cell_and_never_loaded_as_text():
    parsed = _read(TAKSTBILAG, "bugs2/06_excel_error_values/takstbilag/fejlvaerdier.xlsx")
    assert parsed.rows.select("_source_line", "tilbudsnavn", "driftsherre", "begrundelse").rows() == [
        (4, "Bostedet Kærlund", "Kærlund ApS", None),
        (5, None, None, None),
        (6, "Bostedet Kærlund", "Kærlund ApS", None),  # 90 %, no reason: R08's row
    ]
    assert _row(parsed, 6)["belaegningsprocent"] == Decimal("0.9")
    rejected = parsed.rejected.select("kildelinje", "kolonne", "raavaerdi", "aarsag").rows()
    assert [r[:3] for r in rejected] == [
        (5, "Driftsherre", "#N/A"),
        (5, "Tilbudsnavn", "#N/A"),
        (6, "Begrundelse", "#N/A"),
    ]
    assert [r[3].split(" (")[0] for r in rejected] == [
        "Excel-fejlværdi #N/A i celle D5",
        "Excel-fejlværdi #N/A i celle C5",
        "Excel-fejlværdi #N/A i celle M6",
    ]
    assert "#N/A" not in str(parsed.rows.to_dicts())


def test_bugs2_14_a_quote_in_an_extra_header_keeps_the_column_and_12_months():
    parsed = _read(BELAEGNING, "bugs2/14_quote_in_extra_header/belaegning/citat_i_overskrift.csv")
    assert (parsed.rows.height, parsed.rejected.height) == (12, 0)
    # The reader keeps the header's text; the raw loader stores the column without DDL on it.
    extra = [c for c in parsed.rows.columns if c.startswith("bemaerkning")]
    assert extra == ['bemaerkning_"intern"']
    assert set(parsed.rows[extra[0]]) == {"ok"}
    assert parsed.rows["belagte_doegn"].sum() == 3294
