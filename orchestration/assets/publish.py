"""Publish: fingerprint the BI subset of the audited build DB (warehouse/bi_subset.py), record the run with that fingerprint, checkpoint,
and write that subset as the published file (warehouse/publishing.py: stale sidecars
moved aside, atomic rename, read-only, verified against the fingerprint). A BI reader sees
either yesterday's cockpit or today's, never half of one and never a replayed stale log; a run
that fails before this asset publishes nothing.
"""

from datetime import UTC, datetime

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, asset

from ingest.sources import MONTH, YEAR
from orchestration.assets.quality import DATAKVALITET_KEY
from orchestration.partitions import LOAD_ID_TAG, MONTHLY, RANGE_END_TAG, RANGE_START_TAG, YEARLY, full_range
from orchestration.resources import BuildDb, SettingsResource
from warehouse.bi_subset import build_subset_fingerprint
from warehouse.build_db import release_held
from warehouse.flag_history import (
    Scope,
    confirm_refresh,
    record_refresh,
    undo_refresh,
    unknown_decision_lines,
    unknown_decisions,
)
from warehouse.flags import has_flags_view
from warehouse.publishing import publish_verified, record_file_digest

PUBLISHED_KEY = AssetKey(["publish", "cockpit_duckdb"])
# Written by the publish step (one row per published run), read by dbt as cockpit.koersler.
RUN_LOG = AssetSpec(
    ["meta", "koersler"],
    group_name="publish",
    owners=["team:rammeaftalesekretariatet"],
    description="One row per published run: times, landing dir, files, rows loaded, flags, and the "
    "content fingerprint of the audited build that was published.",
)
# Updated by the publish step before it fingerprints (warehouse/flag_history.py), undone when the
# publish fails, read by dbt as cockpit.datakvalitet(_historik).
FLAG_HISTORY = AssetSpec(
    ["meta", "flag_history"],
    group_name="publish",
    owners=["team:rammeaftalesekretariatet"],
    description="Every registration flag ever found, one row per flag_id, with its status (ny, uændret, rettet) "
    "and when it was first and last found; kept across refreshes and full rebuilds.",
)
# The run log's columns are cockpit.koersler's (contract names); metadata keys are English.
RUN_METADATA_KEYS = {
    "run_id": "run_id",
    "startet": "started",
    "afsluttet": "finished",
    "landing_dir": "landing_dir",
    "filer": "files",
    "raekker_indlaest": "rows_loaded",
    "flag_fejl": "flags_fejl",
    "flag_advarsel": "flags_advarsel",
    "publiceret": "published",
    "fingeraftryk": "fingerprint",
}


@asset(
    key=PUBLISHED_KEY,
    # One dependency, not one per dbt model: every model comes from the single dbt step, so one
    # waits for all of them, and when that step fails Dagster names it once instead of once per model.
    deps=[DATAKVALITET_KEY],
    group_name="publish",
    pool="duckdb",
    owners=["team:rammeaftalesekretariatet"],
    kinds={"duckdb"},
    description="The published cockpit DuckDB file BI tools open read-only (write-audit-publish): the BI "
    "subset of the audited build DB (the cockpit views but the row-level ones, disclosure-controlled, "
    "reference data and the run log), after the one dbt step that builds them all.",
)
def published_cockpit(
    context: AssetExecutionContext, build_db: BuildDb, settings: SettingsResource
) -> MaterializeResult:
    settings = settings.get()
    release_held(settings.build_db)  # the file is checkpointed, closed and copied: not held open
    stats = context.instance.get_run_stats(context.run.run_id)
    started = datetime.fromtimestamp(stats.start_time or datetime.now().timestamp(), tz=UTC)
    run_id = context.run.run_id
    try:
        with build_db.connect() as con:
            history = record_refresh(
                con, run_id, started.replace(tzinfo=None), judged_scope(context.run.tags), settings.published_db
            )
            context.log.info(history.line())
            for line in unknown_decision_lines(unknown_decisions(con)):
                context.log.warning(line)
            load_id = context.run.tags.get(LOAD_ID_TAG, run_id)
            audited = build_subset_fingerprint(con)
            row = record_run(con, run_id, load_id, started, str(settings.landing_dir), audited.digest)
            expected = build_subset_fingerprint(con)  # the same digest; now with this run's row in the run log
            con.execute("checkpoint")
        size = publish_verified(build_db.path, settings.published_db, expected, warn=context.log.warning)
    except BaseException:
        # Not published (a failure, or a termination from the UI: Dagster's interrupt is no
        # Exception): neither this run's row in the run log nor its flag statuses stay.
        with build_db.connect() as con:
            con.execute("delete from meta.koersler where run_id = ?", [run_id])
            undo_refresh(con, run_id)
        raise
    with build_db.connect() as con:
        confirm_refresh(con, run_id)
    record_file_digest(settings.published_db)  # so a later run sees damage anywhere in the file
    context.log.info(f"publiceret {settings.published_db} ({size / 1e6:.1f} MB, fingeraftryk {audited.digest[:12]}…)")
    run = {RUN_METADATA_KEYS[k]: v for k, v in row.items() if v is not None}
    flags = {"flags_new": history.ny, "flags_unchanged": history.uaendret, "flags_corrected": history.rettet}
    return MaterializeResult(metadata={"path": str(settings.published_db), "bytes": size, **run, **flags})


def judged_scope(tags: dict[str, str]) -> Scope | None:
    """Which flags this run may mark `rettet` (warehouse/flag_history.py): a run over part of
    its job's partitions (run tags: one partition, or a range) judges that grain and range; a
    run over all of them (`cockpit run`), or without partitions, judges every flag."""
    start = tags.get(RANGE_START_TAG) or tags.get("dagster/partition")
    if not start:
        return None
    end = tags.get(RANGE_END_TAG) or start
    yearly = len(start) == 4
    if (start, end) == full_range(YEARLY if yearly else MONTHLY):
        return None
    return Scope(YEAR if yearly else MONTH, start, end)


def record_run(
    con: duckdb.DuckDBPyConnection, run_id: str, load_id: str, started: datetime, landing_dir: str, fingeraftryk: str
) -> dict:
    """Insert (or replace) `run_id`'s row in meta.koersler and return it (column → value,
    timestamps as text; the asset's metadata names them by RUN_METADATA_KEYS):
    run_id, startet/afsluttet/publiceret (UTC, naive), landing_dir, filer (files in the
    warehouse), raekker_indlaest (rows this load id loaded), flag_fejl, flag_advarsel, and
    fingeraftryk (`warehouse.bi_subset.SubsetFingerprint.digest` of the audited build's BI subset)."""
    files = con.execute("select count(*) from meta.loaded_files").fetchone()[0]
    rows = con.execute(
        "select coalesce(sum(rows_loaded), 0) from meta.loaded_files where load_id = ?", [load_id]
    ).fetchone()[0]
    flags = _flag_counts(con)
    now = datetime.now(UTC).replace(tzinfo=None)
    values = {
        "run_id": run_id,
        "startet": started.astimezone(UTC).replace(tzinfo=None),
        "afsluttet": now,
        "landing_dir": landing_dir,
        "filer": files,
        "raekker_indlaest": int(rows),
        "flag_fejl": flags.get("fejl", 0),
        "flag_advarsel": flags.get("advarsel", 0),
        "publiceret": now,
        "fingeraftryk": fingeraftryk,
    }
    con.execute("delete from meta.koersler where run_id = ?", [run_id])
    con.execute(
        f"insert into meta.koersler ({', '.join(values)}) values ({', '.join('?' * len(values))})",
        list(values.values()),
    )
    return {k: (str(v) if isinstance(v, datetime) else v) for k, v in values.items()}


def _flag_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    if not has_flags_view(con):
        return {}
    # Open flags: an accepted one is still listed, but not counted (issue 22).
    return dict(
        con.execute(
            "select alvorlighed, count(*) from cockpit.datakvalitet where status <> 'accepteret' group by 1"
        ).fetchall()
    )
