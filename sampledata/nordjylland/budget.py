"""Municipal budgets (StatBank BUDK32) in 1.000 kr., CodeAndValue, for the 11, the region and the
country: the net operating budget per function, within a few percent of the accounts. The first
year of the span has no budget on purpose: the cockpit shows NULL there and the run summary says
so (issue 21)."""

from __future__ import annotations

from rules.rounding import half_up
from sampledata.contract import BUDK32_HEADER
from sampledata.domain import MUNICIPALITIES
from sampledata.nordjylland.common import FUNCTIONS, NATIONAL, REGION, D, Landing, dk, source_rng


def write_budget(landing: Landing, seed: int, years: range, amounts: dict) -> None:
    """`amounts`: the accounts of `draw_regnskab` (tenths of 1.000 kr., [TOT, UE, I]); each
    budget is TOT × 0,95–1,03, drawn per area, function and year."""
    rng = source_rng(seed, "budget")
    areas = [NATIONAL, REGION] + [(c, n) for c, n, _ in MUNICIPALITIES]
    rows = []
    for code, name in areas:
        for fn, label, _ in FUNCTIONS:
            for y in years[1:]:
                tenths = int(half_up(D(amounts[code, fn, y][0]) * D(rng.randint(950, 1030)) / 1000))
                cells = [
                    f"{code} {name}",
                    f"{fn.replace('.', '')} {label}",
                    "1 Driftskonti",
                    "TOT I alt (netto)",
                    "LOBM Løbende priser (1.000 kr.)",
                    str(y),
                    dk(D(tenths) / 10, 1),
                ]
                rows.append((cells, []))
    landing.csv(f"budget/BUDK32_{years[1]}-{years[-1]}.csv", BUDK32_HEADER, rows, bom=True)
