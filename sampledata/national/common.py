"""What every source module of the national sample shares: the functions and their shares,
the residential paragraphs, the secure institutions' places, the default volume, and the
vectorised helpers for drawing, picking planted rows and setting values on them.

The facts the regional sample draws from as well sit in `sampledata/domain.py`.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sampledata.domain import FUNCTION_LABELS, FUNCTION_SHARES
from sampledata.landing import PLANT

DEFAULT_POSTINGS = 20_000_000

# function, REGK31 label, share of the municipality's 5.38 spending
FUNCTIONS = [(fn, FUNCTION_LABELS[fn], float(share)) for fn, share in FUNCTION_SHARES.items()]
ADULT = [f for f, _, _ in FUNCTIONS if f.startswith("5.38")]

SPEND_PER_HEAD_2021 = 5_500  # kr. on 5.38 per inhabitant (Aalborg's ~1,2 bn kr. / 219.573)
# the residential paragraphs and their share of the register's residential tilbud
RESIDENTIAL = {"SEL § 108": 0.45, "SEL § 107": 0.35, "SEL §§ 109-110": 0.20}
# The eight secure institutions (seed ref_sikrede_institutioner.csv): 106 places from 2017,
# 114 from December 2021 (domain/README.md); the split between them is invented.
SECURE_PLACES = {
    "Kompasset": (10, 10),
    "Sønderbro": (17, 17),
    "Sølager": (14, 14),
    "Bakkegården": (14, 14),
    "Stevnsfortet": (14, 14),
    "Egely": (16, 20),
    "Grenen": (15, 19),
    "Koglen": (6, 6),
}


def choose(r: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    """`n` keys of `options` drawn by `r` with the weights of its values (object array)."""
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[r.choice(len(keys), size=n, p=p / p.sum())]


def years_series(r: np.random.Generator, n: int, years: range, lo: float, hi: float) -> np.ndarray:
    """Factors relative to 2021 for each of `n` series and year: yearly growth in [lo, hi]."""
    growth = r.uniform(lo, hi, size=(n, years[-1] - years[0] + 1))
    factor = np.ones_like(growth)
    i2021 = 2021 - years[0]
    for j in range(i2021 + 1, growth.shape[1]):  # a loop over ten years, not over rows
        factor[:, j] = factor[:, j - 1] * (1 + growth[:, j])
    for j in range(i2021 - 1, -1, -1):
        factor[:, j] = factor[:, j + 1] / (1 + growth[:, j])
    return factor


def is_leap(year: pl.Expr) -> pl.Expr:
    """Whether the integer year is a leap year (Gregorian), over a whole column."""
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def pick_rows(r: np.random.Generator, frame: pl.DataFrame, where: pl.Expr, k: int = 1) -> list[int]:
    """`k` distinct `_rid`s of unplanted rows matching `where`, drawn by `r`."""
    ids = frame.filter(where & pl.col(PLANT).is_null())["_rid"].to_numpy()
    return sorted(r.choice(ids, size=k, replace=False).tolist())


def set_row(frame: pl.DataFrame, rid: int, **values) -> pl.DataFrame:
    """`frame` with the columns named in `values` set on the row whose `_rid` is `rid`; a value
    is a literal or an expression over that row."""
    hit = pl.col("_rid") == rid
    return frame.with_columns(
        [
            pl.when(hit).then(pl.lit(v) if not isinstance(v, pl.Expr) else v).otherwise(pl.col(c)).alias(c)
            for c, v in values.items()
        ]
    )


def slug(name: str) -> str:
    """A file name's part for an operator or region: lower case, æøå spelled out, `-` between words."""
    s = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return "-".join("".join(c if c.isalnum() else " " for c in s).split())


def month_starts(years: range) -> pl.DataFrame:
    """Every month of `years`: `maaned` (its first day, Date), `aar` and `dage` (days, Int64)."""
    start = pl.date_range(date(years[0], 1, 1), date(years[-1], 12, 1), "1mo", eager=True)
    return pl.DataFrame({"maaned": start}).with_columns(
        pl.col("maaned").dt.year().alias("aar"), pl.col("maaned").dt.month_end().dt.day().cast(pl.Int64).alias("dage")
    )
