"""Landing files as text frames: decoded, every cell a string, every row with its physical line.

CSV: UTF-8 (with or without BOM) or cp1252, detected from the bytes; `;`-separated. Lines are
read the way Excel and Python's `csv` module read them: a field that starts with `"` is quoted
(it may hold `;`, `""` and line breaks, and text after its closing quote is kept), a `"` inside an
unquoted field is a character. Excel's `sep=;` first line, a trailing `;` on every line and an
extra empty line at the end are accepted. A line that cannot be a record (wrong number of
fields, an unterminated quote) is rejected whole with its line number; it never takes the file
down with it.

Excel: the named sheet read by openpyxl for the cached values and, when the sheet holds a
formula, again for the formulas, so each cell keeps its type (`cell_kinds`): a number is a
number, never Danish text; a formula without a cached value is a contract error naming the cell.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
    cell_columns: dict[str, str] | None = None  # a workbook's column letters by frame column (`C`)


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


# Byte order marks of UTF-16 ("Unicode" CSV from a financial system, Excel's "Unicode Text").
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _utf16_codec(head: bytes) -> str | None:
    """The codec of a UTF-16 file from its first bytes: `utf-16` with a BOM, `utf-16-le` or
    `utf-16-be` without one (ASCII letters leave every other byte NUL), else None."""
    if head.startswith(_UTF16_BOMS):
        return "utf-16"
    sample = head[:512] if len(head) % 2 == 0 else head[:511]
    if len(sample) >= 8:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        half = len(sample) // 2
        if odd > 0.8 * half and even == 0:
            return "utf-16-le"
        if even > 0.8 * half and odd == 0:
            return "utf-16-be"
    return None


def _line_of(data: bytes, at: int) -> int:
    """The 1-based line of byte offset `at` (CR-only line ends counted as line ends)."""
    newline = b"\n" if b"\n" in data else b"\r"
    return data.count(newline, 0, at) + 1


def _nul_error(name: str, line: int) -> ContractError:
    return ContractError(
        name,
        "filen indeholder NUL-bytes: den er binær eller beskadiget (fx et nedbrud mens den blev skrevet) — "
        "hent eller gem den igen som CSV",
        line=line,
    )


def to_utf8(data: bytes, name: str) -> bytes:
    """The file as UTF-8 bytes with `\n` or `\r\n` line ends: UTF-8 (BOM dropped) as it is,
    cp1252 and UTF-16 (LE or BE, with or without BOM) transcoded, CR-only line ends (Excel for
    Mac) made `\n`. Never latin-1: it accepts any byte and hides damage.

    Raises ContractError for NUL bytes anywhere (a binary file, or a block of NULs a crash left
    in a text file: naming the first damaged line), a file mixing UTF-8 and cp1252, and bytes
    that are neither (naming the first bad line)."""
    codec = _utf16_codec(data[:4096])
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise ContractError(
                name,
                "filen er UTF-16 (Unicode), men beskadiget eller afkortet — gem den igen som "
                "'CSV UTF-8 (kommasepareret)'",
                line=data[: exc.start].decode(codec, errors="replace").count("\n") + 1,
            ) from exc
        text = text.removeprefix("\ufeff")
        if "\x00" in text:
            raise _nul_error(name, text.count("\n", 0, text.index("\x00")) + 1)
        return _lf_line_ends(text.encode("utf-8"))
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _nul_error(name, _line_of(data, nul))
    try:
        data.decode("utf-8")
        return _lf_line_ends(data[len(_BOM) :] if data.startswith(_BOM) else data)
    except UnicodeDecodeError as exc:
        bad_at = exc.start
    if _UTF8_MULTIBYTE.search(data):
        raise ContractError(
            name, "blandet kodning: både UTF-8 og Windows-1252 i samme fil", line=_line_of(data, bad_at)
        )
    try:
        return _lf_line_ends(data.decode("cp1252").encode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ContractError(
            name, "filen kan hverken læses som UTF-8 eller Windows-1252", line=_line_of(data, exc.start)
        ) from exc


def _lf_line_ends(data: bytes) -> bytes:
    """CR-only line ends (Excel for Mac, classic Mac OS) as `\n`; `\r\n` and `\n` as they are."""
    return data.replace(b"\r", b"\n") if b"\r" in data and b"\n" not in data else data


# A physical line longer than this refuses the file before it is read (a 2 GB file without a
# line break would otherwise be held whole several times over); a field longer than Excel's own
# cell limit rejects its line.
MAX_LINE_BYTES = 1 << 20
MAX_FIELD_CHARS = 32_767
_BLOCK = 1 << 20


DEFAULT_MAX_FILE_MIB = 512
# The limit of the step that reads (its Settings.max_file_mib, COCKPIT_MAX_FILE_MIB): a context
# variable, because the readers sit several calls below the step and each source has its own.
_MAX_FILE_MIB: ContextVar[int] = ContextVar("max_file_mib", default=DEFAULT_MAX_FILE_MIB)


@contextmanager
def file_size_limit(mib: int) -> Iterator[None]:
    """Within the block every reader takes files of at most `mib` MiB (`max_file_mib`); the
    ingest steps and `cockpit check` set it from their `Settings.max_file_mib`."""
    token = _MAX_FILE_MIB.set(mib)
    try:
        yield
    finally:
        _MAX_FILE_MIB.reset(token)


def max_file_mib() -> int:
    """The largest landing file a reader takes, text or workbook, in MiB: the `file_size_limit`
    around the read, else 512. A file is read whole, and a reader holds about 12 times its size
    (docs/landing-files.md)."""
    return _MAX_FILE_MIB.get()


def _within_size(path: Path, name: str) -> None:
    """Raises ContractError when the file is larger than `max_file_mib()`."""
    size, limit_mib = path.stat().st_size, max_file_mib()
    if size > limit_mib << 20:
        raise ContractError(
            name,
            f"filen er {size / 2**20:.0f} MiB; højst {limit_mib} MiB læses (COCKPIT_MAX_FILE_MIB) — del "
            f"eksporten op, fx pr. år eller måned, eller hæv grænsen hvis maskinen har hukommelse til det",
        )


def read_text(path: Path, name: str) -> bytes:
    """The file at `path` as UTF-8 bytes (`to_utf8`), after one streaming pass in 1 MiB blocks
    that refuses it, without holding more than a block, when a line is longer than
    MAX_LINE_BYTES (2x for UTF-16) or it holds NUL bytes (naming the first damaged line).

    Raises ContractError for those, a file larger than `max_file_mib()`, and everything
    `to_utf8` refuses."""
    _within_size(path, name)
    with open(path, "rb") as fh:
        head = fh.read(4096)
        utf16 = _utf16_codec(head) is not None
        limit = MAX_LINE_BYTES * (2 if utf16 else 1)
        newline = b"\n" if b"\n" in head or b"\r" not in head else b"\r"
        fh.seek(0)
        lines, run = 0, 0  # line ends seen before this block; bytes since the last line end
        for block in iter(lambda: fh.read(_BLOCK), b""):
            if not utf16 and b"\x00" in block:
                raise _nul_error(name, lines + block.count(newline, 0, block.index(b"\x00")) + 1)
            # A block is no longer than the limit, so only a line crossing block ends can exceed it.
            first, last = _first_end(block), max(block.rfind(b"\n"), block.rfind(b"\r"))
            if run + (len(block) if first < 0 else first) > limit:
                raise ContractError(
                    name,
                    f"linjen er længere end {limit >> 20} MiB uden linjeskift: filen er ikke en CSV-eksport "
                    f"eller er beskadiget — eksportér den igen",
                    line=lines + 1,
                )
            run = run + len(block) if last < 0 else len(block) - last - 1
            lines += block.count(newline)
    return to_utf8(path.read_bytes(), name)


def _first_end(block: bytes) -> int:
    ends = [i for i in (block.find(b"\n"), block.find(b"\r")) if i >= 0]
    return min(ends) if ends else -1


def head_lines(path: Path, n: int = 3) -> list[str]:
    """The first `n` lines of a text file, decoded with the detected encoding (only to tell file
    kinds apart; a file that cannot be decoded gives [] and is refused by its reader later).
    Excel's `sep=;` hint line is skipped."""
    with open(path, "rb") as fh:
        head = fh.read(8192)
    codec = _utf16_codec(head)
    if codec is not None:
        text = head[: len(head) // 2 * 2].decode(codec, errors="replace").removeprefix("\ufeff")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
        if cut > 0 and len(head) == 8192:  # do not split a UTF-8 letter at the end of the block
            head = head[:cut]
        try:
            text = to_utf8(head, path.name).decode("utf-8")
        except ContractError:
            return []
    lines = text.splitlines()
    if codec is not None and len(head) == 8192:
        lines = lines[:-1]  # the last line may be cut
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
        lines = pl.read_csv(
            io.BytesIO(utf8),
            has_header=False,
            separator="\x1f",
            quote_char=None,
            new_columns=["text"],
            infer_schema=False,
        )
    except pl.exceptions.PolarsError as exc:  # e.g. a unit separator inside a line
        raise ContractError(name, f"filen kan ikke læses som tekstlinjer: {exc}".splitlines()[0]) from exc
    return lines.with_row_index(LINE, offset=1).with_columns(pl.col(LINE).cast(pl.Int64))


def _header_names(lines: list[str], name: str, line: int, separator: str) -> tuple[list[str], int, int]:
    """Column names of the header that starts at `lines[0]` (physical line `line`), how many
    lines it spans (a quoted name may hold a line break, Alt+Enter in Excel, read as a space),
    and how many cells it has counting trailing empty ones (`;` at the end of the line).
    Names are trimmed; trailing empty names are dropped (the reader adds them back as
    `kolonne_<n>` where a line has a value under them), an empty name in the middle is
    `kolonne_<n>`. Two columns with the same name (case-insensitive) is a contract error."""
    reader = csv.reader(iter([(t or "") + "\n" for t in lines[:MAX_RECORD_LINES]]), delimiter=separator, strict=False)
    try:
        cells = next(reader)
    except csv.Error as exc:  # the csv module's own refusal of a line
        raise ContractError(name, f"overskriften kan ikke læses som CSV ({exc})", line=line) from exc
    # A header is data too: a CPR-like number in it is masked like any value (rule R15).
    names = [mask_text(header_text(c)) for c in cells]
    width = len(names)
    while names and not names[-1]:
        names.pop()
    names = [_column_name(c, i) for i, c in enumerate(names)]
    seen: dict[str, str] = {}
    for c in names:
        if c.casefold() in seen:
            raise ContractError(name, "kolonnen står to gange i overskriften", column=c, line=line)
        seen[c.casefold()] = c
    return names, reader.line_num, width


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
# The csv module's own field limit (128 KiB) would raise on an over-long field before its length
# is known; a record is at most MAX_RECORD_LINES lines of at most MAX_LINE_BYTES (`read_text`).
csv.field_size_limit(max(csv.field_size_limit(), MAX_RECORD_LINES * MAX_LINE_BYTES))
_SENTINEL = "\x00slut\x00"


def _quoted_records(
    body: pl.DataFrame, starts: list[int], n_columns: int, separator: str, *, n_named: int | None = None
) -> tuple[dict, list, set]:
    """Parse the lines holding a `"` with Python's `csv` module (Excel's reading of quotes).

    A record may continue over the next lines while a quoted field is open; it is kept only when
    it has the header's number of fields (`n_named` to `n_columns`: the columns under trailing
    empty header cells may be left out) and no field swallowed whole lines of records (an
    unterminated quote) or is longer than MAX_FIELD_CHARS. Returns the records as columns
    (+ `_source_line`), the rejected (line, text, reason) and every line consumed."""
    n_named = n_columns if n_named is None else n_named
    texts = body["text"].to_list()
    first = body[LINE][0] if body.height else 0
    columns: dict[str, list] = {str(i): [] for i in range(n_columns)}
    columns[LINE] = []
    rejected, consumed = [], set()
    for start in starts:  # a loop over the few lines with a quote, not over the file
        if start in consumed:
            continue
        at = start - first
        window = [(t or "") + "\n" for t in texts[at : at + MAX_RECORD_LINES]]
        # The sentinel after the window ends up inside a field only when a quote is still open
        # at the end of the file (a cut-off copy) or after MAX_RECORD_LINES lines.
        reader = csv.reader(iter(window + [_SENTINEL]), delimiter=separator, strict=False)
        try:
            fields = next(reader)
        except csv.Error as exc:  # the csv module's own refusal of a line
            rejected.append((start, texts[at][:200], f"linjen kan ikke læses som CSV ({exc})"))
            consumed.add(start)
            continue
        used = min(reader.line_num, len(window))
        while len(fields) > n_columns and not fields[-1].strip():
            fields.pop()  # a `;` at the end of the line
        if n_named <= len(fields) < n_columns:
            fields += [""] * (n_columns - len(fields))
        # An unterminated quote swallows the lines after it into one field: that field then holds
        # a line break and whole records' worth of separators; a real multi-line text does not.
        unterminated = any(_SENTINEL in f or ("\n" in f and f.count(separator) >= n_columns - 1) for f in fields)
        longest = max((len(f) for f in fields), default=0)
        if len(fields) == n_columns and not unterminated and longest <= MAX_FIELD_CHARS:
            for i, value in enumerate(fields):
                columns[str(i)].append(value)
            columns[LINE].append(start)
            consumed.update(range(start, start + used))
        else:
            if longest > MAX_FIELD_CHARS and not unterminated:
                reason = _too_long(longest)
                consumed.update(range(start, start + used))
            elif unterminated or used > 1:
                reason = 'anførselstegn uden afslutning (et felt begynder med " uden et " der slutter det)'
            else:
                reason = f"linjen har {len(fields)} felter, overskriften har {n_columns}"
            rejected.append((start, texts[at][:200], reason))
            consumed.add(start)
    return columns, rejected, consumed


def _too_long(chars: int) -> str:
    return (
        f"et felt har {chars} tegn; højst {MAX_FIELD_CHARS} (Excels grænse for en celle) — "
        f"ret eller forkort feltet i kilden"
    )


def read_csv_text(path: Path, name: str, *, header_line: int = 1, separator: str = SEPARATOR) -> TextFrame:
    """Read a CSV whose header is on `header_line` (1-based, not counting a `sep=;` line above
    it) as text, each record with the physical line where it starts.

    Lines without a `"` (nearly all of a ledger) are split by polars; lines with one go through
    Python's `csv` module. A header without `;` but with tabs (Excel's "Unicode Text") is read
    tab-separated. Values under trailing empty header cells are kept as columns `kolonne_<n>`
    (n: the 1-based position). A line with a field over MAX_FIELD_CHARS is rejected with its
    line. Raises ContractError for an undecodable, damaged or empty file, a missing header, a
    duplicated column name, or a `sep=` line naming another separator."""
    utf8 = read_text(path, name)
    lines = _read_lines(utf8, name)
    hint = separator_hint(lines["text"][0])
    if hint is not None:
        if hint != separator:
            raise ContractError(
                name,
                f"filen angiver skilletegnet '{hint}' (sep={hint}); kolonnerne skal adskilles med '{separator}'",
                line=1,
            )
        header_line += 1
    if lines.height < header_line or not (lines["text"][header_line - 1] or "").strip():
        raise ContractError(name, "filen er tom eller mangler overskriftslinjen", line=header_line)
    header = lines["text"][header_line - 1]
    if hint is None and separator == SEPARATOR and separator not in header and "\t" in header:
        separator = "\t"  # Excel's "Unicode Text" (.txt saved as .csv) separates by tabs
    names, header_lines, width = _header_names(
        lines["text"].slice(header_line - 1, MAX_RECORD_LINES).to_list(), name, header_line, separator
    )
    named = n = len(names)

    body = lines.slice(header_line - 1 + header_lines)
    text = pl.col("text")
    sep = re.escape(separator)
    body = body.with_columns(
        # A line of separators only (`;;;;`, as spreadsheets export empty rows) holds no record.
        (text.is_null() | text.str.contains(rf"^[\s{sep}]*$")).alias("_blank"),
        text.str.contains('"', literal=True).alias("_quoted"),
        (text.str.count_matches(separator, literal=True) + 1).alias("_n"),
    )
    padded = False
    if width > n:
        names = names + _under_empty_header(body, n, width, separator)
        if len(names) > n:
            # Lines that leave out the new columns' fields get them empty, as Excel shows them.
            short = (pl.col("_n") >= n) & (pl.col("_n") < len(names)) & ~pl.col("_blank") & ~pl.col("_quoted")
            padded = bool(body.select(short.any()).item())
            fill = pl.lit(separator * (len(names) - n)).str.head(pl.lit(len(names)) - pl.col("_n"))
            body = body.with_columns(
                pl.when(short).then(pl.concat_str(text, fill)).otherwise(text).alias("text"),
                pl.when(short).then(pl.lit(len(names))).otherwise(pl.col("_n")).cast(pl.UInt32).alias("_n"),
            )
            n = len(names)
    # A `;` at the end of every line gives empty fields more than the header has: such a line
    # fits when all its extra fields are empty. Only the few lines with extra fields are measured.
    longer = body.filter(pl.col("_n") > n).with_columns(
        (text.str.len_chars() - text.str.strip_chars_end(separator).str.len_chars()).alias("_trailing")
    )
    trimmed = longer.filter(pl.col("_trailing") >= pl.col("_n") - n)[LINE]
    # Only a line longer than the field limit can hold a field over it: those few are split.
    too_long = body.filter(~pl.col("_quoted") & (text.str.len_chars() > MAX_FIELD_CHARS)).select(
        LINE, text.str.split(separator).list.eval(pl.element().str.len_chars()).list.max().alias("_longest")
    )
    too_long = too_long.filter(pl.col("_longest") > MAX_FIELD_CHARS)
    body = body.with_columns(
        (pl.col("_n") > n).alias("_trim"),
        (
            ((pl.col("_n") == n) | pl.col(LINE).is_in(trimmed.implode()))
            & ~pl.col(LINE).is_in(too_long[LINE].implode())
        ).alias("_fits"),
    )

    starts = body.filter(~pl.col("_blank") & pl.col("_quoted"))[LINE].to_list()
    preamble = tuple(
        lines["text"].slice(1 if hint is not None else 0, header_line - 1 - (hint is not None)).fill_null("").to_list()
    )
    if len(starts) > MANY_QUOTED_LINES and not body["_blank"].any() and not padded and named == n:
        # A system that quotes every field: polars reads standard quoting at native speed; any
        # deviation (a stray quote, a ragged line) makes it refuse, and the lines go the slow way.
        frame = _polars_quoted(
            utf8, separator, names, skip=header_line - 1 + header_lines, first=body[LINE][0], lines=body.height
        )
        if frame is not None:
            return TextFrame(frame, header_line, pl.DataFrame(schema=RAGGED_SCHEMA), preamble)
    records, quote_rejects, consumed = (
        _quoted_records(body, starts, n, separator, n_named=named) if starts else ({}, [], set())
    )
    plain = body.filter(~pl.col("_blank") & ~pl.col("_quoted") & ~pl.col(LINE).is_in(list(consumed)))
    long_lines = plain.join(too_long, on=LINE).select(
        LINE,
        # A rejected line is kept for the steward, not a 100 000-character copy of it.
        text.str.head(200),
        pl.concat_str(
            pl.lit("et felt har "),
            pl.col("_longest").cast(pl.String),
            pl.lit(_too_long(0).removeprefix("et felt har 0")),
        ).alias("reason"),
    )
    ragged = (
        pl.concat(
            [
                plain.filter(~pl.col("_fits") & ~pl.col(LINE).is_in(too_long[LINE].implode())).select(
                    # concat_str, not pl.format: polars 2.1 panics formatting a UInt32 of a filtered frame
                    LINE,
                    "text",
                    pl.concat_str(
                        pl.lit("linjen har "), pl.col("_n").cast(pl.String), pl.lit(f" felter, overskriften har {n}")
                    ).alias("reason"),
                ),
                long_lines,
                pl.DataFrame(quote_rejects, schema=RAGGED_SCHEMA, orient="row"),
            ]
        )
        .cast(RAGGED_SCHEMA)
        .sort(LINE)
    )
    good = plain.filter(pl.col("_fits"))

    frame = None
    if not starts and hint is None and ragged.height == 0 and not good["_trim"].any() and not padded:
        # The common case: every line a plain record; polars reads the bytes in one go.
        frame = _polars_csv(utf8, name, separator, names, skip=header_line - 1 + header_lines)
        frame = frame.with_columns(body[LINE]).filter(~body["_blank"]) if frame.height == body.height else None
    if frame is None:
        cut = pl.col("text").str.head(pl.col("text").str.len_chars() - (pl.col("_n") - n).clip(lower_bound=0))
        rebuilt = good.select(cut)["text"].str.join("\n").item().encode() if good.height else b""
        frame = (
            _polars_csv(rebuilt, name, separator, names, skip=0)
            if good.height
            else pl.DataFrame(schema={c: pl.String for c in names})
        )
        if frame.height != good.height:
            raise ContractError(name, f"{good.height} datalinjer gav {frame.height} rækker")
        frame = frame.with_columns(good[LINE])
        if records:
            quoted_frame = pl.DataFrame(
                {**{c: records[str(i)] for i, c in enumerate(names)}, LINE: records[LINE]},
                schema={**{c: pl.String for c in names}, LINE: pl.Int64},
            )
            frame = pl.concat([frame, quoted_frame]).sort(LINE)
    return TextFrame(frame, header_line, ragged, preamble)


def _under_empty_header(body: pl.DataFrame, n: int, width: int, separator: str) -> list[str]:
    """Names for the columns under trailing empty header cells (positions n … width-1) that hold
    a value on some line: `kolonne_<position>`, up to the last one used. The contract keeps
    unknown columns, and a note typed beside a table is such a column, never a reason to refuse
    the line. Lines without a quote decide (a `;` inside a quoted field is no separator); a
    line with quotes then fits the wider header too, or is rejected as ragged with its line."""
    tails = body.filter((pl.col("_n") > n) & ~pl.col("_blank") & ~pl.col("_quoted")).select(
        pl.col("text").str.split(separator).list.slice(n, width - n).alias("_tail")
    )
    used = [
        k
        for k in range(width - n)  # a loop over the header's empty cells, not over the lines
        if tails.height
        and tails.select(
            pl.col("_tail").list.get(k, null_on_oob=True).str.strip_chars().str.strip_chars('"').fill_null("") != ""
        )
        .to_series()
        .any()
    ]
    return [f"kolonne_{n + k + 1}" for k in range(max(used) + 1)] if used else []


# Above this many lines with a quote, a file is first tried with polars' own quote handling.
MANY_QUOTED_LINES = 200


def _polars_quoted(
    data: bytes, separator: str, names: list[str], *, skip: int, first: int, lines: int
) -> pl.DataFrame | None:
    """Standard-quoted lines as text columns with the line each record starts on, or None when
    polars refuses the file (stray quotes, ragged lines) or the records do not add up to the
    `lines` physical lines after the header (blank lines): those take `_quoted_records`."""
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            skip_rows=skip,
            separator=separator,
            quote_char='"',
            infer_schema=False,
            new_columns=names,
        )
    except pl.exceptions.PolarsError:
        return None
    if (frame.select(pl.max_horizontal(pl.col(names).str.len_chars().max())).item() or 0) > MAX_FIELD_CHARS:
        return None  # a field over the limit: its line is rejected on the slow path
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
        frame = pl.read_csv(
            io.BytesIO(data),
            has_header=False,
            skip_rows=skip,
            separator=separator,
            quote_char=None,
            infer_schema=False,
            new_columns=names,
            truncate_ragged_lines=False,
        )
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


# Strict Open XML ("Strict Open XML-regneark" in Excel's Save As) names its parts in the ISO
# namespaces; openpyxl reads only the transitional ones and would find no sheets at all. The
# parts are the same (dates may be ISO text, `t="d"`, which openpyxl reads), so the names are
# translated before openpyxl opens the workbook.
_STRICT = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
_TRANSITIONAL = [
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes",
        b"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    ),
    (b"http://purl.oclc.org/ooxml/drawingml/main", b"http://schemas.openxmlformats.org/drawingml/2006/main"),
    (b"http://purl.oclc.org/ooxml/drawingml/chart", b"http://schemas.openxmlformats.org/drawingml/2006/chart"),
    (
        b"http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing",
        b"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    ),
]


def _transitional(data: bytes) -> bytes:
    """A Strict Open XML workbook with its parts in the transitional namespaces."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as strict, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as plain:
        for item in strict.infolist():  # a loop over the workbook's few parts
            part = strict.read(item.filename)
            if item.filename.endswith((".xml", ".rels")):
                for iso, transitional in _TRANSITIONAL:
                    part = part.replace(iso, transitional)
            plain.writestr(item, part)
    return out.getvalue()


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+):([A-Z]+[0-9]+)\"")
# A cell's formula element, `<f>…</f>`, `<f t="shared" …/>` (with or without a namespace prefix,
# any XML name); not `<formula>` of conditional formatting or data validation, no cell's formula.
_FORMULA = re.compile(rb"<(?:[^\s<>/:!?]+:)?f[\s>/]")
# XML in an 8-bit encoding (UTF-8, with or without its BOM): the only one the search above reads.
_EIGHT_BIT = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<")


def _sheet_cells(data: bytes, name: str, sheet: str) -> tuple[list[list], list[list], list[tuple[int, int, int, int]]]:
    """Every row of `sheet` as [(value, number_format)] from the cached values, the formulas
    (empty when the sheet's XML, in 8-bit XML, holds no formula element: openpyxl's second pass
    over the workbook is then skipped; the sample's 66 workbooks 1,38–1,51 s against 1,49–1,68 s),
    and the merged ranges as 0-based (first row, first column, last row, last column)."""
    from openpyxl import load_workbook  # 0.3 s to import; only workbooks need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            strict = _STRICT in archive.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ContractError(
            name, f"filen kan ikke åbnes som Excel-projektmappe (.xlsx): {exc}".splitlines()[0]
        ) from exc
    if strict:
        data = _transitional(data)

    def opened(data_only: bool):
        try:
            return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError) as exc:  # XML ParseError
            raise ContractError(
                name,
                (
                    "projektmappen er gemt som 'Strict Open XML-regneark' og kan ikke læses — åbn den i Excel og "
                    "gem den som 'Excel-projektmappe (*.xlsx)'"
                    if strict
                    else f"filen kan ikke åbnes som Excel-projektmappe (.xlsx): {exc}".splitlines()[0]
                ),
            ) from exc

    values_book = opened(True)
    if sheet not in values_book.sheetnames:
        raise ContractError(name, f"arket '{sheet}' findes ikke (ark i filen: {', '.join(values_book.sheetnames)})")
    # A stored dimension like A1:XFD1048576 (some tools write it) would pad every row to 16 384
    # cells: read the cells that are there.
    values_sheet = values_book[sheet]
    values_sheet.reset_dimensions()
    values = [
        [(c.value, c.number_format) if c.value is not None else (None, "") for c in row]
        for row in values_sheet.iter_rows()
    ]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(values_sheet._worksheet_path.lstrip("/"))
    values_book.close()
    formulas = []
    if _FORMULA.search(xml) or not _EIGHT_BIT.match(xml):  # a UTF-16 sheet: read its formulas as before
        formula_book = opened(False)
        formula_sheet = formula_book[sheet]
        formula_sheet.reset_dimensions()
        formulas = [
            [c.value if getattr(c, "data_type", None) == "f" else None for c in row]
            for row in formula_sheet.iter_rows()
        ]
        formula_book.close()
    return values, formulas, _merged_ranges(xml)  # read-only sheets do not parse merges


def _merged_ranges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """A sheet's merged ranges (`<mergeCell ref="C5:C7"/>` in its XML) as 0-based (row, column,
    row, column)."""
    from openpyxl.utils import range_boundaries

    merges = []
    for first, last in _MERGE.findall(xml):
        min_col, min_row, max_col, max_row = range_boundaries(f"{first.decode()}:{last.decode()}")
        merges.append((min_row - 1, min_col - 1, max_row - 1, max_col - 1))
    return merges


def _fill_merged(values: list[list], merges: list[tuple[int, int, int, int]], below: int) -> None:
    """Give every row a merged range covers below the header row `below` the value Excel shows
    there: the range's top-left value, in the range's first column (the other columns of a
    range are empty in Excel too). Ranges that start at or above the header (a title) are left."""
    for top, left, bottom, _right in merges:
        if top <= below:
            continue
        shown = values[top][left] if top < len(values) and left < len(values[top]) else (None, "")
        for r in range(top + 1, min(bottom, len(values) - 1) + 1):  # the cells of one merge
            row = values[r]
            if len(row) <= left:
                row.extend([(None, "")] * (left + 1 - len(row)))
            row[left] = shown


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
    _within_size(path, name)
    values, formulas, merges = _sheet_cells(path.read_bytes(), name, sheet)
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
    _fill_merged(values, merges, best)
    # A column without a header keeps its values (the contract keeps unknown columns) as
    # `kolonne_<n>`: never a value dropped because nobody named its column.
    width = max((len(row) for row in values[best + 1 :]), default=0)
    unnamed = [
        i
        for i in range(width)
        if (i >= len(header) or not header[i])
        and any(i < len(row) and row[i][0] is not None and str(row[i][0]).strip() for row in values[best + 1 :])
    ]
    keep = sorted([i for i, c in enumerate(header) if c] + unnamed)
    header += [""] * (width - len(header))
    names = [_column_name(header[i], i) for i in keep]
    if len({c.casefold() for c in names}) < len(names):
        twice = next(c for c in names if sum(d.casefold() == c.casefold() for d in names) > 1)
        raise ContractError(
            name, f"kolonnen står to gange i overskriften i arket '{sheet}'", column=twice, line=best + 1
        )

    uncached = [
        f"{_column_letter(i)}{r + 1}"
        for r in range(best + 1, len(formulas))
        for i in keep
        if i < len(formulas[r]) and formulas[r][i] is not None and (i >= len(values[r]) or values[r][i][0] is None)
    ]
    if uncached:
        shown = ", ".join(uncached[:10]) + (f" og {len(uncached) - 10} flere" if len(uncached) > 10 else "")
        raise ContractError(
            name,
            f"arket '{sheet}', celle {shown}: formel uden beregnet værdi — åbn projektmappen i Excel, "
            f"gem den og læg den ind igen",
            column=", ".join(sorted({header[_column_index(c)] for c in uncached})),
            line=int(re.sub(r"^[A-Z]+", "", uncached[0])),
        )

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
    # An unnamed column that held only notes under the table holds nothing once they are left out.
    letters = {
        c: _column_letter(i) for c, i in zip(names, keep) if i not in unnamed or any(t is not None for t in texts[c])
    }
    names = list(letters)
    schema = {c: pl.String for c in names}
    frame = pl.DataFrame({c: texts[c] for c in names}, schema=schema).with_columns(
        pl.Series(LINE, lines, dtype=pl.Int64)
    )
    found = (
        (
            f"{len(notes)} notelinje(r) med én tekstcelle i arket '{sheet}' er ikke takster og indlæses ikke "
            f"(række {', '.join(map(str, notes[:5]))})",
        )
        if notes
        else ()
    )
    return TextFrame(
        frame,
        best + 1,
        cell_kinds=pl.DataFrame({c: kinds[c] for c in names}, schema=schema),
        notes=found,
        cell_columns=letters,
    )


def _column_index(cell: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(re.match(r"[A-Z]+", cell).group(0)) - 1
