"""The landing sources of contracts/landing-zone.md: where their files lie and what they hold.

`read_file` is the single entry point per file: text frame → typed rows + rejected values, with
lineage. Each source is data (its fields), not code, so adding one is a declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Callable

import polars as pl

from ingest.fields import Field, Parsed, dtype_of, parse, with_lineage
from ingest.textfile import TextFrame, read_csv_text, read_excel_text


@dataclass(frozen=True)
class Source:
    name: str  # landing sub-folder and raw table name
    fields: list[Field]
    suffixes: tuple[str, ...] = (".csv",)
    excel_sheet: str | None = None
    keys: list[str] = field(default_factory=list)  # business key, unique across the source

    def reader(self) -> Callable[[Path, str], TextFrame]:
        if self.excel_sheet:
            headers = [f.header for f in self.fields if f.required]
            return partial(read_excel_text, sheet=self.excel_sheet, header_names=headers)
        return read_csv_text

    def files(self, landing_dir: Path) -> list[Path]:
        folder = landing_dir / self.name
        if not folder.is_dir():
            return []
        return sorted(
            p for p in folder.rglob("*")
            if p.is_file() and p.suffix.lower() in self.suffixes and not p.name.startswith(("~$", "."))
        )


TILBUD = Source(
    "tilbud",
    [
        Field("Tilbudsnr", "tilbudsnr", "int"),
        Field("Tilbudsnavn", "tilbudsnavn"),
        Field("Driftsherre", "driftsherre"),
        Field("Driftsherretype", "driftsherretype"),
        Field("Beliggenhedskommune", "beliggenhedskommune"),
        Field("Paragraf", "paragraf"),
        Field("Målgruppe", "maalgruppe"),
        Field("Normerede pladser", "normerede_pladser", "int"),
        Field("Godkendt fra", "godkendt_fra", "date"),
        Field("Godkendt til", "godkendt_til", "date"),
    ],
    keys=["tilbudsnr"],
)

TAKSTBILAG = Source(
    "takstbilag",
    [
        Field("År", "aar", "int"),
        Field("Tilbudsnr", "tilbudsnr", "int"),
        Field("Tilbudsnavn", "tilbudsnavn"),
        Field("Driftsherre", "driftsherre"),
        Field("Paragraf", "paragraf"),
        Field("Ydelse", "ydelse"),
        Field("Pladser", "pladser", "int"),
        Field("Dage", "dage", "int"),
        Field("Belægningsprocent", "belaegningsprocent", "fraction"),
        Field("Antal døgn", "antal_doegn", "int"),
        Field("Omkostninger", "omkostninger", "decimal"),
        Field("Døgntakst", "doegntakst", "decimal"),
        Field("Begrundelse", "begrundelse", required=False),
    ],
    suffixes=(".xlsx",),
    excel_sheet="Takster",
    keys=["aar", "tilbudsnr", "ydelse"],
)

BELAEGNING = Source(
    "belaegning",
    [
        Field("Tilbudsnr", "tilbudsnr", "int"),
        Field("Måned", "maaned", "month"),
        Field("Normerede pladser", "normerede_pladser", "int"),
        Field("Pladser i drift", "pladser_i_drift", "int"),
        Field("Belagte døgn", "belagte_doegn", "int"),
    ],
    keys=["tilbudsnr", "maaned"],
)

SOURCES: dict[str, Source] = {s.name: s for s in (TILBUD, TAKSTBILAG, BELAEGNING)}


def read_file(source: Source, path: Path, landing_dir: Path, load_id: str, loaded_at: datetime) -> tuple[Parsed, str]:
    """Parse one landing file; returns the parsed rows (with lineage) and the file's SHA-256."""
    rel = path.relative_to(landing_dir).as_posix()
    text = source.reader()(path, rel)
    parsed = parse(
        text, source.fields, source=source.name, file=rel, load_id=load_id,
        excel=source.excel_sheet is not None,
    )
    rows = with_lineage(parsed.rows, file=rel, sha256=text.sha256, load_id=load_id, loaded_at=loaded_at)
    return Parsed(rows, parsed.rejected, parsed.data_rows), text.sha256


def empty_rows(source: Source) -> pl.DataFrame:
    """The raw table's columns when no file has been loaded yet, so dbt always finds the table."""
    schema = {f.name: dtype_of(f) for f in source.fields}
    schema.update(
        _source_line=pl.Int64(), _source_file=pl.String(), _file_sha256=pl.String(),
        _load_id=pl.String(), _loaded_at=pl.Datetime("us"),
    )
    return pl.DataFrame(schema=schema)
