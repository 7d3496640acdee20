"""The P/L index (landing-zone §10) in its index form, `År;PL-indeks`: the first year = 100,0,
each later year the previous one's unrounded index × (1 + change / 100), written half-up to one
decimal. The changes are the regional sample's (`sampledata.domain.PL_CHANGE_PCT`), so both
samples put amounts in the same prices."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from rules.rounding import half_up
from sampledata.contract import PRISINDEKS_INDEX_HEADER
from sampledata.domain import PL_CHANGE_PCT
from sampledata.landing import Landing
from sampledata.text import csv_bytes


def pl_index(years: range) -> dict[int, Decimal]:
    """Year → index (first year = 100), unrounded Decimal. KeyError for a year without a change."""
    index = {years[0]: Decimal(100)}
    for y in years[1:]:
        index[y] = index[y - 1] * (1 + Decimal(PL_CHANGE_PCT[y]) / 100)
    return index


def write_prisindeks(landing: Landing, years: range) -> None:
    """One CSV `prisindeks/pl_indeks.csv`, a row per year of `years`, Danish decimal comma."""
    index = pl_index(years)
    out = pl.DataFrame(
        {
            PRISINDEKS_INDEX_HEADER[0]: [str(y) for y in years],
            PRISINDEKS_INDEX_HEADER[1]: [str(half_up(index[y], "0.1")).replace(".", ",") for y in years],
        }
    )
    rel = "prisindeks/pl_indeks.csv"
    landing.write(rel, csv_bytes(out, bom=True))
    landing.record(rel, out, first_line=2)
