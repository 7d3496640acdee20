"""The yearly report as a Dagster asset: `report/styringscockpit`, one partition per year,
downstream of publish. It reads only the published file (never the build DB), so it is not in
the `duckdb` pool and may run while nothing else writes. The refresh jobs leave it out
(a range run over every year would try years without data); `yearly_report` builds one year,
and `cockpit run` builds the newest complete year after publishing.
"""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    MaterializeResult,
    MetadataValue,
    asset,
    define_asset_job,
)

from orchestration.assets.publish import PUBLISHED_KEY
from orchestration.partitions import YEARLY, partitions_text
from orchestration.resources import SettingsResource

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
    "made from the published warehouse only. " + partitions_text(YEARLY),
)
def styringscockpit_report(context: AssetExecutionContext, settings: SettingsResource) -> MaterializeResult:
    from report.build import build_report

    settings = settings.get()
    files = build_report(
        settings.published_db, settings.report_dir, int(context.partition_key), progress=context.log.info
    )
    return MaterializeResult(
        metadata={
            "html": MetadataValue.path(str(files.html)),
            "pdf": MetadataValue.path(str(files.pdf)),
            "memo": MetadataValue.path(str(files.memo)),
            "pages": files.pages,
            "seconds": round(files.seconds, 1),
            "memo_preview": MetadataValue.md(files.memo_text),
        }
    )


yearly_report = define_asset_job(
    "yearly_report",
    selection=AssetSelection.groups(REPORT_GROUP),
    description="The yearly report of one year (partition), from the published warehouse. " + partitions_text(YEARLY),
)
