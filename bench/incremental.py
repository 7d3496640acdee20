"""Benchmark (not a test): what a refresh costs after a full load, side by side with the full
refresh measured in the same run.

    .venv/bin/python bench/incremental.py [--scale nordjylland|national] [--landing DIR] [--extra 3000000]

1. full refresh from an empty build DB (`cockpit run`);
2. an unchanged re-run (`cockpit run` again): goal <= 5 % of (1);
3. one new month of occupancy (a file for the month after the data) through `monthly_refresh`
   for that partition: goal <= 10 % of (1);
4. one new ledger file (20 000 postings) through `yearly_refresh` for its year: goal <= 10 % (issue 23: <= 5 %);
5. `--extra` postings (default 3 million) in new files through the whole refresh: the refresh's
   extra time over (2) vs DuckDB's own `read_csv` of the same files into a table: goal <= 3x.

With `--reader-upgrade`, after (2): a refresh after an upgrade of the readers (every file read
again into a full build DB, its old rows deleted in the same transaction), with its peak memory:
what every release that touches `ingest/` costs a warehouse (goal: the same memory as (1)).

Memory is printed in GiB (2^30 bytes): 5 GiB = 5,37 GB.

Every run is its own process; the files added are removed again at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl
from common import COCKPIT, ROOT, cores, fresh, load_seconds, measure, memory_gb, now, run_cmd, step_times

sys.path.insert(0, str(ROOT))
BENCH_DIR = "_bench"  # folder of the added files inside each source folder


def run_partition(job: str, partition: str) -> int:
    """Child mode: one partitioned job run headless, in process, as a UI, schedule or sensor run
    of it executes on the jobs' executor: the build DB held open between the steps
    (warehouse/build_db.py; `execute_in_process` replaces the jobs' executor, which holds it)."""
    from dagster import DagsterInstance

    from orchestration.runner import QUIET_CONSOLE
    from warehouse.build_db import held_open
    from warehouse.dbt_manifest import prepare_manifest
    from warehouse.settings import Settings

    settings = Settings.from_env()
    settings.export_env()
    prepare_manifest()
    from orchestration.definitions import defs

    with contextlib.redirect_stdout(io.StringIO()), held_open(settings.build_db):  # dbt's event echo
        result = (
            defs()
            .resolve_job_def(job)
            .execute_in_process(
                instance=DagsterInstance.ephemeral(),
                partition_key=partition,
                raise_on_error=False,
                run_config=QUIET_CONSOLE,
            )
        )
    published = any(
        e.asset_key and e.asset_key.to_user_string() == "publish/cockpit_duckdb"
        for e in result.get_asset_materialization_events()
    )
    for event in result.all_events:  # the lines `cockpit run` prints, for the longest steps below
        if event.is_step_success:
            print(
                f"trin {event.step_key} færdigt ({event.event_specific_data.duration_ms / 1000:.1f}s)", file=sys.stderr
            )
    print(f"{job} {partition}: success={result.success} published={published}", file=sys.stderr)
    return 0 if result.success and published else 1


def new_month_file(landing: Path) -> tuple[Path, str]:
    """The last month of the occupancy data, again for the month after it (every tilbud)."""
    from ingest.sources import BELAEGNING, read_file

    rows = pl.concat(
        [
            read_file(BELAEGNING, p, landing, "bench").rows.select(
                "tilbudsnr", "maaned", "normerede_pladser", "pladser_i_drift", "belagte_doegn"
            )
            for p in sorted((landing / "belaegning").rglob("*.csv"))
        ]
    )
    last = rows["maaned"].max()
    month = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
    frame = rows.filter(pl.col("maaned") == last).select(
        pl.col("tilbudsnr").cast(pl.String).alias("Tilbudsnr"),
        pl.lit(month.strftime("%Y-%m")).alias("Måned"),
        pl.col("normerede_pladser").cast(pl.String).alias("Normerede pladser"),
        pl.col("pladser_i_drift").cast(pl.String).alias("Pladser i drift"),
        pl.col("belagte_doegn").cast(pl.String).alias("Belagte døgn"),
    )
    path = landing / "belaegning" / BENCH_DIR / f"belaegning_{month:%Y-%m}.csv"
    path.parent.mkdir(exist_ok=True)
    frame.write_csv(path, separator=";")
    return path, month.strftime("%Y-%m")


def ledger_files(landing: Path, rows: int, name: str, first_voucher: int) -> list[Path]:
    from ledger_ingest import write_ledger

    folder = landing / "posteringer" / BENCH_DIR
    folder.mkdir(exist_ok=True)
    paths, left, i = [], rows, 0
    while left > 0:  # files of at most a million postings, as a municipality would send them
        n = min(left, 1_000_000)
        path = folder / f"{name}_{i}.csv"
        write_ledger(path, n, "utf-8", first_voucher=first_voucher + rows - left)
        paths.append(path)
        left, i = left - n, i + 1
    return paths


def native(paths: list[Path], db: Path) -> float:
    from ledger_ingest import NATIVE

    return load_seconds(NATIVE, [str(p) for p in paths], db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["nordjylland", "national"], default="nordjylland")
    parser.add_argument("--landing", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--extra", type=int, default=3_000_000)
    parser.add_argument("--reader-upgrade", action="store_true", help="also measure a refresh after a reader upgrade")
    parser.add_argument("--job")  # child mode
    parser.add_argument("--partition")
    args = parser.parse_args()
    if args.job:
        from expectations.worker import end_now

        # ends as `cockpit` does (cli/main.py `entry`): a run's time is up when it has published,
        # not when Python has torn down the modules it imported
        end_now(run_partition(args.job, args.partition))
    out = args.out or ROOT / "data" / f"bench-{args.scale}"
    landing = args.landing or out / "landing"
    out.mkdir(parents=True, exist_ok=True)
    if not (landing / "_manifest.json").exists():
        assert measure([*COCKPIT, "sample", "--scale", args.scale, "--out", str(landing)]).returncode == 0
    build, published = out / "inc-build.duckdb", out / "inc-styringscockpit.duckdb"
    env = {"COCKPIT_LANDING_DIR": str(landing), "COCKPIT_BUILD_DB": str(build), "COCKPIT_PUBLISHED_DB": str(published)}
    child = [sys.executable, str(Path(__file__).resolve())]
    print(f"{now()}  {cores()} cores, {memory_gb():.0f} GB RAM; landing {landing}")
    added: list[Path] = []
    try:
        fresh(build, published)
        full = measure(run_cmd(landing, build, published))
        assert full.returncode == 0, full.stderr[-2000:]
        print(f"{now()}  full refresh {full.seconds:.1f}s", flush=True)
        again = measure(run_cmd(landing, build, published))
        assert again.returncode == 0, again.stderr[-2000:]
        print(f"{now()}  unchanged re-run {again.seconds:.1f}s", flush=True)
        upgrade = None
        if args.reader_upgrade:
            with duckdb.connect(str(build)) as con:  # as `ingest.sources.reader_version` changing does
                for table in ("meta.loaded_files", "meta.loaded_partitions"):
                    con.execute(f"update {table} set reader = 'bench-upgrade'")
            upgrade = measure(run_cmd(landing, build, published))
            assert upgrade.returncode == 0, upgrade.stderr[-2000:]
            print(f"{now()}  after a reader upgrade {upgrade.seconds:.1f}s", flush=True)
        month_file, month = new_month_file(landing)
        added.append(month_file)
        monthly = measure([*child, "--job", "monthly_refresh", "--partition", month], env)
        assert monthly.returncode == 0, monthly.stderr[-2000:]
        print(f"{now()}  new month {monthly.seconds:.1f}s", flush=True)
        added += ledger_files(landing, 20_000, "ledger_2024", 0)
        ledger = measure([*child, "--job", "yearly_refresh", "--partition", "2024"], env)
        assert ledger.returncode == 0, ledger.stderr[-2000:]
        print(f"{now()}  new ledger file {ledger.seconds:.1f}s", flush=True)
        base = measure(run_cmd(landing, build, published))  # everything loaded: the re-run floor now
        extra_files = ledger_files(landing, args.extra, "extra_2024", 1_000_000)
        added += extra_files
        with_extra = measure(run_cmd(landing, build, published))
        assert with_extra.returncode == 0, with_extra.stderr[-2000:]
        native_s = native(extra_files, out / "inc-native.duckdb")
    finally:
        for p in added:
            p.unlink(missing_ok=True)
        for folder in {p.parent for p in added}:
            folder.rmdir()
    f = full.seconds
    print(
        f"full refresh, empty build DB:                 {f:8.1f}s  (peak RSS {full.peak_rss_gb:.2f} GiB; "
        f"all its processes at once {full.peak_tree_gb:.2f} GiB)"
    )
    print(
        f"unchanged re-run:                             {again.seconds:8.1f}s  {again.seconds / f:6.1%} of full (goal <= 5 %)"
    )
    print(
        f"one new month of occupancy ({month}):       {monthly.seconds:8.1f}s  {monthly.seconds / f:6.1%} of full (goal <= 10 %)"
    )
    print(
        f"one new ledger file (20 000 postings, 2024):  {ledger.seconds:8.1f}s  {ledger.seconds / f:6.1%} of full"
        " (goal <= 10 %; issue 23: <= 5 %)"
    )
    if upgrade is not None:
        print(
            f"after a reader upgrade (every file again):    {upgrade.seconds:8.1f}s  (peak RSS {upgrade.peak_rss_gb:.2f} GiB;"
            f" all its processes at once {upgrade.peak_tree_gb:.2f} GiB)"
        )
    extra = with_extra.seconds - base.seconds
    print(
        f"{args.extra:,} extra postings through the refresh: {with_extra.seconds:.1f}s - {base.seconds:.1f}s re-run"
        f" = {extra:.1f}s; DuckDB read_csv of the same files: {native_s:.1f}s; ratio {extra / native_s:.1f}x (goal <= 3x)"
    )
    for label, m in (
        ("full refresh", full),
        *((("after a reader upgrade", upgrade),) if upgrade is not None else ()),
        ("unchanged re-run", again),
        ("new month", monthly),
        ("new ledger file", ledger),
        ("extra postings", with_extra),
    ):
        top = ", ".join(f"{s} {t:.1f}s" for s, t in step_times(m.stderr)[:3])
        print(f"  {label}: longest steps {top}" if top else f"  {label}")


if __name__ == "__main__":
    main()
