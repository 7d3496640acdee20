"""Time partitions of the ingest assets (ARCHITECTURE.md, Time).

Yearly sources (accounts, population, rates, postings, health-check target group) are
partitioned by year, monthly ones (occupancy, secure institutions, health checks) by month,
from 2019 to the current year or month. Keys are the periods the rows carry ("2024", "2024-03"),
so a partition is what a steward calls it. The register of tilbud is not partitioned.
"""

from dagster import (
    BackfillPolicy,
    MonthlyPartitionsDefinition,
    PartitionsDefinition,
    TimeWindowPartitionsDefinition,
)

from ingest.sources import MONTH, YEAR, Source
from warehouse.periods import FIRST_YEAR, TIMEZONE
from warehouse.raw_loader import Partitions

# end_offset=1: the current year (month) is a partition too, though not over yet — files for
# it arrive during it, and the cockpit shows the year so far.
YEARLY = TimeWindowPartitionsDefinition(
    start=str(FIRST_YEAR), fmt="%Y", cron_schedule="0 0 1 1 *", timezone=TIMEZONE, end_offset=1
)
MONTHLY = MonthlyPartitionsDefinition(start_date=f"{FIRST_YEAR}-01", fmt="%Y-%m", timezone=TIMEZONE, end_offset=1)

# A backfill of many years or months is one run that loads the range at once, so a year's
# refresh is one backfill and one dbt invocation.
SINGLE_RUN = BackfillPolicy.single_run()

LOAD_ID_TAG = "cockpit/load_id"  # several runs of one `cockpit run` share a load id
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


# How the UI should read them. Dagster 1.13 names a time partitioning by its cadence only for
# hourly, daily, weekly and monthly (`ScheduleType`); a yearly one it describes by its cron string
# ("0 0 1 1 *, starting 2019 Europe/Copenhagen. End offsetted by 1 partition."), and the UI
# rebuilds that text from the definition's snapshot, so no subclass can change it. The assets'
# and jobs' descriptions say it in words instead.
PARTITIONS_TEXT = {
    "yearly": f"Partitioned by year: one partition per calendar year, {FIRST_YEAR} to this year "
    "(Dagster writes the yearly cadence as the cron 0 0 1 1 *, 1 January).",
    "monthly": f"Partitioned by month: one partition per calendar month, {FIRST_YEAR}-01 to this month.",
}


def partitions_text(pdef: PartitionsDefinition | None) -> str:
    """One English sentence saying how `pdef` partitions (yearly or monthly), or "" for none."""
    if pdef is YEARLY:
        return PARTITIONS_TEXT["yearly"]
    return PARTITIONS_TEXT["monthly"] if pdef is MONTHLY else ""


def partitions_def(source: Source) -> PartitionsDefinition | None:
    return {YEAR: YEARLY, MONTH: MONTHLY}.get(source.grain)


def full_range(pdef: PartitionsDefinition) -> tuple[str, str]:
    return pdef.get_first_partition_key(), pdef.get_last_partition_key()


def loader_partitions(pdef: PartitionsDefinition, start: str, end: str) -> Partitions:
    first, last = full_range(pdef)
    return Partitions(start=start, end=end, first=first, last=last)


def range_tags(start: str, end: str) -> dict[str, str]:
    return {RANGE_START_TAG: start, RANGE_END_TAG: end}
