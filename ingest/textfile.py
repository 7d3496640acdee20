"""Landing files as text frames: decoded, every cell a string, every row with its physical line.

CSV: UTF-8 (with or without BOM) or cp1252, detected from the bytes; `;`-separated.
Excel: the named sheet read by polars' calamine engine, keeping empty rows so the row index is
the row number Excel shows, and the header row found by its names below any title block.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ingest.errors import ContractError

LINE = "_source_line"


@dataclass(frozen=True)
class TextFrame:
    """Every column is text named by its trimmed header; `_source_line` is the physical line."""

    frame: pl.DataFrame
    sha256: str
    header_line: int


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, name: str) -> str:
    """UTF-8 (BOM stripped) or cp1252. Never latin-1: it accepts any byte and hides damage."""
    if b"\x00" in data[:4096]:
        raise ContractError(name, "filen er binær (indeholder NUL-bytes), ikke en tekstfil")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ContractError(name, "filen kan hverken læses som UTF-8 eller Windows-1252", line=line) from exc


def read_csv_text(path: Path, name: str, *, header_line: int = 1) -> TextFrame:
    """Read a `;` CSV whose header is on `header_line` (1-based) as text, rows with their lines.

    Blank lines are skipped but still counted, so `_source_line` stays the line an editor shows.
    """
    data = path.read_bytes()
    text = decode(data, name).replace("\r\n", "\n").replace("\r", "\n")
    lines = pl.Series("text", text.split("\n"))
    if lines.len() < header_line or not lines[header_line - 1].strip():
        raise ContractError(name, "filen er tom eller mangler overskriftslinjen", line=header_line)
    body = pl.DataFrame({"text": lines}).with_row_index(LINE, offset=1).slice(header_line)
    data_lines = body.filter(pl.col("text").str.strip_chars() != "")
    csv_bytes = "\n".join([lines[header_line - 1], *data_lines["text"].to_list()]).encode()
    try:
        frame = pl.read_csv(
            io.BytesIO(csv_bytes), separator=";", infer_schema=False, has_header=True,
            quote_char='"',
        )
    except pl.exceptions.PolarsError as exc:
        raise ContractError(name, f"filen kan ikke læses som CSV med ';': {exc}".splitlines()[0]) from exc
    if frame.height != data_lines.height:
        raise ContractError(
            name, f"{data_lines.height} datalinjer gav {frame.height} rækker (felter med linjeskift?)"
        )
    frame = frame.rename({c: c.strip() for c in frame.columns})
    frame = frame.with_columns(data_lines[LINE].cast(pl.Int64).alias(LINE))
    return TextFrame(frame, sha256_of(data), header_line)


def read_excel_text(path: Path, name: str, *, sheet: str, header_names: list[str]) -> TextFrame:
    """Read `sheet` as text and locate the header row: the first row holding all `header_names`."""
    data = path.read_bytes()
    try:
        grid = pl.read_excel(
            io.BytesIO(data), sheet_name=sheet, engine="calamine",
            drop_empty_rows=False, drop_empty_cols=False,
            read_options={"header_row": None, "skip_rows": 0, "dtypes": "string"},
        )
    except Exception as exc:  # calamine raises several unrelated types for a broken workbook
        reason = f"arket '{sheet}' kan ikke læses: {type(exc).__name__}: {exc}".splitlines()[0]
        raise ContractError(name, reason) from exc
    grid = grid.with_row_index(LINE, offset=1)
    wanted = {h.casefold() for h in header_names}
    cells = grid.drop(LINE).select(pl.all().str.strip_chars().str.to_lowercase())
    hits = cells.select(pl.sum_horizontal(pl.all().is_in(list(wanted)).fill_null(False))).to_series()
    # The header is the first row naming every wanted column; failing that, the row naming most
    # of them, so the error that follows can say which column is missing.
    complete = (hits == len(wanted)).arg_true()
    if complete.len():
        best = complete[0]
    elif hits.len() and hits.max() >= 2:
        best = (hits == hits.max()).arg_true()[0]
    else:
        raise ContractError(name, f"ingen overskriftsrække med {', '.join(header_names)} i arket '{sheet}'")
    header = grid.row(best)[1:]
    columns = [(str(h).strip() if h is not None else "") for h in header]
    keep = [i for i, c in enumerate(columns) if c]
    body = grid.slice(best + 1)
    frame = body.select(
        [pl.col(grid.columns[i + 1]).alias(columns[i]) for i in keep] + [pl.col(LINE).cast(pl.Int64)]
    )
    blank = pl.all_horizontal(pl.exclude(LINE).is_null() | (pl.exclude(LINE).str.strip_chars() == ""))
    return TextFrame(frame.filter(~blank), sha256_of(data), best + 1)
