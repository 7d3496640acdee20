"""Load one landing source into `raw.<source>` of the build DB, file by file, idempotently.

The raw tables are a pure function of the landing dir: a file whose SHA-256 was loaded before is
skipped, a changed file replaces its earlier rows, a removed file's rows are removed. Every file
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
from ingest.sources import Source, empty_rows, read_file
from ingest.textfile import sha256_file

DDL = """
create schema if not exists raw;
create schema if not exists quarantine;
create schema if not exists meta;
create table if not exists meta.loaded_files (
    source varchar, file varchar, sha256 varchar, load_id varchar, loaded_at timestamp,
    rows_loaded bigint, rows_rejected bigint, primary key (source, file));
create table if not exists quarantine.rejected_rows (
    kilde varchar, kildefil varchar, kildelinje bigint, kolonne varchar, raavaerdi varchar,
    aarsag varchar, load_id varchar);
create table if not exists quarantine.cpr_fund (
    kilde varchar, kildefil varchar, kildelinje bigint, kolonne varchar, maskeret_vaerdi varchar,
    load_id varchar);
"""


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
    cpr_found: int = 0


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)
    # Raw rows carry their line; keeping insertion order costs ~30 % of a large load.
    con.execute("set preserve_insertion_order = false")


def load_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    landing_dir: Path,
    load_id: str,
    *,
    log: Callable[[str], None] = lambda _msg: None,
) -> LoadStats:
    ensure_schema(con)
    table = f"raw.{source.name}"
    empty = empty_rows(source)  # noqa: F841 — referenced by name in the SQL below
    con.execute(f"create table if not exists {table} as select * from empty")

    stats = LoadStats(source.name)
    files = source.files(landing_dir)
    stats.files_seen = len(files)
    known = dict(
        con.execute("select file, sha256 from meta.loaded_files where source = ?", [source.name]).fetchall()
    )
    current = {p.relative_to(landing_dir).as_posix(): p for p in files}
    loaded_at = datetime.now().replace(microsecond=0)

    todo: list[tuple[str, Path]] = []
    for rel, path in current.items():  # a loop over files, not rows
        sha = sha256_file(path)
        if known.get(rel) == sha:
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
        parsed.append((rel, sha, result))
        log(f"{source.name}: {rel}: {result.rows.height} rækker, {result.rejected.height} afviste værdier"
            + (f", {result.cpr.height} CPR-lignende værdier maskeret" if result.cpr.height else ""))
    if errors:
        raise ContractErrors(errors)

    stats.files_removed = sorted(set(known) - set(current))
    con.execute("begin")
    try:
        for rel in stats.files_removed + [rel for rel, _, _ in parsed]:
            con.execute(f"delete from {table} where _source_file = ?", [rel])
            for table_name in ("quarantine.rejected_rows", "quarantine.cpr_fund"):
                con.execute(f"delete from {table_name} where kilde = ? and kildefil = ?", [source.name, rel])
            con.execute("delete from meta.loaded_files where source = ? and file = ?", [source.name, rel])
        for rel, sha, result in parsed:
            _add_missing_columns(con, table, result.rows)
            rows = result.rows  # noqa: F841
            rejected = result.rejected.cast(REJECTED_SCHEMA)  # noqa: F841
            cpr = result.cpr  # noqa: F841
            con.execute(
                f"insert into {table} by name select *, ? as _source_file, ? as _file_sha256, ? as _load_id,"
                " cast(? as timestamp) as _loaded_at from rows",
                [rel, sha, load_id, loaded_at],
            )
            con.execute("insert into quarantine.rejected_rows by name select * from rejected")
            con.execute("insert into quarantine.cpr_fund by name select * from cpr")
            con.execute(
                "insert into meta.loaded_files values (?, ?, ?, ?, ?, ?, ?)",
                [source.name, rel, sha, load_id, loaded_at, result.rows.height, result.rejected.height],
            )
            stats.files_loaded.append(rel)
            stats.rows_loaded += result.rows.height
            stats.rows_rejected += result.rejected.height
            stats.rows_dropped += result.dropped
            stats.cpr_found += result.cpr.height
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return stats


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
