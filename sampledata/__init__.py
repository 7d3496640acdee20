"""Test data: landing directories in the real formats of contracts/landing-zone.md.

Kept apart from the readers in `ingest/` (ARCHITECTURE.md: the sample generator is test data,
not a reader). `nordjylland/` writes the regional sample `make run` loads (11 municipalities,
every rule planted with near misses); `national/` the 98 municipalities × 10 years at a
realistic volume, vectorised (`text.py`: Danish text of numbers and dates over whole columns;
`landing.py`: files, hashes, the manifest). Both are one module per source, with a `common.py`
of their own; what both draw from is shared: the domain facts (`domain.py`: the real
populations, the functions and their shares, the seeds' labels), the contract's headers
(`contract.py`) and the rate workbooks, real Excel files through `workbook.py`.
"""
