"""Secure institutions' yearly occupancy, refusals and waiting list (`sikrede/`), with the planted R10/R11 cases.

Kompasset ran two flex places above its 10 normed places in 2021 (the seeds: made permanent in
2022), reported in the optional column `Fleksible pladser` (empty = 0): 11 places in operation
in March 2021 is capacity, not an R11 error; 13 in July 2021 is more than normed + flex."""

from __future__ import annotations

import calendar

from rules.rounding import half_up
from sampledata.nordjylland.common import D, Landing, Tag, source_rng
from sampledata.nordjylland.tilbud import RN

SECURE_INSTITUTIONS = [
    ("Kompasset", RN, 10),
    ("Sølager", "Region Hovedstaden", 12),
    ("Bakkegården", "Region Sjælland", 14),
]


def write_sikrede(landing: Landing, seed: int, years: range) -> None:
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
        rows = []
        for name, operator, normed in SECURE_INSTITUTIONS:
            for m in range(1, 13):
                days, key, periode, tags = calendar.monthrange(y, m)[1], (name, y, m), f"{y}-{m:02d}", []
                r = rng.random()  # screening one young person can take several places out of use
                drift = normed - 2 if r < 0.03 else normed - 1 if r < 0.10 else normed
                occupied = int(half_up(D(drift * days) * D(rng.randint(800, 980)) / 1000))
                flex = "2" if (name, y) == ("Kompasset", 2021) else ""
                if key == ("Kompasset", 2021, 3):
                    drift = normed + 1
                    tags.append(Tag("R11", "near_miss", "pladser i drift 11 ≤ normerede 10 + 2 fleksible"))
                if key == ("Kompasset", 2021, 7):
                    drift = normed + 3
                    tags.append(Tag("R11", "positive", "pladser i drift 13 > normerede 10 + 2 fleksible"))
                if key == ("Kompasset", 2021, 11):
                    drift, occupied = normed, normed * days
                    tags.append(Tag("R10", "near_miss", "belagte døgn = pladser i drift x dage exactly (100 %)"))
                if key == ("Bakkegården", 2022, 8):
                    occupied = drift * days + 4
                    tags.append(Tag("R10", "positive", "belagte døgn (sociale + retlige) = drift x dage + 4"))
                if key == ("Sølager", 2023, 4):
                    drift = normed
                    tags.append(Tag("R11", "near_miss", "pladser i drift = normerede"))
                for tag in tags:
                    tag.periode = periode
                social = int(half_up(D(occupied) * D(rng.randint(55, 75)) / 100))
                refused = [rng.choice([0] * 8 + [1, 2]), rng.choice([0] * 9 + [1])]
                waiting = "" if y <= 2020 else str(rng.randint(0, 3))  # not recorded before 2021
                rows.append(
                    (
                        [
                            name,
                            operator,
                            periode,
                            str(normed),
                            str(drift),
                            str(social),
                            str(occupied - social),
                            str(refused[0]),
                            str(refused[1]),
                            waiting,
                            flex,
                        ],
                        tags,
                    )
                )
        landing.csv(f"sikrede/sikrede_{y}.csv", header, rows, bom=True)
