"""`cockpit` — the command line of contracts/cli.md, a thin layer over the Dagster definitions.

Progress (one line per step, with counts and elapsed time) goes to stderr, results to stdout;
a failure exits non-zero with a one-line reason.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from expectations.worker import end_now
from ingest.cpr import mask_text
from warehouse.settings import Settings, SettingsError


def _eprint(msg: str) -> None:
    # Every progress and error line of every command passes here: the CPR mask is applied once,
    # whatever library wrote the text (rule R15, "also in error messages").
    print(mask_text(msg), file=sys.stderr, flush=True)


def _settings(args: argparse.Namespace) -> Settings:
    """The one `Settings` of this command: the environment (COCKPIT_*), overridden by the
    command's own options (`--landing`, `--build-db`, `--published-db`, `--tillad-fjernelse`);
    validated. The only place the CLI reads settings from the environment; what runs after gets
    this object (the runner passes it to the Dagster steps as the `settings` resource)."""
    settings = Settings.from_env()
    given = {
        field: Path(value).resolve()
        for flag, field in (("landing", "landing_dir"), ("build_db", "build_db"), ("published_db", "published_db"))
        if (value := getattr(args, flag, None))
    }
    if getattr(args, "tillad_fjernelse", False):
        given["allow_removal"] = True
    if given:
        settings = replace(settings, **given)
        settings.validate()
    return settings


def cmd_sample(args: argparse.Namespace) -> int:
    from sampledata.nordjylland import write_sample

    out = Path(args.out) if args.out else _settings(args).landing_dir
    years = args.years or ("2015-2024" if args.scale == "national" else "2019-2024")
    first, _, last = years.partition("-")
    span = (int(first), int(last or first))
    t0 = time.perf_counter()
    try:
        if args.scale == "national":
            from sampledata.national import DEFAULT_POSTINGS, write_national

            manifest = write_national(
                out, seed=args.seed, years=span, postings=args.postings or DEFAULT_POSTINGS, progress=_eprint
            )
        else:
            manifest = write_sample(out, seed=args.seed, years=span, scale=args.scale)
    except ValueError as exc:
        _eprint(f"fejl: {exc}")
        return 2
    _eprint(
        f"sample: {len(manifest['files'])} filer, {len(manifest['planted'])} plantede tilfælde "
        f"skrevet til {out} ({time.perf_counter() - t0:.1f}s)"
    )
    print(out)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration.runner import run_pipeline
    from warehouse.refresh_lock import EX_TEMPFAIL, RefreshBusy

    settings = _settings(args)
    if not settings.landing_dir.is_dir():
        _eprint(f"fejl: landing-mappen {settings.landing_dir} findes ikke (kør 'cockpit sample' eller angiv --landing)")
        return 2
    try:
        outcome = run_pipeline(settings, progress=_eprint, wait_for_lock=float("inf") if args.wait else 0.0)
    except RefreshBusy as exc:
        _eprint(str(exc))
        return EX_TEMPFAIL
    if not outcome.published:
        _eprint(f"fejl: {outcome.reason}")
        return 1
    print(mask_text(outcome.summary))
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from warehouse.dbt_manifest import ManifestError, prepare_manifest
    from warehouse.paths import MANIFEST_PATH

    t0 = time.perf_counter()
    try:
        parsed = prepare_manifest(force=args.force)
    except ManifestError as exc:
        _eprint(f"fejl: {exc}")
        return 1
    state = (
        f"genskabt med dbt parse ({time.perf_counter() - t0:.1f}s)" if parsed else "aktuel (dbt-projektet er uændret)"
    )
    _eprint(f"dbt-manifest {state}")
    print(MANIFEST_PATH)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from ingest.textfile import file_size_limit
    from warehouse.check import check_paths

    with file_size_limit(_settings(args).max_file_mib):
        report, ok = check_paths([Path(p) for p in args.paths], progress=_eprint, known_flags=_known_flags(args))
    print(mask_text(report))
    return 0 if ok else 1


def _known_flags(args: argparse.Namespace) -> set[str] | None:
    """The flag ids the build DB's history knows, for checking a decisions file; None when no
    build DB is named (`--build-db` or COCKPIT_BUILD_DB: check reads no database unasked), it
    does not exist, or another process is writing it."""
    import duckdb

    from warehouse.flag_history import known_flag_ids

    if not (args.build_db or os.environ.get("COCKPIT_BUILD_DB")):
        return None
    settings = _settings(args)
    if not settings.build_db.is_file():
        return None
    try:
        with settings.connect_build(read_only=True) as con:
            return known_flag_ids(con)
    except duckdb.Error:
        return None


def cmd_allocate(args: argparse.Namespace) -> int:
    from cli.allocate import run_allocate

    return run_allocate(args, _settings(args), progress=_eprint)


def cmd_flags(args: argparse.Namespace) -> int:
    from cli.flags import run_flags

    return run_flags(args, _settings(args), progress=_eprint)


def cmd_worklist(args: argparse.Namespace) -> int:
    from cli.worklist import run_worklist

    return run_worklist(args, _settings(args), progress=_eprint)


def cmd_report(args: argparse.Namespace) -> int:
    from report.build import build_report
    from report.warehouse import ReportError

    settings = _settings(args)
    out = Path(args.out).resolve() if args.out else settings.report_dir
    try:
        files = build_report(settings.published_db, out, args.year, progress=_eprint)
    except ReportError as exc:
        _eprint(f"fejl: {exc}")
        return 1
    _eprint(f"rapport {files.year}: {files.pages} sider i {out} ({files.seconds:.1f}s)")
    print(f"{files.html}\n{files.pdf}\n{files.memo}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cockpit", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="write a sample landing dir in the real formats, with a manifest")
    p.add_argument("--out", help="landing dir to write (default: COCKPIT_LANDING_DIR or data/landing)")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--years", help="first-last (default 2019-2024; 2015-2024 for --scale national)")
    p.add_argument("--scale", choices=["nordjylland", "national"], default="nordjylland")
    p.add_argument("--postings", type=int, help="national: about this many ledger postings (default 20 million)")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("run", help="run the whole asset graph headless, audit and publish")
    p.add_argument("--landing")
    p.add_argument("--build-db")
    p.add_argument("--published-db")
    p.add_argument(
        "--wait",
        action="store_true",
        help="wait for another refresh of the same build DB to finish (default: exit 75 at once)",
    )
    p.add_argument(
        "--tillad-fjernelse",
        action="store_true",
        help="take landing files removed since the last refresh, however many (default: an empty landing dir "
        "or source folder, or more than COCKPIT_FJERNELSE_MAX_ANDEL of a source's files gone, stops the run)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "prepare",
        help="write the dbt manifest the Dagster definitions are made from "
        "(dbt parse, only when the dbt project changed)",
    )
    p.add_argument("--force", action="store_true", help="run dbt parse even when the manifest is current")
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("flags", help="list registration flags (cockpit.datakvalitet) for the data stewards")
    p.add_argument("--rule", help="only this rule, e.g. R04")
    p.add_argument("--kommune", help="only this municipality code, e.g. 851 (a rate flag carries its operator's)")
    p.add_argument("--status", help="only this status: ny, uændret, accepteret or rettet (corrected, from the history)")
    p.add_argument("--driftsherre", help="only flags of tilbud whose operator's name contains this, e.g. 'Aalborg'")
    p.add_argument("--format", choices=["csv", "table"], default="csv")
    p.add_argument("--published-db")
    p.set_defaults(func=cmd_flags)

    p = sub.add_parser("check", help="validate landing files (or a landing dir) without loading")
    p.add_argument("paths", nargs="+")
    p.add_argument("--build-db", help="the build DB whose flags a decisions file may name")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("allocate", help="split an amount between the 11 municipalities by a key")
    p.add_argument("--amount", required=True, help="kroner: 4.275.000, 4275000 or 4.275.000,50")
    p.add_argument("--key", required=True, choices=["indbyggere", "unge_14_23", "unge_15_17", "indbyggere_18_64"])
    p.add_argument("--year", required=True, type=int, help="the key at 1 January of this year")
    p.add_argument("--method", choices=["half-up", "largest-remainder"], default="half-up")
    p.add_argument(
        "--scope",
        choices=["de11", "land"],
        default="de11",
        help="de11: split the amount between the 11; land: each one's share of a nationally financed amount "
        "by its share of the country's 15–17-year-olds at 1 January of the year before (--key unge_15_17)",
    )
    p.add_argument("--published-db")
    p.add_argument("--format", choices=["csv", "table"], default="csv")
    p.set_defaults(func=cmd_allocate)

    p = sub.add_parser(
        "report", help="write the yearly styringscockpit report (HTML, PDF, memo) from the published warehouse"
    )
    p.add_argument("--year", type=int, help="the report's year (default: the newest complete year in the warehouse)")
    p.add_argument("--published-db", help="published DuckDB file (default: COCKPIT_PUBLISHED_DB)")
    p.add_argument("--out", help="output dir (default: COCKPIT_REPORT_DIR or reports/)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "worklist",
        help="write one municipality's row-level work list (flags, rejected values, expensive cases) as xlsx",
    )
    p.add_argument("--kommune", required=True, help="3-digit DST municipality code, e.g. 851")
    p.add_argument("--out", required=True, help="the workbook to write (.xlsx)")
    p.add_argument("--build-db", help="build DuckDB file (default: COCKPIT_BUILD_DB)")
    p.add_argument("--published-db", help="accepted like the other commands; the work list reads the build DB only")
    p.set_defaults(func=cmd_worklist)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        _eprint(f"fejl: {exc}")
        return 2
    except KeyboardInterrupt:
        _eprint("afbrudt")
        return 130


def entry() -> NoReturn:
    """The `cockpit` command (pyproject.toml's script): `main`'s code as the exit status, and
    the process ends without Python's teardown of the modules a refresh imported
    (`expectations.worker.end_now`): 0,6–1,1 s of an unchanged national re-run's 7,6–8,3 s
    (docs/performance.md, *Processes that end at once*). An exception, argparse's usage errors
    and `--help` (SystemExit), and a run under a profiler, tracer or debugger (they write their
    results at Python's end) end the ordinary way."""
    code = main()
    if sys.getprofile() or sys.gettrace():  # cProfile, coverage, a debugger: they write at Python's end
        sys.exit(code)
    end_now(code)


if __name__ == "__main__":
    entry()
