"""Benchmark (not a test): a full refresh (`cockpit run`: ingest, dbt, checks, publish) from an
empty build DB — wall time and peak RSS — for the 11-municipality sample or the national one.

    .venv/bin/python bench/refresh.py --scale nordjylland          # goal: <= 30 s of pipeline time
    .venv/bin/python bench/refresh.py --scale national [--landing DIR] [--postings N]
                                                                    # goal: <= 10 min and <= 6 GB

Writes the landing dir when it is missing (timing `cockpit sample` too), runs the refresh as
its own process, and prints side by side: the refresh, DuckDB's own `read_csv` of every
UTF-8 ledger file of the same landing dir into a table (the floor for loading these postings
on this machine), the steps that took longest, and the ratios to the goals.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from common import COCKPIT, ROOT, cores, fresh, measure, memory_gb, now, run_cmd, step_times

GOALS = {"nordjylland": (30.0, None), "national": (600.0, 6.0)}


def native_ledgers(landing: Path, db: Path) -> tuple[float, int, int]:
    """DuckDB's own CSV reader over the ledger files it can read (UTF-8; cp1252 needs an
    extension download): (seconds, files, rows)."""
    files = []
    for p in sorted((landing / "posteringer").rglob("*.csv")):
        try:
            p.read_bytes().decode("utf-8")
            files.append(str(p))
        except UnicodeDecodeError:
            continue
    fresh(db)
    t0 = time.perf_counter()
    with duckdb.connect(str(db)) as con:
        # every column as text: the files differ in header case, column order and number format
        con.execute("create table posteringer as select * from read_csv(?, delim=';', header=true, all_varchar=true,"
                    " union_by_name=true, normalize_names=true)", [files])
        rows = con.execute("select count(*) from posteringer").fetchone()[0]
        con.execute("checkpoint")
    return time.perf_counter() - t0, len(files), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["nordjylland", "national"], default="nordjylland")
    parser.add_argument("--landing", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--postings", type=int)
    args = parser.parse_args()
    out = args.out or ROOT / "data" / f"bench-{args.scale}"
    landing = args.landing or out / "landing"
    out.mkdir(parents=True, exist_ok=True)
    print(f"{now()}  {cores()} cores, {memory_gb():.0f} GB RAM; landing {landing}")
    if not (landing / "_manifest.json").exists():
        cmd = [*COCKPIT, "sample", "--scale", args.scale, "--out", str(landing)]
        if args.postings:
            cmd += ["--postings", str(args.postings)]
        m = measure(cmd)
        assert m.returncode == 0, m.stderr
        print(f"cockpit sample --scale {args.scale}: {m.seconds:7.1f}s  peak RSS {m.peak_rss_gb:.2f} GB")
    build, published = out / "build.duckdb", out / "styringscockpit.duckdb"
    fresh(build, published)
    m = measure(run_cmd(landing, build, published))
    assert m.returncode == 0, m.stderr[-3000:]
    pipeline = next((float(line.split()[-1].rstrip("s")) for line in m.stderr.splitlines()[::-1]
                     if line.startswith("tid:")), None)
    native_s, files, rows = native_ledgers(landing, out / "native.duckdb")
    with duckdb.connect(str(published), read_only=True) as con:
        postings = con.execute("select count(*) from raw.posteringer").fetchone()[0]
    wall_goal, rss_goal = GOALS[args.scale]
    print(f"full refresh (cockpit run, empty build DB): {m.seconds:7.1f}s wall"
          + (f" ({pipeline:.1f}s pipeline time)" if pipeline else "") + f", peak RSS {m.peak_rss_gb:.2f} GB,"
          f" {postings:,} postings")
    print(f"DuckDB read_csv of the {files} UTF-8 ledger files → table: {native_s:7.1f}s, {rows:,} rows")
    print(f"ratio refresh / native ledger load: {m.seconds / native_s:.1f}x "
          f"(per posting: {m.seconds / postings * 1e6:.1f} µs vs {native_s / rows * 1e6:.2f} µs)")
    print(f"ratio to goal: wall {m.seconds / wall_goal:.2f} of {wall_goal:.0f}s"
          + (f", RSS {m.peak_rss_gb / rss_goal:.2f} of {rss_goal:.0f} GB" if rss_goal else ""))
    print("longest steps:")
    for step, seconds in step_times(m.stderr)[:8]:
        print(f"  {step:<45} {seconds:7.1f}s  {seconds / m.seconds:5.1%}")


if __name__ == "__main__":
    main()
