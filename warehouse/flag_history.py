"""The flags' history across refreshes (issue 22): every flag ever found, one row per flag_id, in
the build DB's own bookkeeping, `meta.flag_history`.

dbt computes this refresh's flags (`quality.dq_flag`: the rule models' union, with each flag's
id from the rule and the registration's own key). After each build, before publishing,
`record_refresh` compares them with the history:

- a flag not in the history is `ny`, with `foerst_fundet` = this refresh;
- a flag in it is `uændret` (also one that was `rettet` and is found again: it keeps its
  `foerst_fundet`); `sidst_fundet` = this refresh either way, and its columns are this refresh's
  (the file and line where it is now);
- a flag in the history that this refresh judged and did not find is `rettet`, with
  `rettet_fundet` / `rettet_run_id` the refresh that stopped finding it (its columns stay as
  last found).

`accepteret` is not stored: it is a steward's decision (`raw.beslutninger`), applied by the
cockpit views, so a decision withdrawn is gone at the next build.

The table is created by dbt's on-run-start (dbt_project.yml, beside `meta.koersler`), so the
cockpit views over it bind in any build DB; a rebuild of every dbt model (a full refresh) and a
re-read of every landing file leave it alone: it is no model of dbt and no raw table.

A refresh's statuses count only when it publishes: `record_refresh` runs before the publish
(the published file holds the history's views) and keeps the history as it was in
`meta.flag_history_undo`, with the refresh's run id in `meta.flag_history_pending`. A publish
that fails puts it back (`undo_refresh`), one that succeeds drops it (`confirm_refresh`). A
refresh killed in between leaves both tables, and the next `record_refresh` puts the history
back first unless that run is in the run log (`meta.koersler`: it was recorded as published, so
it was killed after its publish); a failed publish's run log row is deleted beside the undo.

Which flags a refresh judges: dbt computes the rules over the whole warehouse, every raw table
as loaded so far, so a refresh's flags are complete. A partition run says so nevertheless
(`Scope`): it may mark `rettet` only the flags of its own grain's sources and periods, so a
monthly run never marks a yearly flag `rettet`, whatever a partial build left in the rule tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from ingest.sources import SOURCES
from warehouse.publishing import newest_published_run

HISTORY = "meta.flag_history"
FOUND = "quality.dq_flag"
# The columns of a flag as found (quality.dq_flag); the history keeps the last found values.
FLAG_COLUMNS = (
    "regel",
    "regel_navn",
    "alvorlighed",
    "kilde",
    "kildefil",
    "kildelinje",
    "kommunekode",
    "tilbudsnr",
    "periode",
    "beskrivelse",
    "vaerdi",
    "forventet",
    "load_id",
    "flag_noegle",
    "driftsherre",
)


# The history as it was before the refresh that has not published yet, and that refresh's run id.
UNDO = "meta.flag_history_undo"
PENDING = "meta.flag_history_pending"
RUN_LOG = "meta.koersler"


@dataclass(frozen=True)
class Scope:
    """What a partition run read: its grain (`ingest.sources.YEAR` or `MONTH`) and the first and
    last partition key (`2024`, `2024-03`). Flags of sources of that grain whose period lies in
    the range are judged; a flag without a period (the register of tilbud) is judged by every run."""

    grain: str
    start: str
    end: str

    def sql(self) -> tuple[str, list]:
        """A SQL condition on the history's rows (kilde, periode) and its parameters."""
        kilder = sorted(s.name for s in SOURCES.values() if s.grain == self.grain)
        width = len(self.start)  # 4 for years, 7 for months: a posting's periode is yyyy-mm
        return (
            f"(periode is null or (kilde in ({', '.join('?' * len(kilder))}) "
            f"and left(periode, {width}) between ? and ?))",
            [*kilder, self.start, self.end],
        )


@dataclass(frozen=True)
class RefreshSummary:
    """Counts of one refresh's comparison: flags first found, found again, no longer found."""

    ny: int
    uaendret: int
    rettet: int

    def line(self) -> str:
        """One Danish line for the run log."""
        return f"flaghistorik: {self.ny} nye, {self.uaendret} uændrede, {self.rettet} rettet siden sidste kørsel"


def record_refresh(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    at: datetime,
    scope: Scope | None = None,
    published_db: Path | None = None,
) -> RefreshSummary:
    """Compare this refresh's flags (`quality.dq_flag`) with `meta.flag_history` and update it
    in one transaction, keeping the history as it was until the refresh publishes
    (`confirm_refresh`) or fails to (`undo_refresh`); a pending refresh of a run that never
    published is undone first. `run_id` and `at` (naive UTC) name the refresh; `scope` None
    judges every flag (a whole refresh), else only the flags `Scope` names. Idempotent: a second
    call with the same run id leaves the table as the first did (`ny` stays `ny` for the run that
    found it). `published_db`: the published file, which says whether a pending refresh published
    (none: nothing published). Raises duckdb.CatalogException when dbt has not built the flags yet."""
    cols = ", ".join(FLAG_COLUMNS)
    judged, params = scope.sql() if scope else ("true", [])
    con.execute("begin")
    try:
        _settle_pending(con, published_db)
        con.execute(f"create table {UNDO} as select * from {HISTORY}")
        con.execute(f"create table {PENDING} as select cast(? as varchar) as run_id", [run_id])
        con.execute(f"create or replace temp table found_now as select flag_id, {cols} from {FOUND}")
        con.execute(
            f"""update {HISTORY} set status = 'rettet', rettet_fundet = ?, rettet_run_id = ?
                where status <> 'rettet' and {judged}
                  and flag_id not in (select flag_id from found_now)""",
            [at, run_id, *params],
        )
        # counted by run id, not by the update: a second call for the same run says the same
        rettet = con.execute(f"select count(*) from {HISTORY} where rettet_run_id = ?", [run_id]).fetchone()[0]
        con.execute(
            f"""insert into {HISTORY} by name
                select flag_id, {cols}, ? as foerst_fundet, ? as foerst_run_id, ? as sidst_fundet,
                       ? as sidst_run_id, 'ny' as status, null as rettet_fundet, null as rettet_run_id
                from found_now
                on conflict (flag_id) do update set
                    {", ".join(f"{c} = excluded.{c}" for c in FLAG_COLUMNS)},
                    sidst_fundet = excluded.sidst_fundet, sidst_run_id = excluded.sidst_run_id,
                    status = case when foerst_run_id = excluded.sidst_run_id then 'ny' else 'uændret' end,
                    rettet_fundet = null, rettet_run_id = null""",
            [at, run_id, at, run_id],
        )
        ny, uaendret = con.execute(
            f"""select count(*) filter (status = 'ny'), count(*) filter (status = 'uændret')
                from {HISTORY} where sidst_run_id = ?""",
            [run_id],
        ).fetchone()
        con.execute("drop table found_now")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return RefreshSummary(int(ny), int(uaendret), int(rettet))


def undo_refresh(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Put `meta.flag_history` back as it was before `run_id`'s `record_refresh`, row for row:
    that refresh did not publish. True when it was undone; False when `run_id` is not the
    pending refresh (nothing recorded, or confirmed already)."""
    return _with_pending(con, run_id, restore=True)


def confirm_refresh(con: duckdb.DuckDBPyConnection, run_id: str) -> bool:
    """Keep `run_id`'s statuses for good (it published): drop the history's undo copy. True
    when `run_id` was the pending refresh."""
    return _with_pending(con, run_id, restore=False)


def _with_pending(con: duckdb.DuckDBPyConnection, run_id: str, *, restore: bool) -> bool:
    con.execute("begin")
    try:
        pending = _pending_run(con) == run_id
        if pending:
            _end_pending(con, restore=restore)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return pending


def _settle_pending(con: duckdb.DuckDBPyConnection, published_db: Path | None) -> None:
    # A refresh killed between its record_refresh and the end of its publish: undone, with its
    # run log row, unless the published file names it (killed after the publish, before the
    # confirm_refresh).
    run_id = _pending_run(con)
    if run_id is None:
        return
    newest = newest_published_run(published_db) if published_db is not None else None
    published = newest is not None and newest[0] == run_id
    if not published:
        con.execute(f"delete from {RUN_LOG} where run_id = ?", [run_id])
    _end_pending(con, restore=not published)


def _pending_run(con: duckdb.DuckDBPyConnection) -> str | None:
    exists = con.execute(
        """select count(*) from duckdb_tables()
           where database_name = current_database() and schema_name = 'meta' and table_name = ?""",
        [PENDING.split(".")[1]],
    ).fetchone()[0]
    if not exists:
        return None
    row = con.execute(f"select run_id from {PENDING}").fetchone()
    return row[0] if row else None


def _end_pending(con: duckdb.DuckDBPyConnection, *, restore: bool) -> None:
    if restore:
        con.execute(f"delete from {HISTORY}")
        con.execute(f"insert into {HISTORY} by name select * from {UNDO}")
    con.execute(f"drop table {UNDO}")
    con.execute(f"drop table {PENDING}")


# A decision line that names a flag: read from raw, so its file and line can be named.
_DECISIONS = """select _source_file, _source_line, trim(flag_id) as flag_id from raw.beslutninger
                where beslutning is not null and nullif(trim(flag_id), '') is not null"""


def unknown_decisions(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str]]:
    """(file, line, flag_id) of every decision line in `raw.beslutninger` whose flag_id no
    refresh has found (not in `meta.flag_history`): a mistyped id, or a flag of another build
    DB. Never ignored silently: the run summary and `cockpit check` list them. Empty when the
    build DB has no decisions or no history yet."""
    try:
        return [
            (file, int(line), flag_id)
            for file, line, flag_id in con.execute(
                f"""select _source_file, _source_line, flag_id from ({_DECISIONS})
                    where flag_id not in (select flag_id from {HISTORY}) order by 1, 2"""
            ).fetchall()
        ]
    except duckdb.CatalogException:
        return []


def unknown_decision_lines(unknown: list[tuple[str, int, str]]) -> list[str]:
    """One Danish line per decision on an unknown flag: file, line, id and what to do."""
    return [
        f"beslutning på ukendt flag: {file} linje {line}, kolonne Flag-id: {flag_id!r} er ikke fundet af nogen "
        "kørsel: kopiér Flag-id fra arbejdslisten (cockpit worklist) eller fjern linjen"
        for file, line, flag_id in unknown
    ]


def summary_lines(con: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """The run summary's lines about the flags' history: how many of the open list are new,
    unchanged or accepted, how many this run found corrected, and every decision on an unknown
    flag (`unknown_decision_lines`)."""
    try:
        status = dict(con.execute("select status, count(*) from cockpit.datakvalitet group by 1").fetchall())
        rettet = con.execute(f"select count(*) from {HISTORY} where rettet_run_id = ?", [run_id]).fetchone()[0]
    except duckdb.CatalogException:
        return []
    line = (
        f"flagstatus: {status.get('ny', 0)} nye, {status.get('uændret', 0)} uændrede, "
        f"{status.get('accepteret', 0)} accepterede; {rettet} rettet siden sidste kørsel"
    )
    return [line, *unknown_decision_lines(unknown_decisions(con))]


def known_flag_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Every flag id a refresh of this build DB has found (`meta.flag_history`); empty before
    the first build."""
    try:
        return {r[0] for r in con.execute(f"select flag_id from {HISTORY}").fetchall()}
    except duckdb.CatalogException:
        return set()
