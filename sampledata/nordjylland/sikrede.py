"""Secure institutions' monthly occupancy, refusals and waiting list (`sikrede/`), with the planted
R10/R11 cases and the seeds' published figures (domain/README.md).

The seeds' figures the sample reproduces, so a reader who knows the real cockpit recognises them:
- Kompasset's occupancy of its 10 *normed* places (the published figure, domain rule 3;
  `belaegning_normeret_pct` of cockpit.sikrede_institutioner): 101 % in 2020 and 114 % in 2021.
  Occupied days above the normed places need places above them, else R10 flags the month: Kompasset
  ran two flex places above its 10 normed places in 2020 and 2021 (the seeds: made permanent in
  2022), reported in the optional column `Fleksible pladser` (empty = 0). 11 places in operation in
  March 2021 is capacity, not an R11 error; 13 in July 2021 is more than normed + flex.
- 28 social and 5 legal refusals in 2021, over all institutions of the file (the `I alt` row).
"""

from __future__ import annotations

import calendar

from rules.rounding import half_up
from sampledata.nordjylland.common import D, Landing, Tag, source_rng, split
from sampledata.nordjylland.tilbud import RN

SECURE_INSTITUTIONS = [
    ("Kompasset", RN, 10),
    ("Sølager", "Region Hovedstaden", 12),
    ("Bakkegården", "Region Sjælland", 14),
]
FLEX = {("Kompasset", 2020): 2, ("Kompasset", 2021): 2}
# Occupied days ÷ normed days × 100 as the seeds publish it (whole percent).
KOMPASSET_OCCUPANCY_PCT = {2020: 101, 2021: 114}
REFUSED_2021 = {"sociale": 28, "retlige": 5}


def kompasset_occupied_days(year: int) -> int:
    """Occupied days (social + legal) of Kompasset in `year` that give the seeds' occupancy of
    its 10 normed places: normed days × percent / 100, half-up to whole days (2020: 3.697 of
    3.660 = 101,01 %; 2021: 4.161 of 3.650 = 114,00 %). KeyError for other years."""
    days = 366 if calendar.isleap(year) else 365
    return int(half_up(D(10 * days) * KOMPASSET_OCCUPANCY_PCT[year] / 100))


def write_sikrede(landing: Landing, seed: int, years: range) -> None:
    """One CSV per year of `years`, `sikrede/sikrede_<år>.csv`: 3 institutions × 12 months in
    the contract's columns plus `Fleksible pladser`. The draws run in the same order for every
    seed whatever the seeds' figures do, so the other institutions' rows do not move with them."""
    rng = source_rng(seed, "sikrede")
    header = [
        "Institution",
        "Driftsherre",
        "Måned",
        "Normerede pladser",
        "Pladser i drift",
        "Belagte døgn sociale",
        "Belagte døgn retlige",
        "Afviste sociale",
        "Afviste retlige",
        "Venteliste ultimo",
        "Fleksible pladser",
    ]
    for y in years:
        months = []
        for name, operator, normed in SECURE_INSTITUTIONS:
            flex = FLEX.get((name, y), 0)
            for m in range(1, 13):
                days, key, periode, tags = calendar.monthrange(y, m)[1], (name, y, m), f"{y}-{m:02d}", []
                r = rng.random()  # screening one young person can take several places out of use
                drift = normed + flex - (2 if r < 0.03 else 1 if r < 0.10 else 0)
                occupied = int(half_up(D(drift * days) * D(rng.randint(800, 980)) / 1000))
                fixed = False  # a planted occupancy the yearly figure must not move
                if key == ("Kompasset", 2021, 3):
                    drift = normed + 1
                    tags.append(Tag("R11", "near_miss", "pladser i drift 11 ≤ normerede 10 + 2 fleksible"))
                if key == ("Kompasset", 2021, 7):
                    drift = normed + 3
                    tags.append(Tag("R11", "positive", "pladser i drift 13 > normerede 10 + 2 fleksible"))
                if key == ("Kompasset", 2021, 11):
                    drift, occupied, fixed = normed, normed * days, True
                    tags.append(Tag("R10", "near_miss", "belagte døgn = pladser i drift x dage exactly (100 %)"))
                if key == ("Bakkegården", 2022, 8):
                    occupied = drift * days + 4
                    tags.append(Tag("R10", "positive", "belagte døgn (sociale + retlige) = drift x dage + 4"))
                if key == ("Sølager", 2023, 4):
                    drift = normed
                    tags.append(Tag("R11", "near_miss", "pladser i drift = normerede"))
                for tag in tags:
                    tag.periode = periode
                months.append(
                    {
                        "name": name,
                        "operator": operator,
                        "periode": periode,
                        "normed": normed,
                        "flex": flex,
                        "drift": drift,
                        "days": days,
                        "occupied": occupied,
                        "fixed": fixed,
                        "social_pct": rng.randint(55, 75),
                        "refused": [rng.choice([0] * 8 + [1, 2]), rng.choice([0] * 9 + [1])],
                        "waiting": "" if y <= 2020 else str(rng.randint(0, 3)),  # not recorded before 2021
                        "tags": tags,
                    }
                )
        if y in KOMPASSET_OCCUPANCY_PCT:
            _occupy_to(months, "Kompasset", kompasset_occupied_days(y))
        if y == 2021:
            for i, kind in enumerate(REFUSED_2021):
                # the drawn refusals weight the split, so busy months stay busy; +1 keeps every month possible
                parts = split(REFUSED_2021[kind], [1 + 3 * mo["refused"][i] for mo in months])
                for mo, part in zip(months, parts):
                    mo["refused"][i] = part
        rows = []
        for mo in months:
            social = int(half_up(D(mo["occupied"]) * D(mo["social_pct"]) / 100))
            cells = [
                mo["name"],
                mo["operator"],
                mo["periode"],
                str(mo["normed"]),
                str(mo["drift"]),
                str(social),
                str(mo["occupied"] - social),
                str(mo["refused"][0]),
                str(mo["refused"][1]),
                mo["waiting"],
                str(mo["flex"]) if mo["flex"] else "",
            ]
            rows.append((cells, mo["tags"]))
        landing.csv(f"sikrede/sikrede_{y}.csv", header, rows, bom=True)


def _occupy_to(months: list[dict], name: str, total: int) -> None:
    """Set the occupied days of `name`'s months so they add up to `total`: the planted months keep
    theirs, the others share the rest in proportion to their places in operation × days, so no
    month exceeds its places (no unplanted R10). Raises AssertionError if `total` does not fit."""
    free = [mo for mo in months if mo["name"] == name and not mo["fixed"]]
    rest = total - sum(mo["occupied"] for mo in months if mo["name"] == name and mo["fixed"])
    capacity = [mo["drift"] * mo["days"] for mo in free]
    assert 0 <= rest <= sum(capacity), (name, total)
    for mo, part in zip(free, split(rest, capacity)):
        mo["occupied"] = part
