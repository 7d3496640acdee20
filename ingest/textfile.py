"""Landing files as text frames: decoded, every cell a string, every row with its physical line.

CSV: UTF-8 (with or without BOM) or cp1252, detected from the bytes; `;`-separated. Lines are
read the way Excel and Python's `csv` module read them: a field that starts with `"` is quoted
(it may hold `;`, `""` and line breaks, and text after its closing quote is kept), a `"` inside an
unquoted field is a character. Excel's `sep=;` first line, a trailing `;` on every line and an
extra empty line at the end are accepted. A line that cannot be a record (wrong number of
fields, an unterminated quote) is rejected whole with its line number; it never takes the file
down with it.

Excel: the named sheet read by openpyxl twice, for the cached values and for the formulas, so
each cell keeps its type (`cell_kinds`): a number is a number, never Danish text; a formula
without a cached value is a contract error naming the cell.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import polars as pl

from ingest.cpr import mask_text
from ingest.errors import ContractError

LINE = "_source_line"
SEPARATOR = ";"

RAGGED_SCHEMA = {LINE: pl.Int64, "text": pl.String, "reason": pl.String}

# Cell kinds of a workbook cell (TextFrame.cell_kinds): how its text in `frame` was written.
NUMBER, PERCENT, TEXT, DATE = "n", "p", "s", "d"


@dataclass(frozen=True)
class TextFrame:
    """Every column is text named by its trimmed header; `_source_line` is the physical line.

    `ragged` holds lines that are not a record (line, text, reason). For a workbook,
    `cell_kinds` has the same columns and rows as `frame` and says per cell whether its text is
    a number (`n`, written as plain decimal digits with a `.`: `891.895`), a percent-formatted
    number (`p`, the stored fraction: `0.95`), a date (`d`, ISO) or text typed by a person (`s`)."""

    frame: pl.DataFrame
    header_line: int
    ragged: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=RAGGED_SCHEMA))
    preamble: tuple[str, ...] = ()  # the lines above the header
    cell_kinds: pl.DataFrame | None = None
    ragged_weight: int = 1  # rows a ragged line stands for (a wide file's line is one row per month)
    notes: tuple[str, ...] = ()  # what the reader skipped that is not data (a note under a table)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# A UTF-8 encoded character of Danish text (æ ø å é § ° « », and – — ‘ ’ “ ” • … €) in a file
# that is not valid UTF-8: two encodings in one file, e.g. lines appended by another system.
# Decoding it all as cp1252 would silently turn them into "Ã¸" or "â€“". As cp1252 these bytes
# read "Ã" or "Â" followed by a symbol, or "â€" — which Danish text does not hold.
_UTF8_MULTIBYTE = re.compile(rb"\xc2[\xa0-\xbf]|\xc3[\x80-\xbf]|\xe2[\x80-\x84][\x80-\xbf]|\xe2\x82\xac")
_BOM = b"\xef\xbb\xbf"


def to_utf8(data: bytes, name: str) -> bytes:
    """The file as UTF-8 bytes: UTF-8 (BOM dropped) as it is, cp1252 transcoded.
    Never latin-1: it accepts any byte and hides damage.

    Raises ContractError for a binary file (NUL bytes), a file mixing UTF-8 and cp1252, and bytes
    that are neither (naming the first bad line)."""
    if b"\x00" in data[:4096]:
        raise ContractError(name, "filen er binær (indeholder NUL-bytes), ikke en tekstfil")
    try:
        data.decode("utf-8")
        return data[len(_BOM):] if data.startswith(_BOM) else data
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if _UTF8_MULTIBYTE.search(data):
        raise ContractError(name, "blandet kodning: både UTF-8 og Windows-1252 i samme fil",
                            line=data[:bad_at].count(b"\n") + 1)
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractError(name, "filen kan hverken læses som UTF-8 eller Windows-1252",
                            line=data[: exc.start].count(b"\n") + 1) from exc


def head_lines(path: Path, n: int = 3) -> list[str]:
    """The first `n` lines of a text file, decoded with the detected encoding (only to tell file
    kinds apart; a file that cannot be decoded gives [] and is refused by its reader later).
    Excel's `sep=;` hint line is skipped."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    cut = head.rfind(b"\n")
    if cut > 0 and len(head) == 8192:  # do not split a UTF-8 letter at the end of the block
        head = head[:cut]
    try:
        text = to_utf8(head, path.name).decode("utf-8")
    except ContractError:
        return []
    lines = text.splitlines()
    if lines and separator_hint(lines[0]):
        lines = lines[1:]
    return lines[:n]


def first_line(path: Path) -> str:
    """The first line of a text file (see `head_lines`), or "" for an empty one."""
    lines = head_lines(path, 1)
    return lines[0] if lines else ""


_SEP_HINT = re.compile(r'^\s*"?sep=(.)"?\s*$', re.IGNORECASE)


def separator_hint(line: str | None) -> str | None:
    """Excel writes `sep=;` as the first line of a CSV it exports for another locale."""
    match = _SEP_HINT.match(line or "")
    return match.group(1) if match else None


def _read_lines(utf8: bytes, name: str) -> pl.DataFrame:
    """Physical lines (`_source_line`, `text` without the line break); `\r\n`, `\n`."""
    if not utf8.strip():
        raise ContractError(name, "filen er tom eller mangler overskriftslinjen", line=1)
    try:
        lines = pl.read_csv(io.BytesIO(utf8), has_header=False, separator="\x1f", quote_char=None,
                            new_columns=["text"], infer_schema=False)
    except pl.exceptions.PolarsError as exc:  # e.g. a unit separator inside a line
        raise ContractError(name, f"filen kan ikke læses som tekstlinjer: {exc}".splitlines()[0]) from exc
    return lines.with_row_index(LINE, offset=1).with_columns(pl.col(LINE).cast(pl.Int64))


def _header_names(lines: list[str], name: str, line: int, separator: str) -> tuple[list[str], int]:
    """Column names of the header that starts at `lines[0]` (physical line `line`), and how many
    lines it spans: a quoted name may hold a line break (Alt+Enter in Excel), read as a space.
    Names are trimmed; trailing empty names (a `;` at the end of the line) are dropped, an empty
    name in the middle is `kolonne_<n>`. Two columns with the same name (case-insensitive) is a
    contract error."""
    reader = csv.reader(iter([(t or "") + "\n" for t in lines[:MAX_RECORD_LINES]]), delimiter=separator, strict=False)
    # A header is data too: a CPR-like number in it is masked like any value (rule R15).
    names = [mask_text(header_text(c)) for c in next(reader)]
    while names and not names[-1]:
        names.pop()
    names = [_column_name(c, i) for i, c in enumerate(names)]
    seen: dict[str, str] = {}
    for c in names:
        if c.casefold() in seen:
            raise ContractError(name, "kolonnen står to gange i overskriften", column=c, line=line)
        seen[c.casefold()] = c
    return names, reader.line_num


def header_text(cell: str) -> str:
    """A header cell as a name: line breaks and runs of spaces are one space (`Belagte⏎døgn`)."""
    return " ".join(cell.split())


def _column_name(header: str, index: int) -> str:
    """A header as a column name of the text frame: an empty one is `kolonne_<n>`; one named like
    the frame's own line column loses its underscore (the file's column is data, kept as such)."""
    if not header:
        return f"kolonne_{index + 1}"
    return header.lstrip("_") if header.casefold() == LINE else header


# How many physical lines one quoted field may span before the quote counts as unterminated.
MAX_RECORD_LINES = 20
_SENTINEL = "\x00slut\x00"


def _quoted_records(body: pl.DataFrame, starts: list[int], n_columns: int, separator: str) -> tuple[dict, list, set]:
    """Parse the lines holding a `"` with Python's `csv` module (Excel's reading of quotes).

    A record may continue over the next lines while a quoted field is open; it is kept only when
    it has the header's number of fields and no field swallowed whole lines of records (an
    unterminated quote). Returns the records as columns (+ `_source_line`), the rejected (line,
    text, reason) and every line consumed."""
    texts = body["text"].to_list()
    first = body[LINE][0] if body.height else 0
    columns: dict[str, list] = {str(i): [] for i in range(n_columns)}
    columns[LINE] = []
    rejected, consumed = [], set()
    for start in starts:  # a loop over the few lines with a quote, not over the file
        if start in consumed:
            continue
        at = start - first
        window = [(t or "") + "\n" for t in texts[at: at + MAX_RECORD_LINES]]
        # The sentinel after the window ends up inside a field only when a quote is still open
        # at the end of the file (a cut-off copy) or after MAX_RECORD_LINES lines.
        reader = csv.reader(iter(window + [_SENTINEL]), delimiter=separator, strict=False)
        fields = next(reader)
        used = min(reader.line_num, len(window))
        while len(fields) > n_columns and not fields[-1].strip():
            fields.pop()  # a `;` at the end of the line
        # An unterminated quote swallows the lines after it into one field: that field then holds
        # a line break and whole records' worth of separators; a real multi-line text does not.
        unterminated = any(_SENTINEL in f or ("\n" in f and f.count(separator) >= n_columns - 1) for f in fields)
        if len(fields) == n_columns and not unterminated:
            for i, value in enumerate(fields):
                columns[str(i)].append(value)
            columns[LINE].append(start)
            consumed.update(range(start, start + used))
        else:
            reason = ("anførselstegn uden afslutning (et felt begynder med \" uden et \" der slutter det)"
                      if unterminated or used > 1 else f"linjen har {len(fields)} felter, overskriften har {n_columns}")
            rejected.append((start, texts[at], reason))
            consumed.add(start)
    return columns, rejected, consumed


def read_csv_text(path: Path, name: str, *, header_line: int = 1, separator: str = SEPARATOR) -> TextFrame:
    """Read a CSV whose header is on `header_line` (1-based, not counting a `sep=;` line above
    it) as text, each record with the physical line where it starts.

    Lines without a `"` (nearly all of a ledger) are split by polars; lines with one go through
    Python's `csv` module. Raises ContractError for an undecodable or empty file, a missing
    header, a duplicated column name, or a `sep=` line naming another separator."""
    utf8 = to_utf8(path.read_bytes(), name)
    lines = _read_lines(utf8, name)
    hint = separator_hint(lines["text"][0])
    if hint is not None:
        if hint != separator:
            raise ContractError(name, f"filen angiver skilletegnet '{hint}' (sep={hint}); kolonnerne skal "
                                      f"adskilles med '{separator}'", line=1)
        header_line += 1
    if lines.height < header_line or not (lines["text"][header_line - 1] or "").strip():
        raise ContractError(name, "filen er tom eller mangler overskriftslinjen", line=header_line)
    names, header_lines = _header_names(lines["text"].slice(header_line - 1, MAX_RECORD_LINES).to_list(), name,
                                        header_line, separator)
    n = len(names)

    body = lines.slice(header_line - 1 + header_lines)
    text = pl.col("text")
    sep = re.escape(separator)
    body = body.with_columns(
        # A line of separators only (`;;;;`, as spreadsheets export empty rows) holds no record.
        (text.is_null() | text.str.contains(rf"^[\s{sep}]*$")).alias("_blank"),
        text.str.contains('"', literal=True).alias("_quoted"),
        (text.str.count_matches(separator, literal=True) + 1).alias("_n"),
    )
    # A `;` at the end of every line gives empty fields more than the header has: such a line
    # fits when all its extra fields are empty. Only the few lines with extra fields are measured.
    longer = body.filter(pl.col("_n") > n).with_columns(
        (text.str.len_chars() - text.str.strip_chars_end(separator).str.len_chars()).alias("_trailing"))
    trimmed = longer.filter(pl.col("_trailing") >= pl.col("_n") - n)[LINE]
    body = body.with_columns(
        (pl.col("_n") > n).alias("_trim"),
        ((pl.col("_n") == n) | pl.col(LINE).is_in(trimmed.implode())).alias("_fits"),
    )

    starts = body.filter(~pl.col("_blank") & pl.col("_quoted"))[LINE].to_list()
    preamble = tuple(lines["text"].slice(1 if hint is not None else 0, header_line - 1 - (hint is not None)).fill_null("").to_list())
    if len(starts) > MANY_QUOTED_LINES and not body["_blank"].any():
        # A system that quotes every field: polars reads standard quoting at native speed; any
        # deviation (a stray quote, a ragged line) makes it refuse, and the lines go the slow way.
        frame = _polars_quoted(utf8, separator, names, skip=header_line - 1 + header_lines, first=body[LINE][0],
                               lines=body.height)
        if frame is not None:
            return TextFrame(frame, header_line, pl.DataFrame(schema=RAGGED_SCHEMA), preamble)
    records, quote_rejects, consumed = _quoted_records(body, starts, n, separator) if starts else ({}, [], set())
    plain = body.filter(~pl.col("_blank") & ~pl.col("_quoted") & ~pl.col(LINE).is_in(list(consumed)))
    ragged = pl.concat([
        plain.filter(~pl.col("_fits")).select(
            # concat_str, not pl.format: polars 2.1 panics formatting a UInt32 of a filtered frame
            LINE, "text", pl.concat_str(pl.lit("linjen har "), pl.col("_n").cast(pl.String),
                                        pl.lit(f" felter, overskriften har {n}")).alias("reason")),
        pl.DataFrame(quote_rejects, schema=RAGGED_SCHEMA, orient="row"),
    ]).cast(RAGGED_SCHEMA).sort(LINE)
    good = plain.filter(pl.col("_fits"))

    frame = None
    if not starts and hint is None and ragged.height == 0 and not good["_trim"].any():
        # The common case: every line a plain record; polars reads the bytes in one go.
        frame = _polars_csv(utf8, name, separator, names, skip=header_line - 1 + header_lines)
        frame = frame.with_columns(body[LINE]).filter(~body["_blank"]) if frame.height == body.height else None
    if frame is None:
        cut = pl.col("text").str.head(pl.col("text").str.len_chars() - (pl.col("_n") - n).clip(lower_bound=0))
        rebuilt = good.select(cut)["text"].str.join("\n").item().encode() if good.height else b""
        frame = _polars_csv(rebuilt, name, separator, names, skip=0) if good.height else pl.DataFrame(
            schema={c: pl.String for c in names})
        if frame.height != good.height:
            raise ContractError(name, f"{good.height} datalinjer gav {frame.height} rækker")
        frame = frame.with_columns(good[LINE])
        if records:
            quoted_frame = pl.DataFrame({**{c: records[str(i)] for i, c in enumerate(names)}, LINE: records[LINE]},
                                        schema={**{c: pl.String for c in names}, LINE: pl.Int64})
            frame = pl.concat([frame, quoted_frame]).sort(LINE)
    return TextFrame(frame, header_line, ragged, preamble)


# Above this many lines with a quote, a file is first tried with polars' own quote handling.
MANY_QUOTED_LINES = 200


def _polars_quoted(data: bytes, separator: str, names: list[str], *, skip: int, first: int, lines: int) -> pl.DataFrame | None:
    """Standard-quoted lines as text columns with the line each record starts on, or None when
    polars refuses the file (stray quotes, ragged lines) or the records do not add up to the
    `lines` physical lines after the header (blank lines): those take `_quoted_records`."""
    try:
        frame = pl.read_csv(io.BytesIO(data), has_header=False, skip_rows=skip, separator=separator, quote_char='"',
                            infer_schema=False, new_columns=names)
    except pl.exceptions.PolarsError:
        return None
    spans = pl.sum_horizontal([pl.col(c).str.count_matches("\n", literal=True) for c in names]) + 1
    frame = frame.with_columns((spans.cum_sum() - spans + first).cast(pl.Int64).alias(LINE), spans.alias("_spans"))
    if frame["_spans"].sum() != lines:
        return None
    if frame["_spans"].max() > 1:  # a line break inside a field reads as "\n", as on the slow path
        frame = frame.with_columns(pl.col(names).str.replace_all("\r\n", "\n", literal=True))
    return frame.drop("_spans")


def _polars_csv(data: bytes, name: str, separator: str, names: list[str], *, skip: int) -> pl.DataFrame:
    """Lines known to hold exactly len(names) fields and no quote, as text columns."""
    try:
        frame = pl.read_csv(io.BytesIO(data), has_header=False, skip_rows=skip, separator=separator,
                            quote_char=None, infer_schema=False, new_columns=names,
                            truncate_ragged_lines=False)
    except pl.exceptions.NoDataError:
        return pl.DataFrame(schema={c: pl.String for c in names})
    except pl.exceptions.PolarsError as exc:
        raise ContractError(name, f"filen kan ikke læses som CSV med '{separator}': {exc}".splitlines()[0]) from exc
    return frame


# ----------------------------------------------------------------------------------- workbooks

def _cell_text(value, number_format: str) -> tuple[str | None, str | None]:
    """A cell's value as (text, kind): numbers as exact plain decimals (the shortest text that
    round-trips the stored double, so `891.895` stays 891.895, not 891.89499…)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("1" if value else "0"), NUMBER
    if isinstance(value, (int, float)):
        plain = format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)
        return plain, (PERCENT if _percent_format(number_format) else NUMBER)
    if isinstance(value, datetime):
        return (value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")), DATE
    if isinstance(value, date):
        return value.isoformat(), DATE
    if isinstance(value, time):
        return value.isoformat(), TEXT
    return str(value), TEXT


def _percent_format(number_format: str) -> bool:
    """Excel shows the cell ×100 with a `%` (`0%`, `0.0%`); a `%` inside quotes or escaped
    (`0" %"`, `0\\%`) is only a character printed after the value, which stays as stored."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format or "")


def _sheet_cells(data: bytes, name: str, sheet: str) -> tuple[list[list], list[list]]:
    """Every row of `sheet` as [(value, number_format)] from the cached values, and the formulas."""
    from openpyxl import load_workbook  # 0.3 s to import; only workbooks need it

    try:
        values_book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formula_book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ContractError(name, f"filen kan ikke åbnes som Excel-projektmappe (.xlsx): {exc}".splitlines()[0]) from exc
    if sheet not in values_book.sheetnames:
        raise ContractError(name, f"arket '{sheet}' findes ikke (ark i filen: {', '.join(values_book.sheetnames)})")
    # A stored dimension like A1:XFD1048576 (some tools write it) would pad every row to 16 384
    # cells: read the cells that are there.
    values_sheet, formula_sheet = values_book[sheet], formula_book[sheet]
    values_sheet.reset_dimensions()
    formula_sheet.reset_dimensions()
    values = [[(c.value, c.number_format) if c.value is not None else (None, "")
               for c in row] for row in values_sheet.iter_rows()]
    formulas = [[c.value if getattr(c, "data_type", None) == "f" else None for c in row]
                for row in formula_sheet.iter_rows()]
    values_book.close()
    formula_book.close()
    return values, formulas


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_excel_text(path: Path, name: str, *, sheet: str, header_names: list[str]) -> TextFrame:
    """Read `sheet` cell by cell and locate the header row: the first row holding all
    `header_names` (case-insensitive), below any title block. Rows are the row numbers Excel
    shows; `cell_kinds` keeps each cell's type.

    Raises ContractError when the workbook cannot be opened, the sheet or the header row is
    missing, or a cell of the table holds a formula without a cached value (the workbook was
    written by a program that does not calculate: open and save it in Excel), naming the cells.
    """
    values, formulas = _sheet_cells(path.read_bytes(), name, sheet)
    wanted = {h.casefold() for h in header_names}
    hits = [sum(isinstance(v, str) and header_text(v).casefold() in wanted for v, _ in row) for row in values]
    complete = [i for i, h in enumerate(hits) if h == len(wanted)]
    if complete:
        best = complete[0]
    elif hits and max(hits) >= 2:
        best = hits.index(max(hits))
    else:
        raise ContractError(name, f"ingen overskriftsrække med {', '.join(header_names)} i arket '{sheet}'")
    header = [(mask_text(header_text(str(v))) if v is not None else "") for v, _ in values[best]]
    keep = [i for i, c in enumerate(header) if c]
    names = [_column_name(header[i], i) for i in keep]
    if len({c.casefold() for c in names}) < len(names):
        twice = next(c for c in names if sum(d.casefold() == c.casefold() for d in names) > 1)
        raise ContractError(name, f"kolonnen står to gange i overskriften i arket '{sheet}'", column=twice, line=best + 1)

    uncached = [
        f"{_column_letter(i)}{r + 1}"
        for r in range(best + 1, len(formulas)) for i in keep
        if i < len(formulas[r]) and formulas[r][i] is not None
        and (i >= len(values[r]) or values[r][i][0] is None)
    ]
    if uncached:
        shown = ", ".join(uncached[:10]) + (f" og {len(uncached) - 10} flere" if len(uncached) > 10 else "")
        raise ContractError(
            name, f"arket '{sheet}', celle {shown}: formel uden beregnet værdi — åbn projektmappen i Excel, "
                  f"gem den og læg den ind igen", column=", ".join(sorted({header[_column_index(c)] for c in uncached})),
            line=int(re.sub(r"^[A-Z]+", "", uncached[0])))

    texts: dict[str, list] = {c: [] for c in names}
    kinds: dict[str, list] = {c: [] for c in names}
    lines, notes = [], []
    for r in range(best + 1, len(values)):  # a loop over the rows of one sheet, as openpyxl gives them
        row = values[r]
        cells = [_cell_text(*row[i]) if i < len(row) else (None, None) for i in keep]
        filled = [k for t, k in cells if t is not None and t.strip()]
        if not filled:
            continue  # an empty row (Excel shows it, it holds nothing)
        if filled == [TEXT] and len(keep) > 2:
            notes.append(r + 1)  # one text cell and nothing else: a note under the table, not a rate
            continue
        for c, (t, k) in zip(names, cells):
            texts[c].append(t)
            kinds[c].append(k)
        lines.append(r + 1)
    schema = {c: pl.String for c in names}
    frame = pl.DataFrame(texts, schema=schema).with_columns(pl.Series(LINE, lines, dtype=pl.Int64))
    found = (f"{len(notes)} notelinje(r) med én tekstcelle i arket '{sheet}' er ikke takster og indlæses ikke "
             f"(række {', '.join(map(str, notes[:5]))})",) if notes else ()
    return TextFrame(frame, best + 1, cell_kinds=pl.DataFrame(kinds, schema=schema), notes=found)


def _column_index(cell: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(re.match(r"[A-Z]+", cell).group(0)) - 1
