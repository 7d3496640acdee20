"""Refresh everything headless, in process, and report as it goes.

Two runs of the same jobs the UI shows, over every partition: `monthly_refresh` loads the
monthly sources (its ingest assets only), then `yearly_refresh` loads the yearly ones, builds
every dbt model once and publishes. They share one load id (`cockpit/load_id`), the id of the
publishing run. In process means one step at a time in this process: no two DuckDB writers,
ever. Progress comes from the runs' own event streams (an instance event listener), so the
lines printed are exactly what the UI would show for the same runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from dagster import AssetCheckSeverity, DagsterEventType, DagsterInstance
from dagster._core.utils import make_new_run_id

from ingest.sources import unread_files
from orchestration.partitions import LOAD_ID_TAG, full_range, range_tags
from orchestration.resources import SettingsResource
from warehouse import flag_history
from warehouse.build_db import BuildDbDamaged, damaged_message, drop_empty, held_open
from warehouse.check import loaded_findings
from warehouse.landing_settle import LandingNotSettled, landing_paths, wait_until_settled
from warehouse.settings import Settings
from warehouse.sql_names import qualified
from warehouse.yardsticks import missing_yardsticks

QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def run_config_of(settings: Settings) -> dict:
    """The run config of every run `cockpit run` starts: the console quiet (progress comes from
    the event listener) and every field of the `settings` resource from `settings`."""
    return {**QUIET_CONSOLE, **SettingsResource.run_config(settings)}


def _no_unbuilt_check_notes(record: logging.LogRecord) -> bool:
    # When nothing changed the dbt step builds nothing: it reports its blocking tests as unchanged,
    # and the three of severity warn emit no result; Dagster notes each on its plan logger.
    # Expected then, and not the user's business.
    return "emitted no result in step 'cockpit_dbt'" not in record.getMessage()


@dataclass
class RunOutcome:
    run_id: str
    published: bool  # the published file holds this refresh's result (published now, or already)
    unchanged: bool = False  # nothing to load, build or publish: the published file was current
    reason: str = ""
    summary: str = ""
    materialized: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)  # blocking checks that failed
    warnings: list[str] = field(default_factory=list)  # non-blocking checks that warned
    checks_passed: int = 0  # check evaluations that passed (run now, or unchanged since they last passed)
    elapsed: float = 0.0


class _Progress:
    def __init__(self, emit: Callable[[str], None]):
        self.emit, self.t0 = emit, time.perf_counter()
        self.materialized: list[str] = []
        self.failed_checks: list[str] = []
        self.warnings: list[str] = []
        self.passed_checks = 0
        self.step_errors: list[str] = []

    def _line(self, text: str) -> None:
        self.emit(f"[{time.perf_counter() - self.t0:6.1f}s] {text}")

    def __call__(self, entry) -> None:
        event = entry.get_dagster_event() if entry.is_dagster_event else None
        if event is None:
            # A step's own warnings (a stale WAL moved aside, a lock taken over) reach the user.
            if entry.level == logging.WARNING and entry.step_key:
                self._line(f"  ! {entry.user_message}")
            return
        kind = event.event_type
        if kind == DagsterEventType.ASSET_MATERIALIZATION:
            mat = event.event_specific_data.materialization
            key = mat.asset_key.to_user_string()
            if key not in self.materialized:  # a range run reports each partition: show the asset once
                self._line(f"  ✓ {key}{_counts(mat.metadata)}")
            self.materialized.append(key)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            ev = event.event_specific_data
            name = f"{ev.asset_key.to_user_string()}:{ev.check_name}"
            summary = ev.metadata.get("summary")
            detail = f" — {summary.value}" if summary is not None else ""
            if ev.passed:
                self.passed_checks += 1
            elif ev.severity == AssetCheckSeverity.WARN:  # registration flags: shown, never blocking
                self.warnings.append(f"{name}{detail}")
                self._line(f"  ! advarsel (blokerer ikke) {name}{detail}")
            else:
                self.failed_checks.append(f"{name}{detail}")
                self._line(f"  ✗ kontrol {name}{detail}")
        elif kind == DagsterEventType.STEP_SUCCESS:
            self._line(f"trin {event.step_key} færdigt ({event.event_specific_data.duration_ms / 1000:.1f}s)")
        elif kind == DagsterEventType.STEP_FAILURE:
            message = _error_message(event.event_specific_data.error)
            self.step_errors.append(f"{event.step_key}: {message}")
            self._line(f"trin {event.step_key} FEJLEDE: {message}")
        elif kind == DagsterEventType.STEP_START:
            self._line(f"trin {event.step_key} starter")


def _counts(metadata) -> str:
    wanted = ["files_loaded", "files_skipped_unchanged", "rows_loaded", "rows_rejected", "dagster/row_count"]
    parts = [f"{k.split('/')[-1]}={metadata[k].value}" for k in wanted if k in metadata]
    return f" ({', '.join(parts)})" if parts else ""


def _error_message(error) -> str:
    # Dagster wraps user errors ("Error occurred while executing op ..."); the cause says why.
    while error is not None and error.cause is not None and "Error occurred while" in error.message:
        error = error.cause
    message = (error.message if error else "ukendt fejl").strip().splitlines()[0]
    # A `Failure` raised by a step is its description: the class name in front tells nothing.
    return message.removeprefix("dagster._core.definitions.events.Failure: ")


def run_pipeline(
    settings: Settings, *, progress: Callable[[str], None] = lambda _m: None, wait_for_lock: float = 0.0
) -> RunOutcome:
    """Ingest, audit, build and publish. The published file changes only when every step passed.

    Holds the refresh lock of the build DB (warehouse/refresh_lock.py) for the whole
    refresh; another refresh holding it raises `RefreshBusy` before any work, or after
    `wait_for_lock` seconds of waiting for it. Raises `SettingsError` for a DB file named like a
    schema, also before any work. The steps get `settings` as the `settings` resource's run
    config (orchestration/resources.py): nothing is written to or read back from the environment."""
    from warehouse.refresh_lock import refresh_lock

    t0 = time.perf_counter()
    settings.validate()
    run_id = make_new_run_id()  # of the publishing run; every run of this refresh loads under it
    with refresh_lock(settings.build_db, run_id=run_id, wait=wait_for_lock, say=progress):
        return _run_locked(settings, run_id, progress, t0)


def _run_locked(settings: Settings, run_id: str, progress: Callable[[str], None], t0: float) -> RunOutcome:
    from warehouse.dbt_manifest import ManifestError, prepare_manifest

    logging.getLogger("dagster._core.execution.plan.active").addFilter(_no_unbuilt_check_notes)  # once
    progress(f"landing: {settings.landing_dir}")
    progress(f"build:   {settings.build_db}")
    paths = landing_paths(settings.landing_dir)
    if not paths and not settings.allow_removal:  # an unmounted share: never publish an empty cockpit
        return RunOutcome(
            run_id=run_id,
            published=False,
            elapsed=time.perf_counter() - t0,
            reason=f"landingsmappen {settings.landing_dir} har ingen landingsfiler (er drevet ikke monteret?): "
            f"intet er indlæst — {settings.published_db} er uændret; kør med --tillad-fjernelse, "
            "hvis alle filer er fjernet med vilje",
        )
    try:  # never read half of a file that is still being copied in
        waited = wait_until_settled(
            paths,
            settle=settings.settle_seconds,
            timeout=settings.settle_timeout_seconds,
            say=progress,
            relative_to=settings.landing_dir,
        )
    except LandingNotSettled as exc:
        return RunOutcome(
            run_id=run_id,
            published=False,
            elapsed=time.perf_counter() - t0,
            reason=f"{exc} — {settings.published_db} er uændret",
        )
    if waited >= 0.5:
        progress(f"landing-filerne har lagt stille efter {waited:.1f}s")
    damaged = _build_db_damaged(settings, progress)
    if damaged:
        return RunOutcome(run_id=run_id, published=False, elapsed=time.perf_counter() - t0, reason=damaged)
    if not settings.build_db.exists():
        from orchestration.assets.ingest import start_ahead

        start_ahead()  # a refresh from empty validates every table and builds every model
    try:
        # SQL edited since the last parse must count; parsed with the build's profile, whose
        # `dbt build` then reuses this parse (warehouse/dbt_manifest.py)
        if prepare_manifest(profile_env=settings.dbt_profile_env()):
            progress("dbt-manifest: genskabt (dbt parse)")
    except ManifestError as exc:
        return RunOutcome(
            run_id=run_id,
            published=False,
            elapsed=time.perf_counter() - t0,
            reason=f"{exc} — {settings.published_db} er uændret",
        )
    from orchestration.assets.publish import PUBLISHED_KEY
    from orchestration.automation import FULL_REFRESH, JOB_PARTITIONS
    from orchestration.definitions import defs

    run_config = run_config_of(settings)
    persistent = bool(os.environ.get("DAGSTER_HOME"))
    instance = DagsterInstance.get() if persistent else DagsterInstance.ephemeral()
    listener = _Progress(progress)
    # dagster-dbt echoes every dbt event to stdout; stdout is for results, so keep them in a log.
    log_path = settings.build_db.parent / "logs" / f"run-{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    prune_run_logs(log_path.parent, max(settings.keep_runs - 1, 0))  # and this run's
    progress(f"log:     {log_path}")
    with (
        open(log_path, "w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.nullcontext() if persistent else _planned_per_asset(),
        held_open(settings.build_db),  # one process runs every step: the file stays open between them
    ):
        for job_name, selection in FULL_REFRESH:
            this_run = run_id if job_name == FULL_REFRESH[-1][0] else make_new_run_id()
            start, end = full_range(JOB_PARTITIONS[job_name])
            progress(f"{job_name}: partitioner {start}…{end}")
            instance.add_event_listener(this_run, listener)
            result = (
                defs()
                .resolve_job_def(job_name)
                .execute_in_process(
                    instance=instance,
                    run_id=this_run,
                    raise_on_error=False,
                    run_config=run_config,
                    asset_selection=selection,
                    tags={**range_tags(start, end), LOAD_ID_TAG: run_id},
                )
            )
            if not result.success:
                break
    published = result.success and PUBLISHED_KEY.to_user_string() in listener.materialized
    if result.success and not published and not listener.failed_checks:
        unchanged = _unchanged(settings, run_id, t0, listener, instance, progress)
        if unchanged is not None:
            return unchanged
    outcome = RunOutcome(
        run_id=run_id,
        published=published,
        materialized=listener.materialized,
        failed_checks=listener.failed_checks,
        warnings=listener.warnings,
        checks_passed=listener.passed_checks,
        elapsed=time.perf_counter() - t0,
    )
    if not published:
        if listener.failed_checks:
            outcome.reason = "blokerende kontrol fejlede: " + " | ".join(listener.failed_checks)
        elif listener.step_errors:
            outcome.reason = listener.step_errors[0]
            if damaged_message(outcome.reason) and "build-DB'en" not in outcome.reason:
                outcome.reason = str(BuildDbDamaged(settings.build_db, outcome.reason))
        else:
            outcome.reason = "kørslen publicerede ikke (se Dagster-loggen)"
        if "Out of Memory" in outcome.reason:  # say which setting bounds it, and what to do
            outcome.reason = (
                f"DuckDB nåede sin hukommelsesgrænse (COCKPIT_DUCKDB_MEMORY_LIMIT="
                f"{settings.duckdb_memory_limit}; hæv den, eller frigør hukommelse): {outcome.reason}"
            )
        outcome.reason += f" — {settings.published_db} er uændret"
        return outcome
    outcome.summary = summarize(settings, run_id, outcome.elapsed, listener.passed_checks)
    progress(flag_counts(settings))
    # The yearly report of the newest complete year, from the file just published (issue 11).

    outcome.summary += "\n" + build_newest_report(settings, instance, progress)
    return outcome


# Dagster's switch (dagster/_core/storage/event_log/base.py): a run over a partition range
# plans each asset in one event with its partitions, not one event per partition.
PLANNED_SUBSET_ENV = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


@contextlib.contextmanager
def _planned_per_asset() -> Iterator[None]:
    """While the runs of a headless refresh on an ephemeral instance are created and run: one
    materialization-planned event per asset instead of one per asset and partition (the
    sample's raw tables: 12 events instead of 339, ~0,3 s of the refresh). Dagster's price for
    it, that a failed run does not mark its partitions failed, is nothing here: the instance
    ends with the command, and the command says the outcome itself. A UI or `DAGSTER_HOME` run
    keeps Dagster's default. The user's own setting of the variable is left as it was."""
    if PLANNED_SUBSET_ENV in os.environ:
        yield
        return
    os.environ[PLANNED_SUBSET_ENV] = "1"
    try:
        yield
    finally:
        os.environ.pop(PLANNED_SUBSET_ENV, None)


def _unchanged(
    settings: Settings,
    run_id: str,
    t0: float,
    listener: _Progress,
    instance: DagsterInstance,
    progress: Callable[[str], None],
) -> RunOutcome | None:
    """The outcome of a refresh that found nothing to do: every step succeeded, dbt built
    nothing and publishing was skipped because the published file already is this build's
    (warehouse/build_state.py). None when that is not why nothing was published. The
    newest year's report is made again only when it is missing or older than the file."""
    from report.build import report_paths
    from report.warehouse import ReportError, Warehouse
    from warehouse.build_state import published_current

    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        current = published_current(con, settings.published_db)
    if current is None:
        return None
    try:
        with Warehouse(settings.published_db) as wh:
            year = wh.newest_complete_year()
        published_at = settings.published_db.stat().st_mtime
        reports = list(report_paths(settings.report_dir, year))
        report_current = all(p.exists() and p.stat().st_mtime >= published_at for p in reports)
    except ReportError:  # no complete year: nothing to report, as after a publish
        report_current, reports = True, []
    elapsed = time.perf_counter() - t0
    summary = "\n".join(
        [
            f"Uændret: {settings.published_db} er allerede denne build-DB's seneste "
            f"(kørsel {current[0]}, publiceret {current[1]:%Y-%m-%d %H:%M}).",
            "Ingen landingsfil er ny, ændret eller fjernet, og dbt-projektet er det samme: intet er "
            "indlæst, bygget eller publiceret.",
            f"tid: {elapsed:.1f}s",
        ]
    )
    if report_current:
        summary += "\n" + (f"Rapport {year}: uændret, {reports[0]}" if reports else "Rapport: ingen afsluttet år")
    else:
        summary += "\n" + build_newest_report(settings, instance, progress)
    return RunOutcome(
        run_id=run_id,
        published=True,
        unchanged=True,
        summary=summary,
        materialized=listener.materialized,
        warnings=listener.warnings,
        checks_passed=listener.passed_checks,
        elapsed=elapsed,
    )


def prune_run_logs(folder: Path, keep: int) -> list[Path]:
    """Remove the runs' logs (`run-<id>.log`) in `folder` but the `keep` newest; returns them.
    Disk use stays bounded on a scheduled warehouse (COCKPIT_BEHOLD_KOERSLER)."""
    logs = sorted(folder.glob("run-*.log"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in logs[max(keep, 0) :]:
        old.unlink(missing_ok=True)
    return logs[max(keep, 0) :]


def _build_db_damaged(settings: Settings, progress: Callable[[str], None]) -> str:
    """Before any step: a 0-byte build DB is removed (said), so the run builds it from the
    landing dir; one DuckDB cannot open is named as damaged with the command that rebuilds it
    (the reason to stop with, issue 24 §6), instead of DuckDB's text under the first step's name."""
    if drop_empty(settings.build_db):
        progress(f"build-DB'en {settings.build_db.name} var tom (0 bytes): den bygges forfra fra landingsmappen")
        return ""
    if not settings.build_db.exists():
        return ""
    try:
        settings.connect_build().close()
    except duckdb.Error as exc:
        if damaged_message(exc):
            return f"{BuildDbDamaged(settings.build_db, exc)} — {settings.published_db} er uændret"
    return ""


def flag_counts(settings: Settings) -> str:
    """Registration flags per rule and severity (they never block; they are the stewards' list)."""
    from warehouse.flags import has_flags_view

    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        if not has_flags_view(con):
            return "flag: (ingen cockpit.datakvalitet)"
        rows = con.execute(
            "select regel, alvorlighed, count(*) from cockpit.datakvalitet group by all order by regel"
        ).fetchall()
    return "flag pr. regel: " + (", ".join(f"{r} {s} {n}" for r, s, n in rows) or "ingen")


def rows_outside_partitions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One line per file whose rows lie outside every partition (a year before 2019, next year's
    rates): loaded with their file, never only counted in metadata (issue: robust ingest)."""
    from ingest.sources import SOURCES

    tables = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()}
    lines = []
    for source in (s for s in SOURCES.values() if s.grain and s.name in tables):
        for file, n in con.execute(f"""select _source_file, count(*) from {qualified("raw", source.name)}
                                       where _partition is null group by 1 order by 1""").fetchall():
            lines.append(
                f"uden for partitionerne: {file}: {n} rækker (indlæst med filen; en genkørsel af en "
                f"partition rører dem ikke)"
            )
    return lines


def removed_files(settings: Settings, run_id: str) -> list[str]:
    """One line per landing file whose rows this refresh took out because the file is gone
    (`meta.removed_files` of the build DB; issue 24 §2: a removal is never silent)."""
    from warehouse.raw_loader import shown

    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        has_table = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'meta' and table_name = 'removed_files'"
        ).fetchone()[0]
        rows = (
            con.execute("select file from meta.removed_files where load_id = ? order by 1", [run_id]).fetchall()
            if has_table
            else []
        )
    return [f"fjernet: {shown(file)}: ikke længere i landingsmappen, dens rækker er taget ud" for (file,) in rows]


def summarize(settings: Settings, run_id: str, elapsed: float, checks_passed: int) -> str:
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        views = con.execute(
            "select view_name from duckdb_views() where schema_name = 'cockpit' order by view_name"
        ).fetchall()
        lines = [f"Publiceret {settings.published_db} (kørsel {run_id})", "", f"{'cockpit-tabel':<32}{'rækker':>10}"]
        for (name,) in views:
            n = con.execute(f"select count(*) from {qualified('cockpit', name)}").fetchone()[0]
            lines.append(f"{'cockpit.' + name:<32}{n:>10}")
        run = con.execute(
            "select filer, raekker_indlaest, flag_fejl, flag_advarsel from meta.koersler where run_id = ?", [run_id]
        ).fetchone()
        yardsticks = missing_yardsticks(con)
    # Quarantine, findings and row-level raw data are the build DB's: the published file holds the BI subset.
    with settings.connect_build(read_only=True) as con:
        rejected = con.execute("select count(*) from quarantine.afviste_raekker").fetchone()[0]
        findings = loaded_findings(con)
        outside = rows_outside_partitions(con)
        history = flag_history.summary_lines(con, run_id)
    unread = [f"ikke læst: {rel}: {why}" for rel, why in unread_files(settings.landing_dir).items()]
    removed = removed_files(settings, run_id)
    lines += [
        "",
        f"filer i alt: {run[0]}, rækker indlæst i denne kørsel: {run[1]}, afviste værdier: {rejected}",
        f"flag: {run[2]} fejl, {run[3]} advarsler; blokerende kontroller bestået: {checks_passed}",
        *history,
        *findings,
        *yardsticks,
        *outside,
        *unread,
        *removed,
        f"tid: {elapsed:.1f}s",
    ]
    return "\n".join(lines)


def build_newest_report(settings: Settings, instance: DagsterInstance, progress: Callable[[str], None]) -> str:
    """After publishing: materialise the report of the newest complete year through
    `yearly_report` (so the UI shows it) and return one line saying where it is. A report that
    cannot be made leaves the published warehouse as it is; the line says why."""
    from orchestration.assets.report import REPORT_KEY
    from orchestration.definitions import defs
    from report.warehouse import ReportError, Warehouse

    try:
        with Warehouse(settings.published_db) as wh:
            year = wh.newest_complete_year()
    except ReportError as exc:
        progress(f"rapport: ikke lavet — {exc}")
        return f"Rapport: ikke lavet — {exc}"
    progress(f"yearly_report: partition {year}")
    result = (
        defs()
        .resolve_job_def("yearly_report")
        .execute_in_process(
            instance=instance, partition_key=str(year), raise_on_error=False, run_config=run_config_of(settings)
        )
    )
    if not result.success:
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        error = failure.step_failure_data.error if failure else None
        while error is not None and error.cause is not None and "Error occurred while" in error.message:
            error = error.cause  # Dagster wraps the user error; its cause says why
        reason = error.message.strip().splitlines()[0] if error else "ukendt fejl"
        progress(f"rapport {year}: FEJLEDE — {reason}")
        return f"Rapport {year}: ikke lavet — {reason}"
    meta = next(e.event_specific_data.materialization.metadata for e in result.all_events if e.is_step_materialization)
    seconds = meta["seconds"].value
    progress(f"  ✓ {REPORT_KEY.to_user_string()} ({year}, {meta['pages'].value} sider, {seconds:.1f}s)")
    return f"Rapport {year}: {meta['html'].value}\n            {meta['pdf'].value} ({meta['pages'].value} sider)\n            {meta['memo'].value}"
