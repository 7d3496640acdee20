"""Vectorised text of the landing formats: Danish numbers and dates as polars expressions,
exact integer splits, and CSV bytes in the encodings and dialects the contract allows.

Nothing here loops over rows: a frame is formatted column by column and written by polars.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl

DATE_FORMATS = {"dmy": "%d-%m-%Y", "dmy_dots": "%d.%m.%Y", "iso": "%Y-%m-%d", "yyyymmdd": "%Y%m%d"}


def rng(seed: int, *names: object) -> np.random.Generator:
    """A generator of its own per (seed, names): sources and municipalities do not shift each
    other when one of them changes."""
    digest = hashlib.sha256(":".join(map(str, (seed, *names))).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def _zfill3(x: pl.Expr) -> pl.Expr:
    return x.cast(pl.String).str.zfill(3)


def dk_amount(oere: pl.Expr, *, thousands: bool, decimals: int = 2) -> pl.Expr:
    """An amount in øre (Int64) as Danish text: `-1.234.567,89` (thousands dots) or `-1234567,89`.
    `decimals` 1 for amounts in tenths (REGK31's 1.000 kr. with one decimal)."""
    unit = 10 ** decimals
    whole = oere.abs() // unit
    if thousands:
        g = [whole // 1_000_000_000, whole // 1_000_000 % 1000, whole // 1000 % 1000, whole % 1000]
        text = (
            pl.when(whole >= 1_000_000_000).then(pl.concat_str(g[0].cast(pl.String), pl.lit("."), _zfill3(g[1]),
                                                              pl.lit("."), _zfill3(g[2]), pl.lit("."), _zfill3(g[3])))
            .when(whole >= 1_000_000).then(pl.concat_str((whole // 1_000_000).cast(pl.String), pl.lit("."),
                                                         _zfill3(g[2]), pl.lit("."), _zfill3(g[3])))
            .when(whole >= 1000).then(pl.concat_str((whole // 1000).cast(pl.String), pl.lit("."), _zfill3(g[3])))
            .otherwise(whole.cast(pl.String))
        )
    else:
        text = whole.cast(pl.String)
    sign = pl.when(oere < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    fraction = (oere.abs() % unit).cast(pl.String).str.zfill(decimals)
    return pl.concat_str(sign, text, pl.lit(","), fraction)


def dk_date(day: pl.Expr, style: str) -> pl.Expr:
    """A date as one of the contract's formats (`DATE_FORMATS`); null stays empty."""
    return day.dt.strftime(DATE_FORMATS[style])


def month_text(month_start: pl.Expr, statbank: bool) -> pl.Expr:
    """`2024-01`, or StatBank style `2024M01`."""
    return month_start.dt.strftime("%YM%m" if statbank else "%Y-%m")


def split_exact(frame: pl.DataFrame, total: str, weight: str, by: list[str], out: str) -> pl.DataFrame:
    """Split each group's integer `total` (the same on every row of the group) into integer
    parts proportional to the integer `weight` of its rows, largest remainder first (ties to
    the earlier row): the parts of a group add up to its total exactly, also for negative
    totals. `weight` must be positive and the products total × weight fit in Int64."""
    sign = pl.when(pl.col(total) < 0).then(-1).otherwise(1)
    t, w = pl.col(total).abs(), pl.col(weight).cast(pl.Int64)
    w_sum = w.sum().over(by)
    frame = frame.with_columns((t * w // w_sum).alias("_floor"), (t * w % w_sum).alias("_rest"),
                               sign.alias("_sign"))
    short = (t - pl.col("_floor").sum().over(by))
    bonus = pl.col("_rest").rank("ordinal", descending=True).over(by) <= short
    return frame.with_columns(((pl.col("_floor") + bonus.cast(pl.Int64)) * pl.col("_sign")).alias(out)).drop(
        "_floor", "_rest", "_sign")


def csv_bytes(frame: pl.DataFrame, *, encoding: str = "utf-8", bom: bool = False, eol: str = "\r\n",
              preamble: tuple[str, ...] = (), quote_all: bool = False) -> bytes:
    """The frame (every column text, nulls empty) as `;` CSV the way Excel writes it: a field
    holding `;` or `"` is quoted, quotes doubled; or, as some financial systems export, every
    field quoted (`quote_all`). An empty field is null in the frame: polars would write an
    empty string as `""`. `encoding` utf-8 or cp1252."""
    body = frame.write_csv(separator=";", line_terminator=eol, quote_style="always" if quote_all else "necessary",
                           null_value="")
    text = "".join(line + eol for line in preamble) + body
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data
