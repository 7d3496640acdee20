"""`cockpit flags`: the data stewards' work list, read from the published cockpit.

The open list is `cockpit.datakvalitet` (status ny, uændret or accepteret); `--status rettet`
reads the flags no longer found from `cockpit.datakvalitet_historik`. Published flags on
postings carry no text (docs/disclosure.md): the full text is in `cockpit worklist`."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import duckdb

from warehouse.flags import SEVERITY_ORDER
from warehouse.settings import Settings

STATUSES = ("ny", "uændret", "accepteret", "rettet")
COLUMNS = [
    "flag_id",
    "status",
    "regel",
    "alvorlighed",
    "kilde",
    "kildefil",
    "kildelinje",
    "kommunekode",
    "tilbudsnr",
    "periode",
    "beskrivelse",
    "vaerdi",
    "forventet",
    "driftsherre",
    "beslutning",
    "begrundelse",
]


def fetch_flags(
    db: Path, rule: str | None, kommune: str | None, status: str | None = None, driftsherre: str | None = None
) -> list[tuple]:
    """The flags of the published file `db` as rows of COLUMNS, most severe first, filtered by
    rule id, municipality code (3 digits; a rate flag carries its operator's), status (one of
    STATUSES; `rettet` from the history) and operator (part of its name, any case)."""
    where, params = [], []
    if status:
        where.append("status = ?")
        params.append(status)
    if driftsherre:
        where.append("strpos(lower(driftsherre), lower(?)) > 0")
        params.append(driftsherre.strip())
    if rule:
        where.append("regel = ?")
        params.append(rule.upper())
    if kommune:
        where.append("kommunekode = ?")
        params.append(kommune.zfill(3))
    sql = (
        f"select {', '.join(COLUMNS)} from cockpit.{'datakvalitet_historik' if status == 'rettet' else 'datakvalitet'}"
        + (f" where {' and '.join(where)}" if where else "")
        + f" order by {SEVERITY_ORDER}, regel, kildefil, kildelinje"
    )
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params).fetchall()


def run_flags(args: argparse.Namespace, settings: Settings, progress) -> int:
    """`cockpit flags`: the flags of the published file of `settings` (`--published-db`
    included) on stdout; exit 2 with a one-line reason when it cannot be read."""
    db = settings.published_db
    if not db.exists():
        progress(f"fejl: {db} findes ikke (kør 'cockpit run' først)")
        return 2
    status = (args.status or "").strip().lower().replace("ae", "æ") or None
    if status and status not in STATUSES:
        progress(f"fejl: --status {args.status!r} er ikke en status: brug {', '.join(STATUSES)}")
        return 2
    try:
        rows = fetch_flags(db, args.rule, args.kommune, status, args.driftsherre)
    except duckdb.Error as exc:
        progress(f"fejl: kan ikke læse cockpit.datakvalitet i {db}: {str(exc).splitlines()[0]}")
        return 2
    if args.format == "table":
        print(_table(rows))
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
        sys.stdout.write(out.getvalue())
    by_severity: dict[str, int] = {}
    for row in rows:
        by_severity[row[3]] = by_severity.get(row[3], 0) + 1
    counts = ", ".join(f"{n} {sev}" for sev, n in sorted(by_severity.items())) or "ingen"
    progress(f"flags: {len(rows)} ({counts}) fra {db}")
    return 0


def _table(rows: list[tuple]) -> str:
    shown = ["regel", "alvorlighed", "status", "kildefil", "kildelinje", "periode", "beskrivelse"]
    idx = [COLUMNS.index(c) for c in shown]
    cells = [shown] + [["" if r[i] is None else str(r[i]) for i in idx] for r in rows]
    widths = [max(len(c[j]) for c in cells) for j in range(len(shown))]
    return "\n".join("  ".join(c[j].ljust(widths[j]) for j in range(len(shown))).rstrip() for c in cells)
