"""Schedules and the landing-dir sensor (issue: operations).

Monthly sources (occupancy, secure institutions, health checks) arrive all year: a schedule on
the 5th of the month at 06:00 Copenhagen time refreshes what depends on them. The yearly refresh
(accounts, population, rates, postings) is the whole `cockpit_refresh` job. The sensor requests
a run when a landing file appears or changes. All are shipped stopped: an operator turns them on
in the UI, so `dagster dev` on a laptop does not start refreshing by itself.
"""

from __future__ import annotations

import hashlib
import json

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    RunRequest,
    ScheduleDefinition,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    sensor,
)

from ingest.sources import SOURCES
from ingest.textfile import sha256_file
from orchestration.assets.ingest import MONTHLY
from orchestration.settings import Settings

TIMEZONE = "Europe/Copenhagen"

monthly_refresh = define_asset_job(
    "monthly_refresh",
    selection=AssetSelection.assets(*[AssetKey(["raw", s]) for s in sorted(MONTHLY)]).downstream(),
    description="The monthly sources and everything built from them, then publish.",
)

monthly_schedule = ScheduleDefinition(
    name="monthly_sources_5th_0600",
    job=monthly_refresh,
    cron_schedule="0 6 5 * *",
    execution_timezone=TIMEZONE,
    default_status=DefaultScheduleStatus.STOPPED,
    description="The 5th of every month at 06:00 Copenhagen time: occupancy, secure institutions, health checks.",
)


def landing_files(settings: Settings) -> dict[str, str]:
    """Every landing file a source reads → its SHA-256."""
    files = {p for source in SOURCES.values() for p in source.files(settings.landing_dir)}
    return {p.relative_to(settings.landing_dir).as_posix(): sha256_file(p) for p in sorted(files)}


def changed_files(seen: dict[str, str], current: dict[str, str]) -> list[str]:
    """`path@sha256` of every file that is new or whose content changed since `seen`."""
    return [f"{rel}@{sha}" for rel, sha in current.items() if seen.get(rel) != sha]


def run_key(changes: list[str]) -> str:
    """One file: `path@sha256`. Several (a yearly drop of ninety files should start one run,
    not ninety): their count and a hash of the sorted `path@sha256` list."""
    if len(changes) == 1:
        return changes[0]
    digest = hashlib.sha256("\n".join(sorted(changes)).encode()).hexdigest()[:16]
    return f"{len(changes)} filer@{digest}"


@sensor(
    name="landing_dir_sensor",
    job_name="cockpit_refresh",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Requests a refresh when a landing file appears or changes; the same file content never triggers twice.",
)
def landing_dir_sensor(context: SensorEvaluationContext):
    # The cursor is what has triggered a run already: {relative path: sha256}.
    seen = json.loads(context.cursor) if context.cursor else {}
    current = landing_files(Settings.from_env())
    changes = changed_files(seen, current)
    if not changes:
        return SkipReason(f"ingen nye eller ændrede filer ({len(current)} filer set)")
    context.update_cursor(json.dumps(current, sort_keys=True))
    return RunRequest(run_key=run_key(changes), tags={"cockpit/changed_files": str(len(changes))})


SCHEDULES = [monthly_schedule]
SENSORS = [landing_dir_sensor]
JOBS = [monthly_refresh]
