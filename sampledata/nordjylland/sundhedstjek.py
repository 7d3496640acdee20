"""GP health checks per municipality and month up to the extract date (`sundhedstjek/`),
the last month partial (R12), with the planted R13 cases."""

from __future__ import annotations

import statistics

from rules.rounding import half_up
from sampledata.domain import EXTRACTION, MUNICIPALITIES
from sampledata.nordjylland.common import (
    HEALTH_TOTALS,
    NAME,
    D,
    Landing,
    Tag,
    dkdate,
    source_rng,
    split,
)


def write_sundhedstjek(landing: Landing, seed: int, total: dict) -> None:
    rng = source_rng(seed, "sundhedstjek")
    months = [(y, m) for y in HEALTH_TOTALS for m in range(1, 13) if (y, m) <= (EXTRACTION.year, EXTRACTION.month)]
    codes = [c for c, _, _ in MUNICIPALITIES]
    counts = {c: {} for c in codes}
    for y, year_total in HEALTH_TOTALS.items():
        per_muni = split(year_total, [total[c][2021] for c in codes])  # by population
        ym = [(yy, m) for yy, m in months if yy == y]
        ramp = {1: 60, 2: 75, 3: 90} if y == 2022 else {}  # the scheme started 1 January 2022
        partial = {(EXTRACTION.year, EXTRACTION.month): D(EXTRACTION.day) / 31 * D("0.9")}
        for c, n in zip(codes, per_muni):
            w = [int(rng.randint(70, 130) * ramp.get(m, 100) * partial.get((y, m), 1)) for _, m in ym]
            counts[c].update(zip(ym, split(n, w)))

    def prev_median(c, ym):  # R13's reference: median of the previous 12 months
        i = months.index(ym)
        return statistics.median(counts[c][k] for k in months[max(0, i - 12) : i])

    def set_count(c, ym, value):  # keep the yearly totals exact: take the difference from Aalborg
        delta, counts[c][ym] = value - counts[c][ym], value
        for _ in range(abs(delta)):
            pool = [k for k in months if k[0] == ym[0] and k != ym]
            k = max(pool, key=lambda k: counts["851"][k]) if delta > 0 else min(pool, key=lambda k: counts["851"][k])
            counts["851"][k] -= 1 if delta > 0 else -1

    tags = {c: [] for c in codes}
    spike = max(10, int(3 * prev_median("860", (2023, 6))) + 1)
    set_count("860", (2023, 6), spike)
    tags["860"].append(
        Tag("R13", "positive", f"{spike} > 3 x median of previous 12 months and >= 10", "860", None, "2023-06")
    )
    assert 3 * prev_median("773", (2023, 9)) < 9
    set_count("773", (2023, 9), 9)
    tags["773"].append(Tag("R13", "near_miss", "9 > 3 x median but < 10", "773", None, "2023-09"))
    for c in codes:
        tags[c].append(Tag("R12", "positive", "extraction month 2024M10 is incomplete", c, None, "2024-10"))
        tags[c].append(Tag("R12", "near_miss", "2024M09 is complete (month before extraction)", c, None, "2024-09"))
    rows = [([NAME[c]] + [str(counts[c][k]) for k in months], tags[c]) for c in codes]
    # The region's extract tool saves in Windows-1252 (allowed): the preamble's `æ` must be decoded first.
    landing.csv(
        "sundhedstjek/sundhedstjek_udtraek_2024-10-25.csv",
        ["Kommune"] + [f"{y}M{m:02d}" for y, m in months],
        rows,
        preamble=(f"Udtræksdato;{dkdate(EXTRACTION)}", ""),
        encoding="cp1252",
    )

    rows = []  # target group: residents 18+ in §§ 107-108 and § 85 housing, ~0,25 % of population
    for y in HEALTH_TOTALS:
        for i, c in enumerate(codes):
            n = int(half_up(total[c][y] * D(rng.randint(225, 275)) / 100000))
            rows.append(([c if i % 2 else NAME[c], str(y), str(n)], []))  # codes for some, names for others
    landing.csv("sundhedstjek/maalgruppe.csv", ["Kommune", "År", "Borgere i målgruppen"], rows)
