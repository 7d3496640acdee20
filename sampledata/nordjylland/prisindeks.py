"""The P/L index (landing-zone §10) in its yearly-change form, `År;PL-udvikling (%)`: the year
before the first change is the base (= 100). The changes are illustrative, of the size KL's
service P/L had in these years (2022–2023 high), not KL's published figures."""

from __future__ import annotations

from sampledata.contract import PRISINDEKS_CHANGE_HEADER
from sampledata.nordjylland.common import D, Landing, dk

CHANGES_PCT = {
    **{y: "1.6" for y in range(2011, 2020)},  # the sample may start in 2010 (write_sample)
    2020: "1.9",
    2021: "2.6",
    2022: "4.6",
    2023: "4.5",
    2024: "2.7",
}


def write_prisindeks(landing: Landing, years: range) -> None:
    """One CSV with the changes of `years` after the first (its base year)."""
    rows = [([str(y), dk(D(CHANGES_PCT[y]), 1)], []) for y in years[1:]]
    landing.csv("prisindeks/pl_udvikling.csv", PRISINDEKS_CHANGE_HEADER, rows, bom=True)
