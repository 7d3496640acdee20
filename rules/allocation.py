"""Splitting an amount between the 11 municipalities by a key (business rule 4), exactly.

Two methods:

- `half-up` (default, the convention of the published tables): each share
  amount × key / Σkey rounded half-up (away from zero) to whole kroner; the parts may not sum to
  the amount, and the difference is reported.
- `largest-remainder`: floor each exact share, then hand out the remaining kroner one by one to
  the largest fractional parts (ties by kommunekode); the parts sum exactly to the amount
  (rounded half-up to whole kroner when the amount itself has øre).

All arithmetic is exact: the amount is turned into an integer fraction p/q and every share is
p × key / (q × Σkey), computed in Int128 — no float anywhere. The CLI that reads the key from
the published warehouse is `cli/allocate.py`.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from rules.rounding import div_half_up, div_half_up_expr

METHODS = ("half-up", "largest-remainder")
OUTPUT_COLUMNS = ["kommunekode", "kommunenavn", "noegle", "andel_pct", "beloeb_kr"]

_I128 = pl.Int128


def allocate(keys: pl.DataFrame, amount: Decimal, method: str = "half-up", total: int | None = None) -> pl.DataFrame:
    """Split `amount` between the rows of `keys` (kommunekode, kommunenavn, noegle).

    `total`: the key of everyone who pays, when the rows are only some of them (a nationally
    financed rate paid by all 98 municipalities, of which `keys` holds the 11): each share is then
    amount × key / total and the parts are the 11's portion, not the amount; only `half-up`.

    Returns kommunekode, kommunenavn, noegle (Int64), andel_pct (Decimal, 4 decimals, half-up)
    and beloeb_kr (Int64, whole kroner), one row per input row sorted by kommunekode.
    Raises ValueError for an unknown method, a non-finite amount, a missing or negative key
    value, a key that sums to 0, or a `total` below the rows' sum or with largest remainder.
    """
    if method not in METHODS:
        raise ValueError(f"ukendt metode {method!r} (brug {' eller '.join(METHODS)})")
    amount = Decimal(amount)
    if not amount.is_finite():
        raise ValueError(f"beløbet {amount} er ikke et tal")
    missing = set(OUTPUT_COLUMNS[:3]) - set(keys.columns)
    if missing:
        raise ValueError(f"nøgletabellen mangler kolonnerne {', '.join(sorted(missing))}")

    df = keys.select(
        pl.col("kommunekode").cast(pl.String),
        pl.col("kommunenavn").cast(pl.String),
        pl.col("noegle").cast(pl.Int64),
    ).sort("kommunekode")
    bad = df.filter(pl.col("noegle").is_null() | (pl.col("noegle") < 0))
    if bad.height:
        names = ", ".join(f"{r['kommunenavn']} ({r['kommunekode']})" for r in bad.iter_rows(named=True))
        raise ValueError(f"nøglen mangler eller er negativ for {names}")
    own = int(df["noegle"].sum() or 0)
    if total is None:
        total = own
    elif method != "half-up":
        raise ValueError("en del af et landsdækkende beløb rundes half-up; largest-remainder kræver hele beløbet")
    elif total < own:
        raise ValueError(f"landets nøgle ({total}) er mindre end kommunernes ({own})")
    if total == 0:
        raise ValueError("nøglen summerer til 0 — intet at fordele efter")

    # amount = p / q exactly; each share is p·key / (q·total).
    p, q = amount.as_integer_ratio()
    den = q * total
    num = pl.lit(p, dtype=_I128) * pl.col("noegle").cast(_I128)
    andel_units = div_half_up_expr(pl.col("noegle").cast(_I128) * 1_000_000, total)  # 1/10000 %

    df = df.with_columns(
        (andel_units.cast(pl.Decimal(38, 0)) * pl.lit(Decimal("0.0001"))).cast(pl.Decimal(10, 4)).alias("andel_pct"),
        num.alias("_num"),
    )
    if method == "half-up":
        df = df.with_columns(div_half_up_expr(pl.col("_num"), den).alias("beloeb_kr"))
    else:
        df = df.with_columns(
            (pl.col("_num") // den).alias("_floor"),
            (pl.col("_num") % den).alias("_rest"),  # in [0, den): the fractional part × den
        )
        target = div_half_up(p, q)
        left = target - int(df["_floor"].sum())
        if not 0 <= left <= df.height:  # cannot happen with exact floors; guards the arithmetic
            raise AssertionError(f"largest-remainder: {left} kr at fordele mellem {df.height} kommuner")
        df = (
            df.sort(["_rest", "kommunekode"], descending=[True, False])
            .with_row_index("_rank")
            .with_columns((pl.col("_floor") + (pl.col("_rank") < left).cast(_I128)).alias("beloeb_kr"))
            .sort("kommunekode")
        )
    return df.select("kommunekode", "kommunenavn", "noegle", "andel_pct", pl.col("beloeb_kr").cast(pl.Int64))
