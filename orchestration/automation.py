"""Jobs, schedules and the landing-dir sensor (issue: operations; ARCHITECTURE.md, Time).

`yearly_refresh` (partitioned by year) is the annual refresh: the yearly sources and the
register of tilbud for a year or a range of years, the dbt models (one `dbt build` of what the
changes feed: warehouse/build_state.py), publish. A year's
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
from dataclasses import dataclass, field
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
from ingest.textfile import file_size_limit, sha256_file
from orchestration.partitions import MONTHLY, TIMEZONE, YEARLY, full_range, partitions_def, partitions_text, range_tags
from orchestration.resources import SettingsResource
from warehouse.landing_settle import observe, settle_briefly
from warehouse.settings import Settings

MONTHLY_RAW = [AssetKey(["raw", s.name]) for s in SOURCES.values() if s.grain == MONTH]
YEARLY_RAW = [AssetKey(["raw", s.name]) for s in SOURCES.values() if s.grain == YEAR]
# The yearly report has its own job (orchestration/assets/report.py): a refresh over a range of
# years must not try to report years without data, and it is partitioned unlike monthly_refresh.
REPORT = AssetSelection.groups("report")

# Each job is its own sources, the register of tilbud (unpartitioned), every dbt model and
# publish: what the publish step needs is the whole cockpit, so a job that rebuilt only the
# models downstream of its sources failed on a fresh build DB for lack of the others' tables.
# The other grain's raw tables are read as they are (created empty in a new build DB).
yearly_refresh = define_asset_job(
    "yearly_refresh",
    selection=AssetSelection.all() - AssetSelection.assets(*MONTHLY_RAW) - REPORT,
    description="The annual refresh for a year (or a range: one run): accounts, population, rates, postings, "
    "target group and the register of tilbud, the dbt models they feed, publish. " + partitions_text(YEARLY),
)

monthly_refresh = define_asset_job(
    "monthly_refresh",
    selection=AssetSelection.all() - AssetSelection.assets(*YEARLY_RAW) - REPORT,
    description="The monthly sources for a month (or a range: one run): occupancy, secure institutions, health "
    "checks and the register of tilbud, the dbt models they feed, publish. " + partitions_text(MONTHLY),
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


def job_of(source: Source) -> str:
    return "monthly_refresh" if source.grain == MONTH else "yearly_refresh"


def run_key(changes: list[str], seq: int) -> str:
    """The run key of one tick's changes of one job. One file: `path@sha256#seq`; several (a
    yearly drop of ninety files starts one run, not ninety): `N filer@<hash of the sorted
    path@sha256 list>#seq`. `seq` is the cursor's tick number, so a change is never mistaken
    for an earlier one with the same content (a file restored to yesterday's version loads
    again: Dagster skips a run key it has seen, for ever)."""
    if len(changes) == 1:
        return f"{changes[0]}#{seq}"
    digest = hashlib.sha256("\n".join(sorted(changes)).encode()).hexdigest()[:16]
    return f"{len(changes)} filer@{digest}#{seq}"


def source_of(settings: Settings) -> dict[str, Source]:
    """Every landing file (`Source.files`: temporary names excluded), relative path → its source."""
    return {
        p.relative_to(settings.landing_dir).as_posix(): source
        for source in SOURCES.values()
        for p in source.files(settings.landing_dir)
    }


def partition_keys(settings: Settings, rel: str, source: Source) -> list[str]:
    """The partitions a file feeds, read from its rows as the loader reads them."""
    pdef = partitions_def(source)
    if pdef is None:
        return []
    try:
        with file_size_limit(settings.max_file_mib):
            rows = read_file(source, settings.landing_dir / rel, settings.landing_dir, "sensor").rows
    except ContractError:
        return []  # the run reads the file again and reports where it is broken
    first, last = full_range(pdef)
    return sorted(p for p in periods_of(rows, source)["periode"] if p is not None and first <= p <= last)


@dataclass
class _Plan:
    """One job's share of a tick: changed files (`path@sha`), removed files, partition keys."""

    files: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def run_requests(plans: dict[str, _Plan], seq: int) -> list[RunRequest]:
    """One run per job over the range of partitions its changed and removed files hold. A job
    whose files hold no partition (the register of tilbud, a file the loader will reject, a
    removed file whose periods are unknown) refreshes its newest partition: the run reads every
    new file and drops every removed one of its sources, whatever the range."""
    requests = []
    for job, plan in sorted(plans.items()):
        newest = full_range(JOB_PARTITIONS[job])[1]
        start, end = (min(plan.keys), max(plan.keys)) if plan.keys else (newest, newest)
        tags = {"cockpit/changed_files": str(len(plan.files)), "cockpit/removed_files": str(len(plan.removed))}
        key = run_key(plan.files + [f"{rel}@fjernet" for rel in plan.removed], seq)
        if start == end:
            requests.append(RunRequest(run_key=key, job_name=job, partition_key=start, tags=tags))
        else:
            requests.append(RunRequest(run_key=key, job_name=job, tags={**tags, **range_tags(start, end)}))
    return requests


def _load_cursor(text: str | None) -> tuple[int, dict[str, dict]]:
    """(tick number, {path: {sha, size, mtime_ns, job, range}}). Reads the cursor of earlier
    versions too ({path: sha}), whose files then count as seen with unknown size and range."""
    state = json.loads(text) if text else {}
    if "files" not in state:
        return 0, {rel: {"sha": sha} for rel, sha in state.items()}
    return int(state.get("seq", 0)), state["files"]


@sensor(
    name="landing_dir_sensor",
    jobs=[yearly_refresh, monthly_refresh],
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Requests a refresh of the partitions a new, changed or removed landing file holds, once the file "
    "has settled (not open for writing, unchanged for COCKPIT_SETTLE_SECONDS); every change starts one run.",
)
def landing_dir_sensor(context: SensorEvaluationContext, settings: SettingsResource):
    # The cursor: the tick number and, per landing file that has triggered a run, its content
    # hash, size, mtime, ctime, job and partition range (the range a removal must re-run).
    seq, seen = _load_cursor(context.cursor)
    settings = settings.get()
    sources = source_of(settings)
    stat_changed = []
    for rel in sources:  # a loop over files, not rows
        obs = observe(settings.landing_dir / rel)
        entry = seen.get(rel, {})
        # ctime too: a rewrite of the same size with its mtime put back moves only that (a
        # cursor from before it was kept has none, so its files are hashed once more)
        if obs is not None and (entry.get("size"), entry.get("mtime_ns"), entry.get("ctime_ns")) != (
            obs.size,
            obs.mtime_ns,
            obs.ctime_ns,
        ):
            stat_changed.append(rel)
    settled, waiting = settle_briefly([settings.landing_dir / rel for rel in stat_changed], settings.settle_seconds)
    files = {rel: dict(entry) for rel, entry in seen.items() if rel in sources}
    plans: dict[str, _Plan] = {}
    started, deferred = time.monotonic(), 0
    for path in settled:
        rel = path.relative_to(settings.landing_dir).as_posix()
        obs, sha = observe(path), sha256_file(path)
        if obs is None:
            continue
        if seen.get(rel, {}).get("sha") == sha:  # touched or copied over with the same content
            files[rel].update(size=obs.size, mtime_ns=obs.mtime_ns, ctime_ns=obs.ctime_ns)
            continue
        if plans and time.monotonic() - started > READ_BUDGET_SECONDS:
            deferred += 1  # waits for the next tick, so a tick stays well inside Dagster's 60 s
            continue
        source = sources[rel]
        keys = partition_keys(settings, rel, source)
        plan = plans.setdefault(job_of(source), _Plan())
        plan.files.append(f"{rel}@{sha}")
        plan.keys += keys
        files[rel] = {
            "sha": sha,
            "size": obs.size,
            "mtime_ns": obs.mtime_ns,
            "ctime_ns": obs.ctime_ns,
            "job": job_of(source),
            "range": [keys[0], keys[-1]] if keys else None,
        }
    for rel in sorted(set(seen) - set(sources)):  # removed: its rows leave the partitions it fed
        entry = seen[rel]
        if "job" not in entry:
            continue  # seen by an earlier version of this sensor: its job and range are unknown
        plan = plans.setdefault(entry["job"], _Plan())
        plan.removed.append(rel)
        plan.keys += entry["range"] or []
    for path, why in waiting.items():
        context.log.info(
            f"{path.relative_to(settings.landing_dir).as_posix()} er ikke færdigskrevet: {why}; læses ved næste tjek"
        )
    if deferred:
        context.log.info(f"{deferred} ændrede filer venter til næste tjek (læsetiden for dette tjek er brugt)")
    if not plans:
        why = (
            (f"{len(waiting)} fil(er) skrives stadig: " + ", ".join(p.name for p in waiting))
            if waiting
            else f"ingen nye, ændrede eller fjernede filer ({len(sources)} filer set)"
        )
        if files == seen:
            return SkipReason(why)
        return SensorResult(
            skip_reason=SkipReason(why), cursor=json.dumps({"seq": seq, "files": files}, sort_keys=True)
        )
    seq = max(seq + 1, int(time.time()))  # increasing also across a cursor reset in the UI
    return SensorResult(
        run_requests=run_requests(plans, seq), cursor=json.dumps({"seq": seq, "files": files}, sort_keys=True)
    )


SCHEDULES = [monthly_schedule]
SENSORS = [landing_dir_sensor]
JOBS = [yearly_refresh, monthly_refresh]
