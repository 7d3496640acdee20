"""Test data: landing directories in the real formats of contracts/landing-zone.md.

Kept apart from the readers in `ingest/` (ARCHITECTURE.md: the sample generator is test data,
not a reader). `nordjylland.py` writes the regional sample `make run` loads (11 municipalities,
every rule planted with near misses); `national.py` the 98 municipalities × 10 years at a
realistic volume. Both share `text.py` (Danish text of numbers and dates), `workbook.py` (rate
appendices as real Excel files) and `landing.py` (files, hashes, the manifest).
"""
