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


def test_fraction_three_ways_in_excel_and_csv():
    excel = _apply(lambda e: danish.fraction(e, excel=True), ["0.95", "95", "95 %", "95%", "95,5 %", "0.955", "1"])
    assert excel == [Decimal("0.95")] * 4 + [Decimal("0.955"), Decimal("0.955"), Decimal("1")]
    csv = _apply(lambda e: danish.fraction(e, excel=False), ["95 %", "0,95", "95", "0.95"])
    # In a CSV the dot is a thousands separator, so "0.95" is not a number there.
    assert csv == [Decimal("0.95"), Decimal("0.95"), Decimal("0.95"), None]


def test_excel_cells_numbers_and_danish_text():
    got = _apply(lambda e: danish.excel_decimal(e, 2), ["891.89", "1.075,95", "5.157.018", "618526", "0.0000001"])
    assert got == [Decimal("891.89"), Decimal("1075.95"), Decimal("5157018.00"), Decimal("618526.00"), None]
    assert _apply(danish.excel_integer, ["365", "365.0", "5.895"]) == [365, 365, 5895]


def test_dates_three_formats_and_impossible_dates():
    got = _apply(danish.danish_date, ["28-02-2023", "28.02.2023", "2023-02-28", "29-02-2024", "31-02-2023", "29-02-2023", "2023/02/28"])
    assert got == [date(2023, 2, 28)] * 3 + [date(2024, 2, 29), None, None, None]


def test_months_iso_and_statbank():
    got = _apply(danish.month, ["2024-01", "2024M01", "2024M12", "2023-13", "2024M1", "2024-1", "2024K1"])
    assert got == [date(2024, 1, 1), date(2024, 1, 1), date(2024, 12, 1), None, None, None, None]
