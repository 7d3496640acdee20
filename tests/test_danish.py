"""Danish numbers, percentages, dates and months: each accepted form, each rejected form."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from ingest import danish


def _apply(expr_fn, values):
    return pl.DataFrame({"s": values}, schema={"s": pl.String}).select(expr_fn(pl.col("s"))).to_series().to_list()


def test_danish_decimal_thousands_dots_commas_and_negative_credits():
    got = _apply(lambda e: danish.danish_decimal(e, 2),
                 ["1.234.567,89", "-1.234,5", "1234,5", "95", " 7 ", "0,05", "-12"])
    assert got == [Decimal("1234567.89"), Decimal("-1234.50"), Decimal("1234.50"), Decimal("95.00"),
                   Decimal("7.00"), Decimal("0.05"), Decimal("-12.00")]


@pytest.mark.parametrize("bad", ["12,34,5", "1.23", "1.2345", "3l0", "1,234", "12.34,5", "1 234"])
def test_danish_decimal_rejects_malformed_and_too_many_decimals(bad):
    # "1,234" has three decimals where kroner allow two: rejected, never silently truncated.
    assert _apply(lambda e: danish.danish_decimal(e, 2), [bad]) == [None]


def test_missing_markers_are_missing_not_errors():
    assert _apply(danish.present, ["", "..", "-", " .. ", "x"]) == [None, None, None, None, "x"]


def test_danish_integer():
    assert _apply(danish.danish_integer, ["3.814", "31", "-2", "3,5", "3.81"]) == [3814, 31, -2, None, None]


def _apply_kinds(expr_fn, values, kinds):
    frame = pl.DataFrame({"s": values, "k": kinds}, schema={"s": pl.String, "k": pl.String})
    return frame.select(expr_fn(pl.col("s"), pl.col("k"))).to_series().to_list()


def test_fraction_from_text_and_from_cells_of_each_type():
    # Text (CSV or a text cell): a sign or a value above 1 means the 0–100 scale.
    text = _apply(danish.fraction, ["95 %", "95%", "0,95", "95", "95,5 %", "0.95", "100 %"])
    assert text == [Decimal("0.95")] * 4 + [Decimal("0.955"), None, Decimal("1")]  # "0.95" is no Danish number
    # Workbook cells: a percent-formatted cell holds the fraction, even above 100 %; a plain
    # number cell follows the above-1 rule; a text cell is Danish text.
    cells = _apply_kinds(lambda e, k: danish.fraction(e, kind=k),
                         ["0.95", "1.05", "95", "0.95", "0.9499377334993774", "95 %", "95,5"],
                         ["p", "p", "n", "n", "p", "s", "s"])
    assert cells == [Decimal("0.95"), Decimal("1.05"), Decimal("0.95"), Decimal("0.95"), Decimal("0.949938"),
                     Decimal("0.95"), Decimal("0.955")]


def test_number_cells_are_numbers_rounded_half_up_never_danish_text():
    got = _apply(lambda e: danish.number_cell(e, 2),
                 ["891.895", "891.8904109589041", "-891.895", "618526", "16.7", "0.005", "1.075,95"])
    # 891.895 is a number cell: 891,90 — not the 891.895 kr a thousands dot would make of it.
    assert got == [Decimal("891.90"), Decimal("891.89"), Decimal("-891.90"), Decimal("618526.00"),
                   Decimal("16.70"), Decimal("0.01"), None]
    # A whole-number field holding a formula's 693.5 (shown as 694) is 694, half-up like any cell.
    assert _apply(danish.number_cell_integer, ["365", "365.0", "693.5", "365.0000000001", "-2.5"]) == [365, 365, 694, 365, -3]


def test_dates_four_forms_impossible_two_digit_and_implausible():
    got = _apply(danish.danish_date, ["28-02-2023", "28.02.2023", "2023-02-28", "20230228", "7-1-2024",
                                      "29-02-2024", "31-02-2023", "2023/02/28", "07-01-24", "07.01.24",
                                      "070124", "01-01-1969", f"01-01-{date.today().year + 2}", "00240107"])
    assert got == [date(2023, 2, 28)] * 4 + [date(2024, 1, 7), date(2024, 2, 29)] + [None] * 8


def test_date_problems_name_the_form():
    got = _apply(danish.date_problem, ["07-01-24", "07.01.24", "01-01-1969", "31-02-2023", "00240107"])
    assert got[0].startswith("tocifret årstal") and got[1].startswith("tocifret årstal")
    assert got[2].startswith("usandsynlig dato: før 01-01-1970 eller efter 31-12-")
    assert got[3].startswith("ikke en dato") and got[4].startswith("usandsynlig dato")


def test_months_iso_and_statbank_plausible_only():
    got = _apply(danish.month, ["2024-01", "2024M01", "2024M12", "2023-13", "2024M1", "2024-1", "2024K1",
                                "0024-01", "1969M12"])
    assert got == [date(2024, 1, 1), date(2024, 1, 1), date(2024, 12, 1)] + [None] * 6
    assert _apply(danish.month_problem, ["0024-01", "24-01"]) == [
        f"usandsynlig måned: før 1970-01 eller efter {date.today().year + 1}-12", "ikke en måned (åååå-mm eller ååååMmm)"]


def test_years_four_digits_and_plausible():
    assert _apply(danish.year, ["2024", "2024.0", "24", "1969", "0024", " 2019 "]) == [2024, 2024, None, None, None, 2019]
    assert _apply(danish.year_problem, ["24"]) == ["tocifret årstal: skriv året med fire cifre, fx 2024"]
