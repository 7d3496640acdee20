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
from ingest.textfile import LINE, TextFrame

MAX_REJECTED_SHARE = 0.01

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
    kind: str = "text"  # text | int | decimal | fraction | date | month | custom
    required: bool = True  # the column must be in the file (its values may still be empty)
    scale: int = 2
    parser: Callable[[pl.Expr], pl.Expr] | None = None  # kind "custom": text → typed, null = bad
    dtype: pl.DataType | None = None  # kind "custom"
    reason: str | None = None  # kind "custom": why a value was rejected
    column_label: pl.Expr | None = None  # names the file's column in rejections (unpivoted files)


_REASONS = {
    "int": "ikke et heltal",
    "decimal": "ikke et tal med højst {scale} decimaler",
    "fraction": "ikke en procent (95 %, 95 eller 0,95)",
    "date": "ikke en dato (dd-mm-åååå, dd.mm.åååå eller åååå-mm-dd)",
    "month": "ikke en måned (åååå-mm eller ååååMmm)",
}


def _typed(field: Field, excel: bool) -> Callable[[pl.Expr], pl.Expr]:
    if field.kind == "custom":
        return field.parser
    kinds: dict[str, Callable[[pl.Expr], pl.Expr]] = {
        "text": danish.present,
        "int": danish.excel_integer if excel else danish.danish_integer,
        "decimal": (lambda e: danish.excel_decimal(e, field.scale)) if excel
        else (lambda e: danish.danish_decimal(e, field.scale)),
        "fraction": lambda e: danish.fraction(e, excel=excel),
        "date": danish.danish_date,
        "month": danish.month,
    }
    return kinds[field.kind]


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
    return pl.col(column).replace_strict(mapped[column], mapped["_typed"], default=None,
                                         return_dtype=distinct.schema["_typed"])


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
    }[field.kind]


def snake(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "_", "-": "_", ".": ""})
    return name.strip().lower().translate(table)


@dataclass(frozen=True)
class Parsed:
    rows: pl.DataFrame
    rejected: pl.DataFrame
    cpr: pl.DataFrame  # where CPR-like values were found (masked)
    data_rows: int
    dropped: int = 0  # rows outside the source's scope (e.g. regions in a population file)
    shape: str = ""  # the file's detected shape, for `cockpit check` ("StatBank webside, bred")
    findings: tuple[str, ...] = ()  # what a steward should know that is no rejected value


def parse(
    text: TextFrame,
    fields: list[Field],
    *,
    source: str,
    file: str,
    load_id: str,
    excel: bool = False,
    keep: pl.Expr | None = None,
) -> Parsed:
    """Type `text` by `fields`; raise ContractError for a missing required column, a file
    without data rows, or more than 1 % of the rows carrying an unparseable value."""
    by_key = {c.strip().casefold(): c for c in text.frame.columns if c != LINE}
    missing = [f.header for f in fields if f.required and f.header.casefold() not in by_key]
    if missing:
        found = ", ".join(by_key.values())
        hint = " — forkert skilletegn? Kolonnerne skal adskilles med ';'" if len(by_key) == 1 else ""
        raise ContractError(file, f"påkrævet kolonne mangler (fundet: {found}){hint}",
                            column=", ".join(missing), line=text.header_line)
    if text.frame.height == 0 and text.ragged.height == 0:
        raise ContractError(file, "filen har ingen datarækker", line=text.header_line)

    known = {f.header.casefold() for f in fields}
    present = [f for f in fields if f.header.casefold() in by_key]
    text_headers = {by_key[f.header.casefold()] for f in present if f.kind == "text"}
    text_headers |= {c for k, c in by_key.items() if k not in known}
    masked, cpr_hits = mask_frame(text.frame.select([*sorted(text_headers), LINE]), LINE)
    frame = text.frame.with_columns(masked.drop(LINE))

    def col(f: Field) -> pl.Expr:
        return pl.col(by_key[f.header.casefold()])

    typed = [
        (_typed(f, excel)(col(f)) if f.kind == "text" else _distinct_once(frame, by_key[f.header.casefold()], _typed(f, excel)))
        .alias(f.name)
        for f in present
    ]
    checked = [f for f in present if f.kind != "text"]
    failed = [(danish.present(col(f)).is_not_null() & pl.col(f.name).is_null()).alias(f"_bad_{f.name}")
              for f in checked]
    out = frame.with_columns(typed).with_columns(failed)

    def reason(f: Field) -> str:
        return f.reason if f.kind == "custom" else _REASONS[f.kind].format(scale=f.scale)

    rejected_parts = [
        out.filter(pl.col(f"_bad_{f.name}")).select(
            pl.col(LINE).alias("kildelinje"),
            (f.column_label if f.column_label is not None else pl.lit(f.header)).alias("kolonne"),
            mask_cpr(col(f)).alias("raavaerdi"),
            pl.lit(reason(f)).alias("aarsag"),
        )
        for f in checked
    ]
    rejected_parts.append(text.ragged.select(
        pl.col(LINE).alias("kildelinje"), pl.lit(WHOLE_LINE).alias("kolonne"),
        mask_cpr(pl.col("text")).alias("raavaerdi"), pl.col("reason").alias("aarsag"),
    ))
    rejected = (
        pl.concat(rejected_parts)
        .with_columns(pl.lit(source).alias("kilde"), pl.lit(file).alias("kildefil"), pl.lit(load_id).alias("load_id"))
        .select(list(REJECTED_SCHEMA))
        .cast(REJECTED_SCHEMA)
        .unique(maintain_order=True)  # one unpivoted cell may feed two fields
        .sort("kildelinje", "kolonne")
    )

    bad = pl.any_horizontal([pl.col(f"_bad_{f.name}") for f in checked]) if checked else pl.lit(False)
    good = out.filter(~bad)
    dropped = 0
    if keep is not None:
        in_scope = good.filter(keep)
        dropped, good = good.height - in_scope.height, in_scope
    rows = good.select(
        [pl.col(f.name) for f in present]
        + [pl.lit(None, dtype=dtype_of(f)).alias(f.name) for f in fields if f not in present]
        + [pl.col(c).alias(snake(c)) for k, c in by_key.items() if k not in known]
        + [pl.col(LINE)]
    )
    # Rows as parsed: for the unpivoted health-check file a row is one municipality × month.
    data_rows = out.height + text.ragged.height
    bad_rows = out.height - good.height - dropped + text.ragged.height
    if data_rows and bad_rows / data_rows > MAX_REJECTED_SHARE:
        first = rejected.row(0, named=True)
        raise ContractError(
            file,
            f"{bad_rows} af {data_rows} rækker ({bad_rows / data_rows:.1%}) har værdier der ikke kan "
            f"læses (grænse {MAX_REJECTED_SHARE:.0%}); første: '{first['raavaerdi']}' ({first['aarsag']})",
            column=first["kolonne"], line=first["kildelinje"],
        )
    cpr = cpr_hits.with_columns(
        pl.lit(source).alias("kilde"), pl.lit(file).alias("kildefil"), pl.lit(load_id).alias("load_id")
    ).select(list(CPR_SCHEMA)).cast(CPR_SCHEMA)
    return Parsed(rows, rejected, cpr, data_rows, dropped)


