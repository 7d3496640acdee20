"""Municipal accounts (StatBank REGK31) in 1.000 kr.: labelled until 2021, coded from 2022,
with the planted R14/R16/R17 cases."""

from __future__ import annotations

from rules.rounding import half_up
from sampledata.domain import MUNICIPALITIES
from sampledata.nordjylland.common import (
    FUNCTIONS,
    NAME,
    NATIONAL,
    REGION,
    D,
    Landing,
    Tag,
    dk,
    source_rng,
)

R16_FACTOR = {  # postings sum = TOT x factor: R16 positive (4 % off) and near miss (1.5 % off)
    ("860", "5.38.59", 2024): (D("1.04"), Tag("R16", "positive", "postings sum 4 % above REGK31 TOT")),
    ("787", "5.38.58", 2023): (D("0.985"), Tag("R16", "near_miss", "postings sum 1.5 % below REGK31 TOT (< 2 %)")),
}


def draw_regnskab(seed: int, years: range) -> tuple[dict, dict]:
    """Net/gross/income in tenths of 1.000 kr. per (area, function, year) -> [TOT, UE, I],
    and the planted tags of each TOT row."""
    rng = source_rng(seed, "regnskab")
    amounts, tags = {}, {}
    for code, _, pop in MUNICIPALITIES:
        size = D(1_200_000) * pop / 219573 * (1 if code == "851" else D(rng.randint(85, 115)) / 100)
        for fn, _, share in FUNCTIONS:
            level = {2021: size * D(share) * rng.randint(90, 110) / 100}
            for y in range(2022, years[-1] + 1):  # yearly growth 1-6 %
                level[y] = level[y - 1] * (1 + D(rng.randint(100, 600)) / 10000)
            for y in range(2020, years[0] - 1, -1):
                level[y] = level[y + 1] / (1 + D(rng.randint(100, 600)) / 10000)
            income_ratio = D(rng.randint(3, 25)) / 100
            for y in years:
                tot = int(half_up(level[y] * 10))
                inc = int(half_up(level[y] * income_ratio * 10))
                amounts[code, fn, y] = [tot, tot + inc, inc]

    def shift(key_years, factor):
        for code, fn, y in key_years:
            tot, _, inc = amounts[code, fn, y]
            new = int(half_up(tot * D(factor)))
            amounts[code, fn, y] = [new, new + inc, inc]

    def tag(code, fn, y, rule, kind, note):
        tags.setdefault((code, fn, y), []).append(Tag(rule, kind, note, code, None, str(y)))

    # R14: one year booked on the wrong function (+80 %), then back (-41..-44 %: near miss)
    shift([("813", "5.38.52", 2022)], "1.8")
    tag("813", "5.38.52", 2022, "R14", "positive", "net operating +80 % vs last year and > 1 mio. kr.")
    tag("813", "5.38.52", 2023, "R14", "near_miss", "falls back about -43 % (> 1 mio. kr. but not > 50 %)")
    # R14: a lasting drop of 60 % (in the Value-presentation file)
    shift([("820", "5.38.45", y) for y in years if y >= 2020], "0.4")
    tag("820", "5.38.45", 2020, "R14", "positive", "net operating -60 % vs last year and > 1 mio. kr.")
    # R14 near miss: +60 % on a small amount, change < 1 mio. kr.
    shift([("825", "5.38.42", y) for y in years if y >= 2023], "1.6")
    tag("825", "5.38.42", 2023, "R14", "near_miss", "net operating +60 % but change < 1 mio. kr.")
    # R17: TOT is UE - I + 12,3 (positive) and UE - I - 0,1 exactly (near miss)
    amounts["849", "5.38.50", 2021][1] -= 123
    tag("849", "5.38.50", 2021, "R17", "positive", "TOT - (UE - I) = 12,3 (1.000 kr.)")
    amounts["840", "5.38.59", 2023][1] += 1
    tag("840", "5.38.59", 2023, "R17", "near_miss", "TOT - (UE - I) = -0,1 exactly (not > 0,1)")
    for (code, fn, y), (_, t) in R16_FACTOR.items():
        tags.setdefault((code, fn, y), []).append(Tag(t.rule, t.kind, t.note, code, None, str(y)))

    for fn, _, _ in FUNCTIONS:  # region = sum of its municipalities; the nation ~10x the region
        for y in years:
            region = [sum(amounts[c, fn, y][i] for c in NAME) for i in range(3)]
            amounts[REGION[0], fn, y] = region
            tot = int(half_up(region[0] * D(rng.randint(950, 1050)) / 100))
            inc = int(half_up(region[2] * D(rng.randint(950, 1050)) / 100))
            amounts[NATIONAL[0], fn, y] = [tot, tot + inc, inc]
    return amounts, tags


def write_regnskab(landing: Landing, years: range, amounts: dict, tags: dict) -> None:
    areas = [NATIONAL, REGION] + [(c, n) for c, n, _ in MUNICIPALITIES]
    arts = [("TOT", "I alt (netto)"), ("UE", "Bruttoudgifter"), ("I", "Indtægter")]
    for first, last, coded in ((years[0], 2021, False), (2022, years[-1], True)):
        rows = []
        for code, name in areas:
            for fn, label, _ in FUNCTIONS:
                for i, (art, art_label) in enumerate(arts):
                    for y in range(first, last + 1):
                        value = dk(D(amounts[code, fn, y][i]) / 10, 1, thousands=not coded)
                        if (code, fn, y, art) == (NATIONAL[0], "5.28.21", years[0], "I"):
                            value = ".."  # StatBank: not available (missing, not an error)
                        if coded:
                            cells = [
                                f"{code} {name}",
                                f"{fn.replace('.', '')} {label}",
                                "1 Driftskonti",
                                f"{art} {art_label}",
                                "LOBM Løbende priser (1.000 kr.)",
                                str(y),
                                value,
                            ]
                        else:
                            cells = [
                                name,
                                f"{fn} {label}",
                                "Driftskonti",
                                art_label,
                                "Løbende priser (1.000 kr.)",
                                str(y),
                                value,
                            ]
                        rows.append((cells, tags.get((code, fn, y), []) if art == "TOT" else []))
        landing.csv(
            f"regnskab/REGK31_{first}-{last}.csv",
            ["OMRÅDE", "FUNKTION", "DRANST", "ART", "PRISENHED", "TID", "INDHOLD"],
            rows,
            bom=True,
        )
