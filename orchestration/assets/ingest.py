"""One Dagster asset per landing source (writes `raw.<source>`), each with a blocking GX check.

Parsing lives in `ingest/`, suites in `expectations/`; this module only wires them to the build
DB (the `build_db` resource). Writers and checks are in the `duckdb` pool: DuckDB allows one
process on the file at a time.
"""

import warnings
from datetime import timedelta
from pathlib import Path

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    BetaWarning,
    Failure,
    FreshnessPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from expectations.runner import (
    ROWS_PER_BATCH,
    columns_needed,
    in_worker,
    prefetch,
    prefetched,
    row_wise,
    start_worker,
    validate_query,
    worker_running,
)
from ingest.sources import MONTH, SOURCES, Source
from ingest.textfile import file_size_limit
from orchestration.partitions import LOAD_ID_TAG, SINGLE_RUN, loader_partitions, partitions_def, partitions_text
from orchestration.resources import BuildDb, SettingsResource
from warehouse import dbt_warm
from warehouse.build_state import NOT_VALIDATED_JOIN, CheckPlan, plan_check, record_passed
from warehouse.landing_settle import wait_until_settled
from warehouse.memory import release_memory
from warehouse.raw_loader import ContractErrors, RemovalRefused, load_source, table_columns
from warehouse.sql_names import ident, qualified

POOL = "duckdb"
# A check of fewer rows leaves little to give back, and `release_memory`'s garbage collection
# costs ~0,3 s in a refresh's process (14 checks of the sample: +4 s).
RELEASE_FROM_ROWS = 100_000
OWNERS = ["team:rammeaftalesekretariatet"]


def freshness(source: Source) -> FreshnessPolicy:
    # Monthly files arrive every month; the others once a year (landing-zone.md).
    return FreshnessPolicy.time_window(fail_window=timedelta(days=35 if source.grain == MONTH else 400))


def raw_key(source: Source) -> AssetKey:
    return AssetKey(["raw", source.name])


def ingest_asset(source: Source) -> AssetsDefinition:
    with warnings.catch_warnings():  # `backfill_policy` is beta in 1.13: we rely on single_run only
        warnings.simplefilter("ignore", BetaWarning)
        return _ingest_asset(source)


def _ingest_asset(source: Source) -> AssetsDefinition:
    @asset(
        key=raw_key(source),
        group_name="ingest",
        pool=POOL,
        owners=OWNERS,
        kinds={"polars", "duckdb"},
        description=" ".join(filter(None, [source.description, partitions_text(partitions_def(source))])),
        freshness_policy=freshness(source),
        partitions_def=partitions_def(source),
        backfill_policy=SINGLE_RUN if partitions_def(source) else None,
    )
    def _ingest(context: AssetExecutionContext, build_db: BuildDb, settings: SettingsResource) -> MaterializeResult:
        settings = settings.get()
        partitions = None
        if context.assets_def.partitions_def is not None:
            keys = context.partition_key_range  # one key, or a range from a single-run backfill
            partitions = loader_partitions(context.assets_def.partitions_def, keys.start, keys.end)
            context.log.info(f"{source.name}: partitioner {keys.start}…{keys.end}")
        load_id = context.run.tags.get(LOAD_ID_TAG, context.run.run_id)
        # A UI, schedule or sensor run reads no file that is still being copied in either.
        wait_until_settled(
            source.files(settings.landing_dir),
            settle=settings.settle_seconds,
            timeout=settings.settle_timeout_seconds,
            say=context.log.info,
            relative_to=settings.landing_dir,
        )
        with build_db.connect() as con, file_size_limit(settings.max_file_mib):
            try:
                stats = load_source(
                    con,
                    source,
                    settings.landing_dir,
                    load_id,
                    partitions=partitions,
                    log=context.log.info,
                    warn=context.log.warning,
                    removal=settings.removal_policy(),
                    workers=settings.parse_workers,
                    on_read=start_ahead,
                )
            except ContractErrors as exc:
                for err in exc.errors:
                    context.log.error(str(err))
                raise
            except RemovalRefused as exc:
                raise Failure(description=str(exc)) from None
            total = con.execute(f"select count(*) from {qualified('raw', source.name)}").fetchone()[0]
            _prefetch_check(con, source, build_db.path, total, context.log.warning)
            rejected = con.execute(
                "select count(*) from quarantine.afviste_raekker where kilde = ?", [source.name]
            ).fetchone()[0]
        return _materialize_result(stats, total, rejected)

    return _ingest


def start_ahead() -> None:
    """Start GX's worker and dbt's interpreter (expectations/runner.py `start_worker`,
    warehouse/dbt_warm.py `start`): a load that reads files changes rows, which GX will validate
    and dbt build on, so both import themselves on the other core while the loads run."""
    start_worker()
    dbt_warm.start()


def _materialize_result(stats, total: int, rejected: int) -> MaterializeResult:
    return MaterializeResult(
        metadata={
            "files_seen": stats.files_seen,
            "files_loaded": len(stats.files_loaded),
            "files_skipped_unchanged": stats.files_skipped,
            "files_removed": len(stats.files_removed),
            "rows_loaded": stats.rows_loaded,
            "rows_rejected": stats.rows_rejected,
            "rows_dropped_out_of_scope": stats.rows_dropped,
            "rows_outside_partitions": stats.rows_outside_partitions,
            "cpr_like_values_masked": stats.cpr_found,
            "dagster/row_count": total,
            "rejected_values_total": rejected,
        }
    )


def gx_check(source: Source) -> AssetChecksDefinition:
    @asset_check(
        asset=raw_key(source),
        name=f"gx_{source.suite}",
        blocking=True,
        pool=POOL,
        description=f"Great Expectations suite {source.suite} (expectations/suites.py); blocks everything downstream.",
    )
    def _check(context: AssetCheckExecutionContext, build_db: BuildDb) -> AssetCheckResult:
        with build_db.connect() as con:
            plan = plan_check(con, source.name, row_wise=lambda: row_wise(source.name))
            total = con.execute(f"select count(*) from {qualified('raw', source.name)}").fetchone()[0]
            if plan.skip:
                summary = f"{source.suite}: {plan.reason} ({total} rækker)"
                return AssetCheckResult(
                    passed=True,
                    severity=AssetCheckSeverity.ERROR,
                    metadata={"rows": total, "rows_validated": 0, "validated": plan.reason, "summary": summary},
                )
            outcome = prefetched((build_db.path, source.name), plan)
            if outcome is None:
                outcome = validate_query(source.name, con, *_check_query(con, source, plan))
            if outcome.success:
                record_passed(con, source.name, plan, context.run.run_id)
        if outcome.rows >= RELEASE_FROM_ROWS:  # GX's pandas batches, before dbt's process starts beside this one
            release_memory()
            in_worker(release_memory)
        metadata = {
            "rows": total,
            "rows_validated": outcome.rows,
            "validated": plan.reason,
            "expectations": outcome.evaluated,
            "summary": outcome.summary(),
        }
        if outcome.failures:
            metadata["failures"] = MetadataValue.md(_failures_markdown(outcome))
        return AssetCheckResult(passed=outcome.success, severity=AssetCheckSeverity.ERROR, metadata=metadata)

    return _check


def _check_query(con: duckdb.DuckDBPyConnection, source: Source, plan: CheckPlan) -> tuple[str, list]:
    """(SQL, parameters) of the rows the GX check of `source` validates under `plan`: the
    columns its suite reads that the raw table has, of every row or of those not validated yet."""
    have = set(table_columns(con, "raw", source.name))
    columns = ", ".join(ident(c) for c in columns_needed(source.name) if c in have)
    sql = f"select {columns} from {qualified('raw', source.name)}"
    return (f"{sql} {NOT_VALIDATED_JOIN}", [source.name]) if plan.only_new else (sql, [])


def _prefetch_check(con: duckdb.DuckDBPyConnection, source: Source, build_db: Path, total: int, warn) -> None:
    # The rows the table's check will validate, handed to the GX worker as soon as they are
    # loaded: it validates them while the next loads run, and the check takes the outcome if
    # its plan is still this one (the same rows: warehouse/build_state.py `raw_states`). Only a
    # speed-up: whatever goes wrong here leaves the check to validate, and the load stands.
    if not worker_running():
        return
    try:
        plan = plan_check(con, source.name, row_wise=lambda: row_wise(source.name))
        if plan.skip or (not plan.only_new and total > ROWS_PER_BATCH):  # more than is held
            return
        prefetch((build_db, source.name), plan, source.name, con, *_check_query(con, source, plan))
    except Exception as exc:  # noqa: BLE001 — see above
        warn(
            f"{source.suite}: rækkerne blev ikke givet til GX-arbejdsprocessen på forhånd ({exc}); kontrollen validerer dem"
        )


def _failures_markdown(outcome) -> str:
    lines = ["| expectation | column | rows | first failing (file, line, key) |", "|---|---|---|---|"]
    for f in outcome.failures:
        examples = "; ".join(", ".join(f"{k}={v}" for k, v in ex.items()) for ex in f.examples[:5]) or "–"
        lines.append(f"| {f.expectation} | {f.column} | {f.unexpected_count} | {examples} |")
    return "\n".join(lines)


# Written by every ingest asset, read by dbt (cockpit.afviste_raekker, rule R15): declared so the
# UI shows them in this group instead of "default".
QUARANTINE_TABLES = [
    AssetSpec(
        ["quarantine", "afviste_raekker"],
        group_name="ingest",
        owners=OWNERS,
        description="Values that could not be parsed: source, file, line, column, raw value, reason.",
    ),
    AssetSpec(
        ["quarantine", "cpr_fund"],
        group_name="ingest",
        owners=OWNERS,
        description="Where CPR-like values were found and masked: source, file, line, column.",
    ),
]
INGEST_ASSETS = [ingest_asset(s) for s in SOURCES.values()]
INGEST_CHECKS = [gx_check(s) for s in SOURCES.values()]
