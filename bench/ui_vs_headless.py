"""Benchmark (not a test): the refresh launched from the UI (`dagster dev`: webserver, daemon,
run queue, run launcher, one run worker per run) against the same refresh headless
(`cockpit run`), on the same landing dir, in the same run. Goal (issue 15): UI ≤ 1.5× headless.

    .venv/bin/python bench/ui_vs_headless.py [--landing DIR] [--out DIR]

1. headless: `cockpit run` from an empty build DB, as its own process (monthly sources over
   every month, then `yearly_refresh` over every year, publish; then the yearly report);
2. UI, two ways, each from an empty build DB, on a `dagster dev` with the shipped
   `dagster_home/dagster.yaml` that is up and loaded before the clock starts (an operator's UI
   is already running):
   - *runs*: `monthly_refresh` over all months for its raw assets (the work of headless step
     one), then `yearly_refresh` over all years, each launched as one run with the range tags
     (the launchpad's *Launch run*; the path of the sensor's and schedule's run requests:
     straight into the run queue);
   - *backfills*: the same two as *Launch backfill* over all partitions (one run each, by the
     single-run backfill policy), which first waits for the backfill daemon: it looks for new
     backfills every 30 s, fixed in Dagster 1.13.
   Each launched when the one before has finished. Clock: the first launch to the end of the
   last run.

Prints each UI run taken apart (to the run queue, queue and run-worker start, the run itself)
and the ratios to headless, by wall time and by pipeline time (`cockpit run`'s `tid:`, before
the report, which the UI runs do not build).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb
from common import COCKPIT, ROOT, cores, fresh, measure, memory_gb, now, run_cmd

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dagster_ui import RunTimes, dagster_dev, launch_backfill, launch_run, new_home, wait_for  # noqa: E402

from orchestration.automation import JOB_PARTITIONS, MONTHLY_RAW  # noqa: E402
from orchestration.partitions import full_range, range_tags  # noqa: E402


def cockpit_rows(published: Path) -> tuple[int, int]:
    with duckdb.connect(str(published), read_only=True) as con:
        return (
            con.execute("select count(*) from cockpit.datakvalitet").fetchone()[0],
            con.execute("select count(*) from cockpit.belaegning_tilbud_maaned").fetchone()[0],
        )


def ui_refresh(port: int, how: str) -> tuple[float, list[tuple[str, float, RunTimes]]]:
    """Both jobs launched from the UI one after the other: (seconds from the first launch to
    the end of the last run, [(job, launched at, run)])."""
    clock0, done = time.time(), []
    for job, assets in (("monthly_refresh", [k.path for k in MONTHLY_RAW]), ("yearly_refresh", None)):
        clicked = time.time()
        if how == "runs":
            run_id = launch_run(port, job, tags=range_tags(*full_range(JOB_PARTITIONS[job])), assets=assets)
            (run,) = wait_for(port, run_id=run_id)
        else:
            (run,) = wait_for(port, backfill_id=launch_backfill(port, job, assets=assets))
        assert run.status == "SUCCESS", f"{job}: {run.status}"
        done.append((job, clicked, run))
    return done[-1][2].ended - clock0, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, default=ROOT / "data" / "landing")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "bench-ui")
    args = parser.parse_args()
    landing, out = args.landing.resolve(), args.out.resolve()
    print(f"{now()}  {cores()} cores, {memory_gb():.0f} GB RAM, load {os.getloadavg()[0]:.1f}; landing {landing}")
    if not (landing / "_manifest.json").exists():
        m = measure([*COCKPIT, "sample", "--out", str(landing)])
        assert m.returncode == 0, m.stderr

    head = out / "headless"
    head.mkdir(parents=True, exist_ok=True)
    fresh(head / "build.duckdb", head / "styringscockpit.duckdb")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}  # as a user runs it
    m = measure(run_cmd(landing, head / "build.duckdb", head / "styringscockpit.duckdb"), env)
    assert m.returncode == 0, m.stderr[-3000:]
    pipeline = next(
        float(line.split()[-1].rstrip("s")) for line in m.stderr.splitlines()[::-1] if line.startswith("tid:")
    )
    print(f"headless   cockpit run: {m.seconds:6.1f}s wall, {pipeline:.1f}s pipeline time (before the report)")

    ui = out / "ui"
    shutil.rmtree(ui, ignore_errors=True)
    ui.mkdir(parents=True)
    env = {
        **env,
        "COCKPIT_LANDING_DIR": str(landing),
        "COCKPIT_BUILD_DB": str(ui / "build.duckdb"),
        "COCKPIT_PUBLISHED_DB": str(ui / "styringscockpit.duckdb"),
        "COCKPIT_REPORT_DIR": str(ui / "reports"),
    }
    t_up = time.perf_counter()
    with dagster_dev(new_home(ui / "dagster_home"), env, log=ui / "dagster_dev.log") as dev:
        port = dev.port
        print(f"UI         dagster dev up and loaded in {time.perf_counter() - t_up:.1f}s (not counted)")
        results = {}
        for how in ("runs", "backfills"):
            fresh(ui / "build.duckdb", ui / "styringscockpit.duckdb")
            results[how] = ui_refresh(port, how)
            same = cockpit_rows(head / "styringscockpit.duckdb") == cockpit_rows(ui / "styringscockpit.duckdb")
            assert same, f"{how}: the UI's cockpit differs from the headless one"
    print(f"{'UI, job':<28}{'to queue':>9}{'queue+start':>13}{'run':>8}{'total':>8}")
    for how, (_, done) in results.items():
        for job, clicked, run in done:
            print(
                f"  {how + ' ' + job:<26}{run.created - clicked:8.1f}s{run.started - run.created:12.1f}s"
                f"{run.ended - run.started:7.1f}s{run.ended - clicked:7.1f}s"
            )
    for how, (total, _) in results.items():
        print(
            f"UI {how:<10} first launch → last run's end {total:6.1f}s: {total / m.seconds:.2f}x headless wall, "
            f"{total / pipeline:.2f}x headless pipeline time (goal ≤ 1.5x)"
        )
    print("the published cockpit is the same (flags, monthly occupancy rows) all three ways")


if __name__ == "__main__":
    main()
