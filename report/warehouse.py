"""Read the published warehouse: the `cockpit` views (and the seed of the 11 municipalities,
`reference.kommuner`), the file opened read-only.

The report never opens the build DB or touches ingest: what it shows is exactly what BI tools
read. A view that is missing (an older warehouse) is reported as missing, not as an error, so a
section can say so and the rest of the report still renders.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

SCHEMA_NAMES = {
    "raw",
    "quarantine",
    "meta",
    "staging",
    "intermediate",
    "marts",
    "cockpit",
    "main",
    "reference",
    "quality",
}
COCKPIT_MUNICIPALITIES = 11


class ReportError(Exception):
    """The report cannot be made (no published file, no data for the year); the message says why."""


class Warehouse:
    """A read-only connection to the published DuckDB file, closed by `close()` or `with`."""

    def __init__(self, path: Path):
        path = Path(path)
        if not path.is_file():
            raise ReportError(
                f"den publicerede database {path} findes ikke (kør 'cockpit run' eller angiv --published-db)"
            )
        if path.stem.lower() in SCHEMA_NAMES:
            raise ReportError(
                f"{path}: en DuckDB-fil må ikke hedde som et skema ({path.stem}) — cockpit.<view> ville være tvetydig"
            )
        try:
            self.con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise ReportError(f"kan ikke åbne {path}: {str(exc).splitlines()[0]}") from exc
        self.path = path
        self.views = {
            name
            for (name,) in self.con.execute(
                "select view_name from duckdb_views() where schema_name = 'cockpit'"
            ).fetchall()
        }

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def has(self, view: str) -> bool:
        return view in self.views

    def in_agreement(self, view: str) -> str:
        """A SQL condition that keeps the rows of cockpit view `view` (its name without schema)
        that belong to Nordjysk Socialaftale: a tilbud that does not lie in another municipality
        than the 11 (`nordjysk_socialaftale` is not false; NULL, a tilbud not in the register or
        without a known municipality, is kept), or one of the 11 municipalities of the published
        seed `reference.kommuner` (published with every warehouse, whatever sources it has). "true"
        for a view with neither column, or a file without the seed. A warehouse of all of
        Denmark (the national sample) then reports on the agreement, as its text says."""
        columns = {
            c
            for (c,) in self.con.execute(
                "select column_name from duckdb_columns() where schema_name = 'cockpit' and table_name = ?", [view]
            ).fetchall()
        }
        if "nordjysk_socialaftale" in columns:
            return "nordjysk_socialaftale is distinct from false"
        seed = self.con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'reference' and table_name = 'kommuner' "
            "and column_name = 'nordjysk_socialaftale'"
        ).fetchone()[0]
        if "kommunekode" in columns and seed:
            return "kommunekode in (select kommunekode from reference.kommuner where nordjysk_socialaftale)"
        return "true"

    def frame(self, sql: str, params: list | None = None) -> pl.DataFrame:
        """Run `sql` (reading `cockpit.*` only) and return a polars frame; DECIMAL columns stay Decimal."""
        return self.con.execute(sql, params or []).pl()

    def years(self) -> list[int]:
        """Years with expenditure for all 11 cockpit municipalities, oldest first (the yearly
        accounts are the backbone of the cockpit; a year is complete when they are in)."""
        if not self.has("udgifter_kommune"):
            return []
        rows = self.con.execute(
            "select aar from cockpit.udgifter_kommune where nordjysk_socialaftale "
            "group by aar having count(distinct kommunekode) = ? order by aar",
            [COCKPIT_MUNICIPALITIES],
        ).fetchall()
        return [aar for (aar,) in rows]

    def newest_complete_year(self) -> int:
        """The default report year. Raises ReportError when no year is complete."""
        years = self.years()
        if not years:
            raise ReportError(
                f"{self.path} har intet år med udgifter for alle {COCKPIT_MUNICIPALITIES} kommuner "
                "(cockpit.udgifter_kommune) — angiv --year"
            )
        return years[-1]
