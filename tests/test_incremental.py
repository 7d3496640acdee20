"""The change-aware refresh (warehouse/build_state.py): dbt builds what a changed source
feeds, GX validates the rows loaded since it last passed, an unchanged re-run builds and
publishes nothing — and what it publishes equals a refresh from an empty build DB."""

import json
import os
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from conftest import build_comments, warehouse_settings

from ingest.sources import SOURCES
from orchestration.runner import run_pipeline
from warehouse.build_state import DDL as STATE_DDL
from warehouse.build_state import (
    LEDGER_YEARS_ENV,
    NOT_VALIDATED_JOIN,
    PROJECT,
    last_ledger_groups,
    ledger_vars,
    plan_check,
    plan_dbt,
    record_built,
    record_passed,
)
from warehouse.dbt_manifest import load_manifest, prepare_manifest
from warehouse.paths import DBT_PROJECT_DIR
from warehouse.raw_loader import Partitions, ensure_raw_tables, load_source

RAW = list(SOURCES)  # every landing source has its raw table


def states(**changed: str) -> dict[str, str]:
    return {PROJECT: "p/1", **{f"raw.{name}": changed.get(name, "same") for name in RAW}}


def excluded(plan) -> set[str]:
    return set(plan.args[plan.args.index("--exclude") + 1].split())


@pytest.fixture(scope="module")
def dbt_manifest():
    prepare_manifest()
    return load_manifest()


def test_a_new_month_of_occupancy_builds_what_occupancy_feeds_and_not_the_rest(dbt_manifest):
    plan = plan_dbt(dbt_manifest, states(belaegning="new"), states())
    assert (plan.full, plan.changed) == (False, ("raw.belaegning",))
    assert plan.args[:2] == ("--indirect-selection", "cautious")
    skipped = excluded(plan)
    built = {"stg_belaegning__maaned", "mart_belaegning_tilbud_maaned", "dq_r10_overbelaegning", "datakvalitet"}
    assert not built & skipped
    # the ledger's, the accounts', the seeds' and the unit tests are not built again
    assert {"stg_posteringer__posteringer", "mart_udgifter_kommune", "dq_r02_dobbeltbetaling", "kommuner"} <= skipped
    assert "resource_type:unit_test" in skipped
    # quarantine feeds R15 and cockpit.afviste_raekker whenever any source changed
    assert not {"dq_r15_cpr_fund", "afviste_raekker"} & skipped


def test_an_edited_project_or_a_new_build_db_builds_everything(dbt_manifest):
    edited = {**states(), PROJECT: "p/2"}
    assert plan_dbt(dbt_manifest, edited, states()).args == ()
    assert (
        plan_dbt(dbt_manifest, edited, states()).reason
        == "hele projektet bygges: dbt-projektet er ændret siden sidste byg"
    )
    assert plan_dbt(dbt_manifest, states(), {}).full
    assert plan_dbt(dbt_manifest, edited, states()).unit_tests


def test_a_full_build_leaves_out_the_unit_tests_passed_with_this_project_state(dbt_manifest):
    # A second build DB of the same checkout (the sample refresh from empty) pays no unit tests.
    plan = plan_dbt(dbt_manifest, states(), {}, unit_tested=True)
    excluded = plan.args[1].split()
    assert (plan.full, plan.args[0], excluded[0], plan.unit_tests) == (
        True,
        "--exclude",
        "resource_type:unit_test",
        False,
    )
    assert plan.reason == (
        "hele projektet bygges: første byg i denne build-DB; enhedstestene og de 49 test af seeds er bestået for dette projekt"
    )
    assert not plan_dbt(dbt_manifest, states(belaegning="new"), states()).unit_tests
    # and the data tests that read seeds only, whose verdict the project's CSVs decide as well
    seeds = {uid for uid, node in dbt_manifest["nodes"].items() if node["resource_type"] == "seed"}
    tests = {node["name"]: node for node in dbt_manifest["nodes"].values() if node["resource_type"] == "test"}
    assert len(excluded) == 1 + 49 and len(tests) == 157
    assert all(set(tests[name]["depends_on"]["nodes"]) <= seeds for name in excluded[1:])
    assert {"not_null_kommuner_kommunekode", "relationships_kommuner_regionskode__regionskode__ref_regioner_"} <= set(
        excluded
    )
    # one that reads a model as well as a seed still runs on the build DB's rows
    assert "relationships_stg_posteringer__posteringer_kommunekode__kommunekode__ref_kommuner_" not in excluded
    assert "relationships_stg_posteringer__posteringer_kommunekode__kommunekode__ref_kommuner_" in tests


def test_unit_tests_count_as_passed_for_exactly_the_recorded_project_state(tmp_path):
    from warehouse.dbt_manifest import record_unit_tests_passed, unit_tests_passed

    (tmp_path / "target").mkdir()
    assert not unit_tests_passed("p/1", tmp_path)
    record_unit_tests_passed("p/1", tmp_path)
    assert unit_tests_passed("p/1", tmp_path)
    assert not unit_tests_passed("p/2", tmp_path)  # an edited model, another dbt or DuckDB, a new year
    (tmp_path / "target" / "cockpit_unit_tests_passed.json").write_text("{not json", encoding="utf-8")
    assert not unit_tests_passed("p/1", tmp_path)


def test_a_builds_partial_parse_state_becomes_the_projects(tmp_path):
    from warehouse.dbt_manifest import keep_partial_parse

    target, invocation = tmp_path / "target", tmp_path / "target" / "cockpit_dbt-abc-def"
    invocation.mkdir(parents=True)
    assert not keep_partial_parse(invocation, target)  # dbt wrote none (it failed before parsing)
    (invocation / "partial_parse.msgpack").write_bytes(b"state of build 1")
    assert keep_partial_parse(invocation, target)
    assert (target / "partial_parse.msgpack").read_bytes() == b"state of build 1"
    assert not keep_partial_parse(invocation, target)  # the same bytes (dbt skipped parsing)
    (invocation / "partial_parse.msgpack").write_bytes(b"state of build 2")
    assert keep_partial_parse(invocation, target)
    assert (target / "partial_parse.msgpack").read_bytes() == b"state of build 2"
    assert sorted(p.name for p in target.iterdir()) == ["cockpit_dbt-abc-def", "partial_parse.msgpack"]


def test_each_profile_keeps_its_own_partial_parse_state(tmp_path, monkeypatch):
    """dbt parses in full when the profile (the build DB's path, its limits) differs from the
    state's: a build of build DB A after one of B starts from A's own last state."""
    from warehouse import dbt_manifest
    from warehouse.dbt_manifest import keep_partial_parse, partial_parse_state, seed_partial_parse

    target = tmp_path / "target"
    profile_a = {"COCKPIT_BUILD_DB": "/a/build.duckdb", "COCKPIT_DUCKDB_MEMORY_LIMIT": "4GB"}
    profile_b = {**profile_a, "COCKPIT_BUILD_DB": "/b/build.duckdb"}
    for name, profile in (("a", profile_a), ("b", profile_b)):
        build = target / f"cockpit_dbt-{name}-1"
        build.mkdir(parents=True)
        (build / "partial_parse.msgpack").write_bytes(f"state of {name}".encode())
        assert keep_partial_parse(build, target, profile_env=profile)
    assert (target / "partial_parse.msgpack").read_bytes() == b"state of b"  # dagster-dbt's fallback
    assert partial_parse_state(profile_a, target) != partial_parse_state(profile_b, target)
    for name, profile in (("a", profile_a), ("b", profile_b)):
        folder = target / f"cockpit_dbt-{name}-2"
        assert seed_partial_parse(folder, profile, target)
        assert (folder / "partial_parse.msgpack").read_bytes() == f"state of {name}".encode()
    other = target / "cockpit_dbt-c-1"
    assert not seed_partial_parse(other, {**profile_a, "COCKPIT_DUCKDB_MEMORY_LIMIT": "8GB"}, target)
    assert not other.exists() or not any(other.iterdir())
    # only the newest states stay
    monkeypatch.setattr(dbt_manifest, "KEEP_PARTIAL_PARSE_STATES", 2)
    build = target / "cockpit_dbt-d-1"
    build.mkdir()
    (build / "partial_parse.msgpack").write_bytes(b"state of d")
    os.utime(partial_parse_state(profile_a, target), (1, 1))  # the oldest
    keep_partial_parse(build, target, profile_env={"COCKPIT_BUILD_DB": "/d/build.duckdb"})
    assert not partial_parse_state(profile_a, target).exists()
    assert partial_parse_state(profile_b, target).read_bytes() == b"state of b"
    # Another refresh trimming the same folder removed a state between the listing and its
    # stat: skipped, and keeping a state never fails the build it follows.
    real_stat = Path.stat

    def vanishing(path, *args, **kwargs):
        if path == partial_parse_state(profile_b, target):
            raise FileNotFoundError(path)
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", vanishing)
    (build / "partial_parse.msgpack").write_bytes(b"state of d, again")
    assert keep_partial_parse(build, target, profile_env={"COCKPIT_BUILD_DB": "/d/build.duckdb"})
    monkeypatch.undo()
    assert partial_parse_state({"COCKPIT_BUILD_DB": "/d/build.duckdb"}, target).read_bytes() == b"state of d, again"


def test_nothing_changed_builds_only_the_view_publishing_waits_for(dbt_manifest):
    plan = plan_dbt(dbt_manifest, states(), states())
    assert plan.nothing
    buildable = [n["name"] for n in dbt_manifest["nodes"].values() if n["resource_type"] in ("model", "seed")]
    assert sorted(set(buildable) - excluded(plan)) == ["datakvalitet"]


def group(file: str, load: str, booking: int, service: int | None, rows: int) -> tuple:
    return (file, load, datetime(2026, 12, 6, 21, 0), booking, service, rows)


def ledger_args(manifest, plan, last, now) -> dict:
    """The plan an incremental build hands dbt: no argument, the years in the environment
    (never `--vars`: dbt would parse in full whenever they change)."""
    args, env = ledger_vars(manifest, plan, last, now)
    assert args == ()
    return json.loads(env[LEDGER_YEARS_ENV])


def test_a_changed_ledger_file_rebuilds_the_years_of_its_old_and_new_rows(dbt_manifest):
    kept = group("851_2023.csv", "run-1", 2023, 2023, 10)
    # b.csv re-exported: its late 2024 invoices for services of 2023 are now booked as 2024 services
    old, new = group("b.csv", "run-1", 2024, 2023, 5), group("b.csv", "run-2", 2024, 2024, 6)
    gone = group("c.csv", "run-1", 2022, 2022, 3)  # removed: its year must lose its rows
    undated = group("d.csv", "run-2", 0, None, 1)  # a posting without Bogføringsdato nor Periode fra
    plan = plan_dbt(dbt_manifest, states(posteringer="new"), states())
    assert ledger_args(dbt_manifest, plan, frozenset({kept, old, gone}), frozenset({kept, new, undated})) == {
        "ledger_years": {"bogfoering": [0, 2022, 2024], "service": [2022, 2023, 2024]},
        "ledger_files": ["b.csv", "c.csv", "d.csv"],  # staging rebuilds these files' rows only
        "ledger_rebuild_all": [],
    }
    # Unchanged ledger: no year; the models are not built at all (not fed by a changed table).
    assert ledger_args(dbt_manifest, plan, frozenset({kept}), frozenset({kept}))["ledger_years"] == {
        "bogfoering": [],
        "service": [],
    }


def test_a_file_list_too_long_for_the_environment_is_left_out_and_staging_goes_by_year(dbt_manifest):
    plan = plan_dbt(dbt_manifest, states(posteringer="new"), states())
    # 500 names of 42 characters, 21 of them æ/ø/å: 21 000 characters, but ~75 000 as JSON (\u00e6)
    names = [f"posteringer/{'æøå' * 7}_{i:04d}.csv" for i in range(500)]
    now = frozenset(group(name, "run-2", 2024, 2024, 1) for name in names)
    planned = ledger_args(dbt_manifest, plan, frozenset(), now)
    assert planned["ledger_files"] is None and planned["ledger_years"]["bogfoering"] == [2024]
    _, env = ledger_vars(dbt_manifest, plan, frozenset(), now)
    assert len(env[LEDGER_YEARS_ENV]) < 1000
    fewer = frozenset(sorted(now)[:300])  # ~45 000 as JSON: listed
    assert ledger_args(dbt_manifest, plan, frozenset(), fewer)["ledger_files"] == sorted(names)[:300]


def test_another_changed_input_rebuilds_every_year_of_the_models_it_feeds(dbt_manifest):
    same = frozenset({group("a.csv", "run-1", 2024, 2024, 1)})
    rebuilt = {
        name: ledger_args(dbt_manifest, plan_dbt(dbt_manifest, states(**{name: "new"}), states()), same, same)[
            "ledger_rebuild_all"
        ]
        for name in ("tilbud", "takstbilag", "regnskab", "belaegning")
    }
    assert rebuilt == {
        "tilbud": [
            "dq_r01_forkert_funktion",
            "int_posteringer__koeb",  # the register gives each purchase its operator
            "mart_koeb_driftsherre",
            "mart_koeb_driftsherretype",
        ],
        "takstbilag": ["dq_r04_takst_afviger"],
        "regnskab": ["dq_r16_posteringer_vs_regnskab"],
        "belaegning": [],
    }


def test_a_full_build_makes_the_incremental_tables_anew_and_no_record_rebuilds_every_year(dbt_manifest):
    edited = {**states(), PROJECT: "p/2"}
    every_year = {LEDGER_YEARS_ENV: ""}  # always set, so none is inherited from the shell
    full = ledger_vars(dbt_manifest, plan_dbt(dbt_manifest, edited, states()), None, frozenset())
    assert full == (("--full-refresh",), every_year)
    plan = plan_dbt(dbt_manifest, states(posteringer="new"), states())
    assert ledger_vars(dbt_manifest, plan, None, frozenset()) == ((), every_year)  # the macro's default


def test_the_ledger_groups_a_build_records_are_read_back_whatever_the_first_hundred_hold(tmp_path):
    """A ledger export without Periode fra gives groups without a service year; 150 of them
    sorted before one with a year must not decide the column's type (it did: polars guessed it
    from the first rows, and every build after failed recording)."""
    undated = {group(f"a{i:03d}.csv", "run-1", 2024, None, i + 1) for i in range(150)}
    ledger = frozenset(undated | {group("z.csv", "run-1", 2023, 2023, 7)})
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        ensure_raw_tables(con)
        con.execute("create schema if not exists meta")
        record_built(con, states(), "run-1", ledger)
        assert last_ledger_groups(con) == ledger


HEADER = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n"
MARCH_APRIL = Partitions(start="2024-03", end="2024-04", first="2019-01", last="2026-11")


def test_a_row_wise_check_validates_the_rows_loaded_since_it_passed(tmp_path):
    folder = tmp_path / "landing" / "belaegning"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(HEADER + "1001;2024-03;10;10;300\n1002;2024-03;8;8;240\n")
    con = duckdb.connect()
    load_source(con, SOURCES["belaegning"], tmp_path / "landing", "run-1", partitions=MARCH_APRIL)
    first = plan_check(con, "belaegning", row_wise=lambda: True)
    assert (first.skip, first.only_new, first.reason) == (False, False, "alle rækker: ingen bestået kontrol før")
    record_passed(con, "belaegning", first, "run-1")
    again = plan_check(con, "belaegning", row_wise=lambda: True)
    assert again.skip and again.reason.startswith("uændret siden sidste beståede kontrol")
    # In the same second as the first load (load times have whole seconds), and a corrected a.csv.
    (folder / "a.csv").write_text(HEADER + "1001;2024-03;10;10;301\n1002;2024-03;8;8;240\n")
    (folder / "b.csv").write_text(HEADER + "1003;2024-04;5;5;140\n")
    load_source(con, SOURCES["belaegning"], tmp_path / "landing", "run-2", partitions=MARCH_APRIL)
    new = plan_check(con, "belaegning", row_wise=lambda: True)
    assert (new.skip, new.only_new, new.reason) == (False, True, "rækkerne indlæst siden sidste beståede kontrol")
    new_rows = f"select tilbudsnr, belagte_doegn from raw.belaegning {NOT_VALIDATED_JOIN} order by 1"
    assert con.execute(new_rows, ["belaegning"]).fetchall() == [(1001, 301), (1002, 240), (1003, 140)]
    record_passed(con, "belaegning", new, "run-2")
    assert con.execute(new_rows, ["belaegning"]).fetchall() == []
    (folder / "b.csv").unlink()  # a removal changes the table; the rows left have passed already
    load_source(con, SOURCES["belaegning"], tmp_path / "landing", "run-3", partitions=MARCH_APRIL)
    assert plan_check(con, "belaegning", row_wise=lambda: True).only_new
    assert con.execute(new_rows, ["belaegning"]).fetchall() == []
    # A suite that sees the whole table (uniqueness) validates all of it when anything changed.
    whole = plan_check(con, "belaegning", row_wise=lambda: False)
    assert (whole.skip, whole.only_new) == (False, False)


def test_the_rows_not_validated_stream_past_a_join_that_holds_only_the_passed_files():
    """The check's selection of new rows is a hash anti join whose build side is
    `meta.gx_passed_files` (not `RIGHT_ANTI`, which would hash the raw rows): the raw rows
    stream through it. `not exists (…)` made DuckDB hold every raw row first (a delim join):
    20 M national postings took the check to 6,9 GB."""
    con = duckdb.connect()
    ensure_raw_tables(con)
    con.execute(STATE_DDL)
    # as in a warehouse: many more raw rows than files that passed
    con.execute(
        "insert into raw.belaegning (tilbudsnr, _source_file, _file_sha256, _load_id)"
        " select i, 'belaegning/f' || (i % 10) || '.csv', 's', 'l' from range(100000) r(i)"
    )
    con.execute(
        "insert into meta.gx_passed_files select 'belaegning', 'belaegning/f' || i || '.csv', 's', 'l', null"
        " from range(3) r(i)"
    )

    def plan(sql: str) -> str:
        return "\n".join(r[1] for r in con.execute(f"explain {sql}", ["belaegning"]).fetchall())

    new_rows = plan(f"select tilbudsnr from raw.belaegning {NOT_VALIDATED_JOIN}")
    assert re.search(r"Join Type: ANTI\b", new_rows) and "RIGHT_ANTI" not in new_rows, new_rows
    assert "DELIM" not in new_rows, new_rows
    # What the old filter made of it, so that the test tells the two apart (a DuckDB that
    # decorrelates `not exists` better would fail here, not in the product).
    assert "DELIM" in plan(
        "select tilbudsnr from raw.belaegning where not exists (select 1 from meta.gx_passed_files p"
        " where p.source = ? and p.file = _source_file and p.sha256 = _file_sha256"
        " and p.load_id = _load_id and p.loaded_at = _loaded_at)"
    )


def cockpit_views(db) -> dict[str, list[tuple]]:
    """Every cockpit view's rows (sorted) but the run log's, without the load id (a full
    refresh loads everything under its own), the time a flag was found (`run_started_at`) and
    the flag history's status and times."""
    with duckdb.connect(str(db), read_only=True) as con:
        views = con.execute("select view_name from duckdb_views() where schema_name = 'cockpit'").fetchall()
        out = {}
        for (name,) in views:
            if name == "koersler":
                continue
            columns = [r[0] for r in con.execute(f"describe cockpit.{name}").fetchall()]
            # and the flag history's own columns: a refresh from an empty build DB starts a new history
            # (every flag `ny`, found now), the incremental one continues the session's (issue 22)
            history = ("status", "foerst_fundet", "sidst_fundet", "rettet_fundet")
            own = [c for c in ("load_id", "fundet", *history) if c in columns]
            drop = f" exclude ({', '.join(own)})" if own else ""
            out[name] = sorted(con.execute(f"select *{drop} from cockpit.{name}").fetchall(), key=repr)
    return out


def dbt_args(run_id: str) -> dict:
    """The arguments of the `dbt build` of run `run_id` (dagster-dbt's target folder of the run)."""
    (results,) = (DBT_PROJECT_DIR / "target").glob(f"cockpit_dbt-{run_id[:7]}-*/run_results.json")
    return json.loads(results.read_text(encoding="utf-8"))["args"]


def dbt_compiled(run_id: str) -> dict[str, str]:
    """Each node's SQL as the `dbt build` of run `run_id` ran it (its run_results.json), by name."""
    (results,) = (DBT_PROJECT_DIR / "target").glob(f"cockpit_dbt-{run_id[:7]}-*/run_results.json")
    return {
        r["unique_id"].split(".")[-1]: r.get("compiled_code") or ""
        for r in json.loads(results.read_text(encoding="utf-8"))["results"]
    }


def incremental_tables(db) -> dict[str, list[tuple]]:
    """Every incremental model's table (the ledger's, dbt_project/macros/ledger_partitions.sql),
    rows sorted, without the load id: a refresh from empty loads everything under its own."""
    models = [n for n in load_manifest()["nodes"].values() if n["config"].get("materialized") == "incremental"]
    assert len(models) == 12
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for node in models:
            table = f"{node['schema']}.{node['alias']}"
            columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
            drop = [c for c in ("_load_id", "load_id") if c in columns]
            exclude = f" exclude ({', '.join(drop)})" if drop else ""
            out[table] = sorted(con.execute(f"select *{exclude} from {table}").fetchall(), key=repr)
    return out


@pytest.mark.pipeline
def test_an_incremental_refresh_publishes_what_a_full_refresh_does(
    published_sample, warehouse_copy, tmp_path, monkeypatch
):
    # The first refresh is the session's (from an empty build DB); this test refreshes a copy of it.
    first = published_sample[1]
    assert first.published and not first.unchanged, first.reason
    settings, landing = warehouse_copy, warehouse_copy.landing_dir

    # Unchanged: nothing loaded, built or published; the published file is the same file.
    stat = settings.published_db.stat()
    again = run_pipeline(settings)
    assert (again.published, again.unchanged) == (True, True), again.reason
    assert again.summary.startswith(f"Uændret: {settings.published_db} er allerede denne build-DB's seneste")
    assert (settings.published_db.stat().st_mtime_ns, settings.published_db.stat().st_ino) == (
        stat.st_mtime_ns,
        stat.st_ino,
    )
    assert not [k for k in again.materialized if not k.startswith("raw/")]
    # every GX check passes as unchanged, and every blocking dbt test (3 of the 157 warn): no grey "Skipped"
    assert (first.checks_passed, again.checks_passed) == (len(SOURCES) + 157, len(SOURCES) + 154)
    html = settings.report_dir / "styringscockpit_2024.html"
    assert again.summary.splitlines()[-1] == f"Rapport 2024: uændret, {html}"
    html.unlink()  # a missing report is made again, though nothing else is
    report_again = run_pipeline(settings)
    assert report_again.unchanged and html.is_file()
    assert report_again.summary.splitlines()[-3] == f"Rapport 2024: {html}"

    # A corrected occupancy file: occupancy's models are built again, the ledger's are not.
    occupancy = sorted((landing / "belaegning").rglob("*.csv"))[0]
    occupancy.write_bytes(b"".join(occupancy.read_bytes().splitlines(keepends=True)[:-1]))  # last row withdrawn
    changed = run_pipeline(settings)
    assert changed.published and not changed.unchanged, changed.reason
    assert "marts/mart_belaegning_tilbud_maaned" in changed.materialized
    assert "marts/mart_udgifter_kommune" not in changed.materialized
    assert "publish/cockpit_duckdb" in changed.materialized
    # The tests of the models left alone pass as unchanged since the first build; the rest ran.
    assert changed.checks_passed == len(SOURCES) + 157
    assert f"blokerende kontroller bestået: {len(SOURCES) + 157}" in changed.summary

    # The ledger: a file replaced (its last posting withdrawn), a file removed, and a late copy of
    # an R02 original booked in 2024 for a service of March 2023 (R02 reads the service year).
    ledger = landing / "posteringer"
    replaced = ledger / "851_2024.csv"
    replaced.write_bytes(b"".join(replaced.read_bytes().splitlines(keepends=True)[:-1]))
    (ledger / "825_2023.csv").unlink()
    lines = (ledger / "860_2023.csv").read_bytes().splitlines(keepends=True)
    assert lines[88].startswith(b"860;2300088;20230420;") and b";20230301;20230331;" in lines[88]
    late = ledger / "860_2024_efterbogføring's.csv"  # a quote in a name reaches dbt's SQL as a literal
    late.write_bytes(lines[0] + lines[88].replace(b";2300088;20230420;", b";2400999;20240115;"))
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        service = con.execute(
            "select distinct cast(year(periode_fra) as integer) from raw.posteringer"
            " where _source_file in ('posteringer/825_2023.csv', 'posteringer/851_2024.csv') and periode_fra is not null"
        ).fetchall()
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")  # dbt's partial-parse lines are debug-level
    booked = run_pipeline(settings)
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE")
    assert booked.published and not booked.unchanged, booked.reason
    assert {"staging/stg_posteringer__posteringer", "quality/dq_r02_dobbeltbetaling"} <= set(booked.materialized)
    assert "marts/mart_belaegning_tilbud_maaned" not in booked.materialized
    # dbt was told the years, not to build anew: the booking years of the three files, and the
    # years of Periode fra of their old and new rows (the late copy's: 2023). In the environment,
    # not `--vars` (dbt would parse in full): what the models ran with is their compiled SQL.
    args = dbt_args(booked.run_id)
    assert not args.get("full_refresh") and not args.get("vars")
    compiled = dbt_compiled(booked.run_id)
    # staging, whose rows each come from one posting, rebuilt the three files' rows, not their years'
    changed_files = (
        "'posteringer/825_2023.csv', 'posteringer/851_2024.csv', 'posteringer/860_2024_efterbogføring''s.csv'"
    )
    assert f"where _source_file in ({changed_files})" in compiled["stg_posteringer__posteringer"]
    assert "coalesce(year(bogfoeringsdato), 0) in" not in compiled["stg_posteringer__posteringer"]
    service_years = ", ".join(str(y) for y in sorted({2023, *(y for (y,) in service)}))
    assert f"year(periode_fra) in ({service_years})" in compiled["dq_r02_dobbeltbetaling"]
    assert "where aar in (2023, 2024)" in compiled["mart_koeb_driftsherre"]
    assert "and _partition_aar in (2023, 2024)" in compiled["int_posteringer__koeb"]
    # ... so the build parsed only what changed: the build before it was of this build DB too
    (target,) = (DBT_PROJECT_DIR / "target").glob(f"cockpit_dbt-{booked.run_id[:7]}-*")
    log = "".join(p.read_text(encoding="utf-8", errors="replace") for p in target.glob("dbt.log*"))
    assert "Partial parsing enabled" in log and "Unable to do partial parsing" not in log

    full = warehouse_settings(tmp_path / "full", landing)
    assert run_pipeline(full).published
    incremental_views, full_views = cockpit_views(settings.published_db), cockpit_views(full.published_db)
    assert incremental_views == full_views
    # the comments of the models the incremental builds made again, and of those they left
    assert build_comments(settings.build_db) == build_comments(full.build_db)
    tables = incremental_tables(settings.build_db)
    assert tables == incremental_tables(full.build_db)
    # the late copy is flagged in the service year's partition: the third time it is booked
    (late_copy,) = [
        r for r in tables["quality.dq_r02_dobbeltbetaling"] if r[4] == "posteringer/860_2024_efterbogføring's.csv"
    ]
    assert (late_copy[5], late_copy[-1]) == (2, 2023)
    assert "(kopi nr. 3); første gang i posteringer/860_2023.csv linje" in late_copy[9]


def test_dbt_tests_the_change_aware_build_left_alone_pass_as_unchanged(dbt_manifest):
    """After a monthly backfill the UI showed the dbt tests of the models left alone as grey
    "Skipped": the dbt step reports each as passed, unchanged since the last build that ran it."""
    from datetime import datetime

    from dagster import AssetCheckKey, AssetCheckSeverity, AssetKey

    from orchestration.assets.dbt import cockpit_dbt_assets, unchanged_check_results

    monthly = plan_dbt(dbt_manifest, states(belaegning="new", sikrede="new", sundhedstjek="new"), states())
    every = set(cockpit_dbt_assets().check_keys)
    # 144 + 13 that issues 21 and 22 added (flag ids, history and decisions; the unique keys of the comparison areas',
    # budget's and index's staging, dim_omraade's 2, udgifter_omraade's)
    assert len(every) == 157
    previous = ("run-1", datetime(2026, 12, 6, 18, 0))
    results = unchanged_check_results(dbt_manifest, monthly, set(), every, previous)
    by_key = {AssetCheckKey(r.asset_key, r.check_name): r for r in results}
    # The tests of the excluded models (issue 21's 7 among them, all on yearly sources or seeds,
    # and one on the decisions); the rest ran or read a model built now.
    assert len(by_key) == 116
    accounts = AssetCheckKey(AssetKey(["marts", "mart_udgifter_kommune"]), "assert_per_head_times_population_is_total")
    assert (by_key[accounts].passed, by_key[accounts].severity) == (True, AssetCheckSeverity.ERROR)
    assert by_key[accounts].metadata["validated"].value == (
        "uændret siden sidste byg (kørsel run-1, 2026-12-06 18:00): ingen af testens modeller er bygget igen"
    )
    assert by_key[accounts].metadata["last_build_run_id"].value == "run-1"
    assert not any(
        k.asset_key.path[-1] in ("belaegning_tilbud_maaned", "mart_belaegning_tilbud_maaned") for k in by_key
    )
    assert not any(k.asset_key == AssetKey(["cockpit", "datakvalitet"]) for k in by_key)  # built in every run
    # what dbt reported itself, or a check not selected, is not reported again
    assert accounts not in {
        AssetCheckKey(r.asset_key, r.check_name)
        for r in unchanged_check_results(dbt_manifest, monthly, {accounts}, every, previous)
    }
    assert len(unchanged_check_results(dbt_manifest, monthly, set(), every - {accounts}, previous)) == 115
    # nothing built (the published file is current): every blocking test, none of severity warn
    assert len(unchanged_check_results(dbt_manifest, None, set(), every, previous)) == 154
    assert unchanged_check_results(dbt_manifest, monthly, set(), every, None) == []  # no build to be unchanged since


def test_the_tests_of_seeds_a_full_build_left_out_pass_as_passed_for_the_project_state(dbt_manifest):
    from dagster import AssetCheckKey, AssetCheckSeverity, AssetKey

    from orchestration.assets.dbt import cockpit_dbt_assets, seed_check_results

    every = set(cockpit_dbt_assets().check_keys)
    plan = plan_dbt(dbt_manifest, states(), {}, unit_tested=True)
    results = seed_check_results(dbt_manifest, plan, set(), every)
    by_key = {AssetCheckKey(r.asset_key, r.check_name): r for r in results}
    assert len(by_key) == 49 and all(r.passed and r.severity == AssetCheckSeverity.ERROR for r in results)
    kommuner = AssetCheckKey(AssetKey(["reference", "kommuner"]), "not_null_kommuner_kommunekode")
    assert by_key[kommuner].metadata["validated"].value == (
        "bestået i et tidligere byg af samme projekttilstand: testen læser kun seeds, som er projektets filer"
    )
    # what dbt reported itself, or a check not selected, is not reported again; a build that ran them reports none
    assert len(seed_check_results(dbt_manifest, plan, {kommuner}, every)) == 48
    assert len(seed_check_results(dbt_manifest, plan, set(), every - {kommuner})) == 48
    assert seed_check_results(dbt_manifest, plan_dbt(dbt_manifest, states(), {}), set(), every) == []
