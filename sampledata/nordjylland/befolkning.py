"""Population (StatBank FOLK1A until 2021, FOLK1AM from 2022) for the 11 municipalities,
the region and the country: 2021 is the real count of domain/README.md, other years drift.
The 14–23-year-olds of 2021 are the seeds' split key (Aalborg 32.332 of the 11's 72.158); each
municipality keeps its 2021 share of 14–23-year-olds in the other years."""

from __future__ import annotations

from rules.rounding import half_up
from sampledata.contract import age_weight
from sampledata.domain import MUNICIPALITIES, NATIONAL_POP_2021, YOUTH_14_23_2021
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
    """Population 1 January per area and year (2021 real), and its split by single age 0-99
    (lists of 100 ints adding up to the total). The 11's ages 14–23 add up to the seeds' key of
    2021 (`youth_targets`); the country's are drawn."""
    rng = source_rng(seed, "befolkning")
    areas = [(c, p) for c, _, p in MUNICIPALITIES] + [(NATIONAL[0], NATIONAL_POP_2021)]
    total, weights = {}, {}
    for code, p2021 in areas:
        series = {2021: p2021}  # other years drift at most 0.5 % a year
        for y in range(2022, years[-1] + 1):
            series[y] = int(half_up(series[y - 1] * (1 + D(rng.randint(-50, 50)) / 10000)))
        for y in range(2020, years[0] - 1, -1):
            series[y] = int(half_up(series[y + 1] / (1 + D(rng.randint(-50, 50)) / 10000)))
        profile = [age_weight(a) for a in range(100)]
        weights[code] = [round(1000 * p * rng.uniform(0.9, 1.1)) for p in profile]
        total[code] = series
    youth = youth_targets({c: p for c, _, p in MUNICIPALITIES}, weights)
    ages = {}
    for code, _ in areas:
        if code in youth:  # the 2021 share of 14–23-year-olds, so the key does not jump in 2021
            ages[code] = {
                y: _split_youth(total[code][y], youth[code] * total[code][y] / D(total[code][2021]), weights[code])
                for y in years
            }
        else:
            ages[code] = {y: split(total[code][y], weights[code]) for y in years}
    total[REGION[0]] = {y: sum(total[c][y] for c in NAME) for y in years}
    ages[REGION[0]] = {y: [sum(ages[c][y][a] for c in NAME) for a in range(100)] for y in years}
    return total, ages


YOUTH = range(14, 24)  # ages 14–23


def youth_targets(pop2021: dict[str, int], weights: dict[str, list[int]]) -> dict[str, int]:
    """14–23-year-olds at 1 January 2021 per municipality code: Aalborg's and the 11's sum are the
    seeds' (`YOUTH_14_23_2021`); the other ten share the rest by the ages their weights give them
    (largest remainder). Source: issue 21, the split of 2021."""
    others = [c for c in pop2021 if c != "851"]
    natural = [sum(split(pop2021[c], weights[c])[a] for a in YOUTH) for c in others]
    rest = YOUTH_14_23_2021["de 11"] - YOUTH_14_23_2021["851"]
    return {"851": YOUTH_14_23_2021["851"], **dict(zip(others, split(rest, natural)))}


def _split_youth(population: int, youth: D, weights: list[int]) -> list[int]:
    """Single ages 0–99 of `population` with `youth` (half-up to a whole person) of them aged
    14–23, each group split by `weights`."""
    n = int(half_up(youth))
    young = split(n, [weights[a] for a in YOUTH])
    rest = iter(split(population - n, [w for a, w in enumerate(weights) if a not in YOUTH]))
    return [young[a - YOUTH[0]] if a in YOUTH else next(rest) for a in range(100)]


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
