"""Test data: landing directories in the real formats of contracts/landing-zone.md.

Kept apart from the readers in `ingest/` (ARCHITECTURE.md: the sample generator is test data,
not a reader). `nordjylland/` writes the regional sample `make run` loads (11 municipalities,
every rule planted with near misses), one module per source; `national.py` the 98
municipalities × 10 years at a realistic volume, vectorised (`text.py`: Danish text of numbers
and dates over whole columns; `landing.py`: files, hashes, the manifest). Both write rate
appendices as real Excel files through `workbook.py`.
"""
