"""The periods the warehouse covers: from 2019 to the current year or month (Copenhagen time).

The Dagster partitions (orchestration/partitions.py) are drawn from these constants; `cockpit
check` asks `period_range` without Dagster. Keys are the periods the rows carry ("2024",
"2024-03").
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ingest.sources import MONTH, YEAR

TIMEZONE = "Europe/Copenhagen"
FIRST_YEAR = 2019


def period_range(grain: str, now: datetime | None = None) -> tuple[str, str] | None:
    """(first, last) period key of a yearly or monthly source, the current year or month
    included (its files arrive during it); None for an unpartitioned source (the register)."""
    today = (now or datetime.now(ZoneInfo(TIMEZONE))).astimezone(ZoneInfo(TIMEZONE))
    if grain == YEAR:
        return str(FIRST_YEAR), f"{today.year:04d}"
    if grain == MONTH:
        return f"{FIRST_YEAR}-01", f"{today.year:04d}-{today.month:02d}"
    return None
