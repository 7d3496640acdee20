"""Benchmark (not a test): a full refresh (`cockpit run`: ingest, dbt, checks, publish, then the
yearly report) from an empty build DB — pipeline time, report time, wall time and peak RSS —
for the 11-municipality sample or the national one.

    .venv/bin/python bench/refresh.py --scale nordjylland     # goals: pipeline <= 20 s, report <= 10 s
    .venv/bin/python bench/refresh.py --scale national [--landing DIR] [--postings N]
                                                               # goal: <= 10 min and <= 6 GB

Writes the landing dir when it is missing (timing `cockpit sample` too), runs the refresh as
its own process, and prints each figure beside its floor, measured in the same run:

- the pipeline time (`tid:`, ingest to publish) beside what the tools alone take on the same
  data: DuckDB's own `read_csv` of every UTF-8 ledger file into a table, and one bare
  `dbt build` of the project (unit tests left out, partial parse as the refresh had it) on the
  refresh's own build DB, with no Dagster around it;
- the report's time (the `report/styringscockpit` asset: sections, HTML, PDF) beside WeasyPrint
  alone turning the report's written HTML into a PDF in a fresh process (import, layout, write);
- whether dbt parsed the project in full or reused its partial-parse state, and whether it ran
  the unit tests (warehouse/dbt_manifest.py says when it does), from the refresh's dbt log;
- the steps that took longest, and the ratios to the goals.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from common import COCKPIT, ROOT, cores, fresh, load_seconds, measure, memory_gb, now, run_cmd, step_times

from warehouse.dbt_manifest import seed_partial_parse
from warehouse.settings import DEFAULT_MEMORY_LIMIT

# scale: (pipeline seconds, report seconds, peak RSS GB); None: no goal
GOALS = {"nordjylland": (20.0, 10.0, None), "national": (600.0, None, 6.0)}
DBT_PROJECT = ROOT / "dbt_project"


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
    # every column as text: the files differ in header case, column order and number format
    seconds = load_seconds(
        "create table posteringer as select * from read_csv(?, delim=';', header=true, all_varchar=true,"
        " union_by_name=true, normalize_names=true)",
        files,
        db,
    )
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select count(*) from posteringer").fetchone()[0]
    return seconds, len(files), rows


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def dbt_log_facts(run_id: str) -> tuple[str, str]:
    """(parse, unit tests) of the `dbt build` of the refresh whose publishing run is `run_id`,
    from its dagster-dbt folder (`target/cockpit_dbt-<run id[:7]>-<id>/`): ("full: <dbt's
    reason>" or "partial", "ran N" or "left out"); "?" when it is not there."""
    folders = sorted((DBT_PROJECT / "target").glob(f"cockpit_dbt-{run_id[:7]}-*"))
    if not folders or not (folders[-1] / "run_results.json").exists():
        return "?", "?"
    parse, found = "partial", ""
    for log in sorted(folders[-1].glob("dbt.log*"), reverse=True):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if '"UnableToPartialParse"' in line or '"name": "FoundStats"' in line:
                msg = json.loads(line)["info"]["msg"]
                if "Unable to do partial parsing" in msg:
                    parse = "full: " + msg.removeprefix("Unable to do partial parsing because ")
                else:
                    found = msg
    results = json.loads((folders[-1] / "run_results.json").read_text(encoding="utf-8"))["results"]
    unit = sum(1 for r in results if r["unique_id"].startswith("unit_test."))
    return parse + (f" ({found})" if found else ""), f"ran {unit}" if unit else "left out"


def bare_dbt_build(build: Path) -> float:
    """Seconds of one `dbt build` of the project straight from dbt's CLI on `build` (the
    refresh's build DB, after the refresh), unit tests left out, with the partial-parse state the
    refresh kept for its build DB (as its dbt step is seeded). The floor of the dbt step."""
    target = DBT_PROJECT / "target" / "bench-floor"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    profile = {
        "COCKPIT_BUILD_DB": str(build),
        "COCKPIT_DUCKDB_MEMORY_LIMIT": os.environ.get("COCKPIT_DUCKDB_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
        "COCKPIT_DUCKDB_TEMP_DIR": str(build.with_name(build.name + ".tmp")),
    }
    # the state the refresh kept for its build DB, else the project's (as the dbt step seeds it)
    if not seed_partial_parse(target, profile):
        kept = DBT_PROJECT / "target" / "partial_parse.msgpack"
        if kept.exists():
            shutil.copy(kept, target / kept.name)
    # dbt's file log at the level the dbt step writes it (orchestration/assets/dbt.py `dbt_environment`)
    env = {**os.environ, **profile, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_LOG_LEVEL_FILE": "info"}
    dbt = str(Path(sys.executable).with_name("dbt"))
    cmd = [dbt, "build", "--exclude", "resource_type:unit_test", "--quiet", "--profiles-dir", "."]
    t0 = time.perf_counter()
    done = subprocess.run(
        [*cmd, "--target-path", str(target)], cwd=DBT_PROJECT, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - t0
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    shutil.rmtree(target, ignore_errors=True)
    return seconds


def bare_pdf(html: Path, out: Path) -> float:
    """Seconds WeasyPrint alone takes to turn `html` into a PDF in a fresh process (its import
    included): the floor of the report's PDF."""
    code = "import sys, weasyprint; weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2])"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(html), str(out)], check=True, capture_output=True)
    return time.perf_counter() - t0


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
        print(f"cockpit sample --scale {args.scale}: {m.seconds:7.1f}s  peak RSS {m.peak_rss_gb:.2f} GiB")
    build, published = out / "build.duckdb", out / "styringscockpit.duckdb"
    fresh(build, published)
    load_before = load_average()
    m = measure(run_cmd(landing, build, published))
    assert m.returncode == 0, m.stderr[-3000:]
    load_after = load_average()
    (out / "refresh.log").write_text(m.stderr, encoding="utf-8")
    pipeline = next(
        (float(line.split()[-1].rstrip("s")) for line in m.stderr.splitlines()[::-1] if line.startswith("tid:")), None
    )
    report = re.search(r"✓ report/styringscockpit \((\d+), (\d+) sider, ([\d.]+)s\)", m.stderr)
    run_id = re.search(r"logs/run-([0-9a-f-]+)\.log", m.stderr)
    parse, unit_tests = dbt_log_facts(run_id[1]) if run_id else ("?", "?")
    native_s, files, rows = native_ledgers(landing, out / "native.duckdb")
    dbt_floor = bare_dbt_build(build)
    written = re.search(r"^Rapport \d+: (\S+\.html)$", m.stderr, re.M)
    html = Path(written[1]) if written else None
    pdf_floor = bare_pdf(html, out / "floor.pdf") if html and html.exists() else None
    with duckdb.connect(str(build), read_only=True) as con:  # row-level data stays in the build DB
        postings = con.execute("select count(*) from raw.posteringer").fetchone()[0]
    pipeline_goal, report_goal, rss_goal = GOALS[args.scale]
    print(f"load average (1, 5, 15 min) before the refresh: {load_before}; after: {load_after}")
    print(
        f"full refresh (cockpit run, empty build DB): {m.seconds:7.1f}s wall, {m.cpu_seconds:.1f}s CPU (all its"
        f" processes, dbt's too), peak RSS {m.peak_rss_gb:.2f} GiB (all its processes at once {m.peak_tree_gb:.2f} GiB),"
        f" {postings:,} postings"
    )
    if pipeline:
        floor = native_s + dbt_floor
        print(
            f"  pipeline time (ingest … publish): {pipeline:7.1f}s   floor {floor:.1f}s = DuckDB read_csv of the"
            f" {files} UTF-8 ledger files ({rows:,} rows) {native_s:.1f}s + bare dbt build {dbt_floor:.1f}s;"
            f" ratio {pipeline / floor:.1f}x; goal {pipeline_goal:.0f}s: {pipeline / pipeline_goal:.2f}"
            f" {'✓' if pipeline <= pipeline_goal else '✗'}"
        )
    print(f"  dbt: parse {parse}; unit tests {unit_tests}")
    if report:
        seconds = float(report[3])
        line = f"  report {report[1]} ({report[2]} pages):   {seconds:7.1f}s"
        if pdf_floor:
            line += f"   floor: WeasyPrint alone on its HTML {pdf_floor:.1f}s; ratio {seconds / pdf_floor:.1f}x"
        if report_goal:
            line += f"; goal {report_goal:.0f}s: {seconds / report_goal:.2f} {'✓' if seconds <= report_goal else '✗'}"
        print(line)
    if pipeline:
        print(
            f"  the rest of the wall time (start, summary, report job): {m.seconds - pipeline - (float(report[3]) if report else 0):.1f}s"
        )
    print(
        f"ratio refresh / native ledger load: {m.seconds / native_s:.1f}x "
        f"(per posting: {m.seconds / postings * 1e6:.1f} µs vs {native_s / rows * 1e6:.2f} µs)"
    )
    if rss_goal:
        print(
            f"ratio to goal: wall {m.seconds / pipeline_goal:.2f} of {pipeline_goal:.0f}s, RSS of all its processes at once {m.peak_tree_gb / rss_goal:.2f} of {rss_goal:.0f} GiB"
        )
    print("longest steps:")
    for step, seconds in step_times(m.stderr)[:8]:
        print(f"  {step:<45} {seconds:7.1f}s  {seconds / m.seconds:5.1%}")


if __name__ == "__main__":
    main()
