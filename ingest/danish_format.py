"""Danish number and date text, the one formatting module of the project.

Used by the report (HTML, PDF, memo) and the CLI. Thousands are grouped with `.`, decimals
follow `,` (`1.234.567,89`), kroner read `1.234.567 kr.`, percentages `12,3 %` (a space before
the sign, as Danish style guides write it). Every value is rounded half-up (away from zero) in
decimal arithmetic, the convention of the cockpit's tables; floats are converted through their
shortest repr so 0.125 stays 0.125. None (SQL NULL) becomes the text `MISSING`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ingest.dbt_vars import dbt_var
from rules.rounding import half_up

MISSING = "–"
MONTHS = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
]
# Groups of fewer cases than this are shown as "< 5": dbt's disclosure limit, whose one owner is
# the var in dbt_project.yml, so the report's text and the published views suppress alike.
SUPPRESSION_LIMIT = int(dbt_var("disclosure_min_count"))


def _decimal(value: int | float | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)


def tal(value: int | float | Decimal | None, decimals: int | None = 0) -> str:
    """A number in Danish notation: `tal(1234567.891, 2)` → `1.234.567,89`.

    `decimals=None` keeps whole values whole and shows others with 2 decimals (`1.590.106`,
    `-0,50`), as amounts with øre are written. Rounds half-up. None → `–`.
    """
    if value is None:
        return MISSING
    number = _decimal(value)
    if decimals is None:
        decimals = 0 if number == number.to_integral_value() else 2
    rounded = half_up(number, Decimal(1).scaleb(-decimals))
    if rounded == 0:
        rounded = abs(rounded)  # no "-0"
    text = f"{rounded:,.{decimals}f}"
    return text.translate(str.maketrans({",": ".", ".": ","}))


def kr(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """Kroner: `kr(1234567)` → `1.234.567 kr.`; `kr(891.885, 2)` → `891,89 kr.`. None → `–`."""
    return MISSING if value is None else f"{tal(value, decimals)} kr."


def mio_kr(value: int | float | Decimal | None, decimals: int = 1) -> str:
    """Millions of kroner: `mio_kr(1349666576)` → `1.349,7 mio. kr.`. None → `–`."""
    return MISSING if value is None else f"{tal(_decimal(value) / 1_000_000, decimals)} mio. kr."


def pct(value: int | float | Decimal | None, decimals: int = 1) -> str:
    """A percentage on the 0–100 scale: `pct(12.345)` → `12,3 %`. None → `–`."""
    return MISSING if value is None else f"{tal(value, decimals)} %"


def _signed(text: str) -> str:
    """`+` before a formatted positive number; negatives keep `-`, a rounded zero stays bare."""
    number = text.split(" ")[0]
    return text if number.startswith("-") or not number.strip("0.,") else f"+{text}"


def aendring_pct(value: int | float | Decimal | None, decimals: int = 1) -> str:
    """A signed change in percent: `+4,2 %`, `-1,0 %`, `0,0 %`. None → `–`."""
    return MISSING if value is None else _signed(pct(value, decimals))


def procentpoint(value: int | float | Decimal | None, decimals: int = 1) -> str:
    """A signed change of a share: `+1,9 procentpoint`. None → `–`."""
    return MISSING if value is None else _signed(f"{tal(value, decimals)} procentpoint")


def antal(value: int | None, suppress_below: int | None = None) -> str:
    """A count: `antal(1234)` → `1.234`. With `suppress_below=5`, 1–4 become `< 5` (small
    groups of people are not shown exactly in the report); 0 stays 0. None → `–`."""
    if value is None:
        return MISSING
    if suppress_below is not None and 0 < value < suppress_below:
        return f"< {suppress_below}"
    return tal(value, 0)


def dato(value: date | datetime | None) -> str:
    """`29. november 2026`, with ` kl. 14.05` for a datetime. None → `–`."""
    if value is None:
        return MISSING
    text = f"{value.day}. {MONTHS[value.month - 1]} {value.year}"
    return f"{text} kl. {value:%H.%M}" if isinstance(value, datetime) else text


# Danish alphabetical order, as DuckDB's ICU `COLLATE da` sorts: æ, ø, å after z, and "aa" read
# as "å" (Aalborg last, as in the rate appendices). The report orders in SQL with `COLLATE da`;
# this key is for lists made in Python (chart domains, facets).
_DANISH_LETTERS = str.maketrans({"æ": "{", "ä": "{", "ø": "|", "ö": "|", "å": "}"})  # the three code points after z


def dansk_noegle(name: str) -> str:
    """Sort key for Danish alphabetical order: `sorted(names, key=dansk_noegle)`."""
    return name.casefold().replace("aa", "å").translate(_DANISH_LETTERS)


def dansk_sorteret(names) -> list[str]:
    """`names` in Danish alphabetical order (Brønderslev … Vesthimmerlands, Ærø, Aalborg)."""
    return sorted(names, key=dansk_noegle)


def periode(first: date | None, last: date | None, year: int) -> str | None:
    """The months a year's data covers, `januar–marts 2024`, or None when it covers the whole
    year (January through December) or nothing is known. `first`/`last` are month starts."""
    if first is None or last is None:
        return None
    if (first.month, last.month) == (1, 12) and first.year == last.year == year:
        return None
    if first.month == last.month:
        return f"{MONTHS[first.month - 1]} {year}"
    return f"{MONTHS[first.month - 1]}–{MONTHS[last.month - 1]} {year}"
