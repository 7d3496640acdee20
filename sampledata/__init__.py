"""Test data: landing directories in the real formats of contracts/landing-zone.md.

Kept apart from the readers in `ingest/` (ARCHITECTURE.md: the sample generator is test data,
not a reader). `national.py` writes the 98 municipalities × 10 years at a realistic volume; the
regional 11-municipality sample still lives in `ingest/sample.py` until it moves here.
"""
