"""What both sample generators (`nordjylland/`, `national/`) write the same way: the landing
contract's headers (contracts/landing-zone.md) in the contract's and in a system's order, the
range of the 2021 day rates, and the shape of a municipality's age pyramid.

Kept here rather than taken from the readers in `ingest/`: test data written from the readers'
own column list would not catch a reader that misspells a contract column.
"""

from __future__ import annotations

# posteringer/*.csv, in the contract's order
POSTING_HEADER = [
    "Kommunenr",
    "Bilagsnr",
    "Bogføringsdato",
    "Funktion",
    "Dranst",
    "Art",
    "Beløb",
    "Tilbudsnr",
    "Leverandør CVR",
    "Borgerreference",
    "Periode fra",
    "Periode til",
    "Antal døgn",
    "Tekst",
]

# takstbilag/*.xlsx, the header row of a rate appendix
TAKSTBILAG_HEADER = [
    "År",
    "Tilbudsnr",
    "Tilbudsnavn",
    "Driftsherre",
    "Paragraf",
    "Ydelse",
    "Pladser",
    "Dage",
    "Belægningsprocent",
    "Antal døgn",
    "Omkostninger",
    "Døgntakst",
    "Begrundelse",
]

# posteringer/*.csv as one financial system orders the same columns (column order is free)
POSTING_HEADER_SYSTEM_ORDER = [
    "Bogføringsdato",
    "Bilagsnr",
    "Kommunenr",
    "Funktion",
    "Art",
    "Dranst",
    "Tekst",
    "Beløb",
    "Borgerreference",
    "Tilbudsnr",
    "Leverandør CVR",
    "Antal døgn",
    "Periode fra",
    "Periode til",
]

SECURE = "Barnets lov § 43"  # the secure institutions' paragraph
# the range a tilbud's 2021 day rate is drawn from, kr. per day, by paragraph
BASE_RATE = {
    "SEL § 108": (1600, 2800),
    "SEL § 107": (1900, 3200),
    "SEL §§ 109-110": (700, 1400),
    SECURE: (7500, 9000),
}


def age_weight(age: int) -> float:
    """Relative size of a single-year age group (0-99) in a municipality's population: a rough
    Danish pyramid, flat to 60 and thinning after; the generators add noise per municipality."""
    for upper, weight in ((20, 1.0), (30, 1.1), (60, 1.0), (70, 0.95), (80, 0.75), (90, 0.35)):
        if age < upper:
            return weight
    return 0.05


# budget/*.csv (StatBank BUDK32, landing-zone §9): REGK31's variables, but the area variable
# under an id of its own (the reader finds it by its values, not by this name).
BUDK32_HEADER = ["KOMK", "FUNKTION", "DRANST", "ART", "PRISENHED", "TID", "INDHOLD"]

# prisindeks/*.csv (landing-zone §10): the yearly-change form of the P/L index
PRISINDEKS_CHANGE_HEADER = ["År", "PL-udvikling (%)"]
# prisindeks/*.csv (landing-zone §10): the index form, any base year
PRISINDEKS_INDEX_HEADER = ["År", "PL-indeks"]
