"""Jobs, schedules and the landing-dir sensor (issue: operations; ARCHITECTURE.md, Time).

`yearly_refresh` (partitioned by year) is the annual refresh: the yearly sources and the
register of tilbud for a year or a range of years, every dbt model once, publish. A year's
refresh is a backfill of one partition; a backfill of several years is one run (single-run
backfill policy), so one dbt invocation either way. `monthly_refresh` (partitioned by month)
loads the monthly sources and rebuilds what depends on them; a schedule runs it on the 5th for
the month before. The sensor requests a run for the partitions a new or changed file holds.
Schedules and sensor are shipped stopped: an operator turns them on in the UI, so `dagster dev`
on a laptop does not start refreshing by itself.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import datetime, timedelta

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    define_asset_job,
    schedule,
    sensor,
)

from ingest.errors import ContractError
from ingest.sources import MONTH, SOURCES, YEAR, Source, periods_of, read_file
from ingest.textfile import sha256_file
from orchestration.partitions import MONTHLY, TIMEZONE, YEARLY, full_range, partitions_def, range_tags
from orchestration.settings import Settings

MONTHLY_RAW = [AssetKey(["raw", s.name]) for s in SOURCES.values() if s.grain == MONTH]
YEARLY_RAW = [AssetKey(["raw", s.name]) for s in SOURCES.values() if s.grain == YEAR]

# Each job is its own sources, the register of tilbud (unpartitioned), every dbt model and
# publish: what the publish step needs is the whole cockpit, so a job that rebuilt only the
# models downstream of its sources failed on a fresh build DB for lack of the others' tables.
# The other grain's raw tables are read as they are (created empty in a new build DB).
yearly_refresh = define_asset_job(
    "yearly_refresh",
    selection=AssetSelection.all() - AssetSelection.assets(*MONTHLY_RAW),
    description="The annual refresh for a year (or a range: one run): accounts, population, rates, postings, "
    "target group and the register of tilbud, every dbt model, publish.",
)

monthly_refresh = define_asset_job(
    "monthly_refresh",
    selection=AssetSelection.all() - AssetSelection.assets(*YEARLY_RAW),
    description="The monthly sources for a month (or a range: one run): occupancy, secure institutions, health "
    "checks and the register of tilbud, every dbt model, publish.",
)


JOB_PARTITIONS = {"yearly_refresh": YEARLY, "monthly_refresh": MONTHLY}
# Everything, as `cockpit run` does it: the monthly sources over every month (their ingest assets
# only), then the yearly refresh over every year (yearly sources, every dbt model once, publish).
FULL_REFRESH = [("monthly_refresh", MONTHLY_RAW), ("yearly_refresh", None)]
READ_BUDGET_SECONDS = 30.0


@schedule(
    name="monthly_sources_5th_0600",
    job=monthly_refresh,
    cron_schedule="0 6 5 * *",
    execution_timezone=TIMEZONE,
    default_status=DefaultScheduleStatus.STOPPED,
    description="The 5th of every month at 06:00 Copenhagen time: last month's occupancy, secure institutions "
    "and health checks.",
)
def monthly_schedule(context: ScheduleEvaluationContext):
    return RunRequest(partition_key=previous_month(context.scheduled_execution_time))


def previous_month(moment: datetime) -> str:
    return (moment.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def landing_files(settings: Settings) -> dict[str, str]:
    """Every landing file a source reads → its SHA-256."""
    files = {p for source in SOURCES.values() for p in source.files(settings.landing_dir)}
    return {p.relative_to(settings.landing_dir).as_posix(): sha256_file(p) for p in sorted(files)}


def run_key(changes: list[str]) -> str:
    """One file: `path@sha256`. Several (a yearly drop of ninety files should start one run,
    not ninety): their count and a hash of the sorted `path@sha256` list."""
    if len(changes) == 1:
        return changes[0]
    digest = hashlib.sha256("\n".join(sorted(changes)).encode()).hexdigest()[:16]
    return f"{len(changes)} filer@{digest}"


def source_of(settings: Settings) -> dict[str, Source]:
    return {p.relative_to(settings.landing_dir).as_posix(): source
            for source in SOURCES.values() for p in source.files(settings.landing_dir)}


def partition_keys(settings: Settings, rel: str, source: Source) -> list[str]:
    """The partitions a file feeds, read from its rows as the loader reads them."""
    pdef = partitions_def(source)
    if pdef is None:
        return []
    try:
        rows = read_file(source, settings.landing_dir / rel, settings.landing_dir, "sensor").rows
    except ContractError:
        return []  # the run reads the file again and reports where it is broken
    first, last = full_range(pdef)
    return sorted(p for p in periods_of(rows, source)["periode"] if p is not None and first <= p <= last)


def run_requests(settings: Settings, changes: dict[str, str]) -> tuple[list[RunRequest], set[str]]:
    """One run per job for a tick's changed files, over the range of partitions they hold, and
    the files read.

    A file with no partition of its own (the register of tilbud, a year outside the partitions,
    a file the loader will reject) refreshes the job's newest partition: the run reads every
    new file of its sources, whatever the range. Reading a file for its periods takes up to
    ~6 s (1 million postings): after READ_BUDGET_SECONDS the rest waits for the next tick, so a
    tick stays well inside Dagster's 60 s sensor timeout.
    """
    sources = source_of(settings)
    plan: dict[str, tuple[list[str], list[str]]] = {}
    started, done = time.monotonic(), set()
    for rel, sha in changes.items():  # a loop over changed files, not rows
        if done and time.monotonic() - started > READ_BUDGET_SECONDS:
            break
        done.add(rel)
        source = sources[rel]
        job = "monthly_refresh" if source.grain == MONTH else "yearly_refresh"
        files, keys = plan.setdefault(job, ([], []))
        files.append(f"{rel}@{sha}")
        keys += partition_keys(settings, rel, source)
    requests = []
    for job, (files, keys) in sorted(plan.items()):
        newest = full_range(JOB_PARTITIONS[job])[1]
        start, end = (min(keys), max(keys)) if keys else (newest, newest)
        tags = {"cockpit/changed_files": str(len(files))}
        if start == end:
            requests.append(RunRequest(run_key=run_key(files), job_name=job, partition_key=start, tags=tags))
        else:
            requests.append(RunRequest(run_key=run_key(files), job_name=job, tags={**tags, **range_tags(start, end)}))
    return requests, done


@sensor(
    name="landing_dir_sensor",
    jobs=[yearly_refresh, monthly_refresh],
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Requests a refresh of the partitions a new or changed landing file holds; the same file content "
    "never triggers twice.",
)
def landing_dir_sensor(context: SensorEvaluationContext):
    # The cursor is what has triggered a run already: {relative path: sha256}.
    seen = json.loads(context.cursor) if context.cursor else {}
    settings = Settings.from_env()
    current = landing_files(settings)
    changes = {rel: sha for rel, sha in current.items() if seen.get(rel) != sha}
    if not changes:
        return SkipReason(f"ingen nye eller ændrede filer ({len(current)} filer set)")
    requests, done = run_requests(settings, changes)
    if len(done) < len(changes):
        context.log.info(f"{len(done)} af {len(changes)} ændrede filer læst; resten ved næste tjek")
    # Files gone from the landing dir leave the cursor; files not read yet stay out of it.
    cursor = {rel: sha for rel, sha in current.items() if rel in done or seen.get(rel) == sha}
    return SensorResult(run_requests=requests, cursor=json.dumps(cursor, sort_keys=True))


SCHEDULES = [monthly_schedule]
SENSORS = [landing_dir_sensor]
JOBS = [yearly_refresh, monthly_refresh]
