"""What changed since the last build: the dbt step builds only what a changed source feeds, and
a GX check validates only the rows loaded since it last passed (issue 15: a new month must not
cost a full refresh, an unchanged re-run next to nothing).

A raw table's *state* is a digest of its ledger rows (`meta.loaded_files` and
`meta.loaded_partitions`: file, partition, SHA-256, load id, load time, reader version); the
loader replaces a file's (or a file's partition's) ledger row whenever it writes or removes its
rows, so equal states mean equal rows. Tables of the build DB remember what was last done with
which state, and are written only after the work succeeded:

- `meta.dbt_built` (`node`, `state`, `run_id`, `built_at`): one row per raw table, plus
  `node = 'project'` (`dbt_states`: the dbt project files, dbt, its adapter, DuckDB, the year).
  Another project state (an edited model, seed, macro or test; an upgrade; a new year), or none
  (a build started and did not finish: `start_build`), rebuilds everything.
- `meta.gx_passed` (`source`, `state`, `suite`, `run_id`, `checked_at`): the state and suite
  digest the source's GX suite last passed on, and `meta.gx_passed_files` (`source`, `file`,
  `sha256`, `load_id`, `loaded_at`) the ledger's files then: a raw row with one of those
  (file, content, load, load time) has passed this suite.
- no table of its own for publishing: the published file's run log says which build it is
  (`published_current`). When nothing changed and that file is still this build's, a refresh
  builds and publishes nothing: the published file already is what it would publish.

Deleting their rows (`delete from meta.dbt_built; delete from meta.gx_passed`) makes the next
refresh build and validate everything. Names are English: the pipeline's own bookkeeping
(docs/orchestration.md, "Names of the bookkeeping").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from ingest import reference
from ingest.sources import SOURCES
from warehouse.publishing import file_damage, newest_published_run, sidecars

DDL = """
create table if not exists meta.dbt_built (
    node varchar primary key, state varchar, run_id varchar, built_at timestamp);
create table if not exists meta.gx_passed (
    source varchar primary key, state varchar, suite varchar, run_id varchar, checked_at timestamp);
create table if not exists meta.gx_passed_files (
    source varchar, file varchar, sha256 varchar, load_id varchar, loaded_at timestamp);
create table if not exists meta.dbt_built_ledger (
    file varchar, load_id varchar, loaded_at timestamp, bogfoeringsaar integer, serviceaar integer,
    rows bigint);
"""
PROJECT = "project"
# The view the publish step waits for: rebuilt (a view: milliseconds) when nothing else is.
PUBLISH_WAITS_FOR = "model.cockpit.datakvalitet"


def raw_states(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """{source name: digest of its rows in `meta.loaded_files` and `meta.loaded_partitions`} for
    every landing source; a source with no file loaded has "". Reads the ledger only (milliseconds)."""
    # Both ledgers: a partition run deletes a removed file's rows of its partitions through
    # `meta.loaded_partitions` alone (the file's `loaded_files` row went when it was removed).
    rows = dict(
        con.execute(
            """select source, sha256(string_agg(line, '\n' order by line)) from (
                   select source, concat_ws('|', 'f', file, sha256, load_id, loaded_at, reader) as line
                   from meta.loaded_files
                   union all
                   select source, concat_ws('|', 'p', file, partition, sha256, load_id, loaded_at, reader, rows)
                   from meta.loaded_partitions)
               group by source"""
        ).fetchall()
    )
    return {name: rows.get(name, "") for name in SOURCES}


# --- dbt ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DbtPlan:
    """How to run `dbt build`: `args` after `build`; `changed` the raw tables whose state
    differs from the last build (all of them when `full`); `reason` one line for the log."""

    full: bool
    changed: tuple[str, ...]
    args: tuple[str, ...]
    reason: str

    @property
    def nothing(self) -> bool:
        """Nothing changed since the last build."""
        return not self.full and not self.changed

    @property
    def unit_tests(self) -> bool:
        """Whether this build runs the dbt unit tests (a full build whose project state has not
        passed them yet)."""
        return self.full and "resource_type:unit_test" not in " ".join(self.args)


def dbt_states(con: duckdb.DuckDBPyConnection, project: str) -> dict[str, str]:
    """The states a build now would be made from: every raw table's, and `project`'s: the dbt
    project files' digest (`warehouse.dbt_manifest.project_digest`), the versions of dbt,
    its adapter and DuckDB (they decide what the SQL does), and the current year
    (`marts.dim_maaned` runs to the end of next year by `current_date`)."""
    versions = "/".join(version(p) for p in ("dbt-core", "dbt-duckdb", "duckdb"))
    return {**{f"raw.{k}": v for k, v in raw_states(con).items()}, PROJECT: f"{project}/{versions}/{date.today():%Y}"}


def last_built(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """{node: state} of the last successful build (`meta.dbt_built`); empty when there is none,
    or when a build has started since (`start_build`)."""
    con.execute(DDL)
    return dict(con.execute("select node, state from meta.dbt_built").fetchall())


def last_build_run(con: duckdb.DuckDBPyConnection) -> tuple[str, datetime] | None:
    """(run id, time) of the last successful build of the whole project (`meta.dbt_built`),
    or None when there is none. Its blocking dbt tests all passed: `record_built` follows only a
    `dbt build` that succeeded."""
    con.execute(DDL)
    run_id, built_at = con.execute("select min(run_id), max(built_at) from meta.dbt_built").fetchone()
    return (run_id, built_at) if run_id is not None else None


def start_build(con: duckdb.DuckDBPyConnection) -> None:
    """Before dbt changes any table: forget the last build's project state, so a build that
    fails, is killed, or is a subset picked in the UI leaves the next refresh a full build
    (its tables may hold what the inputs then were, or an edit since reverted)."""
    con.execute(DDL)
    con.execute("delete from meta.dbt_built where node = ?", [PROJECT])


def record_built(
    con: duckdb.DuckDBPyConnection,
    states: Mapping[str, str],
    run_id: str,
    ledger: frozenset[LedgerGroup] | None = None,
) -> None:
    """After a successful build of the whole project from `states`; `ledger`, the ledger's row
    groups the build was made from (`ledger_groups`), for the next build's `ledger_vars`."""
    con.execute(DDL)
    con.execute("begin")
    con.execute("delete from meta.dbt_built")
    con.executemany(
        "insert into meta.dbt_built values (?, ?, ?, current_localtimestamp())",
        [(node, state, run_id) for node, state in sorted(states.items())],
    )
    con.execute("delete from meta.dbt_built_ledger")
    if ledger:  # thousands of groups nationally: one insert from a frame, not one per row
        frame = pl.DataFrame(
            sorted(ledger, key=repr),
            # the table's types, not polars' guess from the first rows: a hundred groups without
            # a service year (a ledger without Periode fra) would type the column as null
            schema={
                "file": pl.String,
                "load_id": pl.String,
                "loaded_at": pl.Datetime("us"),
                "bogfoeringsaar": pl.Int32,
                "serviceaar": pl.Int32,
                "rows": pl.Int64,
            },
            orient="row",
        )
        con.register("built_ledger", frame)
        con.execute("insert into meta.dbt_built_ledger select * from built_ledger")
        con.unregister("built_ledger")
    con.execute("commit")


def seed_tests(manifest: Mapping[str, Any]) -> list[str]:
    """The names of the data tests of severity error that read seeds only (`not_null`,
    `unique`, `relationships` between reference tables, …): a seed is a CSV of the project, so
    such a test's verdict is decided by the project state alone, as a unit test's is."""
    seeds = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "seed"}
    return sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test"
        and (node["config"].get("severity") or "error").lower() == "error"
        and node["depends_on"]["nodes"]
        and set(node["depends_on"]["nodes"]) <= seeds
    )


def plan_dbt(
    manifest: Mapping[str, Any], now: Mapping[str, str], last: Mapping[str, str], *, unit_tested: bool = False
) -> DbtPlan:
    """The `dbt build` that makes the build DB current, from the states now and at the last
    successful build (`dbt_states`, `last_built`). `unit_tested`: the dbt unit tests passed
    already with the project state of `now` (`dbt_manifest.unit_tests_passed`).

    - no build recorded, or another project digest: everything (`full`, no arguments), the
      unit tests and the data tests of seeds (`seed_tests`) left out (`--exclude
      resource_type:unit_test <names>`) when `unit_tested`: they passed in the build that ran
      the unit tests, and their verdict is the project state's;
    - else the models and seeds fed by a changed raw table (dbt's graph: `child_map` of the
      manifest), every quarantine and meta source counting as changed with any raw table (the
      loader writes the quarantine with raw; `meta.koersler` feeds only a view), and
      `cockpit.datakvalitet`, which publishing waits for; tests run when any of their parents is built
      (`--indirect-selection cautious`), unit tests not (the project did not change);
    - nothing changed: only `cockpit.datakvalitet`, the view publishing waits for.

    The rest is excluded by name (`--exclude`): dagster-dbt adds its own `--select fqn:*`,
    which a second `--select` would only widen."""
    if not last or last.get(PROJECT) != now[PROJECT]:
        why = "første byg i denne build-DB" if not last else "dbt-projektet er ændret siden sidste byg"
        passed = seed_tests(manifest) if unit_tested else []
        args = ("--exclude", " ".join(["resource_type:unit_test", *passed])) if unit_tested else ()
        unit = f"; enhedstestene og de {len(passed)} test af seeds er bestået for dette projekt" if unit_tested else ""
        return DbtPlan(True, tuple(k for k in now if k != PROJECT), args, f"hele projektet bygges: {why}{unit}")
    changed = tuple(k for k in now if k != PROJECT and now[k] != last.get(k))
    sources = [s for s in manifest["sources"] if manifest["sources"][s]["source_name"] != "raw"]
    sources += [f"source.{manifest['metadata']['project_name']}.{k}" for k in changed]
    built = (_descendants(manifest, sources) if changed else set()) | {PUBLISH_WAITS_FOR}
    buildable = {
        uid: node["name"]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "snapshot")
    }
    excluded = sorted(name for uid, name in buildable.items() if uid not in built)
    kept = len(buildable) - len(excluded)
    args = ("--indirect-selection", "cautious", "--exclude", " ".join([*excluded, "resource_type:unit_test"]))
    reason = (
        f"ændret siden sidste byg: {', '.join(changed)}; {kept} af {len(buildable)} modeller bygges"
        if changed
        else f"intet ændret siden sidste byg; kun {manifest['nodes'][PUBLISH_WAITS_FOR]['name']} bygges"
    )
    return DbtPlan(False, changed, args, reason)


# --- the ledger's incremental models (dbt_project/macros/ledger_partitions.sql) -----------------

LEDGER = "raw.posteringer"
# (file, load id, load time, booking year (0: no Bogføringsdato), year of Periode fra, rows)
LedgerGroup = tuple[str, str, datetime, int, int | None, int]


def ledger_groups(con: duckdb.DuckDBPyConnection) -> frozenset[LedgerGroup]:
    """The ledger's rows grouped by what a load gives them (file, load id, load time) and by the
    two years the incremental models are partitioned by: the booking year and the year of Periode
    fra. A file written or removed since changes its groups (a new load id and time; the old ones
    go). One scan of raw.posteringer's lineage and two date columns (~0,5 s for 20 M postings)."""
    rows = con.execute(
        """select _source_file, _load_id, _loaded_at, cast(coalesce(year(bogfoeringsdato), 0) as integer),
                  cast(year(periode_fra) as integer), count(*)
           from raw.posteringer group by all"""
    ).fetchall()
    return frozenset(rows)


def last_ledger_groups(con: duckdb.DuckDBPyConnection) -> frozenset[LedgerGroup] | None:
    """The ledger's groups the last successful build was made from (`record_built`); None when
    there is no build recorded, or it recorded none (a build DB from before the incremental models)."""
    con.execute(DDL)
    if not con.execute("select count(*) from meta.dbt_built").fetchone()[0]:
        return None
    rows = con.execute("select * from meta.dbt_built_ledger").fetchall()
    empty = not con.execute("select count(*) from raw.posteringer").fetchone()[0]
    return frozenset(rows) if rows or empty else None


# The environment variable that carries the ledger's years to dbt for one build (read by
# dbt_project/macros/ledger_partitions.sql at run time). Not `--vars`: dbt hashes the command
# line's vars into its partial-parse state, so changing vars would parse the project in full
# every build; a variable read only while models run is no part of that state.
LEDGER_YEARS_ENV = "COCKPIT_DBT_LEDGER_YEARS"
# Above this many characters of the variable as dbt receives it (JSON: a name with æ/ø/å
# counts 6 characters per letter) the changed files are not listed, and the models that rebuild
# per file go by year instead: a process's environment string is at most 128 KiB on Linux, and
# a list that long is most of the ledger anyway (a reader upgrade reads every file).
LEDGER_FILES_MAX_CHARS = 60_000


def ledger_vars(
    manifest: Mapping[str, Any],
    plan: DbtPlan,
    last: frozenset[LedgerGroup] | None,
    now: frozenset[LedgerGroup],
) -> tuple[tuple[str, ...], dict[str, str]]:
    """(arguments for `dbt build`, environment for it) that tell the ledger's incremental models
    which years to rebuild:

    - a full build (`plan.full`: a first build, an edited project or an upgrade): `--full-refresh`,
      every incremental table made anew, since its SQL may have changed; `LEDGER_YEARS_ENV` empty;
    - no groups recorded by the last build: no argument, `LEDGER_YEARS_ENV` empty (the models
      then rebuild every year);
    - else `LEDGER_YEARS_ENV` = JSON `{"ledger_years": {"bogfoering": [...], "service": [...]},
      "ledger_files": [...], "ledger_rebuild_all": [...]}`: the booking years (`bogfoering`) and
      years of Periode fra (`service`) of every group in `now` or `last` but not in both (a file
      added, replaced or removed shows up with its old and its new rows); the files of those
      groups (`_source_file`, sorted; null when the JSON would exceed `LEDGER_FILES_MAX_CHARS`), for
      the models whose rows each come from one posting (staging); and the incremental models that
      another changed raw table feeds (the register, the rates, the accounts), which rebuild
      every year.

    The variable is always set (empty = every year), so none is inherited from the shell."""
    if plan.full:
        return ("--full-refresh",), {LEDGER_YEARS_ENV: ""}
    if last is None:
        return (), {LEDGER_YEARS_ENV: ""}
    changed = last ^ now
    incremental = {
        uid: node["name"]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"].get("materialized") == "incremental"
    }
    project = manifest["metadata"]["project_name"]
    others = {f"source.{project}.{k}" for k in plan.changed if k != LEDGER}
    rebuild_all = sorted(name for uid, name in incremental.items() if _ancestors(manifest, uid) & others)
    years = {
        "bogfoering": sorted({g[3] for g in changed}),
        "service": sorted({g[4] for g in changed if g[4] is not None}),
    }
    given = {"ledger_years": years, "ledger_files": sorted({g[0] for g in changed}), "ledger_rebuild_all": rebuild_all}
    text = json.dumps(given)
    if len(text) > LEDGER_FILES_MAX_CHARS:
        text = json.dumps({**given, "ledger_files": None})
    return (), {LEDGER_YEARS_ENV: text}


def plan_ledger(
    con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any], plan: DbtPlan
) -> tuple[tuple[str, ...], dict[str, str], frozenset[LedgerGroup] | None]:
    """(`ledger_vars`' arguments and environment for this build, the ledger's groups to record
    after it). The ledger is scanned only when it changed or everything is built; else its
    groups are the last build's."""
    last = last_ledger_groups(con)
    now = ledger_groups(con) if plan.full or LEDGER in plan.changed else last
    args, env = ledger_vars(manifest, plan, last, now if now is not None else frozenset())
    return args, env, now


def _ancestors(manifest: Mapping[str, Any], uid: str) -> set[str]:
    parents, seen, todo = manifest["parent_map"], set(), [uid]
    while todo:
        for parent in parents.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def _descendants(manifest: Mapping[str, Any], roots: list[str]) -> set[str]:
    children, seen, todo = manifest["child_map"], set(), list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


# --- Great Expectations ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckPlan:
    """What a GX check of one raw table validates: nothing (`skip`: nothing changed since it
    passed), the rows not validated yet (`only_new`: `NOT_VALIDATED_JOIN` selects them), or all."""

    skip: bool
    only_new: bool
    reason: str
    state: str
    suite: str


# The raw rows whose (file, content, load, load time) had not passed the suite, as a join after
# `from raw.<source>`; `?` is the source's name. Not the load time alone: it has whole seconds,
# and a corrected file may be loaded in the same second as the version that passed. An explicit
# anti join, not `where not exists (…)`: DuckDB decorrelates that into a join that first holds
# every row of the raw table (20 M national postings: the check's peak 4,1 → 6,9 GB).
NOT_VALIDATED_JOIN = """anti join (select file as passed_file, sha256 as passed_sha256, load_id as passed_load_id,
                              loaded_at as passed_loaded_at
                       from meta.gx_passed_files where source = ?) passed
    on passed_file = _source_file and passed_sha256 = _file_sha256
   and passed_load_id = _load_id and passed_loaded_at = _loaded_at"""


SUITE_FILES = [
    Path(__file__).resolve().parents[1] / "expectations" / name for name in ("suites.py", "runner.py", "__init__.py")
] + [reference.SEEDS / f"{name}.csv" for name in reference.READ]  # a suite's value sets come from the seeds


def suite_digest(source: str) -> str:
    """16 hex digits over what decides suite `source`'s verdict: the code of the suites and
    their runner (a suite's `prepare` step is code), the seeds their value sets come from, and
    GX's version. Without importing GX (2 s), so an unchanged table's check costs milliseconds."""
    digest = hashlib.sha256(source.encode())
    for path in SUITE_FILES:
        digest.update(path.read_bytes())
    digest.update(version("great-expectations").encode())
    return digest.hexdigest()[:16]


def plan_check(con: duckdb.DuckDBPyConnection, source: str, *, row_wise: Callable[[], bool]) -> CheckPlan:
    """Whether and which rows GX must validate of `raw.<source>`: row-wise suites judge each
    row alone, so rows that passed this suite need not be judged again; other suites see the
    whole table whenever it changed. Any other suite digest than the last pass's: every row.
    `row_wise()` is asked only for a changed table (it builds the suite: GX's 2 s import)."""
    con.execute(DDL)
    state, suite = raw_states(con)[source], suite_digest(source)
    last = con.execute("select state, suite from meta.gx_passed where source = ?", [source]).fetchone()
    if last is None or last[1] != suite:
        why = "ingen bestået kontrol før" if last is None else "suiten er ændret"
        return CheckPlan(False, False, f"alle rækker: {why}", state, suite)
    if last[0] == state:
        return CheckPlan(
            True, False, "uændret siden sidste beståede kontrol: ingen fil indlæst eller fjernet", state, suite
        )
    if not row_wise():
        return CheckPlan(False, False, "alle rækker: tabellen er ændret, og suiten ser hele tabellen", state, suite)
    return CheckPlan(False, True, "rækkerne indlæst siden sidste beståede kontrol", state, suite)


def record_passed(con: duckdb.DuckDBPyConnection, source: str, plan: CheckPlan, run_id: str) -> None:
    """After suite `source` passed on the table in `plan.state`: that state, and the ledger's
    files whose rows have now passed."""
    con.execute(DDL)
    con.execute("begin")
    con.execute(
        "insert or replace into meta.gx_passed values (?, ?, ?, ?, current_localtimestamp())",
        [source, plan.state, plan.suite, run_id],
    )
    con.execute("delete from meta.gx_passed_files where source = ?", [source])
    con.execute(
        "insert into meta.gx_passed_files select source, file, sha256, load_id, loaded_at from meta.loaded_files"
        " where source = ?",
        [source],
    )
    con.execute("commit")


# --- publishing -------------------------------------------------------------------------------


def published_current(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, datetime] | None:
    """(run id, time) of the publish of the last build, when the file at `path` is still what it
    published; else None (not built or never published from the last build, the publish
    failed, the file was replaced by another or is gone).

    The run that built (`meta.dbt_built.run_id`) is the run that published (the jobs build and
    publish in one run), and publishing records that run with the audited build's fingerprint in
    `meta.koersler` of the file it publishes: the newest run of the published file's run log
    must be this build's, with the same fingerprint, and no sidecar may lie beside it. Reads one
    row of each file; writes nothing (publishing would otherwise have to change the build DB
    after copying it)."""
    try:
        built = con.execute("select min(run_id) from meta.dbt_built").fetchone()[0]
        ours = con.execute("select fingeraftryk, publiceret from meta.koersler where run_id = ?", [built]).fetchone()
    except duckdb.CatalogException:  # a build DB no build or publish has finished in yet
        return None
    if built is None or ours is None or not path.is_file() or sidecars(path):
        return None  # a stale sidecar beside it (a BI session killed while writing): publish moves it aside
    if file_damage(path):  # one row reads fine from a file damaged elsewhere (issue 24 §6)
        return None
    # unreadable or not a cockpit (None): publish it again
    return (built, ours[1]) if newest_published_run(path) == (built, ours[0]) else None
