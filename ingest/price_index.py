"""The P/L index of `prisindeks/` (landing-zone §10): KL's price and wage index for municipal
service expenditure, as `År;PL-indeks` (an index, any base year) or `År;PL-udvikling (%)` (the
yearly change in %, chained into an index in dbt: models/intermediate/int_prisindeks__aar.sql).

The file-level rules live here, before any row is parsed: exactly one of the two value columns,
and consecutive years (a gap is an error naming the missing year, since fixed prices across a
gap would silently skip a year's price change)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest import danish
from ingest.errors import ContractError
from ingest.textfile import LINE, TextFrame, read_csv_text

YEAR, INDEX, CHANGE = "År", "PL-indeks", "PL-udvikling (%)"


def read_price_index(path: Path, name: str) -> TextFrame:
    """A `prisindeks/` CSV as text columns (`ingest/textfile.py`), a trailing `%` taken off the
    changes (`1,9 %`). Raises ContractError (Danish, naming file, column and line) when both or
    neither value column is there, or when the years have a gap."""
    text = read_csv_text(path, name)
    columns = {c.strip().casefold(): c for c in text.frame.columns}
    has_index, has_change = INDEX.casefold() in columns, CHANGE.casefold() in columns
    if has_index == has_change:
        raise ContractError(
            name,
            f"angiv én af kolonnerne '{INDEX}' (et indeks) eller '{CHANGE}' (årlig ændring i %), "
            f"{'ikke begge' if has_index else 'ingen fundet'}",
            column=f"{INDEX} / {CHANGE}",
            line=text.header_line,
        )
    frame = text.frame
    if has_change:
        change = columns[CHANGE.casefold()]
        frame = frame.with_columns(pl.col(change).str.replace(r"\s*%\s*$", ""))
    if YEAR.casefold() in columns:
        years = frame.select(danish.year(pl.col(columns[YEAR.casefold()])).alias("aar"), LINE).drop_nulls().sort("aar")
        gap = years.with_columns(forrige=pl.col("aar").shift(1)).filter(pl.col("aar") - pl.col("forrige") > 1)
        if gap.height:
            first = gap.row(0, named=True)
            raise ContractError(
                name,
                f"år {first['forrige'] + 1} mangler i indekset (årene skal følge hinanden): tilføj året",
                column=YEAR,
                line=first[LINE],
            )
    return TextFrame(frame, text.header_line, text.ragged, text.preamble)
