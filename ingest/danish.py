"""Danish numbers, percentages, dates and months as polars expressions.

Every parser takes an expression of raw text and returns the typed expression. A value that is
present (see `present`) but comes out null did not parse; `ingest.fields` routes those rows to
the rejected rows. Nothing here guesses: each accepted form is spelled out as a pattern, because
a cast alone would read `1.005` as 1.00 or `1.234` as 1.234 without complaint.
"""

from __future__ import annotations

import polars as pl

MISSING_MARKERS = ["", "..", "-"]

# Thousands dots only in groups of three; decimals after a comma.
_DANISH_INT = r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)"
_DANISH = _DANISH_INT.replace("{", "{{").replace("}", "}}") + r"(?:,\d{{1,{scale}}})?"
# What calamine prints for a numeric Excel cell: no grouping, a dot before decimals.
_EXCEL_NUMBER = r"-?\d+(?:\.\d{{1,{scale}}})?"
# Excel text cells typed by people follow the Danish convention; `1.234` with a leading
# non-zero digit and groups of three is a thousands dot, `0.955` is a decimal point.
_DANISH_TEXT_IN_EXCEL = r"-?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?|.*,.*"


def present(raw: pl.Expr) -> pl.Expr:
    """Trimmed text, with the missing markers (empty, `..`, `-`) turned into null."""
    text = raw.str.strip_chars()
    return pl.when(text.is_in(MISSING_MARKERS)).then(None).otherwise(text)


def _full(pattern: str) -> str:
    return f"^(?:{pattern})$"


def _danish_to_plain(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)


def danish_decimal(raw: pl.Expr, scale: int = 2) -> pl.Expr:
    """`1.234.567,89`, `-1.234,5`, `1234,5`, `95` → Decimal(18, scale); more decimals → null.

    Precision 18 is ample for kroner (10^16) and is stored by DuckDB as a BIGINT, which loads
    and sums several times faster than the HUGEINT behind DECIMAL(38, s)."""
    text = present(raw)
    ok = text.str.contains(_full(_DANISH.format(scale=scale)))
    return pl.when(ok).then(_danish_to_plain(text)).cast(pl.Decimal(18, scale), strict=False)


def danish_integer(raw: pl.Expr) -> pl.Expr:
    """`3.814`, `-12`, `31` → Int64; a decimal part is a parse failure."""
    text = present(raw)
    ok = text.str.contains(_full(_DANISH_INT))
    return pl.when(ok).then(text.str.replace_all(".", "", literal=True)).cast(pl.Int64, strict=False)


def excel_decimal(raw: pl.Expr, scale: int = 2) -> pl.Expr:
    """A workbook cell read as text: an Excel number (`891.89`) or Danish text (`1.075,95`)."""
    text = present(raw)
    danish = text.str.contains(_full(_DANISH_TEXT_IN_EXCEL))
    excel_ok = text.str.contains(_full(_EXCEL_NUMBER.format(scale=scale)))
    return (
        pl.when(danish)
        .then(danish_decimal(text, scale))
        .when(excel_ok)
        .then(text.cast(pl.Decimal(18, scale), strict=False))
        .otherwise(None)
    )


def excel_integer(raw: pl.Expr) -> pl.Expr:
    """Integer cell: `365`, `365.0` (a float-typed cell) or Danish text `3.814`."""
    text = present(raw).str.replace(r"\.0+$", "")
    return danish_integer(text)


def fraction(raw: pl.Expr, *, excel: bool) -> pl.Expr:
    """Occupancy as a fraction with 6 decimals: `95 %`, `95%`, `95,5`, `95` and `0.95` → 0.95.

    A value with a percent sign, or above 1, is on the 0–100 scale; a plain value up to 1 is
    already a fraction (Excel's percent-formatted cells hold 0.95).
    """
    text = present(raw)
    has_sign = text.str.ends_with("%")
    number_text = text.str.strip_suffix("%").str.strip_chars()
    parse = excel_decimal if excel else danish_decimal
    value = parse(number_text, 6)
    scaled = value * pl.lit(0.01, dtype=pl.Decimal(18, 6))
    return (
        pl.when(has_sign | (value > 1))
        .then(scaled)
        .otherwise(value)
        .cast(pl.Decimal(18, 6), strict=False)
    )


def danish_date(raw: pl.Expr) -> pl.Expr:
    """`31-12-2023`, `31.12.2023` or `2023-12-31`; an impossible date (`31-02-2023`) → null."""
    text = present(raw).str.replace_all(".", "-", literal=True)
    return pl.coalesce(
        text.str.strptime(pl.Date, "%d-%m-%Y", strict=False),
        text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
    )


def month(raw: pl.Expr) -> pl.Expr:
    """`2024-01` or StatBank `2024M01` → the first day of the month; `2023-13` → null."""
    text = present(raw)
    iso = pl.when(text.str.contains(r"^\d{4}-\d{2}$")).then(text)
    statbank = pl.when(text.str.contains(r"^\d{4}M\d{2}$")).then(text.str.replace("M", "-"))
    return (pl.coalesce(iso, statbank) + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
