"""The GP health-check extract (landing-zone §7a): a wide file with a preamble.

Line 1 `Udtræksdato;25-10-2024`, line 2 empty, line 3 `Kommune;2022M01;…`. Unpivoted to one
row per municipality × month; every row keeps the line of its municipality and the extraction
date, and a bad cell is reported under its month column.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ingest.errors import ContractError
from ingest.textfile import LINE, TextFrame, first_line, read_csv_text

PREAMBLE_KEY = "udtræksdato"


def is_wide_extract(path: Path) -> bool:
    return first_line(path).strip().lower().startswith(PREAMBLE_KEY)


def read_wide_extract(path: Path, name: str) -> TextFrame:
    text = read_csv_text(path, name, header_line=3)
    preamble = text.preamble[0].split(";") if text.preamble else []
    if len(preamble) < 2 or preamble[0].strip().lower() != PREAMBLE_KEY:
        raise ContractError(name, "linje 1 skal være 'Udtræksdato;dd-mm-åååå'", line=1)
    kommune = next((c for c in text.frame.columns if c.strip().lower() == "kommune"), None)
    if kommune is None:
        raise ContractError(name, "overskriften på linje 3 skal begynde med 'Kommune'", column="Kommune", line=3)
    months = [c for c in text.frame.columns if c not in (kommune, LINE)]
    long = (
        text.frame.unpivot(index=[kommune, LINE], on=months, variable_name="Måned", value_name="Antal")
        .with_columns(pl.lit(preamble[1].strip()).alias("Udtræksdato"))
        .sort(LINE, "Måned")
    )
    # A broken line loses every month of its municipality: it weighs as many rows in the 1 % rule.
    return TextFrame(long, text.header_line, text.ragged, text.preamble, ragged_weight=max(len(months), 1))
