"""Load one landing source into `raw.<source>` of the build DB, file by file, idempotently.

The raw tables are a function of the landing dir: a file whose SHA-256 was loaded before is
skipped, a changed file replaces its earlier rows, a removed file's rows are removed — for the
partitions loaded (a partitioned source loads a range of years or months at a time).

A load is three steps: **plan** (which files to read, from the landing dir and the `meta.*`
ledger; reads the database only), **read** (parse the planned files one at a time, lazily;
touches no database), and **write** (one transaction that takes each file as it is parsed).
Memory is one file's rows, not the source's (20 M national postings would need ~9 GB), while a
contract error in any file rolls the whole transaction back, so raw stays as it was. Frames
reach DuckDB only explicitly, never through DuckDB's lookup of Python variables by name: a
file's rows as a relation (`con.from_arrow`), the load's bookkeeping through `con.register`
under explicit names.

Names: the ledger (`meta.loaded_files`, `meta.file_periods`, `meta.loaded_partitions`) is the
pipeline's own bookkeeping and English; the quarantine tables hold rows the cockpit shows
(`cockpit.afviste_raekker`, flag R15, the run summary) under the contract's Danish column names,
as the readers write them (docs/orchestration.md, "Names of the bookkeeping").
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from ingest.cpr import mask_text
from ingest.errors import ContractError, printable
from ingest.fields import REJECTED_SCHEMA, Parsed
from ingest.sources import SOURCES, Source, empty_rows, period_of, periods_of, reader_version
from warehouse.file_digests import DDL as DIGESTS_DDL
from warehouse.file_digests import Digests, file_digests, record_digests
from warehouse.parallel_read import default_parse_workers, parsed_in_order
from warehouse.sql_names import ident, qualified

# The schemas this module creates (dbt's sources read them); a DB file may not be named like one.
LOADER_SCHEMAS = frozenset({"raw", "quarantine", "meta"})
DDL = (
    "".join(f"create schema if not exists {s};\n" for s in sorted(LOADER_SCHEMAS))
    + """
create table if not exists meta.loaded_files (
    source varchar, file varchar, sha256 varchar, load_id varchar, loaded_at timestamp,
    rows_loaded bigint, rows_rejected bigint, reader varchar, primary key (source, file));
create table if not exists meta.file_periods (
    source varchar, file varchar, sha256 varchar, period varchar, rows bigint);
create table if not exists meta.loaded_partitions (
    source varchar, file varchar, partition varchar, sha256 varchar, rows bigint, load_id varchar,
    loaded_at timestamp, reader varchar, primary key (source, file, partition));
create table if not exists quarantine.afviste_raekker (
    kilde varchar, kildefil varchar, kildelinje bigint, kolonne varchar, raavaerdi varchar,
    aarsag varchar, load_id varchar);
create table if not exists quarantine.cpr_fund (
    kilde varchar, kildefil varchar, kildelinje bigint, kolonne varchar, maskeret_vaerdi varchar,
    load_id varchar);
create table if not exists quarantine.fund (
    kilde varchar, kildefil varchar, fund varchar, load_id varchar, kommunenr varchar, aar integer);
create table if not exists meta.removed_files (
    source varchar, file varchar, load_id varchar, removed_at timestamp);
"""
    + DIGESTS_DDL
)
QUARANTINE_TABLES = ("quarantine.afviste_raekker", "quarantine.cpr_fund", "quarantine.fund")
LEDGER_TABLES = ("meta.loaded_files", "meta.file_periods")  # replaced per file; loaded_partitions per partition
# Every raw table's unknown columns: {the file's own header text: the value as text}. A header is
# data, so it never becomes DDL (issue 24: a `"` in a header ended the identifier and ran SQL).
EXTRAS = "ekstra"
EXTRAS_TYPE = "map(varchar, varchar)"
# DuckDB's row group size: the batches a file's rows are handed to the insert in (`insert_batches`).
INSERT_BATCH_ROWS = 122_880
# How the loader's own findings (quarantine.fund) begin, so each load replaces them for its source.
DUPLICATE = "samme indhold som "
OVERLAP = "samme posteringer som "


@dataclass(frozen=True)
class Partitions:
    """A partitioned load: replace the rows of partitions `start`…`end` (a range of keys
    "2021" or "2021-03"); rows whose period lies outside `first`…`last`, the partitions that
    exist, or that have no readable period, belong to their file instead (see `load_source`)."""

    start: str
    end: str
    first: str
    last: str


@dataclass(frozen=True)
class RemovalPolicy:
    """When a load may take the removal of landing files (issue 24 §2: an unmounted share looks
    like a landing dir whose files were all deleted). A source folder that had files at the last
    load and has none now is refused unless `allowed`; otherwise the files gone may be at most
    `max_share` of those loaded before (`COCKPIT_FJERNELSE_MAX_ANDEL`, default 0,5). A byte-identical
    copy that is no longer loaded does not count: its content is still there."""

    allowed: bool = False  # `cockpit run --tillad-fjernelse`, COCKPIT_TILLAD_FJERNELSE=1
    max_share: float = 0.5


class RemovalRefused(Exception):
    """A load would remove more of a source than its `RemovalPolicy` lets it; nothing was written.
    The message is one Danish line naming the folder and what to do."""


@dataclass
class LoadStats:
    source: str
    files_seen: int = 0
    files_loaded: list[str] = field(default_factory=list)
    files_skipped: int = 0
    files_removed: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_dropped: int = 0
    rows_outside_partitions: int = 0  # no readable period, or before/after the partitions
    cpr_found: int = 0
    duplicates: dict[str, str] = field(default_factory=dict)  # file not loaded → the file with its content


@dataclass(frozen=True)
class LandingFile:
    rel: str  # path relative to the landing dir, as lineage and the ledger name it
    path: Path
    sha256: str


@dataclass(frozen=True)
class LoadPlan:
    """What a load of one source will do, decided before any file is read.

    `files`: every landing file of the source; `to_read`: those whose content is new or changed,
    that were loaded by another version of the reader (`reader`: `ingest.sources.reader_version`),
    or that hold a partition of the range not loaded from this content by this reader yet;
    `skipped`: the others (unchanged and loaded); `removed`: files in the ledger that are gone;
    `loaded`: the (file, partition, sha256) triples the ledger has for the range."""

    source: Source
    reader: str
    partitions: Partitions | None
    files: dict[str, LandingFile]
    to_read: list[LandingFile]
    skipped: int
    removed: list[str]
    loaded: list[tuple[str, str, str]]
    other_reader: int = 0  # of `to_read`: unchanged files loaded by another reader version
    # byte-identical copies (a second download `x (1).csv`), not loaded: {copy: the file loaded}
    duplicates: dict[str, str] = field(default_factory=dict)
    known: int = 0  # files of the source in the ledger (loaded at an earlier load)
    digests: Digests | None = None  # how `files` got their SHA-256; the load records it


@dataclass(frozen=True)
class ParsedFile:
    """One parsed landing file: the reader's result and the rows to write (each with its
    `_partition`, only those of the planned range or of no partition)."""

    file: LandingFile
    parsed: Parsed
    rows: pl.DataFrame


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    # build DBs made before the quarantine's table had the contract's name
    _rename_table(con, "quarantine", "rejected_rows", "afviste_raekker")
    con.execute(DDL)
    _rename_column(con, "meta", "file_periods", "periode", "period")  # build DBs made before the ledger was English
    for table in ("meta.loaded_files", "meta.loaded_partitions"):  # build DBs made before readers had a version:
        con.execute(f"alter table {table} add column if not exists reader varchar")  # NULL, so read again
    if "aar" not in table_columns(con, "quarantine", "fund"):  # build DBs made before overlaps were keyed
        _key_overlap_findings(con)


def _key_overlap_findings(con: duckdb.DuckDBPyConnection) -> None:
    """Give `quarantine.fund` the municipality-year a finding of postings repeated across files
    is about (`kommunenr`, `aar`; NULL for every other finding), which a load replaces only for
    the municipality-years it touched: the findings of a build DB made before are matched to
    the same findings computed again from its raw postings (a finding's text names its
    municipality and year, so the pair is one finding)."""
    con.execute("alter table quarantine.fund add column if not exists kommunenr varchar")
    con.execute("alter table quarantine.fund add column if not exists aar integer")
    if "kommunenr" not in table_columns(con, "raw", "posteringer"):
        return
    found = pl.DataFrame(
        posting_overlaps(con, qualified("raw", "posteringer")),
        schema={"kildefil": pl.String(), "fund": pl.String(), "kommunenr": pl.String(), "aar": pl.Int32()},
        orient="row",
    )
    with registered(con, keyed_overlaps=found):
        con.execute("""update quarantine.fund f set kommunenr = k.kommunenr, aar = k.aar from keyed_overlaps k
                       where f.kilde = 'posteringer' and f.kildefil = k.kildefil and f.fund = k.fund""")


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every `raw.<source>` (empty, with its contract columns) that no load has created
    yet, so dbt's staging views bind in a brand-new build DB whichever job runs first: a monthly
    run builds the marts with no yearly rows yet, and the other way round."""
    ensure_schema(con)
    for source in SOURCES.values():
        _create_raw_table(con, source, add_columns=False)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **frames: pl.DataFrame) -> Iterator[None]:
    """Hand `frames` to DuckDB as views named like the keywords, for the block only.

    Explicit, so a frame reaches SQL by the name given here (not by DuckDB finding a Python
    variable of that name) and a view never outlives the statement that needed it."""
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        yield
    finally:
        for name in frames:
            con.unregister(name)


def load_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    landing_dir: Path,
    load_id: str,
    *,
    partitions: Partitions | None = None,
    log: Callable[[str], None] = lambda _msg: None,
    warn: Callable[[str], None] | None = None,
    removal: RemovalPolicy = RemovalPolicy(),  # noqa: B008 — frozen, so one shared default is safe
    workers: int | None = None,
    on_read: Callable[[], None] | None = None,
) -> LoadStats:
    """Make `raw.<source>` agree with the landing files, for the partitions asked for.

    Every raw row has a `_partition`: its period when that is one of the partitions, else NULL.
    Rows with a partition are replaced per (file, partition) when that partition is loaded, so
    re-running partition P touches P's rows only. Rows without one (a register like `tilbud`,
    an unreadable period, a year before the first partition) belong to their file and are
    replaced whenever the file is read, as are the file's rejected values, CPR findings and
    findings. A file is read when its content is new or changed, or when it holds a period of the
    range that is not loaded from this content yet; an unchanged, loaded file is not read at all.
    A file loaded by another reader version (`ingest.sources.reader_version`: an upgrade, an
    edited mapping, a contract column the table lacked) is read again for every partition, not
    only the range, so each file's rows come from one reader.

    Byte-identical files (same SHA-256) are loaded once; the copies are named through `warn` and
    as a finding. Files gone since the last load are removed as `removal` allows, and named
    through `warn` (default `log`) and in `meta.removed_files`.

    Files are written one at a time inside one transaction, in plan order. A large load's files
    are parsed by `workers` processes (None: `default_parse_workers()`, the cores up to 4;
    warehouse/parallel_read.py) a few files ahead of the writer, a small one here. So memory
    holds the file being written and at most `workers + 1` parsed ones, and the first files' up
    to `KEEP_PARSED_ROWS` (kept for a restart, `_KeptReads`). Raises `ContractErrors` (every
    broken file of the source, after trying them all) and `RemovalRefused` (before anything is
    written), and leaves the database as it was. `on_read` is called before the first file is
    read, when there is one to read (a refresh starts GX's import then).
    """
    warn = warn or log
    workers = default_parse_workers() if workers is None else workers
    ensure_schema(con)
    con.execute("begin")  # the column and the ledger's "read again" together, or neither
    try:
        added = _create_raw_table(con, source, add_columns=True)
        if added:
            # Rows loaded without a contract column (an older build DB, a table altered by hand):
            # read every file of the source again, as after a reader upgrade.
            for table in ("meta.loaded_files", "meta.loaded_partitions"):
                con.execute(f"update {table} set reader = null where source = ?", [source.name])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    if added:
        log(f"{source.name}: raw.{source.name} manglede kolonnen {', '.join(added)}: alle filer læses igen")
    kept: _KeptReads | None = None
    while True:
        plan = plan_load(con, source, landing_dir, partitions)
        ranged = partitions is not None and (partitions.start, partitions.end) != (partitions.first, partitions.last)
        if plan.other_reader and ranged:
            # Rows of one reader version per file: a range would leave the other partitions'
            # rows as the old reader read them, with the ledger saying the new one did.
            log(f"{source.name}: alle partitioner læses igen, ikke kun {partitions.start}…{partitions.end}")
            partitions = Partitions(partitions.first, partitions.last, partitions.first, partitions.last)
            continue
        _refuse_removal(plan, landing_dir, removal)
        if plan.other_reader and not added:
            log(
                f"{source.name}: {plan.other_reader} uændrede filer læses igen: de blev indlæst af en anden "
                "version af indlæseren eller mappingen"
            )
        if plan.to_read and on_read is not None:
            on_read()
        replay = kept.replay(plan) if kept else None
        if replay is None:
            kept = _KeptReads(plan, read_planned(plan, landing_dir, load_id, log=log, workers=workers))
        try:
            stats = write_load(con, plan, kept if replay is None else replay, load_id)
        except NewColumns as exc:
            # A reader's own column the table lacks (`<field>_cellevaerdi`; a file's unknown
            # columns go to `ekstra`). DuckDB cannot commit a transaction that altered a table it
            # had already deleted from (a changed file's old rows), so the columns are added
            # outside it, and the load starts over. Once per new column name, ever.
            _add_missing_columns(con, "raw", source.name, pl.DataFrame(schema=dict.fromkeys(exc.columns, pl.String)))
            log(
                f"{source.name}: nye kolonner ({', '.join(exc.columns)}) tilføjet raw.{source.name}; "
                "indlæsningen begynder forfra"
            )
            continue
        except BaseException:
            # Stop the read now, not when the traceback is dropped: its worker processes and the
            # parsed files waiting for the writer (warehouse/parallel_read.py) are let go.
            kept.close()
            raise
        for copy, original in stats.duplicates.items():
            warn(
                f"{source.name}: {shown(copy)} er ikke indlæst: {DUPLICATE}{shown(original)} (samme SHA-256) — slet kopien"
            )
        if stats.files_removed:
            warn(
                f"{source.name}: fjernet fra landingsmappen, deres rækker er taget ud af raw.{source.name}: "
                + ", ".join(shown(f) for f in stats.files_removed)
            )
        return stats


# Rows a load keeps of the files it parsed, for its restart after `NewColumns`; a load of more
# reads its files again (~0,47 GB per million postings would otherwise stay in memory).
KEEP_PARSED_ROWS = 500_000


class _KeptReads:
    """The files of one load as `read_planned` yields them, passed through and kept while they
    hold at most `KEEP_PARSED_ROWS` rows (parsed rows and rejected values, whether or not in the
    range). A load that stops on `NewColumns` has parsed every
    file (after the first new column it reads on to learn the rest); its restart on the same plan
    writes these instead of parsing the files a second time. A rate workbook's own
    `<felt>_cellevaerdi` column made every load into an empty build DB read all 66 of the
    sample's workbooks twice (4,7 s instead of 2,4 s)."""

    def __init__(self, plan: LoadPlan, read: Iterable[ParsedFile]) -> None:
        self._key = _plan_key(plan)
        self._read = read
        self._files: list[ParsedFile] | None = []
        self._rows = 0
        self._complete = False

    def __iter__(self) -> Iterator[ParsedFile]:
        for parsed in self._read:
            if self._files is not None:
                # what a kept file holds: every row it parsed, also those outside the range
                self._rows += parsed.parsed.rows.height + parsed.parsed.rejected.height
                if self._rows <= KEEP_PARSED_ROWS:
                    self._files.append(parsed)
                else:
                    self._files = None
            yield parsed
        self._complete = self._files is not None

    def close(self) -> None:
        """Stop the read that has not been consumed to its end (a generator's `close`)."""
        close = getattr(self._read, "close", None)
        if close is not None:
            close()

    def replay(self, plan: LoadPlan) -> list[ParsedFile] | None:
        """Every file of `plan` as parsed before, or None when they were not all kept or `plan`
        reads other files, other contents or other partitions."""
        return self._files if self._complete and _plan_key(plan) == self._key else None


def _plan_key(plan: LoadPlan) -> tuple:
    return (plan.reader, plan.partitions, tuple((f.rel, f.sha256) for f in plan.to_read))


def plan_load(
    con: duckdb.DuckDBPyConnection, source: Source, landing_dir: Path, partitions: Partitions | None
) -> LoadPlan:
    """Step 1: which files to read, from the landing dir (names and SHA-256) and the ledger."""
    every = {}
    paths = source.files(landing_dir)
    digests = file_digests(con, source.name, paths)  # hashes files whose stat changed or was too new
    for path, sha in zip(paths, digests.sha256, strict=True):  # a loop over files, not rows
        rel = path.relative_to(landing_dir).as_posix()
        every[rel] = LandingFile(rel, path, sha)
    reader = reader_version(source, landing_dir)
    known = {
        file: (sha, by)
        for file, sha, by in con.execute(
            "select file, sha256, reader from meta.loaded_files where source = ?", [source.name]
        ).fetchall()
    }
    files, duplicates = _without_copies(every, known)
    wanted, loaded = [], []  # an unpartitioned load: every row belongs to its file
    if partitions is not None:
        # Partitions of the range each file holds by its content, and those loaded from that content.
        wanted = con.execute(
            """select file, period from meta.file_periods
            where source = ? and period between ? and ? and period between ? and ?""",
            [source.name, partitions.start, partitions.end, partitions.first, partitions.last],
        ).fetchall()
        loaded = con.execute(
            """select file, partition, sha256, reader from meta.loaded_partitions
            where source = ? and partition between ? and ?""",
            [source.name, partitions.start, partitions.end],
        ).fetchall()
    loaded_by = {(f, p): (sha, by) for f, p, sha, by in loaded}
    wanted_by_file: dict[str, set[str]] = {}
    for f, p in wanted:
        wanted_by_file.setdefault(f, set()).add(p)
    to_read, skipped, other_reader = [], 0, 0
    for rel, landing_file in files.items():
        current = (landing_file.sha256, reader)
        complete = all(loaded_by.get((rel, p)) == current for p in wanted_by_file.get(rel, ()))
        if known.get(rel) == current and complete:
            skipped += 1
        else:
            to_read.append(landing_file)
            other_reader += known.get(rel, ("",))[0] == landing_file.sha256 and known[rel][1] != reader
    triples = [(f, p, sha) for f, p, sha, _by in loaded]
    return LoadPlan(
        source,
        reader,
        partitions,
        files,
        to_read,
        skipped,
        sorted(set(known) - set(files)),
        triples,
        other_reader,
        duplicates,
        len(known),
        digests,
    )


def _without_copies(
    files: dict[str, LandingFile], known: dict[str, tuple[str, str]]
) -> tuple[dict[str, LandingFile], dict[str, str]]:
    """`files` with one file per content (SHA-256), and {copy: the file kept}. The file kept is
    the one loaded before with this content, else the shortest name (`x.csv`, not `x (1).csv`),
    then the first by name: a second download never replaces the first."""
    by_content: dict[str, list[str]] = {}
    for rel, f in files.items():
        by_content.setdefault(f.sha256, []).append(rel)
    kept, copies = {}, {}
    for sha, rels in by_content.items():
        first, *rest = sorted(rels, key=lambda r: (known.get(r, ("",))[0] != sha, len(r), r))
        kept[first] = files[first]
        copies.update(dict.fromkeys(rest, first))
    return {rel: kept[rel] for rel in files if rel in kept}, dict(sorted(copies.items()))


def _refuse_removal(plan: LoadPlan, landing_dir: Path, removal: RemovalPolicy) -> None:
    """Raise `RemovalRefused` when `plan` removes more than `removal` allows (see RemovalPolicy)."""
    gone = [f for f in plan.removed if f not in plan.duplicates]
    if not gone or removal.allowed:
        return
    folder = shown(str(landing_dir / plan.source.landing_folder))
    what = "kør igen med --tillad-fjernelse (COCKPIT_TILLAD_FJERNELSE=1), hvis filerne er fjernet med vilje"
    if not plan.files:
        raise RemovalRefused(
            f"{folder}/ er tom, men ved sidste kørsel blev {plan.known} fil(er) indlæst herfra (er drevet ikke monteret?): "
            f"intet er indlæst eller publiceret — {what}"
        )
    if len(gone) > removal.max_share * plan.known:
        names = ", ".join(shown(f) for f in gone[:5]) + (" …" if len(gone) > 5 else "")
        raise RemovalRefused(
            f"{folder}/: {len(gone)} af {plan.known} filer fra sidste kørsel er væk ({names}), mere end "
            f"{removal.max_share:.0%} (COCKPIT_FJERNELSE_MAX_ANDEL): intet er indlæst eller publiceret — {what}"
        )


def shown(name: str) -> str:
    """`name` for a message or log line: control characters escaped (`ingest.errors.printable`: a
    line break in a file name would forge a line of its own), CPR-like numbers masked."""
    return mask_text(printable(name))


def read_planned(
    plan: LoadPlan,
    landing_dir: Path,
    load_id: str,
    *,
    log: Callable[[str], None] = lambda _msg: None,
    workers: int = 1,
) -> Iterator[ParsedFile]:
    """Step 2: parse the files of `plan.to_read` and yield each in plan order (no database); a
    large load is parsed by worker processes a few files ahead (warehouse/parallel_read.py).
    Lazy, so a caller that writes each file before asking for the next holds its rows and those
    of at most `workers + 1` parsed files waiting (`workers` ≤ 1: parsed here, one at a time). After the first broken file the rest are still parsed (their errors are
    reported together) but no longer yielded; when the files are exhausted, raises
    `ContractErrors` with every file that could not be read."""
    source, partitions = plan.source, plan.partitions
    errors = []
    for landing_file, parsed in parsed_in_order(source, plan.to_read, landing_dir, load_id, workers=workers):
        if isinstance(parsed, ContractError):
            errors.append(parsed)
            continue
        log(
            f"{source.name}: {landing_file.rel}: {parsed.rows.height} rækker, {parsed.rejected.height} afviste værdier"
            + (f", {parsed.cpr.height} CPR-lignende værdier maskeret" if parsed.cpr.height else "")
            + (f" ({parsed.shape})" if parsed.shape else "")
            + "".join(f"; fund: {f}" for f in parsed.findings)
        )
        if errors:
            continue  # the load will be rolled back: writing this file is wasted work
        rows = _with_extras(_with_partition(parsed.rows, source, partitions), parsed.extras)
        keep = pl.col("_partition").is_null()
        if partitions is not None:
            keep = keep | pl.col("_partition").is_between(pl.lit(partitions.start), pl.lit(partitions.end))
        yield ParsedFile(landing_file, parsed, rows.filter(keep))
    if errors:
        raise ContractErrors(errors)


def write_load(con: duckdb.DuckDBPyConnection, plan: LoadPlan, read: Iterable[ParsedFile], load_id: str) -> LoadStats:
    """Step 3, one transaction: remove what no longer holds, insert each file of `read` as it
    comes (an iterator from `read_planned` is consumed file by file), and record it in the
    ledger. `read` must hold exactly the files of `plan.to_read`: the deletes are planned from
    those. Rolls back and re-raises on any error, `ContractErrors` raised by `read` included;
    raises `ValueError` (after the rollback) when `read` held other files than the plan's, and
    `NewColumns` when files hold columns the raw table lacks (`load_source` adds them, loads again)."""
    source = plan.source
    table = qualified("raw", source.name)
    stats = LoadStats(
        source.name,
        files_seen=len(plan.files) + len(plan.duplicates),
        files_skipped=plan.skipped,
        files_removed=[f for f in plan.removed if f not in plan.duplicates],
        duplicates=plan.duplicates,
    )
    reread = {f.rel for f in plan.to_read}
    # Loaded (file, partition) pairs of the range that no longer hold: the file was read again,
    # changed, or is gone. Their rows go; the files read now put back what they hold.
    stale = pl.DataFrame(
        [(f, p) for f, p, sha in plan.loaded if f in reread or f not in plan.files or plan.files[f].sha256 != sha],
        schema={"file": pl.String(), "partition": pl.String()},
        orient="row",
    )
    whole = pl.DataFrame({"file": plan.removed + sorted(reread)}, schema={"file": pl.String()})
    loaded_at = datetime.now().replace(microsecond=0)
    # DuckDB's default, stated because the memory bound depends on it: with insertion order kept,
    # a transaction's appends are written to the file as each row group fills; without, every
    # row of the load stays in DuckDB's memory until commit (20 M postings: the 4 GB limit, spill
    # files, 8 GB RSS). Not slower here: the raw rows carry their line anyway.
    con.execute("set preserve_insertion_order = true")
    con.execute("begin")
    try:
        with registered(con, stale_partitions=stale, whole_files=whole):
            # every file some of whose rows go: read again, removed, or a partition changed outside the plan
            leaving = sorted(set(whole["file"].to_list()) | set(stale["file"].to_list()))
            touched = [_overlap_keys_leaving(con, table, leaving)] if source.name == "posteringer" else []
            _delete_stale(con, source, table)
        columns = table_columns(con, "raw", source.name)
        ledger, new_columns = _Ledger(), {}
        for r in read:
            new_columns.update(dict.fromkeys(c for c in r.rows.columns if c not in columns))
            if new_columns:  # read on, writing nothing more, to learn every file's new columns
                continue
            _insert_file(con, plan, table, r, columns, load_id, loaded_at, ledger)
            if source.name == "posteringer":
                touched.append(_overlap_keys(r.rows))
            stats.files_loaded.append(r.file.rel)
            stats.rows_loaded += r.rows.height
            if plan.partitions is not None:
                stats.rows_outside_partitions += r.rows.filter(pl.col("_partition").is_null()).height
            stats.rows_rejected += r.parsed.rejected.height
            stats.rows_dropped += r.parsed.dropped
            stats.cpr_found += r.parsed.cpr.height
        if new_columns:
            raise NewColumns(list(new_columns))
        if sorted(stats.files_loaded) != sorted(reread):
            raise ValueError(
                f"{source.name}: the files written ({len(stats.files_loaded)}) are not the files planned"
                f" ({len(reread)}); nothing was loaded"
            )
        ledger.write(con)
        scope = pl.concat(touched, how="vertical_relaxed").unique() if touched else None
        changed = bool(plan.to_read or plan.removed or stale.height)
        _record_duplicates_and_removals(con, plan, stats, load_id, loaded_at, scope=scope, changed=changed)
        if plan.digests is not None:
            record_digests(con, source.name, plan.digests)
        _commit(con)
    except Exception:
        # A commit that failed (out of memory at the checkpoint) has ended the transaction
        # itself; its error is the one to raise, not "no transaction is active".
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    return stats


# DuckDB's buffer manager's messages when it cannot get memory (pin, allocate or resize a block)
_OUT_OF_MEMORY = re.compile(r"could not allocate|failed to (pin|allocate|resize)", re.IGNORECASE)


def _commit(con: duckdb.DuckDBPyConnection) -> None:
    """Commit; a commit that runs out of DuckDB memory (writing the load's row groups) is
    raised as the out-of-memory error it is — DuckDB reports it as a TransactionException
    ("Failed to commit: failed to pin block …"), which would hide the setting to raise
    (COCKPIT_DUCKDB_MEMORY_LIMIT, see orchestration/runner.py)."""
    try:
        con.execute("commit")
    except duckdb.TransactionException as exc:
        if not _OUT_OF_MEMORY.search(str(exc)):
            raise
        raise duckdb.OutOfMemoryException(f"Out of Memory Error: {exc}") from exc


def _delete_stale(con: duckdb.DuckDBPyConnection, source: Source, table: str) -> None:
    # `stale_partitions`: (file, partition) rows to replace; `whole_files`: files read again or
    # removed, whose partition-less rows, quarantine entries and ledger entries go.
    con.execute(f"""delete from {table} t using stale_partitions s
                    where t._source_file = s.file and t._partition = s.partition""")
    con.execute(
        """delete from meta.loaded_partitions t using stale_partitions s
                   where t.source = ? and t.file = s.file and t.partition = s.partition""",
        [source.name],
    )
    con.execute(f"delete from {table} t using whole_files w where t._source_file = w.file and t._partition is null")
    for name in QUARANTINE_TABLES:
        con.execute(
            f"delete from {name} t using whole_files w where t.kilde = ? and t.kildefil = w.file", [source.name]
        )
    for name in LEDGER_TABLES:
        con.execute(f"delete from {name} t using whole_files w where t.source = ? and t.file = w.file", [source.name])


@dataclass
class _Ledger:
    """The quarantine and ledger rows of the files written so far in one load, inserted with one
    statement per table when the load ends (inside its transaction). A statement costs DuckDB
    ~1,5 ms and a registered frame ~0,7 ms whatever their size, and a file's bookkeeping is a
    few rows: six statements per file were most of the write time of 2 130 rate workbooks."""

    rejected: list[pl.DataFrame] = field(default_factory=list)
    cpr: list[pl.DataFrame] = field(default_factory=list)
    findings: list[tuple] = field(default_factory=list)
    files: list[tuple] = field(default_factory=list)
    periods: list[pl.DataFrame] = field(default_factory=list)
    partitions: list[pl.DataFrame] = field(default_factory=list)

    def write(self, con: duckdb.DuckDBPyConnection) -> None:
        frames = {
            "ledger_rejected": _concat(self.rejected),
            "ledger_cpr": _concat(self.cpr),
            "ledger_findings": pl.DataFrame(
                self.findings, schema=["kilde", "kildefil", "fund", "load_id"], orient="row"
            ),
            "ledger_files": pl.DataFrame(
                self.files,
                schema={
                    "source": pl.String(),
                    "file": pl.String(),
                    "sha256": pl.String(),
                    "load_id": pl.String(),
                    "loaded_at": pl.Datetime("us"),
                    "rows_loaded": pl.Int64(),
                    "rows_rejected": pl.Int64(),
                    "reader": pl.String(),
                },
                orient="row",
            ),
            "ledger_periods": _concat(self.periods),
            "ledger_partitions": _concat(self.partitions),
        }
        statements = {
            "ledger_rejected": "insert into quarantine.afviste_raekker by name select * from ledger_rejected",
            "ledger_cpr": "insert into quarantine.cpr_fund by name select * from ledger_cpr",
            "ledger_findings": "insert into quarantine.fund by name select * from ledger_findings",
            "ledger_files": "insert into meta.loaded_files by name select * from ledger_files",
            "ledger_periods": "insert into meta.file_periods select source, file, sha256, periode, n from ledger_periods",
            "ledger_partitions": "insert into meta.loaded_partitions"
            " (source, file, partition, sha256, rows, load_id, loaded_at, reader)"
            " select source, file, _partition, sha256, len, load_id, loaded_at, reader from ledger_partitions",
        }
        present = {name: frame for name, frame in frames.items() if frame is not None and frame.height}
        with registered(con, **present):
            for name in present:
                con.execute(statements[name])


def insert_batches(rows: pa.Table) -> pa.Table:
    """`rows` (any schema) in record batches of at most `INSERT_BATCH_ROWS`, without copying.

    DuckDB scans an Arrow table one record batch per thread, and polars hands a parsed file over
    as one batch: a 1 M-posting file was inserted by one thread in 1,30 s, in batches of a row
    group by both cores in 0,78 s (docs/performance.md, *Incremental models written once*). With
    insertion order kept (the loader's setting) the rows land in the file's order either way."""
    if rows.num_rows <= INSERT_BATCH_ROWS:
        return rows
    return pa.Table.from_batches(rows.to_batches(max_chunksize=INSERT_BATCH_ROWS), rows.schema)


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame | None:
    frames = [f for f in frames if f.height]
    return pl.concat(frames, how="vertical_relaxed") if frames else None


def _insert_file(
    con: duckdb.DuckDBPyConnection,
    plan: LoadPlan,
    table: str,
    r: ParsedFile,
    columns: list[str],
    load_id: str,
    loaded_at: datetime,
    ledger: _Ledger,
) -> None:
    """Insert the file's raw rows now and add its quarantine and ledger rows to `ledger`.
    `columns` are the table's, in its order; they hold every column of the rows."""
    source, rel, sha, parsed = plan.source, r.file.rel, r.file.sha256, r.parsed
    lineage = {"_source_file": rel, "_file_sha256": sha, "_load_id": load_id, "_loaded_at": loaded_at}
    # Through a relation, not `con.register`: a view registered and dropped inside the load's
    # transaction lives on in it until commit, and so does the frame it holds — every file's
    # rows at once (20 M postings: +4,4 GB). Positional names, since ColumnExpression parses
    # its argument as a qualified name.
    position = {c: f"c{i}" for i, c in enumerate(r.rows.columns)}
    if unknown := (set(position) - set(columns)) | (set(position) & set(lineage)):
        raise ValueError(f"{table}: columns the table lacks or the loader sets: {sorted(unknown)}")
    frame = r.rows.rename(position)
    select = []
    for column in columns:  # the table's order: `insert_into` inserts by position
        if column in position:
            expr = duckdb.ColumnExpression(position[column])
            if column == EXTRAS:  # polars has no map type: a list of {key, value} becomes a MAP
                expr = duckdb.FunctionExpression("map_from_entries", expr)
        else:
            expr = duckdb.ConstantExpression(lineage.get(column))  # NULL for a column the file lacks
        select.append(expr.alias(column))
    con.from_arrow(insert_batches(frame.to_arrow())).select(*select).insert_into(table)
    ledger.rejected.append(parsed.rejected.cast(REJECTED_SCHEMA))
    ledger.cpr.append(parsed.cpr)
    ledger.findings += [(source.name, rel, f, load_id) for f in parsed.findings]
    ledger.files.append((source.name, rel, sha, load_id, loaded_at, r.rows.height, parsed.rejected.height, plan.reader))
    of_file = [pl.lit(source.name).alias("source"), pl.lit(rel).alias("file"), pl.lit(sha).alias("sha256")]
    ledger.periods.append(periods_of(parsed.rows, source).with_columns(of_file))
    ledger.partitions.append(
        r.rows.filter(pl.col("_partition").is_not_null())
        .group_by("_partition")
        .len()
        .with_columns(
            *of_file,
            pl.lit(load_id).alias("load_id"),
            pl.lit(loaded_at).alias("loaded_at"),
            pl.lit(plan.reader).alias("reader"),
        )
    )


def _create_raw_table(con: duckdb.DuckDBPyConnection, source: Source, *, add_columns: bool) -> list[str]:
    """Create `raw.<source>` with its contract columns and `_partition`; with `add_columns`, add
    the contract columns an existing table lacks (typed, empty) and return their names, so the
    load fills them. Without, a table that lacks one stays as it is: a model reading the column
    fails loudly rather than building on empty values until the source is loaded again.

    A build DB from before `ekstra` has a file's unknown columns as columns named from its
    header: with `add_columns` they are dropped and `ekstra` added (returned), so every file is
    read again into `ekstra`."""
    table = qualified("raw", source.name)
    added = []
    with registered(con, contract_columns=empty_rows(source)):
        con.execute(
            f"create table if not exists {table} as"
            f" select *, cast(null as {EXTRAS_TYPE}) as {EXTRAS} from contract_columns limit 0"
        )
        if add_columns:
            have = set(table_columns(con, "raw", source.name))
            contract = con.execute("select column_name, column_type from (describe contract_columns)").fetchall()
            for name, dtype in [*contract, (EXTRAS, EXTRAS_TYPE)]:
                if name not in have:
                    con.execute(f"alter table {table} add column {ident(name)} {dtype}")
                    added.append(name)
            if EXTRAS in added:
                ours = {name for name, _ in contract} | {f"{f.name}_cellevaerdi" for f in source.fields}
                for name in sorted(have - ours):
                    con.execute(f"alter table {table} drop column {ident(name)}")
    _add_missing_columns(con, "raw", source.name, pl.DataFrame(schema={"_partition": pl.String()}))  # pre-partition DBs
    return added


def _rename_table(con: duckdb.DuckDBPyConnection, schema: str, old: str, new: str) -> None:
    names = {
        name
        for (name,) in con.execute(
            """select table_name from duckdb_tables()
               where database_name = current_database() and schema_name = ? and table_name in (?, ?)""",
            [schema, old, new],
        ).fetchall()
    }
    if names == {old}:
        con.execute(f"alter table {qualified(schema, old)} rename to {ident(new)}")


def _rename_column(con: duckdb.DuckDBPyConnection, schema: str, table: str, old: str, new: str) -> None:
    has_old = con.execute(
        """select count(*) from duckdb_columns()
                             where database_name = current_database() and schema_name = ? and table_name = ?
                               and column_name = ?""",
        [schema, table, old],
    ).fetchone()[0]
    if has_old:
        con.execute(f"alter table {qualified(schema, table)} rename column {ident(old)} to {ident(new)}")


def _with_partition(rows: pl.DataFrame, source: Source, partitions: Partitions | None) -> pl.DataFrame:
    period = period_of(source)
    if partitions is None:
        return rows.with_columns(pl.lit(None, dtype=pl.String()).alias("_partition"))
    inside = period.is_between(pl.lit(partitions.first), pl.lit(partitions.last))
    return rows.with_columns(pl.when(inside).then(period).otherwise(None).alias("_partition"))


def _with_extras(rows: pl.DataFrame, extras: tuple[tuple[str, str], ...]) -> pl.DataFrame:
    """The file's unknown columns (`extras`: column, header text) folded into one `ekstra`
    column, a list of {key: header text, value: cell text} per row; NULL cells are kept."""
    if not extras:
        return rows
    entries = [pl.struct(pl.lit(header).alias("key"), pl.col(c).cast(pl.String).alias("value")) for c, header in extras]
    return rows.with_columns(pl.concat_list(entries).alias(EXTRAS)).drop([c for c, _ in extras])


def _add_missing_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str, rows: pl.DataFrame) -> None:
    """Add `rows`' columns that table `schema.name` lacks, as text: the pipeline's own
    (`_partition`, a `<field>_cellevaerdi` audit column). Never a file's header: those go to
    `ekstra`, so the names here are the readers' own, and quoted anyway."""
    have = set(table_columns(con, schema, name))
    for column in rows.columns:
        if column not in have:
            con.execute(f"alter table {qualified(schema, name)} add column {ident(column)} varchar")
            have.add(column)


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    """The columns of table `schema.name` of the connection's own database, in the table's order."""
    return [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_catalog = current_database()"
            " and table_schema = ? and table_name = ? order by ordinal_position",
            [schema, name],
        ).fetchall()
    ]


def _overlap_keys(rows: pl.DataFrame) -> pl.DataFrame:
    """The municipality-years (`kommunenr` String, `aar` Int32) of a ledger file's raw rows (the
    readers give every contract column)."""
    return rows.select(
        pl.col("kommunenr").cast(pl.String), pl.col("bogfoeringsdato").dt.year().cast(pl.Int32).alias("aar")
    ).unique()


def _overlap_keys_leaving(con: duckdb.DuckDBPyConnection, table: str, files: list[str]) -> pl.DataFrame:
    """Inside the load, before its deletes: the municipality-years (`kommunenr`, `aar`) of the raw
    postings of `files` (every file some of whose rows the load deletes), whose overlap findings
    may change with them. The files as a list of values, which DuckDB checks
    against each row group's range of `_source_file` (a file's rows lie together): a join
    would read the column of every posting. Empty, without a query, for no files."""
    if not files:
        return pl.DataFrame(schema={"kommunenr": pl.String(), "aar": pl.Int32()})
    marks = ", ".join("?" * len(files))
    return con.execute(
        f"""select distinct kommunenr::varchar as kommunenr, year(bogfoeringsdato)::integer as aar from {table}
            where _source_file in ({marks})""",
        files,
    ).pl()


def _record_duplicates_and_removals(
    con: duckdb.DuckDBPyConnection,
    plan: LoadPlan,
    stats: LoadStats,
    load_id: str,
    loaded_at: datetime,
    *,
    scope: pl.DataFrame | None,
    changed: bool,
) -> None:
    """Inside the load's transaction: the source's findings of byte-identical copies and of
    postings repeated across files, as they are now (`quarantine.fund`, shown by `cockpit check`
    and the run summary), and the files this load removed (`meta.removed_files`).

    `scope`: the municipality-years (`kommunenr`, `aar`) whose postings this load removed or
    inserted; only their overlap findings can have changed, so only they are computed again and
    replaced (a national ledger of 20 M postings: 0,5–1,35 s for all, 0,19 s for one
    municipality-year). None: every municipality-year; so too while a ledger finding has no
    municipality-year (a build DB whose keying was interrupted, or postings with neither
    municipality nor date), which a scoped delete would never replace. `changed`: whether the
    load deleted or inserted rows at all; the overlaps are computed only then."""
    source = plan.source
    findings = [
        (source.name, copy, f"{DUPLICATE}{original}: ikke indlæst (slet kopien)", None, None)
        for copy, original in plan.duplicates.items()
    ]
    con.execute("delete from quarantine.fund where kilde = ? and starts_with(fund, ?)", [source.name, DUPLICATE])
    if source.name == "posteringer" and changed:
        unkeyed = con.execute(
            "select count(*) from quarantine.fund where kilde = ? and starts_with(fund, ?) and kommunenr is null"
            " and aar is null",
            [source.name, OVERLAP],
        ).fetchone()[0]
        scope = None if unkeyed else scope
        within = None if scope is None else list(scope.iter_rows())
        findings += [
            (source.name, copy, text, kommune, aar)
            for copy, text, kommune, aar in posting_overlaps(con, qualified("raw", source.name), within=within)
        ]
        delete = "delete from quarantine.fund f where kilde = ? and starts_with(fund, ?)"
        if scope is None:
            con.execute(delete, [source.name, OVERLAP])
        else:
            with registered(con, overlap_scope=scope):
                con.execute(
                    delete + " and exists (select 1 from overlap_scope s where s.kommunenr is not distinct from"
                    " f.kommunenr and s.aar is not distinct from f.aar)",
                    [source.name, OVERLAP],
                )
    if findings:
        con.executemany(
            "insert into quarantine.fund (kilde, kildefil, fund, kommunenr, aar, load_id) values (?, ?, ?, ?, ?, ?)",
            [(*f, load_id) for f in findings],
        )
    if stats.files_removed:
        con.executemany(
            "insert into meta.removed_files values (?, ?, ?, ?)",
            [(source.name, f, load_id, loaded_at) for f in stats.files_removed],
        )


# More municipality-years than this in one load (a reader upgrade, a first load): every posting
# is keyed and the findings kept to the scope, rather than a filter of that many terms.
SCOPE_MAX = 64
# The SQL function `posting_overlaps` groups keys by first (DuckDB's 64-bit `hash`), so that only
# the keys two files share are grouped by their seven columns: a municipality-year of 3 M
# postings without repeats in 1,2–1,3 s instead of 2,0–2,2 s. When nearly every key repeats (a
# whole year exported again beside the old file) it is slower: 6 M such postings in 2,2–2,6 s
# instead of 1,5–2,2 s. Two keys of one hash are told apart by the exact grouping after it.
KEY_HASH = "hash"


def posting_overlaps(
    con: duckdb.DuckDBPyConnection, relation: str, within: Collection[tuple[str | None, int | None]] | None = None
) -> list[tuple[str, str, str | None, int | None]]:
    """Postings with the same key in two files of the same municipality and year — a re-export
    lying beside the old one, which R02 would otherwise show only as one warning per line.

    `relation`: SQL text of a relation with the raw posting columns and `_source_file` (a quoted
    table name, or a registered frame's name). `within`: the municipality-years (kommunenr, year;
    None matches NULL) to look in, or None for all. The key is R02's (kommune, tilbud, case key,
    service period, amount; a masked or empty case key is no key). Returns (the later file by
    name, one Danish line naming the earlier file, the count, municipality and year, the
    municipality, the year), at most one per pair of files and municipality-year, sorted.

    Only municipality-years with postings from two files or more are keyed: grouping every
    posting by the whole key took 11 s of a 51 s load of one 1 M-row file (load 20), and a
    municipality-year of one file cannot repeat a posting across files. Their postings are
    grouped by the key's hash (`KEY_HASH`) first; only the keys whose hash two files share are
    then grouped by the key itself. `within` is a filter of
    constants, one term per municipality-year (a date range, not `year()`), so DuckDB skips the
    row groups of other municipalities and years: one municipality-year of the national ledger's
    20 M postings in 0,19 s, against 0,46 s joined to the same pair and 0,51 s for all (warm)."""
    if within is not None and len(within) > SCOPE_MAX:
        wanted = set(within)
        return [f for f in posting_overlaps(con, relation) if (f[2], f[3]) in wanted]
    if within is not None and not within:
        return []
    rows, params = relation, []
    scoped = ""
    if within is not None:
        terms = []
        for kommune, aar in within:
            term = "p.kommunenr is null" if kommune is None else "p.kommunenr = ?"
            params += [] if kommune is None else [kommune]
            if aar is None:
                term += " and p.bogfoeringsdato is null"
            elif 1 <= aar <= 9999:
                term += " and p.bogfoeringsdato between ? and ?"
                params += [date(aar, 1, 1), date(aar, 12, 31)]
            else:  # a year Python's dates do not hold (DuckDB's and polars' do)
                term += " and year(p.bogfoeringsdato) = ?"
                params.append(aar)
            terms.append(f"({term})")
        scoped = f"""scoped as materialized (
            select kommunenr, bogfoeringsdato, tilbudsnr, borgerreference, periode_fra, periode_til, beloeb,
                   _source_file
            from {relation} p where {" or ".join(terms)}),"""
        rows = "scoped"
    found = con.execute(
        f"""
        with {scoped}
        shared as (
            select kommunenr, year(bogfoeringsdato) as aar from {rows}
            group by all
            having min(_source_file) <> max(_source_file)
        ),
        candidates as not materialized (
            select p.kommunenr, year(p.bogfoeringsdato) as aar, tilbudsnr, borgerreference, periode_fra,
                   periode_til, beloeb, _source_file,
                   {KEY_HASH}(p.kommunenr, year(p.bogfoeringsdato), tilbudsnr, borgerreference, periode_fra,
                              periode_til, beloeb) as h
            from {rows} p
            semi join shared s
              on p.kommunenr is not distinct from s.kommunenr and year(p.bogfoeringsdato) is not distinct from s.aar
            where borgerreference is not null and borgerreference not like '%XXXXXX-XXXX%'
              and periode_fra is not null and periode_til is not null and beloeb is not null
        ),
        repeated as (  -- keys (by hash) in two files or more; `keyed` checks the keys themselves
            select h
            from candidates
            group by h
            having min(_source_file) <> max(_source_file)
        ),
        keyed as (
            select kommunenr, aar, tilbudsnr, borgerreference, periode_fra, periode_til, beloeb,
                   list(distinct _source_file order by _source_file) as filer
            from candidates c
            semi join repeated r
              on c.h = r.h
            group by all
            having count(distinct _source_file) > 1
        ),
        pairs as (select kommunenr, aar, filer[1] as foerste, unnest(filer[2:]) as kopi from keyed)
        select kopi, foerste, kommunenr, aar, count(*) from pairs group by all order by all
    """,
        params,
    ).fetchall()
    return [
        (
            copy,
            f"{OVERLAP}{first}: {n} posteringer med samme kommune, tilbud, borgerreference, periode og beløb "
            f"(kommune {kommune}, {aar}) — en ny eksport ved siden af den gamle? Fjern den forældede fil",
            None if kommune is None else str(kommune),
            aar,
        )
        for copy, first, kommune, aar, n in found
    ]


class NewColumns(Exception):
    """`write_load` met columns the raw table does not have (a reader's `<field>_cellevaerdi`)
    and rolled back; `load_source` adds them and loads again."""

    def __init__(self, columns: list[str]):
        self.columns = columns
        super().__init__(f"new columns: {', '.join(columns)}")


class ContractErrors(Exception):
    """All contract errors of one source, so a steward sees every broken file at once."""

    def __init__(self, errors: list[ContractError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))
