"""The yearly report as a Dagster asset: `report/styringscockpit`, one partition per year,
downstream of publish. It reads only the published file (never the build DB), so it is not in
the `duckdb` pool and may run while nothing else writes. The refresh jobs leave it out
(a range run over every year would try years without data); `yearly_report` builds one year,
and `cockpit run` builds the newest complete year after publishing.
"""

from collections.abc import Callable

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    DagsterInstance,
    MaterializeResult,
    MetadataValue,
    asset,
    define_asset_job,
)

from orchestration.assets.publish import PUBLISHED_KEY
from orchestration.partitions import YEARLY
from orchestration.settings import Settings

REPORT_KEY = AssetKey(["report", "styringscockpit"])
REPORT_GROUP = "report"


@asset(
    key=REPORT_KEY,
    deps=[PUBLISHED_KEY],
    partitions_def=YEARLY,
    group_name=REPORT_GROUP,
    owners=["team:rammeaftalesekretariatet"],
    kinds={"html", "pdf"},
    description="Styringscockpit KKR Nordjylland – <år>: the yearly report (HTML, PDF A4, memo) DAS reads, "
    "made from the published warehouse only.",
)
def styringscockpit_report(context: AssetExecutionContext) -> MaterializeResult:
    from report.build import build_report

    settings = Settings.from_env()
    files = build_report(settings.published_db, settings.report_dir, int(context.partition_key),
                         progress=context.log.info)
    return MaterializeResult(metadata={
        "html": MetadataValue.path(str(files.html)),
        "pdf": MetadataValue.path(str(files.pdf)),
        "memo": MetadataValue.path(str(files.memo)),
        "pages": files.pages,
        "memo_preview": MetadataValue.md(files.memo_text),
    })


yearly_report = define_asset_job(
    "yearly_report",
    selection=AssetSelection.groups(REPORT_GROUP),
    description="The yearly report of one year (partition), from the published warehouse.",
)


def build_newest_report(settings: Settings, instance: DagsterInstance, progress: Callable[[str], None],
                        run_config: dict | None = None) -> str:
    """After publishing: materialise the report of the newest complete year through
    `yearly_report` (so the UI shows it) and return one line saying where it is. A report that
    cannot be made leaves the published warehouse as it is; the line says why."""
    from orchestration.definitions import defs
    from report.warehouse import ReportError, Warehouse

    try:
        with Warehouse(settings.published_db) as wh:
            year = wh.newest_complete_year()
    except ReportError as exc:
        progress(f"rapport: ikke lavet — {exc}")
        return f"Rapport: ikke lavet — {exc}"
    progress(f"yearly_report: partition {year}")
    result = defs.resolve_job_def("yearly_report").execute_in_process(
        instance=instance, partition_key=str(year), raise_on_error=False, run_config=run_config or {})
    if not result.success:
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        error = failure.step_failure_data.error if failure else None
        while error is not None and error.cause is not None and "Error occurred while" in error.message:
            error = error.cause  # Dagster wraps the user error; its cause says why
        reason = error.message.strip().splitlines()[0] if error else "ukendt fejl"
        progress(f"rapport {year}: FEJLEDE — {reason}")
        return f"Rapport {year}: ikke lavet — {reason}"
    meta = next(e.event_specific_data.materialization.metadata for e in result.all_events
                if e.is_step_materialization)
    progress(f"  ✓ {REPORT_KEY.to_user_string()} ({year}, {meta['pages'].value} sider)")
    return f"Rapport {year}: {meta['html'].value}\n            {meta['pdf'].value} ({meta['pages'].value} sider)\n            {meta['memo'].value}"
