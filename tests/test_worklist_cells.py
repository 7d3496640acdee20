"""The work list's cells as Excel reads them: text stays text, amounts and dates keep formats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import polars as pl
from openpyxl import load_workbook

from cli.worklist import Worklist, write_workbook


def test_text_that_looks_like_a_formula_is_written_as_text_and_numbers_keep_their_formats(tmp_path):
    flags = pl.DataFrame(
        {
            "Tekst": ['=HYPERLINK("http://127.0.0.1/x","klik")', "+45 ophold", "husleje"],
            "Beløb": [Decimal("1234.50"), Decimal("-2.00"), Decimal("0.00")],
            "Bogføringsdato": [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3)],
        },
        schema={"Tekst": pl.String, "Beløb": pl.Decimal(18, 2), "Bogføringsdato": pl.Date},
    )
    out = tmp_path / "arbejdsliste.xlsx"
    write_workbook(Worklist("851", {"Flag": flags, "Afviste rækker": pl.DataFrame()}, 0), out)
    ws = load_workbook(out)["Flag"]
    assert [c.data_type for c in ws["A"][1:]] == ["s", "s", "s"]
    assert ws["A2"].value == '=HYPERLINK("http://127.0.0.1/x","klik")'
    assert [ws[f"B{r}"].value for r in (2, 3, 4)] == [1234.5, -2, 0]
    assert ws["B2"].number_format == "#,##0.00" and ws["C2"].number_format == "dd-mm-yyyy"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C4"


def _as_excel_saves_csv(ws) -> str:
    """The sheet as a Danish Excel saves it as CSV (semicolons): a date cell in its display
    format, an empty cell empty, a cell holding `;` quoted."""

    def cell(c) -> str:
        if c.value is None:
            return ""
        if isinstance(c.value, datetime):
            return c.value.strftime("%d-%m-%Y")
        text = str(c.value)
        return f'"{text}"' if ";" in text else text

    return "".join(";".join(cell(c) for c in row) + "\r\n" for row in ws.iter_rows())


def test_the_flag_sheet_saved_as_csv_is_a_decisions_file(tmp_path):
    """Issue 22: the work list's Flag rows, with a decision written in, saved as CSV, load as
    `beslutninger/` (the contract's columns, the others extra); a row left undecided is none."""
    from cli.worklist import DECISION_COLUMNS
    from ingest.sources import SOURCES, read_file

    flags = pl.DataFrame(
        {
            "Flag-id": ["4c54b90cd13d19dfd57154255424d708", "79a63c66a7e9109269c50b0011e549db"],
            "Status": ["uændret", "ny"],
            "Regel": ["R08", "R08"],
            "Beskrivelse": ["Budgetteret belægning 92,00 % (Døgnophold); ingen begrundelse", "x"],
            "Beslutning": ["accepteret", None],
            "Begrundelse": ["DAS godkendte 92 %", None],
            "Af": ["Sekretariatet", None],
            "Dato": [date(2022, 5, 12), None],
        },
        schema_overrides={"Dato": pl.Date},
    )
    assert tuple(flags.columns[-4:]) == DECISION_COLUMNS
    out = tmp_path / "arbejdsliste.xlsx"
    write_workbook(Worklist("851", {"Flag": flags}, 0), out)
    landing = tmp_path / "landing"
    (landing / "beslutninger").mkdir(parents=True)
    csv_file = landing / "beslutninger" / "arbejdsliste_851.csv"
    csv_file.write_text(_as_excel_saves_csv(load_workbook(out)["Flag"]), encoding="cp1252")

    parsed = read_file(SOURCES["beslutninger"], csv_file, landing, "L1")
    assert parsed.rejected.height == 0
    assert parsed.rows.select("flag_id", "beslutning", "begrundelse", "af", "dato", "_source_line").rows() == [
        ("4c54b90cd13d19dfd57154255424d708", "accepteret", "DAS godkendte 92 %", "Sekretariatet", date(2022, 5, 12), 2),
        ("79a63c66a7e9109269c50b0011e549db", None, None, None, None, 3),
    ]


def test_a_decision_other_than_accepteret_or_afvist_is_refused_naming_file_line_and_column(tmp_path):
    import pytest

    from ingest.errors import ContractError
    from ingest.sources import SOURCES, read_file

    folder = tmp_path / "beslutninger"
    folder.mkdir()
    (folder / "b.csv").write_text(
        "Flag-id;Beslutning;Begrundelse;Af;Dato\nabc;AFVIST;Ikke rigtigt;Jens;01-02-2025\nabd;godkendt;;Jens;01-02-2025\n"
    )
    with pytest.raises(ContractError) as caught:
        read_file(SOURCES["beslutninger"], folder / "b.csv", tmp_path, "L1")
    assert (caught.value.line, caught.value.column) == (3, "Beslutning")
    assert "'godkendt' (ukendt beslutning: skriv accepteret eller afvist)" in str(caught.value)
