"""The landing sources of contracts/landing-zone.md: where their files lie and what they hold.

`read_file` is the single entry point per file: text frame → typed rows + rejected values +
CPR findings, with lineage. Each source is data (its fields), not code, so adding one is a
declaration; the few sources with an unusual shape name their own text reader.

A `Source` is the one owner of its identity: name (the raw table), landing folder, description,
business key, the name of its Great Expectations suite, its reader and the column naming the
municipality whose steward delivers it. The Dagster asset, the GX suite's uniqueness check and
failing-row examples, `cockpit check`, the work lists and the dbt source read them from here (tests/test_sources.py holds them to it). Adding a source: docs/orchestration.md,
"Add a landing source".
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache, partial
from importlib.metadata import version
from pathlib import Path

import polars as pl

from ingest import danish, healthcheck, ledger_mapping, price_index, reference, statbank, statbank_file
from ingest.cpr import mask_text
from ingest.errors import ContractError, printable
from ingest.fields import Field, Parsed, dtype_of, parse
from ingest.statbank_file import Cube
from ingest.textfile import LINE, TextFrame, read_csv_text, read_excel_text

# `_source_line` comes with every parsed row; the per-file constants are added where the rows
# are stored (one value per file, not a million copies in memory).
LINEAGE_SCHEMA = {
    "_source_line": pl.Int64(),
    "_source_file": pl.String(),
    "_file_sha256": pl.String(),
    "_load_id": pl.String(),
    "_loaded_at": pl.Datetime("us"),
    "_partition": pl.String(),  # the Dagster partition the row belongs to (warehouse/raw_loader.py)
}


@dataclass(frozen=True)
class Source:
    name: str  # raw table name
    fields: list[Field]
    # What the raw table holds and where it comes from (landing-zone §): the Dagster asset's
    # description, and the dbt source's in models/sources.yml (a test holds them equal).
    description: str
    folder: str = ""  # landing sub-folder; defaults to the name
    suffixes: tuple[str, ...] = (".csv",)
    excel_sheet: str | None = None
    # The business key, unique across the source: the GX suite's uniqueness expectation, and
    # what names a failing row in its examples beside file and line. Empty: no key (postings).
    keys: list[str] = field(default_factory=list)
    # The column naming the municipality whose steward delivers these rows and fixes them: a
    # municipality's work list (cli/worklist.py) gets the rejected values of files whose rows
    # name it. None: files the secretariat or an operator delivers (StatBank, rates, occupancy).
    steward_column: str | None = None
    text_reader: Callable[[Path, str], TextFrame] | None = None
    accepts: Callable[[Path], bool] | None = None  # for folders holding two kinds of file
    keep: pl.Expr | None = None  # rows in scope; the others are counted as dropped
    # The period a row belongs to ("2024" or "2024-03"), from its parsed values: file names carry
    # no meaning (landing-zone.md), so one file may feed several periods. None: a register.
    grain: str | None = None  # YEAR or MONTH
    period: pl.Expr | None = None
    cube: Cube | None = None  # a StatBank table: read in any of its shapes (ingest/statbank_file.py)
    mappings: bool = False  # files in a system's own layout are read through a ledger mapping

    @property
    def landing_folder(self) -> str:
        return self.folder or self.name

    @property
    def suite(self) -> str:
        """The name of the Great Expectations suite that guards `raw.<name>` (its expectations:
        expectations/suites.py `SUITES[name]`; the blocking asset check runs it)."""
        return f"raw_{self.name}"

    def reader(self) -> Callable[[Path, str], TextFrame]:
        if self.text_reader:
            return self.text_reader
        if self.excel_sheet:
            headers = [f.header for f in self.fields if f.required]
            return partial(read_excel_text, sheet=self.excel_sheet, header_names=headers)
        return read_csv_text

    def _folders_in(self, found: Discovery) -> list[Path]:
        # named as `landing_folder` in any case (`Posteringer/`); `discover` has kept a
        # symlinked one only when it points inside the landing dir
        return [p for p in found.folders if p.name.casefold() == self.landing_folder.casefold()]

    def files(self, landing_dir: Path, found: Discovery | None = None) -> list[Path]:
        """This source's landing files (`discover`: symlinks followed only inside the landing
        dir, temporary names left out) with one of its suffixes, in any sub-folder. `found`:
        the landing dir's discovery when the caller walked it already (one walk for all sources);
        without it only this source's folders are walked."""
        found = discover(landing_dir, only=self.landing_folder) if found is None else found
        names, top = {f.name for f in self._folders_in(found)}, len(landing_dir.parts)
        return sorted(
            p
            for p in found.files
            if len(p.parts) > top + 1
            and p.parts[top] in names
            and p.suffix.lower() in self.suffixes
            and (self.accepts is None or self.accepts(p))
        )


def _temporary(rel: Path) -> bool:
    """Names that are not landing files (yet): Office lock files `~$…`, hidden files and folders
    `.…` (rsync, editors, Samba copies), and `….tmp` while a copy is written under a temporary name."""
    return any(part.startswith(("~$", ".")) or part.lower().endswith(".tmp") for part in rel.parts)


@dataclass(frozen=True)
class Discovery:
    folders: list[Path]  # the landing dir's top-level folders (symlinked ones pointing inside)
    files: list[Path]  # every file below them and at the top, as its path in the landing dir
    refused: dict[Path, str]  # what is not read and why: links out or to nothing, unreadable


def discover(landing_dir: Path, *, only: str | None = None) -> Discovery:
    """Walk the landing dir once: every file, with paths as they appear in the landing dir.
    `only`: a top-level folder name (any case); then only the top-level folders of that name
    are walked, and no top-level file is listed (one source's files: an ingest step walks its
    own folder, not all of the national landing dir's 3 221 files, three times).

    A symbolic link is followed only when it points inside the landing dir (resolved); one
    pointing outside it, or at nothing (a share that is not mounted), and a file or folder that
    cannot be read are refused with a Danish reason and never opened, so not a byte of a file
    outside the landing dir is read or printed. Temporary names (`_temporary`) are skipped
    without a word, on purpose. A link back to a folder above it (a loop) is refused."""
    root = landing_dir.resolve()
    folders, files, refused = [], [], {}
    stack: list[tuple[Path, frozenset[Path]]] = [(landing_dir, frozenset())]
    while stack:  # a walk over folders, not rows
        folder, above = stack.pop()
        real = folder.resolve()
        if real in above:
            refused[folder] = "symbolsk link til en mappe over sig selv (en løkke): fjern linket"
            continue
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            refused[folder] = f"mappen kan ikke læses ({exc.strerror or type(exc).__name__}): giv kørslen læseadgang"
            continue
        for entry in entries:
            if _temporary(Path(entry.name)):  # its folders were checked on the way down
                continue
            if only is not None and not above and entry.name.casefold() != only.casefold():
                continue  # another source's folder, or a file at the top
            path = Path(entry.path)
            why = _refusal(path, entry, root)
            if why:
                refused[path] = why
            elif entry.is_dir():
                stack.append((path, above | {real}))
                if not above:
                    folders.append(path)
            elif entry.is_file():
                files.append(path)
    return Discovery(sorted(folders), sorted(files), dict(sorted(refused.items())))


def _refusal(path: Path, entry: os.DirEntry, root: Path) -> str:
    """Why a landing-dir entry is not read, or "" when it may be."""
    if entry.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.exists():
            return (
                "symbolsk link der ikke peger på noget (et netværksdrev der ikke er monteret?): "
                "montér drevet eller fjern linket"
            )
        if not target.is_relative_to(root):
            return (
                "symbolsk link til et sted uden for landingsmappen læses ikke: kopiér filen ind i "
                "landingsmappen i stedet"
            )
    if not os.access(path, os.R_OK | (os.X_OK if entry.is_dir() else 0)):
        return "kan ikke læses (ingen læseadgang): giv kørslen læseadgang"
    return ""


YEAR, MONTH = "year", "month"


def _year_of_int(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String)


def _year_of_date(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y")


def _month_of(column: str) -> pl.Expr:
    return pl.col(column).dt.strftime("%Y-%m")


def _code(header: str, name: str, parser, reason: str, dtype: pl.DataType = pl.String, **kw) -> Field:
    return Field(header, name, "custom", parser=parser, dtype=dtype, reason=reason, **kw)


def _area(header: str, name: str = "kommunekode") -> Field:
    return _code(header, name, statbank.area_code, "ukendt område: hverken en kendt kommunekode eller et DST-navn")


def _statbank_area(header: str) -> Field:
    return _code(
        header,
        "omraade_kode",
        statbank.statbank_area,
        "ukendt område: hverken en kendt kommunekode, et DST-navn eller et andet StatBank-område",
    )


REGNSKAB = Source(
    "regnskab",
    [
        Field("OMRÅDE", "omraade"),
        _statbank_area("OMRÅDE"),
        _code("OMRÅDE", "omraade_navn", statbank.area_name, "tom"),
        Field("FUNKTION", "funktion_tekst"),
        _code("FUNKTION", "funktion", statbank.function_dotted, "ikke et funktionsnummer (53850 … eller 5.38.50 …)"),
        _code("FUNKTION", "funktionsnavn", statbank.function_name, "tom"),
        _code("DRANST", "dranst", statbank.dranst, "ukendt dranst (1, 2, 3 eller deres navne)"),
        _code("ART", "art", statbank.art, "ukendt art (TOT, UE, I eller deres navne)"),
        _code("PRISENHED", "prisenhed", statbank.prisenhed, "ukendt prisenhed (LOBM, INDL eller deres navne)"),
        Field("TID", "aar", "year"),
        Field("INDHOLD", "indhold", "decimal", scale=3),
    ],
    description=(
        "Municipal accounts by function, StatBank REGK31 in both presentations and any shape StatBank "
        "delivers, at municipality level plus the comparison areas Hele landet (000) and the regions "
        "(081–085; other areas dropped on load), codes resolved from labels; `afledt` marks an ART TOT "
        "derived as UE − I (landing-zone §1)."
    ),
    keys=["omraade_kode", "funktion", "dranst", "art", "prisenhed", "aar"],
    keep=statbank.KEPT_LEVELS,
    grain=YEAR,
    period=_year_of_int("aar"),
    cube=statbank_file.REGK31,
)

BUDGET = Source(
    "budget",
    REGNSKAB.fields,  # BUDK32 has REGK31's variables; TID is the budget year
    description=(
        "Municipal budgets by function, StatBank BUDK32 in any shape StatBank delivers, its area variable found "
        "by its values, municipalities plus the comparison areas 000 and 081–085 (landing-zone §9)."
    ),
    keys=REGNSKAB.keys,
    keep=statbank.KEPT_LEVELS,
    grain=YEAR,
    period=_year_of_int("aar"),
    cube=statbank_file.BUDK32,
)

PRISINDEKS = Source(
    "prisindeks",
    [
        Field(price_index.YEAR, "aar", "year"),
        Field(price_index.INDEX, "pl_indeks", "decimal", scale=3, required=False),
        Field(price_index.CHANGE, "pl_udvikling_pct", "decimal", scale=3, required=False),
    ],
    description=(
        "KL's price and wage index (P/L) for municipal service expenditure, one row per year: an index of "
        "any base year or the yearly change in %, years consecutive (landing-zone §10)."
    ),
    text_reader=price_index.read_price_index,
    keys=["aar"],
)

BEFOLKNING = Source(
    "befolkning",
    [
        Field("OMRÅDE", "omraade"),
        _statbank_area("OMRÅDE"),
        _code("KØN", "koen", statbank.koen, "ukendt køn (TOT, 1, 2 eller I alt, Mænd, Kvinder)"),
        _code("ALDER", "alder", statbank.alder, "ikke en alder (IALT, 17 eller '17 år')", dtype=pl.Int64()),
        _code("CIVILSTAND", "civilstand", statbank.civilstand, "ukendt civilstand"),
        Field("TID", "tid"),
        _code(
            "TID",
            "periode_start",
            statbank.period_start,
            "ikke et kvartal eller en måned fra 1970 til næste år (2024K1, 2024Q1, 2024M01)",
            dtype=pl.Date(),
        ),
        Field("INDHOLD", "indhold", "int"),
    ],
    description=(
        "Population at municipality level plus the comparison areas 000 and 081–085, StatBank FOLK1A / FOLK1AM in "
        "any shape StatBank delivers; alder -1 "
        "= all ages; eliminated variables filled with their total; `afledt` says which total rows were "
        "derived on load as the sum of a complete breakdown (landing-zone §2)."
    ),
    keys=["omraade_kode", "koen", "alder", "civilstand", "periode_start"],
    keep=statbank.KEPT_LEVELS,
    grain=YEAR,
    period=_year_of_date("periode_start"),  # 2024K1 is 1 January 2024: year 2024
    cube=statbank_file.FOLK1A,
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
        Field("Godkendt fra", "godkendt_fra", "date", years=danish.VALIDITY_YEARS),
        Field("Godkendt til", "godkendt_til", "date", years=danish.VALIDITY_YEARS),
    ],
    description="Tilbudsportalen extract: the register of tilbud, one row per tilbud (landing-zone §3).",
    keys=["tilbudsnr"],
)

TAKSTBILAG = Source(
    "takstbilag",
    [
        Field("År", "aar", "year"),
        Field("Tilbudsnr", "tilbudsnr", "int"),
        Field("Tilbudsnavn", "tilbudsnavn"),
        Field("Driftsherre", "driftsherre"),
        Field("Paragraf", "paragraf"),
        Field("Ydelse", "ydelse"),
        Field("Pladser", "pladser", "decimal"),  # year-average places may carry decimals: 16,7
        Field("Dage", "dage", "int"),
        Field("Belægningsprocent", "belaegningsprocent", "fraction"),
        Field("Antal døgn", "antal_doegn", "int"),
        Field("Omkostninger", "omkostninger", "decimal"),
        Field("Døgntakst", "doegntakst", "decimal"),
        Field("Begrundelse", "begrundelse", required=False),
    ],
    description=(
        "Yearly rate appendices, sheet 'Takster' of every workbook: one row per tilbud × ydelse × year "
        "(landing-zone §4)."
    ),
    suffixes=(".xlsx",),
    excel_sheet="Takster",
    keys=["aar", "tilbudsnr", "ydelse"],
    grain=YEAR,
    period=_year_of_int("aar"),
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
    description="Operators' monthly occupancy reports, one row per tilbud × month (landing-zone §5).",
    keys=["tilbudsnr", "maaned"],
    grain=MONTH,
    period=_month_of("maaned"),
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
        # Optional (landing-zone.md §6): the flex places the institution may open above its
        # normed places that month; a missing column or an empty cell is 0 (staging).
        Field("Fleksible pladser", "fleksible_pladser", "int", required=False),
    ],
    description="Secure institutions for youth, one row per institution × month (landing-zone §6).",
    keys=["institution", "maaned"],
    grain=MONTH,
    period=_month_of("maaned"),
)

SUNDHEDSTJEK = Source(
    "sundhedstjek",
    [
        Field("Kommune", "kommune"),
        _area("Kommune"),
        Field("Måned", "maaned", "month", label_from="Måned"),
        Field("Antal", "antal", "int", label_from="Måned"),
        Field("Udtræksdato", "udtraeksdato", "date", column_label="Udtræksdato (linje 1)"),
    ],
    description=(
        "GP health checks per municipality × month × extract, unpivoted from the wide extract (landing-zone §7a)."
    ),
    text_reader=healthcheck.read_wide_extract,
    accepts=healthcheck.is_wide_extract,
    keys=["kommunekode", "maaned", "udtraeksdato"],
    steward_column="kommunekode",
    grain=MONTH,
    period=_month_of("maaned"),
)

SUNDHEDSTJEK_MAALGRUPPE = Source(
    "sundhedstjek_maalgruppe",
    [
        Field("Kommune", "kommune"),
        _area("Kommune"),
        Field("År", "aar", "year"),
        Field("Borgere i målgruppen", "borgere_i_maalgruppen", "int"),
    ],
    description="Target group of the health checks per municipality × year (landing-zone §7b).",
    folder="sundhedstjek",
    accepts=lambda p: not healthcheck.is_wide_extract(p),
    keys=["kommunekode", "aar"],
    steward_column="kommunekode",
    grain=YEAR,
    period=_year_of_int("aar"),
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
    description=(
        "Postings from the municipal ledgers, in the contract's columns or through a ledger mapping, CPR-like "
        "values masked (landing-zone §8)."
    ),
    steward_column="kommunenr",
    grain=YEAR,
    period=_year_of_date("bogfoeringsdato"),  # the ledger year is the posting date's
    mappings=True,
)


def _decision(text: pl.Expr) -> pl.Expr:
    word = text.str.strip_chars().str.to_lowercase()
    return pl.when(word.is_in(["accepteret", "afvist"])).then(word)


# The data stewards' decisions on flags (cockpit-schema.md, `beslutninger/`): a work list's Flag
# rows saved as CSV are such a file (cli/worklist.py). Not partitioned: a decision is on a flag,
# whatever its period, so both refresh jobs read the folder.
BESLUTNINGER = Source(
    "beslutninger",
    [
        Field("Flag-id", "flag_id"),
        _code("Beslutning", "beslutning", _decision, "ukendt beslutning: skriv accepteret eller afvist"),
        Field("Begrundelse", "begrundelse"),
        Field("Af", "af"),
        Field("Dato", "dato", "date"),
    ],
    # no business key: several decisions on one flag are allowed, the newest counts
    # (stg_beslutninger__beslutninger), so the suite names a failing row by file and line
    description=(
        "The data stewards' decisions on flags, one row per line with lineage (cockpit-schema.md, folder "
        "`beslutninger/`: Flag-id;Beslutning;Begrundelse;Af;Dato)."
    ),
)

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        REGNSKAB,
        BUDGET,
        PRISINDEKS,
        BEFOLKNING,
        TILBUD,
        TAKSTBILAG,
        BELAEGNING,
        SIKREDE,
        SUNDHEDSTJEK,
        SUNDHEDSTJEK_MAALGRUPPE,
        POSTERINGER,
        BESLUTNINGER,
    )
}
FOLDERS = sorted({s.landing_folder for s in SOURCES.values()})


def unread_files(landing_dir: Path) -> dict[str, str]:
    """Files in the landing dir that no source reads, with why ({relative path: reason}), the
    paths with control characters escaped (`printable`) for messages: see `unread_paths`."""
    return {printable(path.relative_to(landing_dir).as_posix()): why for path, why in unread_paths(landing_dir).items()}


def unread_paths(landing_dir: Path) -> dict[Path, str]:
    """Everything in the landing dir that no source reads, with why: a file in a source folder
    with another extension (`rates.xls`, `825.txt`), a file in a folder that is no source, a file
    at the top, and what `discover` refuses (a link out of the landing dir or to nothing, an
    unreadable file or folder). Temporary names (`~$…`, `.…`, `….tmp`) are left out: they are
    skipped on purpose; so are ledger mappings (`*.yaml`) in the ledger's folder, which are read
    as mappings. The sample's `_manifest.json` is not a landing file either."""
    found = discover(landing_dir)
    read = {p for s in SOURCES.values() for p in s.files(landing_dir, found)}
    by_folder = {s.landing_folder.casefold(): s.landing_folder for s in SOURCES.values()}
    unread = dict(found.refused)
    for path in found.files:
        rel = path.relative_to(landing_dir)
        if path in read or rel.as_posix() == "_manifest.json":
            continue
        folder = rel.parts[0] if len(rel.parts) > 1 else None
        owners = [s for s in SOURCES.values() if folder and s.landing_folder.casefold() == folder.casefold()]
        if any(s.mappings for s in owners) and path.suffix.lower() in (".yaml", ".yml"):
            continue  # a steward's ledger mapping beside the files it describes (docs/mappings.md)
        if not owners:
            unread[path] = f"ligger ikke i en kildemappe ({', '.join(FOLDERS)}): flyt den til sin kildes mappe"
        else:
            wanted = sorted({x for s in owners for x in s.suffixes})
            unread[path] = f"læses ikke: {by_folder[folder.casefold()]}/ læser {' og '.join(wanted)}" + (
                " (gem projektmappen som .xlsx)" if path.suffix.lower() == ".xls" else ""
            )
    return dict(sorted(unread.items()))


def reader_version(source: Source, landing_dir: Path) -> str:
    """The version of what turns `source`'s files into rows, as 16 hex digits: SHA-256 of the
    readers' own files (`ingest/**/*.py`, the shipped ledger mappings), the reference seeds they
    read (`reference.READ`), the parser libraries' versions and, for the ledger, a steward's
    mappings in its landing folder.

    The loader records it with every file it loads (`meta.loaded_files.reader`) and reads a file
    again when it differs, so an upgraded reader or an edited mapping reaches raw on the next
    refresh even though the file is unchanged (a new reader may add a column: rows of the old
    one would lack it). Coarse on purpose: any change to a reader's code counts."""
    digest = hashlib.sha256(_readers_digest().encode())
    digest.update(source.name.encode())
    if source.mappings:
        found = discover(landing_dir, only=source.landing_folder)
        for folder in source._folders_in(found):
            for path in found.files:
                if folder in path.parents and path.suffix.lower() in (".yaml", ".yml"):
                    digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def _readers_digest() -> str:
    root = Path(__file__).resolve().parent
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in (".py", ".yaml", ".yml")]
    files += [reference.SEEDS / f"{name}.csv" for name in reference.READ]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in ("polars", "openpyxl"):  # the parsers under the readers
        digest.update(f"{package}={version(package)}".encode())
    return digest.hexdigest()


def read_file(source: Source, path: Path, landing_dir: Path, load_id: str) -> Parsed:
    """Parse one landing file: rows with `_source_line`, rejected values, CPR findings, the
    shape detected and findings for the steward. The reader is chosen per file: a StatBank
    table in whatever shape it was downloaded, a ledger in a system's layout through its
    mapping, else the source's own reader.

    Raises ContractError (ingest/errors.py), and nothing else, for any file that cannot be read:
    an error of a library on unforeseen bytes becomes a one-line contract error naming the file
    (its text passes the CPR mask), never a traceback."""
    rel = path.relative_to(landing_dir).as_posix()
    if mask_text(rel) != rel:  # the name would become lineage, logs and events in clear
        raise ContractError(rel, "filnavnet indeholder et CPR-lignende nummer: omdøb filen før den lægges ind")
    try:
        return _read(source, path, landing_dir, rel, load_id)
    except ContractError:
        raise
    except (Exception, pl.exceptions.PanicException) as exc:  # noqa: BLE001 — a library's failure on a
        # file (a polars panic is a BaseException) is that file's contract error
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ContractError(rel, f"filen kan ikke læses ({type(exc).__name__}: {detail})") from exc


def _read(source: Source, path: Path, landing_dir: Path, rel: str, load_id: str) -> Parsed:
    fields, shape, notes = source.fields, "", ()
    if source.cube is not None:
        shaped = statbank_file.read(path, rel, source.cube)
        text, shape, notes = shaped.text, shaped.shape, shaped.notes
    else:
        text = source.reader()(path, rel)
        if source.mappings:
            text, fields, shape = _through_mapping(source, text, path, landing_dir, rel)
    parsed = parse(text, fields, source=source.name, file=rel, load_id=load_id, keep=source.keep)
    if source.cube is None:
        return replace(parsed, shape=shape)
    completed = statbank_file.complete_totals(parsed.rows, source.cube)
    return replace(parsed, rows=completed.rows, shape=shape, findings=notes + completed.findings)


def _through_mapping(
    source: Source, text: TextFrame, path: Path, landing_dir: Path, rel: str
) -> tuple[TextFrame, list[Field], str]:
    """A file with every contract column is read as it is; any other through the mapping
    that fits its header, else it is refused naming the missing columns and how to map them."""
    have = {c.strip().casefold() for c in text.frame.columns}
    missing = [f.header for f in source.fields if f.required and f.header.casefold() not in have]
    if not missing:
        return text, source.fields, "kontraktens kolonner"
    folder = landing_dir / path.relative_to(landing_dir).parts[0]  # the source folder, as it is spelt
    inside = path.relative_to(folder).as_posix() if path.is_relative_to(folder) else path.name
    header = [c for c in text.frame.columns if c != LINE]
    mapping = ledger_mapping.choose(header, inside, ledger_mapping.mappings_for(folder), rel)
    if mapping is None:
        raise ContractError(
            rel,
            f"kolonnerne {', '.join(missing)} mangler, og ingen mapping passer til filens overskrift: "
            f"beskriv eksporten i en mapping (YAML) i {source.landing_folder}/ ved siden af filen, se "
            f"{ledger_mapping.DOCS}",
            line=text.header_line,
        )
    mapped = ledger_mapping.apply(text, mapping, rel)
    # Rejections name the file's own column beside the contract's; a contract column the
    # mapping does not give (a system without supplier numbers) is loaded empty.
    fields = []
    for f in source.fields:
        rule = next((r for target, r in mapping.columns.items() if target.casefold() == f.header.casefold()), None)
        if rule is None:
            f = replace(f, required=False)
        elif rule.get("from", f.header).casefold() != f.header.casefold():
            f = replace(f, column_label=f"{f.header} ({rule['from']})")
        fields.append(f)
    return mapped, fields, mapping.label


def empty_rows(source: Source) -> pl.DataFrame:
    """The raw table's columns when no file has been loaded yet, so dbt always finds the table."""
    schema = {f.name: dtype_of(f) for f in source.fields}
    if source.cube is not None:
        schema[statbank_file.DERIVED] = pl.String()
    schema.update(LINEAGE_SCHEMA)
    return pl.DataFrame(schema=schema)


def period_of(source: Source) -> pl.Expr:
    """The period of each row ("2024", "2024-03"); NULL for a register without periods."""
    return source.period if source.period is not None else pl.lit(None, dtype=pl.String())


def periods_of(rows: pl.DataFrame, source: Source) -> pl.DataFrame:
    """The periods a file's rows hold (`periode`, NULL: none) and how many rows each (`n`)."""
    return rows.group_by(period_of(source).alias("periode")).agg(pl.len().alias("n"))
