"""From a text frame to typed rows and rejected values, by a list of field specifications.

A source declares its columns once (header name in the file, contract name, kind, required);
`parse` matches headers case-insensitively, masks CPR-like values in every text column, types
every other column with the Danish parsers, keeps unknown columns as text, sends every row
with a present-but-unparseable value to the rejected rows (one record per bad value) and
attaches lineage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from ingest import danish
from ingest.cpr import mask_cpr, mask_frame
from ingest.errors import ContractError
from ingest.textfile import LINE, NUMBER, PERCENT, TextFrame

MAX_REJECTED_SHARE = 0.01

# Excel's error values (a formula that failed: VLOOKUP without a match, a deleted reference,
# a division by zero …) as a workbook caches them (always in English), as a Danish Excel writes
# them into a CSV (`#I/T`, `#VÆRDI!`, `#DIVISION/0!`, `#NAVN?`, `#REFERENCE!`, `#NUL!`), and
# LibreOffice's `Err:502`. They are never data: never loaded as a name or a reason.
EXCEL_ERROR = (
    r"^\s*(?:#(?:N/A|REF!|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA|FIELD!|BLOCKED!|CONNECT!"
    r"|BUSY!|UNKNOWN!|PYTHON!|EXTERNAL!|I/T|VÆRDI!|DIVISION/0!|NAVN\?|REFERENCE!|NUL!)|Err:\d{3})\s*$"
)

REJECTED_SCHEMA = {
    "kilde": pl.String,
    "kildefil": pl.String,
    "kildelinje": pl.Int64,
    "kolonne": pl.String,
    "raavaerdi": pl.String,
    "aarsag": pl.String,
    "load_id": pl.String,
}
CPR_SCHEMA = {
    "kilde": pl.String,
    "kildefil": pl.String,
    "kildelinje": pl.Int64,
    "kolonne": pl.String,
    "maskeret_vaerdi": pl.String,
    "load_id": pl.String,
}
WHOLE_LINE = "(hele linjen)"


@dataclass(frozen=True)
class Field:
    header: str  # as in the contract; matched case-insensitively after trimming
    name: str  # snake_case column in raw
    kind: str = "text"  # text | int | decimal | fraction | date | month | year | custom
    required: bool = True  # the column must be in the file (its values may still be empty)
    scale: int = 2
    parser: Callable[[pl.Expr], pl.Expr] | None = None  # kind "custom": text → typed, null = bad
    dtype: pl.DataType | None = None  # kind "custom"
    reason: str | None = None  # kind "custom": why a value was rejected
    column_label: str | None = None  # names the column in rejections, instead of `header`
    label_from: str | None = None  # unpivoted files: the header whose value names the column
    years: tuple[int, int] | None = None  # kind "date": plausible years, if not 1970 … next year


_REASONS = {
    "int": "ikke et heltal",
    "decimal": "ikke et tal med højst {scale} decimaler",
    "fraction": "ikke en procent (95 %, 95 eller 0,95)",
}
_PROBLEMS: dict[str, Callable[[pl.Expr], pl.Expr]] = {
    "month": danish.month_problem,
    "year": danish.year_problem,
}


def _text_parser(field: Field) -> Callable[[pl.Expr], pl.Expr]:
    """How a CSV field, or a workbook text cell, of this kind is read."""
    if field.kind == "custom":
        return field.parser
    return {
        "text": danish.present,
        "int": danish.danish_integer,
        "decimal": lambda e: danish.danish_decimal(e, field.scale),
        "fraction": lambda e: danish.fraction(e),
        "date": lambda e: danish.danish_date(e, field.years),
        "month": danish.month,
        "year": danish.year,
    }[field.kind]


def _cell_parser(field: Field, kind: pl.Expr) -> Callable[[pl.Expr], pl.Expr]:
    """How a workbook cell of this field is read, by the cell's type (`kind`, textfile.py):
    number cells as numbers (rounded half-up to the field's scale), text cells as Danish text,
    date cells as dates (written ISO by the reader)."""
    as_text = _text_parser(field)
    is_number = kind.is_in(["n", "p"])
    if field.kind == "decimal":
        return lambda e: pl.when(is_number).then(danish.number_cell(e, field.scale)).otherwise(as_text(e))
    if field.kind == "int":
        return lambda e: pl.when(is_number).then(danish.number_cell_integer(e)).otherwise(as_text(e))
    if field.kind == "fraction":
        return lambda e: danish.fraction(e, kind=kind)
    if field.kind in ("date", "month"):
        return lambda e: pl.when(is_number).then(None).otherwise(as_text(e))
    return as_text


def _rounded(field: Field, kind: pl.Expr, raw: pl.Expr) -> pl.Expr:
    """The stored value of a number cell that had more decimals than the field: kept for audit."""
    scale = {"fraction": 6, "int": 0}.get(field.kind, field.scale)
    decimals = raw.str.extract(r"\.(\d+)$", 1).str.len_chars().fill_null(0)
    return pl.when(kind.is_in(["n", "p"]) & (decimals > scale)).then(raw.str.strip_chars())


def _distinct_once(frame: pl.DataFrame, column: str, parser: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """`parser` applied to `column`, computed once per distinct value when values repeat.

    Dates, codes, ids and day counts repeat a lot in a ledger (a million postings, a few
    hundred dates): parsing the distinct values and mapping back is several times faster
    than parsing every cell, and gives the same result.
    """
    values = frame.get_column(column)
    if values.head(20_000).n_unique() * 4 > min(frame.height, 20_000):  # amounts: all distinct
        return parser(pl.col(column))
    distinct = values.unique().to_frame().with_columns(parser(pl.col(column)).alias("_typed"))
    mapped = distinct.filter(pl.col(column).is_not_null())
    return pl.col(column).replace_strict(
        mapped[column], mapped["_typed"], default=None, return_dtype=distinct.schema["_typed"]
    )


def _label(field: Field, by_key: dict[str, str]) -> pl.Expr:
    if field.label_from is not None:
        return pl.col(by_key[field.label_from.casefold()])
    return pl.lit(field.column_label or field.header)


def dtype_of(field: Field) -> pl.DataType:
    if field.kind == "custom":
        return field.dtype
    return {
        "text": pl.String(),
        "int": pl.Int64(),
        "decimal": pl.Decimal(18, field.scale),
        "fraction": pl.Decimal(18, 6),
        "date": pl.Date(),
        "month": pl.Date(),
        "year": pl.Int64(),
    }[field.kind]


def snake(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "_", "-": "_", ".": ""})
    return name.strip().lower().translate(table)


# Lineage columns the loader adds to every raw row (ingest/sources.py LINEAGE_SCHEMA).
RESERVED = {LINE, "_source_file", "_file_sha256", "_load_id", "_loaded_at", "_partition"}


def _extra_names(columns: list[str], header_of: dict[str, str], taken: set[str]) -> dict[str, str]:
    """Raw column names for a file's unknown columns: snake_case of the header, never a name a
    field, the lineage or another extra column has (`Beloeb` beside `Beløb`, `_source_file`):
    such a column gets `_2`, `_3` …; leading underscores are the lineage's, so they are dropped."""
    taken = set(taken) | RESERVED
    names = {}
    for c in columns:
        base = snake(header_of[c]).lstrip("_") or "kolonne"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        names[c] = name
    return names


def _excel_errors(
    frame: pl.DataFrame, text: TextFrame, internal: dict[str, str], typed: set[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`frame` with every Excel error value (EXCEL_ERROR) made empty, and one rejected value per
    such cell (kildelinje, kolonne, raavaerdi, aarsag, `_typed`: the column is a typed field, so
    its row is rejected; a text or unknown column loads empty). The reason names the workbook
    cell (`C5`) where there is one. A loop over the file's columns, not its rows."""
    parts, cleared = [], []
    # Which columns hold an error value at all, in one query: nearly every file has none.
    flagged = (
        frame.select(pl.col(inner).str.contains(EXCEL_ERROR).any() for inner in internal.values()).row(0)
        if internal
        else ()
    )
    for (column, inner), any_error in zip(internal.items(), flagged, strict=True):
        if not any_error:
            continue
        is_error = pl.col(inner).str.contains(EXCEL_ERROR)
        hits = frame.filter(is_error)
        letter = (text.cell_columns or {}).get(column)
        where = (
            pl.concat_str(pl.lit(f"i celle {letter}"), pl.col(LINE).cast(pl.String)) if letter else pl.lit("i feltet")
        )
        row_fate = "rækken afvises" if column.strip().casefold() in typed else "værdien indlæses som tom"
        parts.append(
            hits.select(
                pl.col(LINE).cast(pl.Int64).alias("kildelinje"),
                pl.lit(column).alias("kolonne"),
                pl.col(inner).str.strip_chars().alias("raavaerdi"),
                pl.concat_str(
                    pl.lit("Excel-fejlværdi "),
                    pl.col(inner).str.strip_chars(),
                    pl.lit(" "),
                    where,
                    pl.lit(f" (en formel der gav fejl): {row_fate} — ret formlen eller værdien i kilden"),
                ).alias("aarsag"),
                pl.lit(column.strip().casefold() in typed).alias("_typed"),
            )
        )
        cleared.append(pl.when(is_error).then(None).otherwise(pl.col(inner)).alias(inner))
    schema = {"kildelinje": pl.Int64, "kolonne": pl.String, "raavaerdi": pl.String, "aarsag": pl.String}
    errors = pl.concat(parts) if parts else pl.DataFrame(schema={**schema, "_typed": pl.Boolean})
    return (frame.with_columns(cleared) if cleared else frame), errors


@dataclass(frozen=True)
class Parsed:
    rows: pl.DataFrame
    rejected: pl.DataFrame
    cpr: pl.DataFrame  # where CPR-like values were found (masked)
    data_rows: int
    dropped: int = 0  # rows outside the source's scope (e.g. regions in a population file)
    shape: str = ""  # the file's detected shape, for `cockpit check` ("StatBank webside, bred")
    findings: tuple[str, ...] = ()  # what a steward should know that is no rejected value
    # (column of `rows`, the file's own header text) of every unknown column: the loader keeps
    # them in `raw.<source>.ekstra` under the header text, never as a column named from the file
    extras: tuple[tuple[str, str], ...] = ()


def parse(
    text: TextFrame,
    fields: list[Field],
    *,
    source: str,
    file: str,
    load_id: str,
    keep: pl.Expr | None = None,
) -> Parsed:
    """Type `text` by `fields` into `Parsed.rows` (one column per field, dtype by kind: Int64,
    Decimal(18, scale), Decimal(18, 6) fractions, Date; unknown columns as text; `_source_line`).

    A workbook (`text.cell_kinds` set) is typed cell by cell: number cells as numbers, text cells
    as Danish text; a number cell rounded to the field's scale keeps its stored value in
    `<field>_cellevaerdi`. Raises ContractError for a missing required column, or more than 1 %
    of the rows carrying an unparseable value (naming the first); a file with a header and no
    rows parses to no rows with a finding."""
    by_key = {c.strip().casefold(): c for c in text.frame.columns if c != LINE}
    missing = [f.header for f in fields if f.required and f.header.casefold() not in by_key]
    if missing:
        found = ", ".join(by_key.values())
        hint = " — forkert skilletegn? Kolonnerne skal adskilles med ';'" if len(by_key) == 1 else ""
        raise ContractError(
            file, f"påkrævet kolonne mangler (fundet: {found}){hint}", column=", ".join(missing), line=text.header_line
        )

    known = {f.header.casefold() for f in fields}
    present = [f for f in fields if f.header.casefold() in by_key]
    # Every column, not only text: a CPR-like number typed into Tilbudsnr or Beløb would otherwise
    # be stored as a number. Masked, it no longer parses and is rejected (masked) with its line.
    # Except a workbook's number cell with a non-zero fraction: its text is the stored double (a
    # computed rate like 2570.3010181234, whose ten decimals can look like ddmmyy-nnnn), not a
    # typed CPR number, which Excel keeps as text (with its `-`) or as a whole number — also when
    # the file stores that whole number as a double (`1.010901234E9` read as "1010901234.0");
    # all of those are masked.
    exempt = None
    if text.cell_kinds is not None:
        exempt = pl.concat([text.cell_kinds, text.frame.drop(LINE).rename(lambda c: f"_text_{c}")], how="horizontal")
        exempt = exempt.select(
            (pl.col(c).is_in([NUMBER, PERCENT]) & pl.col(f"_text_{c}").str.contains(r"\.\d*[1-9]")).alias(c)
            for c in text.cell_kinds.columns
        )
    masked, cpr_hits = mask_frame(text.frame, LINE, exempt)
    # The file's columns get internal names: a file's `dranst` must not be confused with the
    # typed column `dranst` made from it.
    internal = {c: f"_in_{i}" for i, c in enumerate(by_key.values())}
    frame = text.frame.with_columns(masked.drop(LINE)).rename(internal)
    frame, errors = _excel_errors(frame, text, internal, {f.header.casefold() for f in fields if f.kind != "text"})
    by_key = {k: internal[c] for k, c in by_key.items()}
    header_of = {v: k for k, v in internal.items()}

    def col(f: Field) -> pl.Expr:
        return pl.col(by_key[f.header.casefold()])

    def kind(f: Field) -> pl.Expr:
        return pl.col(f"_kind_{by_key[f.header.casefold()]}")

    cells = text.cell_kinds is not None
    if cells:
        frame = frame.hstack(text.cell_kinds.rename(lambda c: f"_kind_{internal[c]}"))

    def typed(f: Field) -> pl.Expr:
        if f.kind == "text":
            return danish.present(col(f))
        if cells:
            return _cell_parser(f, kind(f))(col(f))
        return _distinct_once(frame, by_key[f.header.casefold()], _text_parser(f))

    checked = [f for f in present if f.kind != "text"]
    failed = [
        (danish.present(col(f)).is_not_null() & pl.col(f.name).is_null()).alias(f"_bad_{f.name}") for f in checked
    ]
    audit = [
        _rounded(f, kind(f), col(f)).alias(f"{f.name}_cellevaerdi")
        for f in checked
        if cells and f.kind in ("decimal", "fraction", "int")
    ]
    out = frame.with_columns([typed(f).alias(f.name) for f in present] + audit).with_columns(failed)
    audit = [a.meta.output_name() for a in audit if out[a.meta.output_name()].is_not_null().any()]
    extra = _extra_names(
        [c for k, c in by_key.items() if k not in known], header_of, taken={f.name for f in fields} | set(audit)
    )

    def reason(f: Field) -> pl.Expr:
        if f.kind == "date":
            return danish.date_problem(col(f), f.years)
        if f.kind in _PROBLEMS:
            return _PROBLEMS[f.kind](col(f))
        return pl.lit(f.reason if f.kind == "custom" else _REASONS[f.kind].format(scale=f.scale))

    # Lazy, so the parts are one query: a small file paid ~0,2 ms of polars' start per part.
    rejected_parts = [
        out.lazy()
        .filter(pl.col(f"_bad_{f.name}"))
        .select(
            pl.col(LINE).alias("kildelinje"),
            _label(f, by_key).alias("kolonne"),
            mask_cpr(col(f)).alias("raavaerdi"),
            reason(f).alias("aarsag"),
        )
        for f in checked
    ]
    rejected_parts.append(errors.drop("_typed").lazy())
    rejected_parts.append(
        text.ragged.lazy().select(
            pl.col(LINE).alias("kildelinje"),
            pl.lit(WHOLE_LINE).alias("kolonne"),
            mask_cpr(pl.col("text")).alias("raavaerdi"),
            pl.col("reason").alias("aarsag"),
        )
    )
    rejected = (
        pl.concat(rejected_parts)
        .with_columns(pl.lit(source).alias("kilde"), pl.lit(file).alias("kildefil"), pl.lit(load_id).alias("load_id"))
        .select(list(REJECTED_SCHEMA))
        .cast(REJECTED_SCHEMA)
        .unique(maintain_order=True)  # one unpivoted cell may feed two fields
        .sort("kildelinje", "kolonne")
        .collect()
    )

    bad = pl.any_horizontal([pl.col(f"_bad_{f.name}") for f in checked]) if checked else pl.lit(False)
    # An error value where a number, date or code belongs leaves the row without it: rejected.
    bad = bad | pl.col(LINE).is_in(errors.filter(pl.col("_typed"))["kildelinje"].implode())
    good = out.filter(~bad)
    dropped = 0
    if keep is not None:
        in_scope = good.filter(keep)
        dropped, good = good.height - in_scope.height, in_scope
    rows = good.select(
        [pl.col(f.name) for f in present]
        + [pl.lit(None, dtype=dtype_of(f)).alias(f.name) for f in fields if f not in present]
        + [pl.col(c).alias(extra[c]) for c in extra]
        + [pl.col(a) for a in audit]
        + [pl.col(LINE)]
    )
    # Rows as parsed: for the unpivoted health-check file a row is one municipality × month.
    ragged_rows = text.ragged.height * text.ragged_weight
    data_rows = out.height + ragged_rows
    bad_rows = out.height - good.height - dropped + ragged_rows
    if data_rows and bad_rows / data_rows > MAX_REJECTED_SHARE:
        first = rejected.row(0, named=True)
        raise ContractError(
            file,
            f"{bad_rows} af {data_rows} rækker ({bad_rows / data_rows:.1%}) har værdier der ikke kan "
            f"læses (grænse {MAX_REJECTED_SHARE:.0%}); første: '{first['raavaerdi']}' ({first['aarsag']})",
            column=first["kolonne"],
            line=first["kildelinje"],
        )
    cpr = (
        cpr_hits.with_columns(
            pl.lit(source).alias("kilde"), pl.lit(file).alias("kildefil"), pl.lit(load_id).alias("load_id")
        )
        .select(list(CPR_SCHEMA))
        .cast(CPR_SCHEMA)
    )
    # A header without rows is an export of a period without postings, not a broken file: it
    # loads nothing and says so, instead of stopping the whole refresh.
    empty = ("filen har kun overskriften, ingen datarækker",) if data_rows == 0 else ()
    extras = tuple((extra[c], header_of[c]) for c in extra)
    return Parsed(rows, rejected, cpr, data_rows, dropped, findings=text.notes + empty, extras=extras)
