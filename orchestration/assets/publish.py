"""Publish: record the run, checkpoint the build DB, copy it beside the published file and
rename it into place. The rename is atomic on POSIX, so a BI reader sees either yesterday's
cockpit or today's, never half of one; a run that fails before this asset publishes nothing.
"""


import os
import shutil
from datetime import datetime, timezone

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, asset

from orchestration.assets.dbt import cockpit_dbt_assets
from orchestration.flags import has_flags_view
from orchestration.partitions import LOAD_ID_TAG
from orchestration.settings import Settings

PUBLISHED_KEY = AssetKey(["publish", "cockpit_duckdb"])
# Written by the publish step (one row per published run), read by dbt as cockpit.koersler.
RUN_LOG = AssetSpec(["meta", "koersler"], group_name="publish", owners=["team:rammeaftalesekretariatet"],
                    description="One row per published run: times, landing dir, files, rows loaded, flags.")


@asset(
    key=PUBLISHED_KEY,
    deps=[cockpit_dbt_assets],
    group_name="publish",
    pool="duckdb",
    owners=["team:rammeaftalesekretariatet"],
    kinds={"duckdb"},
    description="The published cockpit DuckDB file BI tools open read-only (write-audit-publish).",
)
def published_cockpit(context: AssetExecutionContext) -> MaterializeResult:
    settings = Settings.from_env()
    stats = context.instance.get_run_stats(context.run.run_id)
    started = datetime.fromtimestamp(stats.start_time or datetime.now().timestamp(), tz=timezone.utc)
    with settings.connect_build() as con:
        load_id = context.run.tags.get(LOAD_ID_TAG, context.run.run_id)
        row = record_run(con, context.run.run_id, load_id, started, str(settings.landing_dir))
        con.execute("checkpoint")
    try:
        size = publish_file(settings.build_db, settings.published_db)
    except Exception:
        with settings.connect_build() as con:
            con.execute("delete from meta.koersler where run_id = ?", [context.run.run_id])
        raise
    context.log.info(f"publiceret {settings.published_db} ({size / 1e6:.1f} MB)")
    return MaterializeResult(
        metadata={"path": str(settings.published_db), "bytes": size, **{k: v for k, v in row.items() if v is not None}}
    )


def record_run(con: duckdb.DuckDBPyConnection, run_id: str, load_id: str, started: datetime, landing_dir: str) -> dict:
    files = con.execute("select count(*) from meta.loaded_files").fetchone()[0]
    rows = con.execute(
        "select coalesce(sum(rows_loaded), 0) from meta.loaded_files where load_id = ?", [load_id]
    ).fetchone()[0]
    flags = _flag_counts(con)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    values = {
        "run_id": run_id,
        "startet": started.astimezone(timezone.utc).replace(tzinfo=None),
        "afsluttet": now,
        "landing_dir": landing_dir,
        "filer": files,
        "raekker_indlaest": int(rows),
        "flag_fejl": flags.get("fejl", 0),
        "flag_advarsel": flags.get("advarsel", 0),
        "publiceret": now,
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
    return dict(con.execute("select alvorlighed, count(*) from cockpit.datakvalitet group by 1").fetchall())


def publish_file(build_db, published_db) -> int:
    published_db.parent.mkdir(parents=True, exist_ok=True)
    tmp = published_db.with_name(f".{published_db.name}.{os.getpid()}.tmp")
    shutil.copyfile(build_db, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, published_db)
    return published_db.stat().st_size
