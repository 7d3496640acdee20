"""What both sample generators (`nordjylland/`, `national.py`) write the same way: the landing
contract's headers (contracts/landing-zone.md) and the shape of a municipality's age pyramid.

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


def age_weight(age: int) -> float:
    """Relative size of a single-year age group (0-99) in a municipality's population: a rough
    Danish pyramid, flat to 60 and thinning after; the generators add noise per municipality."""
    for upper, weight in ((20, 1.0), (30, 1.1), (60, 1.0), (70, 0.95), (80, 0.75), (90, 0.35)):
        if age < upper:
            return weight
    return 0.05
