"""From a text frame to typed rows and rejected values, by a list of field specifications.

A source declares its columns once (header name in the file, contract name, kind, required);
`parse` matches headers case-insensitively, types every column with the Danish parsers, keeps
unknown columns as text, sends every row with a present-but-unparseable value to the rejected
rows (one rejected record per bad value) and attaches lineage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import polars as pl

from ingest import danish
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


@dataclass(frozen=True)
class Field:
    header: str  # as in the contract; matched case-insensitively after trimming
    name: str  # snake_case column in raw
    kind: str = "text"  # text | int | decimal | fraction | date | month
    required: bool = True
    scale: int = 2


_REASONS = {
    "int": "ikke et heltal",
    "decimal": "ikke et tal med højst {scale} decimaler",
    "fraction": "ikke en procent (95 %, 95 eller 0,95)",
    "date": "ikke en dato (dd-mm-åååå, dd.mm.åååå eller åååå-mm-dd)",
    "month": "ikke en måned (åååå-mm eller ååååMmm)",
}


def _typed(field: Field, excel: bool) -> Callable[[pl.Expr], pl.Expr]:
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


def snake(name: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", " ": "_", "-": "_", ".": ""})
    return name.strip().lower().translate(table)


@dataclass(frozen=True)
class Parsed:
    rows: pl.DataFrame
    rejected: pl.DataFrame
    data_rows: int


def parse(
    text: TextFrame,
    fields: list[Field],
    *,
    source: str,
    file: str,
    load_id: str,
    excel: bool = False,
) -> Parsed:
    """Type `text` by `fields`; raise ContractError for a missing required column or when more
    than 1 % of the rows carry an unparseable value."""
    frame = text.frame
    by_key = {c.strip().casefold(): c for c in frame.columns if c != LINE}
    missing = [f.header for f in fields if f.required and f.header.casefold() not in by_key]
    if missing:
        raise ContractError(
            file, f"påkrævet kolonne mangler (fundet: {', '.join(by_key.values())})",
            column=", ".join(missing), line=text.header_line,
        )
    known = {f.header.casefold() for f in fields}
    present_fields = [f for f in fields if f.header.casefold() in by_key]
    typed = [_typed(f, excel)(pl.col(by_key[f.header.casefold()])).alias(f.name) for f in present_fields]
    failed = [
        (danish.present(pl.col(by_key[f.header.casefold()])).is_not_null() & pl.col(f.name).is_null())
        .alias(f"_bad_{f.name}")
        for f in present_fields
        if f.kind != "text"
    ]
    extras = [pl.col(c).alias(snake(c)) for k, c in by_key.items() if k not in known]
    out = frame.with_columns(typed).with_columns(failed)
    bad_cols = [c for c in out.columns if c.startswith("_bad_")]

    rejected_parts = [
        out.filter(pl.col(f"_bad_{f.name}")).select(
            pl.lit(source).alias("kilde"),
            pl.lit(file).alias("kildefil"),
            pl.col(LINE).alias("kildelinje"),
            pl.lit(f.header).alias("kolonne"),
            pl.col(by_key[f.header.casefold()]).alias("raavaerdi"),
            pl.lit(_REASONS[f.kind].format(scale=f.scale)).alias("aarsag"),
            pl.lit(load_id).alias("load_id"),
        )
        for f in present_fields
        if f.kind != "text"
    ]
    rejected = pl.concat(rejected_parts) if rejected_parts else pl.DataFrame(schema=REJECTED_SCHEMA)
    rejected = rejected.cast(REJECTED_SCHEMA).sort("kildelinje", "kolonne")

    any_bad = pl.any_horizontal(bad_cols) if bad_cols else pl.lit(False)
    good = out.filter(~any_bad)
    rows = good.select(
        [pl.col(f.name) for f in present_fields]
        + [pl.lit(None, dtype=dtype_of(f)).alias(f.name) for f in fields if f not in present_fields]
        + extras
        + [pl.col(LINE)]
    )
    bad_rows = out.height - good.height
    if out.height and bad_rows / out.height > MAX_REJECTED_SHARE:
        first = rejected.row(0, named=True)
        raise ContractError(
            file,
            f"{bad_rows} af {out.height} rækker ({bad_rows / out.height:.1%}) har værdier der ikke kan "
            f"læses (grænse {MAX_REJECTED_SHARE:.0%}); første: '{first['raavaerdi']}' ({first['aarsag']})",
            column=first["kolonne"], line=first["kildelinje"],
        )
    return Parsed(rows, rejected, out.height)


def dtype_of(field: Field) -> pl.DataType:
    return {
        "text": pl.String(),
        "int": pl.Int64(),
        "decimal": pl.Decimal(38, field.scale),
        "fraction": pl.Decimal(38, 6),
        "date": pl.Date(),
        "month": pl.Date(),
    }[field.kind]


def with_lineage(rows: pl.DataFrame, *, file: str, sha256: str, load_id: str, loaded_at) -> pl.DataFrame:
    return rows.rename({LINE: "_source_line"} if LINE != "_source_line" else {}).with_columns(
        pl.lit(file).alias("_source_file"),
        pl.lit(sha256).alias("_file_sha256"),
        pl.lit(load_id).alias("_load_id"),
        pl.lit(loaded_at, dtype=pl.Datetime("us")).alias("_loaded_at"),
    )
