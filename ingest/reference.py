"""Municipality and region codes by DST name, for files that carry names instead of codes.

The reference tables are the dbt seeds (dbt_project/seeds/*.csv): one copy of the truth, read
here as plain CSV files so a label resolves to the same code in Python and in SQL.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
READ = ("kommuner", "regioner")  # the seeds the readers use; part of their version (sources.reader_version)


@cache
def seed(name: str) -> pl.DataFrame:
    """A reference seed (`dbt_project/seeds/<name>.csv`) as text columns."""
    return pl.read_csv(SEEDS / f"{name}.csv", infer_schema=False)


def kommuner() -> pl.DataFrame:
    return seed(READ[0])


@cache
def area_codes() -> dict[str, str]:
    """DST name (case-folded) → code, for municipalities, regions and `Hele landet` (000)."""
    regions = seed(READ[1])
    names = pl.concat(
        [
            kommuner().select(pl.col("kommunenavn").alias("navn"), pl.col("kommunekode").alias("kode")),
            regions.select(pl.col("regionsnavn").alias("navn"), pl.col("regionskode").alias("kode")),
        ]
    )
    return dict(zip(names["navn"].str.to_lowercase(), names["kode"]))


@cache
def known_codes() -> list[str]:
    """Every area code a landing file may carry: 98 municipalities, 5 regions, 000."""
    return sorted(set(area_codes().values()))


def code_from_name(name: pl.Expr) -> pl.Expr:
    return name.str.strip_chars().str.to_lowercase().replace_strict(area_codes(), default=None, return_dtype=pl.String)
