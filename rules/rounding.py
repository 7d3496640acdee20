"""Half-up rounding (away from zero), the cockpit's one rounding rule in Python.

data-quality-rules.md: "Rounding everywhere: half-up (away from zero) — to whole days, to øre for
rates, to whole kroner for allocations." In SQL the same rule is the dbt macro `div_half_up`;
polars rounds number cells with `round(mode="half_away_from_zero")` (ingest/danish.py).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import polars as pl


def half_up(value: Decimal, exp: str | Decimal = "1") -> Decimal:
    """`value` rounded half-up to the exponent of `exp` (`"0.01"` for øre): 0.125 → 0.13."""
    return value.quantize(Decimal(exp), rounding=ROUND_HALF_UP)


def div_half_up(p: int, q: int) -> int:
    """p / q (q > 0) rounded half-up to an integer, exactly (Python integers)."""
    away = (2 * abs(p) + q) // (2 * q)
    return -away if p < 0 else away


def div_half_up_expr(num: pl.Expr, den: int) -> pl.Expr:
    """num / den (den > 0) rounded half-up to an integer, exactly, for an Int128 expression."""
    away = (2 * num.abs() + den) // (2 * den)
    return pl.when(num < 0).then(pl.lit(0, dtype=pl.Int128) - away).otherwise(away)
