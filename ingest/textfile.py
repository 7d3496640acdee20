"""Landing files as text frames: decoded, every cell a string, every row with its physical line.

CSV: UTF-8 (with or without BOM) or cp1252, detected from the bytes; `;`-separated.
Excel: the named sheet read by polars' calamine engine, keeping empty rows so the row index is
the row number Excel shows, and the header row found by its names below any title block.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import fastexcel
import polars as pl

from ingest.errors import ContractError

LINE = "_source_line"


RAGGED_SCHEMA = {LINE: pl.Int64, "text": pl.String, "reason": pl.String}


@dataclass(frozen=True)
class TextFrame:
    """Every column is text named by its trimmed header; `_source_line` is the physical line.
    `ragged` holds lines whose field count differs from the header's (line, text, reason)."""

    frame: pl.DataFrame
    header_line: int
    ragged: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=RAGGED_SCHEMA))
    preamble: tuple[str, ...] = ()  # the lines above the header


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# A UTF-8 encoded Latin-1 letter (æ ø å é …) in a file that is not valid UTF-8: two encodings in
# one file, e.g. lines appended by another system. Decoding it all as cp1252 would silently
# turn them into "Ã¸".
_UTF8_LATIN1 = re.compile(rb"\xc3[\x80-\xbf]")
_BOM = b"\xef\xbb\xbf"


def to_utf8(data: bytes, name: str) -> bytes:
    """The file as UTF-8 bytes: UTF-8 (BOM dropped) as it is, cp1252 transcoded.
    Never latin-1: it accepts any byte and hides damage."""
    if b"\x00" in data[:4096]:
        raise ContractError(name, "filen er binær (indeholder NUL-bytes), ikke en tekstfil")
    try:
        data.decode("utf-8")
        return data[len(_BOM):] if data.startswith(_BOM) else data
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if _UTF8_LATIN1.search(data):
        raise ContractError(name, "blandet kodning: både UTF-8 og Windows-1252 i samme fil",
                            line=data[:bad_at].count(b"\n") + 1)
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractError(name, "filen kan hverken læses som UTF-8 eller Windows-1252",
                            line=data[: exc.start].count(b"\n") + 1) from exc


def _read(data: bytes, name: str, **options) -> pl.DataFrame:
    try:
        return pl.read_csv(io.BytesIO(data), infer_schema=False, **options)
    except pl.exceptions.NoDataError as exc:
        raise ContractError(name, "filen er tom eller mangler overskriftslinjen", line=1) from exc
    except pl.exceptions.PolarsError as exc:
        raise ContractError(name, f"filen kan ikke læses som CSV med ';': {exc}".splitlines()[0]) from exc


def read_csv_text(path: Path, name: str, *, header_line: int = 1) -> TextFrame:
    """Read a `;` CSV whose header is on `header_line` (1-based) as text, rows with their lines.

    polars gets the bytes directly and turns a blank line into an empty row, so row i of the
    body is physical line header_line + 1 + i. The lines are also read once as a single
    column, to find ragged lines; only a file that has some is rebuilt without them.
    """
    data = path.read_bytes()
    utf8 = to_utf8(data, name)
    lines = _read(utf8, name, has_header=False, separator="\x1f", quote_char=None, new_columns=["text"])
    lines = lines.with_row_index(LINE, offset=1).with_columns(pl.col(LINE).cast(pl.Int64))
    if lines.height < header_line or not (lines["text"][header_line - 1] or "").strip():
        raise ContractError(name, "filen er tom eller mangler overskriftslinjen", line=header_line)
    header = lines["text"][header_line - 1]
    blank = pl.col("text").is_null() | (pl.col("text").str.strip_chars() == "")
    # A line with more or fewer fields than the header (a truncated last line, a stray ';')
    # is rejected whole; quoted fields may hold ';', so lines with quotes are left to polars.
    fields_in_header = header.count(";") + 1
    n_fields = pl.col("text").str.count_matches(";", literal=True) + 1
    is_ragged = ~blank & (n_fields != fields_in_header) & ~pl.col("text").str.contains('"', literal=True)
    body = lines.slice(header_line).with_columns(blank.alias("_blank"), is_ragged.alias("_ragged"))
    ragged = body.filter(pl.col("_ragged")).select(
        LINE, "text",
        pl.format("linjen har {} felter, overskriften har {}", n_fields, pl.lit(fields_in_header)).alias("reason"),
    )
    options = {"separator": ";", "has_header": True, "quote_char": '"'}
    frame = None
    if ragged.height == 0:
        frame = _read(utf8, name, skip_rows=header_line - 1, **options)
        if frame.height == body.height:
            frame = frame.with_columns(body[LINE]).filter(~body["_blank"])
        else:
            frame = None  # quoted fields spanning lines: rows and lines no longer align
    if frame is None:
        good = body.filter(~pl.col("_blank") & ~pl.col("_ragged"))
        rebuilt = pl.concat([pl.Series([header]), good["text"]]).str.join("\n").item().encode()
        frame = _read(rebuilt, name, **options)
        if frame.height != good.height:
            raise ContractError(name, f"{good.height} datalinjer gav {frame.height} rækker (felter med linjeskift?)")
        frame = frame.with_columns(good[LINE])
    frame = frame.rename({c: c.strip() for c in frame.columns})
    preamble = tuple(lines["text"].slice(0, header_line - 1).fill_null("").to_list())
    return TextFrame(frame, header_line, ragged.cast(RAGGED_SCHEMA), preamble)


def first_line(path: Path) -> str:
    """The first line of a text file, decoded leniently: only for telling file kinds apart."""
    with open(path, "rb") as fh:
        head = fh.read(512)
    return head.decode("utf-8-sig", errors="replace").splitlines()[0] if head.strip() else ""


def read_excel_text(path: Path, name: str, *, sheet: str, header_names: list[str]) -> TextFrame:
    """Read `sheet` as text and locate the header row: the first row holding all `header_names`."""
    data = path.read_bytes()
    try:
        sheets = fastexcel.read_excel(data).sheet_names
    except Exception as exc:  # calamine raises several unrelated types for a broken workbook
        raise ContractError(name, f"filen kan ikke åbnes som Excel-projektmappe (.xlsx): {exc}".splitlines()[0]) from exc
    if sheet not in sheets:
        raise ContractError(name, f"arket '{sheet}' findes ikke (ark i filen: {', '.join(sheets)})")
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
    return TextFrame(frame.filter(~blank), best + 1)
