"""The P/L index (landing-zone §10) in its yearly-change form, `År;PL-udvikling (%)`: the year
before the first change is the base (= 100). The changes are `sampledata.domain.PL_CHANGE_PCT`
(illustrative, not KL's published figures)."""

from __future__ import annotations

from sampledata.contract import PRISINDEKS_CHANGE_HEADER
from sampledata.domain import PL_CHANGE_PCT
from sampledata.nordjylland.common import D, Landing, dk


def write_prisindeks(landing: Landing, years: range) -> None:
    """One CSV with the changes of `years` after the first (its base year)."""
    rows = [([str(y), dk(D(PL_CHANGE_PCT[y]), 1)], []) for y in years[1:]]
    landing.csv("prisindeks/pl_udvikling.csv", PRISINDEKS_CHANGE_HEADER, rows, bom=True)
