"""The domain facts both samples (`nordjylland/`, `national/`) draw from: the real figures of
shared/domain/README.md, the functions with their shares and the reference seeds' labels.

Kept once so the two samples cannot drift apart: the regional sample's 11 populations are the
national sample's real ones, and both book on the same functions. Labels and the paragraph →
function map (R01) are the reference seeds' (dbt_project/seeds), the one place they are kept.
"""

from __future__ import annotations

from datetime import date

from ingest import reference

EXTRACTION = date(2024, 10, 25)  # the health-check extract's date: 2024M10 is incomplete (R12)

# code, DST name, population 1 January 2021 (domain/README.md)
MUNICIPALITIES = [
    ("851", "Aalborg", 219573),
    ("810", "Brønderslev", 36140),
    ("813", "Frederikshavn", 58933),
    ("860", "Hjørring", 64099),
    ("849", "Jammerbugt", 38166),
    ("825", "Læsø", 1776),
    ("846", "Mariagerfjord", 41584),
    ("773", "Morsø", 20078),
    ("840", "Rebild", 30504),
    ("787", "Thisted", 43126),
    ("820", "Vesthimmerlands", 36343),
]
NATIONAL_POP_2021 = 5840045  # Denmark, 1 January 2021
# 14–23-year-olds at 1 January 2021, the seeds' split key of that year (issue 21): Aalborg's and
# the 11 municipalities' together.
YOUTH_14_23_2021 = {"851": 32332, "de 11": 72158}

# function and its share of the municipality's 5.38 total (Aalborg ~1.2 bn kr./year); the 5.28
# shares are relative to the same total. Text, so the regional sample reads them as Decimal.
FUNCTION_SHARES = {
    "5.38.38": "0.30",
    "5.38.42": "0.04",
    "5.38.45": "0.06",
    "5.38.50": "0.34",
    "5.38.52": "0.12",
    "5.38.58": "0.04",
    "5.38.59": "0.10",
    "5.28.20": "0.18",
    "5.28.21": "0.10",
}
# KL's service P/L as the yearly change in percent (text, read as Decimal): illustrative, of the
# size the index had in these years (2022–2023 high), not KL's published figures. Both samples
# write it, the regional as changes, the national chained into an index.
PL_CHANGE_PCT = {
    **{y: "1.6" for y in range(2011, 2020)},
    2020: "1.9",
    2021: "2.6",
    2022: "4.6",
    2023: "4.5",
    2024: "2.7",
}
FUNCTION_LABELS = dict(reference.seed("funktioner").select("funktion", "funktionsnavn").iter_rows())
PARAGRAPH_FUNCTION = dict(reference.seed("paragraf_funktion").iter_rows())
