"""Population (StatBank FOLK1A until 2021, FOLK1AM from 2022) for the 11 municipalities,
the region and the country: 2021 is the real count of domain/README.md, other years drift."""

from __future__ import annotations

from rules.rounding import half_up
from sampledata.contract import age_weight
from sampledata.domain import MUNICIPALITIES, NATIONAL_POP_2021
from sampledata.nordjylland.common import (
    NAME,
    NATIONAL,
    REGION,
    D,
    Landing,
    source_rng,
    split,
)


def draw_population(seed: int, years: range) -> tuple[dict, dict]:
    """Population 1 January per area and year (2021 real), and its split by single age 0-99."""
    rng = source_rng(seed, "befolkning")
    areas = [(c, p) for c, _, p in MUNICIPALITIES] + [(NATIONAL[0], NATIONAL_POP_2021)]
    total, ages = {}, {}
    for code, p2021 in areas:
        series = {2021: p2021}  # other years drift at most 0.5 % a year
        for y in range(2022, years[-1] + 1):
            series[y] = int(half_up(series[y - 1] * (1 + D(rng.randint(-50, 50)) / 10000)))
        for y in range(2020, years[0] - 1, -1):
            series[y] = int(half_up(series[y + 1] / (1 + D(rng.randint(-50, 50)) / 10000)))
        profile = [age_weight(a) for a in range(100)]
        weights = [round(1000 * p * rng.uniform(0.9, 1.1)) for p in profile]
        total[code] = series
        ages[code] = {y: split(series[y], weights) for y in years}
    total[REGION[0]] = {y: sum(total[c][y] for c in NAME) for y in years}
    ages[REGION[0]] = {y: [sum(ages[c][y][a] for c in NAME) for a in range(100)] for y in years}
    return total, ages


def write_befolkning(landing: Landing, years: range, total: dict, ages: dict) -> None:
    areas = [NATIONAL, REGION] + [(c, n) for c, n, _ in MUNICIPALITIES]
    for first, last, name, monthly in ((years[0], 2021, "FOLK1A", False), (2022, years[-1], "FOLK1AM", True)):
        rows = []
        for code, label in areas:
            for age in ["IALT"] + list(range(100)):
                alder = "IALT Alder i alt" if age == "IALT" else f"{age} {age} år"
                for y in range(first, last + 1):
                    n = total[code][y] if age == "IALT" else ages[code][y][age]
                    tid = f"{y}M01" if monthly else f"{y}K1"
                    cells = [f"{code} {label}", "TOT I alt", alder] + ([] if monthly else ["TOT I alt"])
                    rows.append((cells + [tid, str(n)], []))
        header = ["OMRÅDE", "KØN", "ALDER"] + ([] if monthly else ["CIVILSTAND"]) + ["TID", "INDHOLD"]
        landing.csv(f"befolkning/{name}_{first}-{last}.csv", header, rows, bom=True)
