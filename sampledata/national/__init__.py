"""National sample landing directory: 98 municipalities × 10 years at a realistic volume.

`write_national` writes every source of contracts/landing-zone.md in its real format for all
98 municipalities of the reference seed (`dbt_project/seeds/kommuner.csv`): population, REGK31
accounts, ~3 000 residential tilbud (plus ~1 500 other) with yearly rate appendices (xlsx, one
per operator and year) and monthly occupancy, the 8 secure institutions, GP health checks, BUDK32
budgets, a P/L index (`År;PL-indeks`), and ledger postings — about 20 million by default, one or two files per municipality and year.
The files use the freedoms the contract grants, varied per municipality or operator: UTF-8
with and without BOM and cp1252, CRLF and LF, header case and padding, columns in any order,
Danish numbers with and without thousands dots, four date formats, `yyyy-mm` and `2024M01`
months, missing values empty or `-`, quoted free texts with `;` and a stray `"`, a few systems
quoting every field, rate workbooks with title blocks of different heights, occupancy as 0,95 /
95 / `95 %` / `95%`, formulas with Excel's cached results, year-average places.

Every rule R01–R17 of contracts/data-quality-rules.md has planted positives and near misses
in several municipalities, formats and years; the rest is clean by construction (rates computed
exactly, day postings billed at the approved rate for the days of their period, February of a
leap year billed to the 28th, ledger sums equal to REGK31 × 1.000 to the øre, smooth growth).
`_manifest.json` lists each planted case with file and physical line, as the regional sample
does, so precision and recall can be checked at scale.

Generation streams: the postings are built per municipality (every year at once, at most a few
hundred thousand rows) with polars and written file by file, so peak memory stays far below
2 GB. Determinism: every draw comes from a numpy generator seeded with the seed and the name
of what it draws (`text.rng`); polars never samples on its own.

One module per source, as `sampledata/nordjylland/`: `befolkning` (the municipalities and their
population), `tilbud` (the register), `takstbilag` (rates, R06-R09), `belaegning`, `sikrede`
(R10/R11), `sundhedstjek` (R12/R13), `posteringer` (R01-R05, R14-R16) and `regnskab` (R17,
from the ledgers' sums), `budget` (BUDK32 around the accounts) and `prisindeks` (the P/L index);
`common` what they share. The facts both samples draw from are in
`sampledata/domain.py`, the contract's headers in `sampledata/contract.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sampledata.landing import Landing, Plants
from sampledata.national.befolkning import municipalities, population, write_befolkning
from sampledata.national.belaegning import write_belaegning
from sampledata.national.budget import write_budget
from sampledata.national.common import DEFAULT_POSTINGS
from sampledata.national.posteringer import write_posteringer
from sampledata.national.prisindeks import write_prisindeks
from sampledata.national.regnskab import write_regnskab
from sampledata.national.sikrede import write_sikrede
from sampledata.national.sundhedstjek import write_sundhedstjek
from sampledata.national.takstbilag import takster, write_takstbilag, ydelser
from sampledata.national.tilbud import tilbud_register, write_tilbud

DEFAULT_YEARS = (2015, 2024)


def write_national(
    out: Path,
    seed: int = 2024,
    years: tuple[int, int] = DEFAULT_YEARS,
    postings: int = DEFAULT_POSTINGS,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict:
    """Write the national landing directory to `out` and return its manifest (also in
    `out/_manifest.json`): `files` (path → SHA-256), `rows` (data rows per source folder),
    `planted` (rule, kind, source, file, line, kommunekode, tilbudsnr, periode, note),
    `unparseable` (file, line, column, raw_value) and `cpr_like` (file, line, column).

    `years` must end in 2024 (the health-check extract is of 25 October 2024) and start in
    2010–2020; `postings` is the approximate number of ledger postings (at least one day-based
    posting per place bought, so small numbers give somewhat more). Same arguments → byte-
    identical files. Raises ValueError for other years."""
    if not (2010 <= years[0] <= 2020 and years[1] == 2024):
        raise ValueError("years must start in 2010-2020 and end in 2024")
    span = range(years[0], years[1] + 1)
    plants = Plants()
    landing = Landing(Path(out), plants)
    kommuner = municipalities(seed)
    pop = population(seed, kommuner, span)
    register = tilbud_register(seed, kommuner)
    rates = takster(seed, ydelser(seed, register), span, plants)
    progress(f"tilbud: {register.height} i registret, {rates.height} takstrækker")
    write_tilbud(landing, register)
    write_befolkning(landing, seed, kommuner, pop, span)
    write_takstbilag(landing, seed, rates, register)
    progress(f"takstbilag: {sum(f.startswith('takstbilag/') for f in landing.files)} projektmapper")
    write_belaegning(landing, seed, register, span, plants)
    write_sikrede(landing, seed, span, plants)
    write_sundhedstjek(landing, seed, kommuner, pop, plants)
    konti = write_posteringer(landing, seed, kommuner, register, rates, span, postings, plants, progress)
    accounts = write_regnskab(landing, seed, kommuner, pop, konti, span, plants)
    write_budget(landing, seed, accounts, span)
    write_prisindeks(landing, span)
    return landing.manifest(seed=seed, years=list(years), scale="national", postings=landing.rows.get("posteringer", 0))
