"""The landing sources of contracts/landing-zone.md: where their files lie and what they hold.

`read_file` is the single entry point per file: text frame → typed rows + rejected values +
CPR findings, with lineage. Each source is data (its fields), not code, so adding one is a
declaration; the few sources with an unusual shape name their own text reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import polars as pl

from ingest import healthcheck, statbank
from ingest.fields import Field, Parsed, dtype_of, parse
from ingest.textfile import TextFrame, read_csv_text, read_excel_text

# `_source_line` comes with every parsed row; the per-file constants are added where the rows
# are stored (one value per file, not a million copies in memory).
LINEAGE_SCHEMA = {
    "_source_line": pl.Int64(), "_source_file": pl.String(), "_file_sha256": pl.String(),
    "_load_id": pl.String(), "_loaded_at": pl.Datetime("us"),
    "_partition": pl.String(),  # the Dagster partition the row belongs to (orchestration/raw_loader.py)
}


@dataclass(frozen=True)
class Source:
    name: str  # raw table name
    fields: list[Field]
    folder: str = ""  # landing sub-folder; defaults to the name
    suffixes: tuple[str, ...] = (".csv",)
    excel_sheet: str | None = None
    keys: list[str] = field(default_factory=list)  # business key, unique across the source
    text_reader: Callable[[Path, str], TextFrame] | None = None
    accepts: Callable[[Path], bool] | None = None  # for folders holding two kinds of file
    keep: pl.Expr | None = None  # rows in scope; the others are counted as dropped
    # The period a row belongs to ("2024" or "2024-03"), from its parsed values: file names carry
    # no meaning (landing-zone.md), so one file may feed several periods. None: a register.
    grain: str | None = None  # YEAR or MONTH
    period: pl.Expr | None = None

    @property
    def landing_folder(self) -> str:
        return self.folder or self.name

    def reader(self) -> Callable[[Path, str], TextFrame]:
        if self.text_reader:
            return self.text_reader
        if self.excel_sheet:
            headers = [f.header for f in self.fields if f.required]
            return partial(read_excel_text, sheet=self.excel_sheet, header_names=headers)
        return read_csv_text

    def files(self, landing_dir: Path) -> list[Path]:
        folder = landing_dir / self.landing_folder
        if not folder.is_dir():
            return []
        return sorted(
            p for p in folder.rglob("*")
            if p.is_file() and p.suffix.lower() in self.suffixes and not _temporary(p.relative_to(folder))
            and (self.accepts is None or self.accepts(p))
        )


def _temporary(rel: Path) -> bool:
    """Names that are not landing files (yet): Office lock files `~$…`, hidden files and folders
    `.…` (rsync, editors, Samba copies), and `….tmp` while a copy is written under a temporary name."""
    return any(part.startswith(("~$", ".")) or part.lower().endswith(".tmp") for part in rel.parts)


YEAR, MONTH = "year", "month"


def _year_of_int(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


def _year_of_date(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y")


def _month_of(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y-%m")


def _code(header: str, name: str, parser, reason: str, dtype=pl.String(), **kw) -> Field:
    return Field(header, name, "custom", parser=parser, dtype=dtype, reason=reason, **kw)


def _area(header: str, name: str = "kommunekode") -> Field:
    return _code(header, name, statbank.area_code, "ukendt område: hverken en kendt kommunekode eller et DST-navn")


_MUNICIPALITY_LEVEL = pl.col("omraade_kode").is_not_null() & ~pl.col("omraade_kode").is_in(
    ["000", "081", "082", "083", "084", "085"])

REGNSKAB = Source(
    "regnskab",
    [
        Field("OMRÅDE", "omraade"),
        _area("OMRÅDE", "omraade_kode"),
        _code("OMRÅDE", "omraade_navn", statbank.area_name, "tom"),
        Field("FUNKTION", "funktion_tekst"),
        _code("FUNKTION", "funktion", statbank.function_dotted, "ikke et funktionsnummer (53850 … eller 5.38.50 …)"),
        _code("FUNKTION", "funktionsnavn", statbank.function_name, "tom"),
        _code("DRANST", "dranst", statbank.dranst, "ukendt dranst (1, 2, 3 eller deres navne)"),
        _code("ART", "art", statbank.art, "ukendt art (TOT, UE, I eller deres navne)"),
        _code("PRISENHED", "prisenhed", statbank.prisenhed, "ukendt prisenhed (LOBM, INDL eller deres navne)"),
        Field("TID", "aar", "int"),
        Field("INDHOLD", "indhold", "decimal", scale=3),
    ],
    keys=["omraade_kode", "funktion", "dranst", "art", "prisenhed", "aar"],
    grain=YEAR, period=_year_of_int("aar"),
)

BEFOLKNING = Source(
    "befolkning",
    [
        Field("OMRÅDE", "omraade"),
        _area("OMRÅDE", "omraade_kode"),
        _code("KØN", "koen", statbank.koen, "ukendt køn (TOT, 1, 2 eller I alt, Mænd, Kvinder)"),
        _code("ALDER", "alder", statbank.alder, "ikke en alder (IALT, 17 eller '17 år')", dtype=pl.Int64()),
        _code("CIVILSTAND", "civilstand", statbank.civilstand, "ukendt civilstand", required=False),
        Field("TID", "tid"),
        _code("TID", "periode_start", statbank.period_start, "ikke et kvartal eller en måned (2024K1, 2024M01)",
              dtype=pl.Date()),
        Field("INDHOLD", "indhold", "int"),
    ],
    keys=["omraade_kode", "koen", "alder", "civilstand", "periode_start"],
    keep=_MUNICIPALITY_LEVEL,  # landing-zone §2: other levels than municipalities are dropped
    grain=YEAR, period=_year_of_date("periode_start"),  # 2024K1 is 1 January 2024: year 2024
)

TILBUD = Source(
    "tilbud",
    [
        Field("Tilbudsnr", "tilbudsnr", "int"),
        Field("Tilbudsnavn", "tilbudsnavn"),
        Field("Driftsherre", "driftsherre"),
        Field("Driftsherretype", "driftsherretype"),
        _area("Beliggenhedskommune", "beliggenhedskommune"),
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
    grain=YEAR, period=_year_of_int("aar"),
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
    grain=MONTH, period=_month_of("maaned"),
)

SIKREDE = Source(
    "sikrede",
    [
        Field("Institution", "institution"),
        Field("Driftsherre", "driftsherre"),
        Field("Måned", "maaned", "month"),
        Field("Normerede pladser", "normerede_pladser", "int"),
        Field("Pladser i drift", "pladser_i_drift", "int"),
        Field("Belagte døgn sociale", "belagte_doegn_sociale", "int"),
        Field("Belagte døgn retlige", "belagte_doegn_retlige", "int"),
        Field("Afviste sociale", "afviste_sociale", "int"),
        Field("Afviste retlige", "afviste_retlige", "int"),
        Field("Venteliste ultimo", "venteliste_ultimo", "int"),
    ],
    keys=["institution", "maaned"],
    grain=MONTH, period=_month_of("maaned"),
)

SUNDHEDSTJEK = Source(
    "sundhedstjek",
    [
        Field("Kommune", "kommune"),
        _area("Kommune"),
        Field("Måned", "maaned", "month", column_label=pl.col("Måned")),
        Field("Antal", "antal", "int", column_label=pl.col("Måned")),
        Field("Udtræksdato", "udtraeksdato", "date", column_label=pl.lit("Udtræksdato (linje 1)")),
    ],
    text_reader=healthcheck.read_wide_extract,
    accepts=healthcheck.is_wide_extract,
    keys=["kommunekode", "maaned", "udtraeksdato"],
    grain=MONTH, period=_month_of("maaned"),
)

SUNDHEDSTJEK_MAALGRUPPE = Source(
    "sundhedstjek_maalgruppe",
    [
        Field("Kommune", "kommune"),
        _area("Kommune"),
        Field("År", "aar", "int"),
        Field("Borgere i målgruppen", "borgere_i_maalgruppen", "int"),
    ],
    folder="sundhedstjek",
    accepts=lambda p: not healthcheck.is_wide_extract(p),
    keys=["kommunekode", "aar"],
    grain=YEAR, period=_year_of_int("aar"),
)

POSTERINGER = Source(
    "posteringer",
    [
        _area("Kommunenr", "kommunenr"),
        Field("Bilagsnr", "bilagsnr"),
        Field("Bogføringsdato", "bogfoeringsdato", "date"),
        Field("Funktion", "funktion"),
        Field("Dranst", "dranst", "int"),
        Field("Art", "art"),
        Field("Beløb", "beloeb", "decimal"),
        Field("Tilbudsnr", "tilbudsnr", "int"),
        Field("Leverandør CVR", "leverandoer_cvr"),
        Field("Borgerreference", "borgerreference"),
        Field("Periode fra", "periode_fra", "date"),
        Field("Periode til", "periode_til", "date"),
        Field("Antal døgn", "antal_doegn", "int"),
        Field("Tekst", "tekst"),
    ],
    grain=YEAR, period=_year_of_date("bogfoeringsdato"),  # the ledger year is the posting date's
)

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (REGNSKAB, BEFOLKNING, TILBUD, TAKSTBILAG, BELAEGNING, SIKREDE, SUNDHEDSTJEK,
              SUNDHEDSTJEK_MAALGRUPPE, POSTERINGER)
}
FOLDERS = sorted({s.landing_folder for s in SOURCES.values()})


def read_file(source: Source, path: Path, landing_dir: Path, load_id: str) -> Parsed:
    """Parse one landing file: rows with `_source_line`, rejected values, CPR findings."""
    rel = path.relative_to(landing_dir).as_posix()
    text = source.reader()(path, rel)
    return parse(
        text, source.fields, source=source.name, file=rel, load_id=load_id,
        excel=source.excel_sheet is not None, keep=source.keep,
    )


def empty_rows(source: Source) -> pl.DataFrame:
    """The raw table's columns when no file has been loaded yet, so dbt always finds the table."""
    schema = {f.name: dtype_of(f) for f in source.fields}
    schema.update(LINEAGE_SCHEMA)
    return pl.DataFrame(schema=schema)


def period_of(source: Source) -> pl.Expr:
    """The period of each row ("2024", "2024-03"); NULL for a register without periods."""
    return source.period if source.period is not None else pl.lit(None, dtype=pl.String())


def periods_of(rows: pl.DataFrame, source: Source) -> pl.DataFrame:
    """The periods a file's rows hold (`periode`, NULL: none) and how many rows each (`n`)."""
    return rows.group_by(period_of(source).alias("periode")).agg(pl.len().alias("n"))
