"""Load one landing source into `raw.<source>` of the build DB, file by file, idempotently.

The raw tables are a function of the landing dir: a file whose SHA-256 was loaded before is
skipped, a changed file replaces its earlier rows, a removed file's rows are removed — for the
partitions loaded (a partitioned source loads a range of years or months at a time). Every file
is parsed before anything is written, so a contract error leaves raw as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from ingest.errors import ContractError
from ingest.fields import REJECTED_SCHEMA
from ingest.sources import SOURCES, Source, empty_rows, period_of, periods_of, read_file
from ingest.textfile import sha256_file

# The schemas this module creates (dbt's sources read them); a DB file may not be named like one.
LOADER_SCHEMAS = frozenset({"raw", "quarantine", "meta"})
DDL = "".join(f"create schema if not exists {s};\n" for s in sorted(LOADER_SCHEMAS)) + """
create table if not exists meta.loaded_files (
    source varchar, file varchar, sha256 varchar, load_id varchar, loaded_at timestamp,
    rows_loaded bigint, rows_rejected bigint, primary key (source, file));
create table if not exists meta.file_periods (
    source varchar, file varchar, sha256 varchar, periode varchar, rows bigint);
create table if not exists meta.loaded_partitions (
    source varchar, file varchar, partition varchar, sha256 varchar, rows bigint, load_id varchar,
    loaded_at timestamp, primary key (source, file, partition));
create table if not exists quarantine.rejected_rows (
    kilde varchar, kildefil varchar, kildelinje bigint, kolonne varchar, raavaerdi varchar,
    aarsag varchar, load_id varchar);
create table if not exists quarantine.cpr_fund (
    kilde varchar, kildefil varchar, kildelinje bigint, kolonne varchar, maskeret_vaerdi varchar,
    load_id varchar);
create table if not exists quarantine.fund (
    kilde varchar, kildefil varchar, fund varchar, load_id varchar);
"""


@dataclass(frozen=True)
class Partitions:
    """A partitioned load: replace the rows of partitions `start`…`end` (a range of keys
    "2021" or "2021-03"); rows whose period lies outside `first`…`last`, the partitions that
    exist, or that have no readable period, belong to their file instead (see `load_source`)."""

    start: str
    end: str
    first: str
    last: str


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


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    # Raw rows carry their line; keeping insertion order costs ~30 % of a large load.
    con.execute("set preserve_insertion_order = false")


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every `raw.<source>` (empty, with its contract columns) that no load has created
    yet, so dbt's staging views bind in a brand-new build DB whichever job runs first: a monthly
    run builds the marts with no yearly rows yet, and the other way round."""
    ensure_schema(con)
    for source in SOURCES.values():
        empty = empty_rows(source)  # noqa: F841 — referenced by name in the SQL below
        con.execute(f"create table if not exists raw.{source.name} as select * from empty")


def load_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    landing_dir: Path,
    load_id: str,
    *,
    partitions: Partitions | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> LoadStats:
    """Make `raw.<source>` agree with the landing files, for the partitions asked for.

    Every raw row has a `_partition`: its period when that is one of the partitions, else NULL.
    Rows with a partition are replaced per (file, partition) when that partition is loaded, so
    re-running partition P touches P's rows only. Rows without one (a register like `tilbud`,
    an unreadable period, a year before the first partition) belong to their file and are
    replaced whenever the file is read, as are the file's rejected values and CPR findings.
    A file is read when its content is new or changed, or when it holds a period of the range
    that is not loaded from this content yet; an unchanged, loaded file is not read at all.
    """
    ensure_schema(con)
    table = f"raw.{source.name}"
    empty = empty_rows(source)  # noqa: F841 — referenced by name in the SQL below
    con.execute(f"create table if not exists {table} as select * from empty")
    _add_missing_columns(con, table, pl.DataFrame(schema={"_partition": pl.String()}))  # pre-partition build DBs

    stats = LoadStats(source.name)
    files = source.files(landing_dir)
    stats.files_seen = len(files)
    current = {p.relative_to(landing_dir).as_posix(): (p, sha256_file(p)) for p in files}
    known = dict(con.execute("select file, sha256 from meta.loaded_files where source = ?", [source.name]).fetchall())
    wanted, loaded = [], []  # an unpartitioned load: every row belongs to its file
    if partitions is not None:
        # Partitions of the range each file holds by its content, and those loaded from that content.
        wanted = con.execute("""select file, periode from meta.file_periods
            where source = ? and periode between ? and ? and periode between ? and ?""",
            [source.name, partitions.start, partitions.end, partitions.first, partitions.last]).fetchall()
        loaded = con.execute("""select file, partition, sha256 from meta.loaded_partitions
            where source = ? and partition between ? and ?""",
            [source.name, partitions.start, partitions.end]).fetchall()
    loaded_sha = {(f, p): sha for f, p, sha in loaded}
    loaded_at = datetime.now().replace(microsecond=0)

    wanted_by_file: dict[str, set[str]] = {}
    for f, p in wanted:
        wanted_by_file.setdefault(f, set()).add(p)
    todo = []
    for rel, (path, sha) in current.items():  # a loop over files, not rows
        complete = all(loaded_sha.get((rel, p)) == sha for p in wanted_by_file.get(rel, ()))
        if known.get(rel) == sha and complete:
            stats.files_skipped += 1
        else:
            todo.append((rel, path, sha))

    parsed, errors = [], []
    for rel, path, sha in todo:
        try:
            result = read_file(source, path, landing_dir, load_id)
        except ContractError as exc:
            errors.append(exc)
            continue
        parsed.append((rel, sha, result, _with_partition(result.rows, source, partitions)))
        log(f"{source.name}: {rel}: {result.rows.height} rækker, {result.rejected.height} afviste værdier"
            + (f", {result.cpr.height} CPR-lignende værdier maskeret" if result.cpr.height else "")
            + (f" ({result.shape})" if result.shape else "") + "".join(f"; fund: {f}" for f in result.findings))
    if errors:
        raise ContractErrors(errors)

    stats.files_removed = sorted(set(known) - set(current))
    reread = {rel for rel, _, _, _ in parsed}
    # Loaded (file, partition) pairs of the range that no longer hold: the file was read again,
    # changed, or is gone. Their rows go; the files read now put back what they hold.
    stale = [(f, p) for f, p, sha in loaded if f in reread or current.get(f, (None, None))[1] != sha]
    stale = pl.DataFrame(stale, schema={"file": pl.String(), "partition": pl.String()}, orient="row")  # noqa: F841
    whole = pl.DataFrame({"file": stats.files_removed + sorted(reread)}, schema={"file": pl.String()})  # noqa: F841
    con.execute("begin")
    try:
        con.execute(f"delete from {table} t using stale s where t._source_file = s.file and t._partition = s.partition")
        con.execute("""delete from meta.loaded_partitions t using stale s
                       where t.source = ? and t.file = s.file and t.partition = s.partition""", [source.name])
        con.execute(f"delete from {table} t using whole w where t._source_file = w.file and t._partition is null")
        for table_name in ("quarantine.rejected_rows", "quarantine.cpr_fund", "quarantine.fund"):
            con.execute(f"delete from {table_name} t using whole w where t.kilde = ? and t.kildefil = w.file",
                        [source.name])
        for table_name in ("meta.loaded_files", "meta.file_periods"):
            con.execute(f"delete from {table_name} t using whole w where t.source = ? and t.file = w.file",
                        [source.name])
        for rel, sha, result, rows in parsed:
            keep = pl.col("_partition").is_null()
            if partitions is not None:
                keep = keep | pl.col("_partition").is_between(pl.lit(partitions.start), pl.lit(partitions.end))
            rows = rows.filter(keep)
            _add_missing_columns(con, table, rows)
            rejected = result.rejected.cast(REJECTED_SCHEMA)  # noqa: F841
            cpr = result.cpr  # noqa: F841
            con.execute(
                f"insert into {table} by name select *, ? as _source_file, ? as _file_sha256, ? as _load_id,"
                " cast(? as timestamp) as _loaded_at from rows",
                [rel, sha, load_id, loaded_at],
            )
            con.execute("insert into quarantine.rejected_rows by name select * from rejected")
            con.execute("insert into quarantine.cpr_fund by name select * from cpr")
            if result.findings:
                con.executemany("insert into quarantine.fund values (?, ?, ?, ?)",
                                [[source.name, rel, f, load_id] for f in result.findings])
            con.execute(
                "insert into meta.loaded_files values (?, ?, ?, ?, ?, ?, ?)",
                [source.name, rel, sha, load_id, loaded_at, rows.height, result.rejected.height],
            )
            periods = periods_of(result.rows, source)  # noqa: F841
            con.execute("insert into meta.file_periods select ?, ?, ?, periode, n from periods",
                        [source.name, rel, sha])
            in_partitions = rows.filter(pl.col("_partition").is_not_null()).group_by("_partition").len()  # noqa: F841
            con.execute("insert into meta.loaded_partitions select ?, ?, _partition, ?, len, ?, ? from in_partitions",
                        [source.name, rel, sha, load_id, loaded_at])
            stats.files_loaded.append(rel)
            stats.rows_loaded += rows.height
            stats.rows_outside_partitions += rows.filter(pl.col("_partition").is_null()).height if partitions else 0
            stats.rows_rejected += result.rejected.height
            stats.rows_dropped += result.dropped
            stats.cpr_found += result.cpr.height
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return stats


def _with_partition(rows: pl.DataFrame, source: Source, partitions: Partitions | None) -> pl.DataFrame:
    period = period_of(source)
    if partitions is None:
        return rows.with_columns(pl.lit(None, dtype=pl.String()).alias("_partition"))
    inside = period.is_between(pl.lit(partitions.first), pl.lit(partitions.last))
    return rows.with_columns(pl.when(inside).then(period).otherwise(None).alias("_partition"))


def _add_missing_columns(con: duckdb.DuckDBPyConnection, table: str, rows: pl.DataFrame) -> None:
    """Unknown extra columns of a file are kept in raw (as text), so add them to the table."""
    schema, name = table.split(".")
    have = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()
    }
    for column in rows.columns:
        if column not in have:
            con.execute(f'alter table {table} add column "{column}" varchar')


class ContractErrors(Exception):
    """All contract errors of one source, so a steward sees every broken file at once."""

    def __init__(self, errors: list[ContractError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))
