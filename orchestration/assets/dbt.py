"""The dbt project as Dagster assets (dagster-dbt): one `dbt build` per run, tests as checks.

Models get the key [schema, model] and the group of their folder (staging / intermediate /
marts / cockpit), so the UI shows the layers of ARCHITECTURE.md. Sources keep dagster-dbt's
default key [source, table], which is exactly the key of the ingest asset that writes it.
A dbt test with severity error fails `dbt build` and so blocks publishing. The build is of what
changed since the last one (warehouse/build_state.py: the models a changed raw table feeds,
everything after a project change, nothing when nothing changed and the published file is current).
The blocking tests on the models a build leaves alone are reported as passed, unchanged since
the last build (`unchanged_check_results`), as the GX checks report an unchanged table.
The dbt unit tests run in a full build only while they have not passed with the same project
state (`unit_tests_passed`), and each build's partial-parse state is kept for the next
(`keep_partial_parse`): a refresh parses the project at most once (docs/orchestration.md).

The assets are made from the prepared manifest by a cached factory, `cockpit_dbt_assets()`,
when the definitions are first asked for, never at import and never by running dbt
(orchestration/dbt_resources.py prepares the manifest).
"""

import os
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import Any
from uuid import uuid4

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Failure,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.asset_utils import get_asset_check_key_for_test

from orchestration.dbt_resources import DBT_PROJECT
from orchestration.resources import BuildDb, SettingsResource
from warehouse import dbt_warm
from warehouse.build_db import release_held
from warehouse.build_state import (
    LEDGER_YEARS_ENV,
    PROJECT,
    DbtPlan,
    dbt_states,
    last_build_run,
    last_built,
    plan_dbt,
    plan_ledger,
    published_current,
    record_built,
    start_build,
)
from warehouse.dbt_manifest import (
    ManifestMissing,
    dbt_child_env,
    keep_partial_parse,
    load_manifest,
    manifest_state,
    project_digest,
    prune_dbt_targets,
    record_unit_tests_passed,
    seed_partial_parse,
    unit_tests_passed,
)
from warehouse.publishing import file_damage
from warehouse.raw_loader import ensure_raw_tables
from warehouse.settings import Settings


class CockpitTranslator(DagsterDbtTranslator):
    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] not in ("model", "seed", "snapshot"):
            return spec
        folder = props["fqn"][1] if len(props["fqn"]) > 2 else "reference"
        return spec.replace_attributes(
            key=AssetKey([props["schema"], props["name"]]),
            group_name=folder,
            owners=["team:rammeaftalesekretariatet"],
        )

    def get_asset_check_spec(
        self, asset_spec: AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetCheckSpec | None:
        # dagster-dbt reads a check's description only from `meta.description`; dbt keeps the
        # YAML `description:` of a test in the node itself.
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None:
            return None
        test = manifest["nodes"][unique_id]
        described = (test.get("description") or "").strip() or test_description(test, asset_spec.key)
        return spec._replace(description=described)


def test_description(test: Mapping[str, Any], key: AssetKey) -> str:
    """A sentence for a generic dbt test that has no YAML description, from dbt's own test
    metadata (kind and arguments) and its severity, so every check in the UI says what it
    asserts and whether it blocks publishing."""
    meta = test.get("test_metadata") or {}
    kw = meta.get("kwargs", {})
    table, column = key.to_user_string().replace("/", "."), kw.get("column_name")
    what = {
        "not_null": f"{table}.{column} is never empty.",
        "unique": f"Each {column} occurs at most once in {table}.",
        "unique_combination": f"Each combination of ({', '.join(kw.get('columns', []))}) occurs at most once in {table}.",
        "accepted_values": f"{table}.{column} is one of {', '.join(map(str, kw.get('values', [])))}.",
        "relationships": f"Every {table}.{column} exists as {_ref_name(kw.get('to', ''))}.{kw.get('field')}.",
    }.get(meta.get("name", ""), f"dbt test {test['name']} on {table}.")
    blocks = (test.get("config", {}).get("severity") or "error").lower() == "error"
    return what + (" Blocks publishing." if blocks else " Warns, never blocks.")


def _ref_name(ref: str) -> str:
    # "ref('stg_tilbud__tilbud')" → stg_tilbud__tilbud
    return ref.split("(")[-1].strip("')\" ") if "(" in ref else ref


TRANSLATOR = CockpitTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


PREPARE_HINT = "run `.venv/bin/cockpit prepare` (make ui and cockpit run do it first)"


@cache
def cockpit_dbt_assets() -> AssetsDefinition:
    """The dbt project as one multi-asset (`cockpit_dbt`: one `dbt build` per run), made from
    the prepared manifest once per process. Raises `ManifestMissing` when there is none; warns
    when it was made from other project files than today's (an edited model the graph does not
    show yet). Never runs dbt."""
    state = manifest_state()
    if state == "missing":
        raise ManifestMissing(f"{DBT_PROJECT.manifest_path} does not exist: {PREPARE_HINT}")
    if state == "stale":
        warnings.warn(
            f"{DBT_PROJECT.manifest_path} was made from other dbt project files than today's: "
            f"the asset graph may be out of date; {PREPARE_HINT}",
            stacklevel=2,
        )

    @dbt_assets(
        manifest=DBT_PROJECT.manifest_path,
        project=DBT_PROJECT,
        dagster_dbt_translator=TRANSLATOR,
        pool="duckdb",
        name="cockpit_dbt",
    )
    def _cockpit_dbt(
        context: AssetExecutionContext, dbt: DbtCliResource, build_db: BuildDb, settings: SettingsResource
    ):
        settings = settings.get()
        # The whole project asked for (every run of the jobs): build what changed since the last
        # build. A subset picked in the UI is dagster-dbt's own selection, and is not recorded.
        whole = context.selected_asset_keys == context.assets_def.keys and set(
            context.selected_asset_check_keys
        ) == set(context.assets_def.check_keys)
        manifest = load_manifest()  # 1,9 MB of JSON: read once per step
        with build_db.connect() as con:  # a job of one grain, first on a fresh build DB
            ensure_raw_tables(con)
            states, last = dbt_states(con, project_digest()), last_built(con)
            plan = plan_dbt(manifest, states, last, unit_tested=unit_tests_passed(states[PROJECT])) if whole else None
            published = published_current(con, settings.published_db) if plan and plan.nothing else None
            previous = last_build_run(con) if plan and not plan.full else None
            ledger_args, ledger_env, ledger = plan_ledger(con, manifest, plan) if plan else ((), {}, None)
        selected_checks = set(context.selected_asset_check_keys)
        if plan and plan.nothing and published is None and (damage := file_damage(settings.published_db)):
            context.log.warning(f"{settings.published_db.name} er ikke den publicerede fil ({damage}): publiceres igen")
        if published is not None:
            # Publishing (and the flag check) wait for this step's models: none are yielded, so
            # Dagster skips them and the run succeeds without touching the published file.
            context.log.info(
                f"dbt: intet ændret siden sidste byg, og {settings.published_db.name} er publiceret fra den "
                f"(kørsel {published[0]}, {published[1]:%Y-%m-%d %H:%M}): intet at bygge eller publicere"
            )
            yield from unchanged_check_results(manifest, None, set(), selected_checks, previous)
            return
        if plan is not None:
            context.log.info(f"dbt: {plan.reason}")
        with build_db.connect() as con:
            start_build(con)
        emitted: set[AssetCheckKey] = set()
        # dagster-dbt's own naming of an invocation's folder (`<step>-<run>-<id>`), chosen here
        # so that this profile's partial-parse state is in it before dbt starts
        target = (
            DBT_PROJECT.project_dir
            / "target"
            / f"{context.op_execution_context.op.name}-{context.run.run_id[:7]}-{uuid4().hex[:7]}"
        )
        seed_partial_parse(target, settings.dbt_profile_env())
        release_held(settings.build_db)  # dbt's process writes the file: this one lets it go
        with dbt_environment(settings, ledger_env):
            args = ["build", *(plan.args if plan else ()), *ledger_args]
            try:
                invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=target)
                for event in invocation.stream():
                    if isinstance(event, AssetCheckResult | AssetCheckEvaluation):
                        emitted.add(AssetCheckKey(event.asset_key, event.check_name))
                    yield event
            finally:
                dbt_warm.reap()  # dbt's process, if one was started ahead, has let go of the build DB
        # the next build of this profile parses only what changed
        keep_partial_parse(invocation.target_path, profile_env=settings.dbt_profile_env())
        if pruned := prune_dbt_targets(settings.keep_runs):
            context.log.info(
                f"dbt: {len(pruned)} gamle target-mapper fjernet (COCKPIT_BEHOLD_KOERSLER={settings.keep_runs})"
            )
        if not invocation.is_successful():
            raise Failure(description=dbt_errors(invocation), metadata={"dbt_command": invocation.dbt_command})
        if plan is not None and previous is not None:
            yield from unchanged_check_results(manifest, plan, emitted, selected_checks, previous)
        if plan is not None and plan.full:
            yield from seed_check_results(manifest, plan, emitted, selected_checks)
        if plan is not None:
            with build_db.connect() as con:
                record_built(con, states, context.run.run_id, ledger)
            # Every unit test ran and passed (the build succeeded) on the project as it is now;
            # a file edited during the build was tested in its new state, so nothing is recorded.
            if plan.unit_tests and states[PROJECT].startswith(f"{project_digest()}/"):
                record_unit_tests_passed(states[PROJECT])

    return _cockpit_dbt


def unchanged_check_results(
    manifest: Mapping[str, Any],
    plan: DbtPlan | None,
    emitted: set[AssetCheckKey],
    selected: set[AssetCheckKey],
    previous: tuple[str, Any] | None,
) -> list[AssetCheckResult]:
    """A passed result for each blocking dbt test the change-aware build left alone: selected,
    not run now (`emitted` holds what dbt reported), and every model or seed it reads excluded
    by `plan` (all of them when `plan` is None: nothing was built). The last successful build,
    `previous` (run id, time), ran and passed it, and nothing it reads has been rebuilt since,
    so it is reported as the GX checks report an unchanged table: passed, with metadata saying
    since when (`validated`, `last_build_run_id`), instead of Dagster's grey "Skipped". A test
    of severity warn is left out (the last build may have warned), and so is a test one of whose
    models was built now but that dbt did not run (it is not unchanged)."""
    if previous is None:
        return []
    excluded = _excluded_names(plan)
    run_id, built_at = previous
    when = f"{built_at:%Y-%m-%d %H:%M}" if built_at is not None else "?"
    results = []
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "test" or (node["config"].get("severity") or "error").lower() != "error":
            continue
        key = get_asset_check_key_for_test(manifest, TRANSLATOR, uid, DBT_PROJECT)
        if key is None or key not in selected or key in emitted:
            continue
        # A source's id is never an excluded name: a test on a source is not reported as unchanged.
        parents = [manifest["nodes"].get(p, {}).get("name", p) for p in node["depends_on"]["nodes"]]
        if excluded is not None and not all(name in excluded for name in parents):
            continue
        reason = f"uændret siden sidste byg (kørsel {run_id}, {when}): ingen af testens modeller er bygget igen"
        results.append(_passed(key, reason, last_build_run_id=run_id))
    return results


def _passed(key: AssetCheckKey, reason: str, **metadata) -> AssetCheckResult:
    # A blocking dbt test not run now, reported as passed with why (`validated`).
    return AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=True,
        severity=AssetCheckSeverity.ERROR,
        metadata={"validated": reason, **metadata, "summary": f"{key.name}: {reason}"},
    )


def seed_check_results(
    manifest: Mapping[str, Any], plan: DbtPlan, emitted: set[AssetCheckKey], selected: set[AssetCheckKey]
) -> list[AssetCheckResult]:
    """A passed result for each data test of seeds a full build left out by name
    (`build_state.seed_tests`) and dbt therefore did not report (`emitted`), if `selected`. It
    passed in the build of this checkout that ran the unit tests on the same project state, and
    it reads only seeds, CSVs of that state; reported so, instead of Dagster's grey "Skipped"."""
    excluded = _excluded_names(plan) or set()
    reason = "bestået i et tidligere byg af samme projekttilstand: testen læser kun seeds, som er projektets filer"
    results = []
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "test" or node["name"] not in excluded:
            continue
        key = get_asset_check_key_for_test(manifest, TRANSLATOR, uid, DBT_PROJECT)
        if key is None or key not in selected or key in emitted:
            continue
        results.append(_passed(key, reason))
    return results


def _excluded_names(plan: DbtPlan | None) -> set[str] | None:
    # The models and seeds the plan leaves out, by name (`--exclude a b …`); None: all of them.
    if plan is None:
        return None
    args = list(plan.args)
    return set(args[args.index("--exclude") + 1].split()) if "--exclude" in args else set()


@contextmanager
def dbt_environment(settings: Settings, extra: Mapping[str, str] | None = None) -> Iterator[None]:
    """The environment dbt runs with, for the block only, then restored: the profile's
    variables from `settings` (`Settings.dbt_profile_env`), the real dbt executable that
    `warehouse/dbt_child.py` execs (and its version) and the pid it must die with, the socket
    of dbt's interpreter started ahead (`warehouse/dbt_warm.py`, if one waits), dbt's file
    log level (`DBT_LOG_LEVEL_FILE`, info unless set) and `extra` (the ledger's plan, years and
    changed files, in `build_state.LEDGER_YEARS_ENV`; empty or unset: every year). dagster-dbt 0.29's
    `DbtCliResource.cli` takes no environment of its own: it copies `os.environ` for the dbt
    process, so the variables must be in `os.environ` while it starts dbt."""
    values = {
        **settings.dbt_profile_env(),
        **dbt_child_env(),
        **dbt_warm.environment(),
        "COCKPIT_DBT_PARENT_PID": str(os.getpid()),
        LEDGER_YEARS_ENV: "",
        # dbt's file log at info: the debug level writes every statement of every node (~0,8 s
        # of a sample build); DBT_LOG_LEVEL_FILE=debug in the environment brings it back
        "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE") or "info",
        **(extra or {}),
    }
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_errors(invocation) -> str:
    """dbt's own error messages of a failed invocation, one per failed node, from
    run_results.json ("Runtime Error in model mart_x (models/…) Catalog Error: …", "Failure in
    test unique_x: Got 3 results, configured to fail if != 0"); what dbt logged as errors when
    there are no run results (a project that does not compile). dagster-dbt's own error starts
    with the command line and a pointer to the logs, which tells a reader nothing."""
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except (FileNotFoundError, KeyError, ValueError):
        results = []
    lines = []
    for r in results:
        message = " ".join((r.get("message") or r["status"]).split())
        if r.get("status") == "error":
            lines.append(message)  # dbt's message names the node
        elif r.get("status") == "fail":
            lines.append(f"Failure in test {r['unique_id'].split('.')[2]}: {message}")
    if not lines:
        error = re.sub(r"\x1b\[[0-9;]*m", "", str(invocation.get_error() or ""))
        logged = error.partition("Errors parsed from dbt logs:")[2]
        lines = [" ".join(m.split()) for m in logged.split("\n\n") if m.strip()]
    return " | ".join(lines) or f"dbt build fejlede uden en fejlmeddelelse (se {invocation.target_path / 'dbt.log'})"
