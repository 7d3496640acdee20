"""The work list's cells as Excel reads them: text stays text, amounts and dates keep formats."""

from __future__ import annotations

from datetime import date
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
