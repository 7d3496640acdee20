"""`cockpit flags`: the data stewards' work list, read from the published cockpit."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

import duckdb

from warehouse.flags import SEVERITY_ORDER
from warehouse.settings import Settings

COLUMNS = [
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
]


def fetch_flags(db: Path, rule: str | None, kommune: str | None) -> list[tuple]:
    where, params = [], []
    if rule:
        where.append("regel = ?")
        params.append(rule.upper())
    if kommune:
        where.append("kommunekode = ?")
        params.append(kommune.zfill(3))
    sql = (
        f"select {', '.join(COLUMNS)} from cockpit.datakvalitet"
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
    try:
        rows = fetch_flags(db, args.rule, args.kommune)
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
        by_severity[row[1]] = by_severity.get(row[1], 0) + 1
    counts = ", ".join(f"{n} {sev}" for sev, n in sorted(by_severity.items())) or "ingen"
    progress(f"flags: {len(rows)} ({counts}) fra {db}")
    return 0


def _table(rows: list[tuple]) -> str:
    shown = ["regel", "alvorlighed", "kildefil", "kildelinje", "periode", "beskrivelse"]
    idx = [COLUMNS.index(c) for c in shown]
    cells = [shown] + [["" if r[i] is None else str(r[i]) for i in idx] for r in rows]
    widths = [max(len(c[j]) for c in cells) for j in range(len(shown))]
    return "\n".join("  ".join(c[j].ljust(widths[j]) for j in range(len(shown))).rstrip() for c in cells)
