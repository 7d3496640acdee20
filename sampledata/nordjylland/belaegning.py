"""Monthly occupancy per tilbud (`belaegning/`), with the planted R10/R11 cases."""

from __future__ import annotations

import calendar

from rules.rounding import half_up
from sampledata.nordjylland.common import SEL_RESIDENTIAL, Bad, D, Landing, Tag, source_rng
from sampledata.nordjylland.tilbud import TILBUD


def write_belaegning(landing: Landing, seed: int, years: range) -> None:
    rng = source_rng(seed, "belaegning")
    header = ["Tilbudsnr", "Måned", "Normerede pladser", "Pladser i drift", "Belagte døgn"]
    for y in years:
        rows, rel = [], f"belaegning/belaegning_{y}.csv"
        for t in (t for t in TILBUD if t.paragraf in SEL_RESIDENTIAL):  # Kompasset reports in sikrede/
            for m in range(1, 13):
                days, key, tags = calendar.monthrange(y, m)[1], (t.nr, y, m), []
                drift = t.pladser - 1 if rng.random() < 0.05 else t.pladser  # a place out of use
                occupied = int(half_up(D(drift * days) * D(rng.randint(930, 990)) / 1000))
                month = f"{y}-{m:02d}" if y % 2 == 0 else f"{y}M{m:02d}"

                def plant(rule, kind, note):
                    tags.append(Tag(rule, kind, note, None, t.nr, f"{y}-{m:02d}"))

                if key == (1002, 2023, 5):
                    drift, occupied = t.pladser, t.pladser * days + 2
                    plant("R10", "positive", "belagte døgn = pladser i drift x dage + 2")
                if key == (1012, 2022, 7):
                    occupied = drift * days
                    plant("R10", "near_miss", "belagte døgn = pladser i drift x dage exactly")
                if key == (1022, 2024, 2):
                    drift = t.pladser + 1
                    plant("R11", "positive", "pladser i drift = normerede + 1")
                if key == (1009, 2020, 4):
                    drift = t.pladser
                    occupied = int(half_up(D(drift * days) * D("0.95")))
                    plant("R11", "near_miss", "pladser i drift = normerede")
                cells = [str(t.nr), month, str(t.pladser), str(drift), str(occupied)]
                if key == (1013, 2022, 12):  # a typo in the month
                    cells[1] = f"{y}-13"
                    tags.append(Bad("Måned", cells[1]))
                if key == (1016, 2023, 1):  # a letter for a digit
                    s = cells[4]
                    cells[4] = s.replace("1", "l", 1) if "1" in s else s.replace("0", "O", 1) if "0" in s else s + "l"
                    tags.append(Bad("Belagte døgn", cells[4]))
                rows.append((cells, tags))
        landing.csv(rel, header, rows, encoding="utf-8" if y % 2 == 0 else "cp1252")
