"""Danish numbers, percentages, dates, months and years as polars expressions.

Every parser takes an expression of raw text and returns the typed expression. A value that is
present (see `present`) but comes out null did not parse; `ingest.fields` routes those rows to
the rejected rows with the reason the matching `*_problem` function gives. Nothing here guesses:
each accepted form is spelled out as a pattern, because a cast alone would read `1.005` as 1.00,
`1.234` as 1.234 or `07-01-24` as the year 24 without complaint.

Workbook cells come with their type (ingest/textfile.py): a number cell is parsed by
`number_cell`, never as Danish text, so `891.895` is 891,895 and not 891.895 kr.

Plausible dates and periods lie from 1 January 1970 to the end of next year: StatBank series go
back to the 2000s, rates are approved a year ahead, and a two-digit year lands in the first
century.
"""

from __future__ import annotations

from datetime import date

import polars as pl

MISSING_MARKERS = ["", "..", "-"]
FIRST_PLAUSIBLE_YEAR = 1970

# Thousands dots only in groups of three; decimals after a comma.
_DANISH_INT = r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)"
_DANISH = _DANISH_INT.replace("{", "{{").replace("}", "}}") + r"(?:,\d{{1,{scale}}})?"
# A number cell as ingest/textfile.py writes it: plain digits, a dot before decimals.
_PLAIN_NUMBER = r"-?\d+(?:\.\d+)?"


def last_plausible_year() -> int:
    return date.today().year + 1


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
    """`3.814`, `-12`, `31`, `31,00` → Int64; a decimal part other than zeros is a parse failure."""
    text = present(raw).str.replace(r",0+$", "")  # 95,0 is a Danish number: the whole number 95
    ok = text.str.contains(_full(_DANISH_INT))
    return pl.when(ok).then(text.str.replace_all(".", "", literal=True)).cast(pl.Int64, strict=False)


def number_cell(raw: pl.Expr, scale: int = 2) -> pl.Expr:
    """A workbook number cell (`891.895`, `16.7`, `618526`) → Decimal(18, scale), rounded half-up
    (away from zero) to `scale` when the stored value carries more decimals than the field has:
    a formula's cached value `891.890410959` shown as 891,89 is 891,89 (data-quality-rules.md:
    rounding is half-up everywhere)."""
    text = present(raw)
    exact = pl.when(text.str.contains(_full(_PLAIN_NUMBER))).then(text).cast(pl.Decimal(38, 15), strict=False)
    return exact.round(scale, mode="half_away_from_zero").cast(pl.Decimal(18, scale), strict=False)


def number_cell_integer(raw: pl.Expr) -> pl.Expr:
    """A workbook number cell in a whole-number field (`365`, `365.0`, a formula's `693.5` shown
    as 694) → Int64, rounded half-up like every number cell (`number_cell`)."""
    return number_cell(raw, 0).cast(pl.Int64, strict=False)


def fraction(raw: pl.Expr, *, kind: pl.Expr | None = None) -> pl.Expr:
    """Occupancy as a fraction with 6 decimals (half-up): `95 %`, `95%`, `95,5`, `95` → 0.95.

    Text (a CSV field or a text cell): a value with a percent sign, or above 1, is on the 0–100
    scale; a plain value up to 1 is a fraction (`0,95`). A workbook cell of `kind` `p` (formatted
    as a percent) holds the fraction itself (0.95 shown as 95 %); a number cell of kind `n` is read
    by the same above-1 rule as text (95 → 0.95, 0.95 → 0.95)."""
    text = present(raw)
    has_sign = text.str.ends_with("%")
    number_text = text.str.strip_suffix("%").str.strip_chars()
    as_text = danish_decimal(number_text, 8)
    value = as_text if kind is None else pl.when(kind.is_in(["n", "p"])).then(number_cell(number_text, 8)).otherwise(as_text)
    on_percent_scale = (has_sign | (value > 1)) & (kind.fill_null("s") != "p" if kind is not None else pl.lit(True))
    scaled = pl.when(on_percent_scale).then(value * pl.lit(0.01, dtype=pl.Decimal(18, 2))).otherwise(value)
    return scaled.cast(pl.Decimal(38, 10)).round(6, mode="half_away_from_zero").cast(pl.Decimal(18, 6), strict=False)


def _date_forms(text: pl.Expr) -> pl.Expr:
    """The accepted date forms, before the plausibility check; a two-digit year never matches."""
    dashed = text.str.replace_all(".", "-", literal=True)
    return pl.coalesce(
        pl.when(dashed.str.contains(r"^\d{1,2}-\d{1,2}-\d{4}$")).then(dashed).str.strptime(pl.Date, "%d-%m-%Y", strict=False),
        pl.when(text.str.contains(r"^\d{4}-\d{2}-\d{2}$")).then(text).str.strptime(pl.Date, "%Y-%m-%d", strict=False),
        pl.when(text.str.contains(r"^\d{8}$")).then(text).str.strptime(pl.Date, "%Y%m%d", strict=False),
    )


def plausible(day: pl.Expr, years: tuple[int, int] | None = None) -> pl.Expr:
    """A date from 1 January 1970 to the end of next year, or within `years` (first, last)."""
    first, last = years or (FIRST_PLAUSIBLE_YEAR, last_plausible_year())
    return day.is_between(date(first, 1, 1), date(last, 12, 31))


# Approval dates in the register of tilbud (Godkendt fra/til) are not events of the cockpit's
# years: an approval from 1968 or one that runs to 2030 is real. A two-digit year is still refused.
VALIDITY_YEARS = (1900, 2199)


def danish_date(raw: pl.Expr, years: tuple[int, int] | None = None) -> pl.Expr:
    """`31-12-2023`, `31.12.2023`, `2023-12-31` or `20231231` → Date; an impossible date
    (`31-02-2023`), a two-digit year (`07-01-24`) or an implausible one (before 1970, after next
    year, or outside `years`) → null, with the reason from `date_problem`."""
    day = _date_forms(present(raw))
    return pl.when(plausible(day, years)).then(day)


_TWO_DIGIT_YEAR = r"^\d{1,2}[-./]\d{1,2}[-./]\d{2}$|^\d{6}$"


def date_problem(raw: pl.Expr, years: tuple[int, int] | None = None) -> pl.Expr:
    """Why a present date value did not parse (Danish, for the steward)."""
    text = present(raw)
    first, last = years or (FIRST_PLAUSIBLE_YEAR, last_plausible_year())
    return (
        pl.when(text.str.contains(_TWO_DIGIT_YEAR))
        .then(pl.lit("tocifret årstal (dd-mm-åå): skriv året med fire cifre, fx 07-01-2024"))
        .when(_date_forms(text).is_not_null())
        .then(pl.lit(f"usandsynlig dato: før 01-01-{first} eller efter 31-12-{last}"))
        .otherwise(pl.lit("ikke en dato (dd-mm-åååå, dd.mm.åååå, åååå-mm-dd eller ååååmmdd)"))
    )


def _month_forms(text: pl.Expr) -> pl.Expr:
    text = text.str.to_uppercase()  # `2024m01`: a header lower-cased by a spreadsheet
    iso = pl.when(text.str.contains(r"^\d{4}-\d{2}$")).then(text)
    statbank = pl.when(text.str.contains(r"^\d{4}M\d{2}$")).then(text.str.replace("M", "-"))
    return (pl.coalesce(iso, statbank) + "-01").str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def month(raw: pl.Expr) -> pl.Expr:
    """`2024-01` or StatBank `2024M01` → the first day of the month; `2023-13`, `24-01` or a
    month before 1970 / after next year → null."""
    first = _month_forms(present(raw))
    return pl.when(plausible(first)).then(first)


def month_problem(raw: pl.Expr) -> pl.Expr:
    text = present(raw)
    return (
        pl.when(_month_forms(text).is_not_null())
        .then(pl.lit(f"usandsynlig måned: før {FIRST_PLAUSIBLE_YEAR}-01 eller efter {last_plausible_year()}-12"))
        .otherwise(pl.lit("ikke en måned (åååå-mm eller ååååMmm)"))
    )


def year(raw: pl.Expr) -> pl.Expr:
    """A calendar year `2024` (a workbook number cell `2024.0` too) → Int64, 1970…next year."""
    text = present(raw).str.replace(r"\.0+$", "")
    value = pl.when(text.str.contains(r"^\d{4}$")).then(text).cast(pl.Int64, strict=False)
    return pl.when(value.is_between(FIRST_PLAUSIBLE_YEAR, last_plausible_year())).then(value)


def year_problem(raw: pl.Expr) -> pl.Expr:
    text = present(raw).str.replace(r"\.0+$", "")
    return (
        pl.when(text.str.contains(r"^\d{4}$"))
        .then(pl.lit(f"usandsynligt år: før {FIRST_PLAUSIBLE_YEAR} eller efter {last_plausible_year()}"))
        .when(text.str.contains(r"^\d{2}$"))
        .then(pl.lit("tocifret årstal: skriv året med fire cifre, fx 2024"))
        .otherwise(pl.lit("ikke et årstal (åååå)"))
    )
