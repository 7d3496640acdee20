"""The graph the UI shows: asset keys, groups, checks and jobs (snapshot-style, so an accidental
key change shows up in review)."""

import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from conftest import warehouse_settings
from dagster import AssetKey, BackfillPolicy, Definitions, asset, define_asset_job
from dagster._core.definitions.reconstruct import repository_def_from_target_def
from dagster._core.workspace.autodiscovery import loadable_targets_from_loaded_module

from orchestration.definitions import defs
from orchestration.locked_executor import locked_executor
from orchestration.resources import BuildDb, SettingsResource, cockpit_resources, settings_of_run
from warehouse.paths import PROJECT_ROOT
from warehouse.refresh_lock import lock_path
from warehouse.settings import SettingsError

# contracts/cockpit-schema.md
COCKPIT_VIEWS = (
    "udgifter_kommune",
    "udgifter_kommune_funktion",
    "udgifter_omraade",
    "belaegning_tilbud",
    "belaegning_tilbud_maaned",
    "sikrede_institutioner",
    "takster",
    "sundhedstjek",
    "sundhedstjek_maaned",
    "fordelingsnoegler",
    "datakvalitet",
    "datakvalitet_historik",
    "afviste_raekker",
    "koersler",
)
# issue 11: the analyses DAS asked for (docs/querying.md, "The views of schema cockpit")
ANALYSIS_VIEWS = (
    "dyre_enkeltsager",
    "dyre_enkeltsager_kommune",
    "koeb_driftsherretype",
    "koeb_driftsherre",
    "udbud_efterspoergsel",
)
QUALITY = (
    "dq_r01_forkert_funktion",
    "dq_r02_dobbeltbetaling",
    "dq_r03_doegn_over_periode",
    "dq_r04_takst_afviger",
    "dq_r05_skuddag",
    "dq_r06_doegntakst_beregning",
    "dq_r07_antal_doegn",
    "dq_r08_lav_belaegning",
    "dq_r09_takstaendring",
    "dq_r10_overbelaegning",
    "dq_r11_pladser_over_normering",
    "dq_r12_ufuldstaendig_maaned",
    "dq_r13_usaedvanligt_hoejt_antal",
    "dq_r14_stor_aendring_regnskab",
    "dq_r15_cpr_fund",
    "dq_r16_posteringer_vs_regnskab",
    "dq_r17_tot_ue_i",
    "dq_flag",
)
RAW = [
    "regnskab",
    "budget",
    "prisindeks",
    "befolkning",
    "tilbud",
    "takstbilag",
    "belaegning",
    "sikrede",
    "sundhedstjek",
    "sundhedstjek_maalgruppe",
    "posteringer",
    "beslutninger",
]
EXPECTED_ASSETS = {
    **{f"raw/{name}": "ingest" for name in RAW},
    **{
        f"reference/{seed}": "reference"
        for seed in (
            "kommuner",
            "regioner",
            "funktioner",
            "paragraf_funktion",
            "ref_sikrede_institutioner",
            "refusionsgraenser",
            "tompladsregler",
        )
    },
    "staging/stg_tilbud__tilbud": "staging",
    "staging/stg_takstbilag__takster": "staging",
    "staging/stg_belaegning__maaned": "staging",
    "staging/stg_regnskab__konti": "staging",
    "staging/stg_befolkning__folketal": "staging",
    "staging/stg_regnskab__omraade": "staging",
    "staging/stg_befolkning__omraade": "staging",
    "staging/stg_budget__konti": "staging",
    "staging/stg_prisindeks__aar": "staging",
    "staging/stg_sikrede__maaned": "staging",
    "staging/stg_sundhedstjek__maaned": "staging",
    "staging/stg_sundhedstjek__maalgruppe": "staging",
    "staging/stg_posteringer__posteringer": "staging",
    "staging/stg_beslutninger__beslutninger": "staging",
    **{
        f"intermediate/{m}": "intermediate"
        for m in (
            "int_belaegning__maaned",
            "int_takster__tilbud_aar",
            "int_befolkning__noegler",
            "int_regnskab__netto_drift",
            "int_omraade__netto_drift",
            "int_omraade__noegler",
            "int_budget__netto_drift",
            "int_prisindeks__aar",
            "int_posteringer__sager",
            "int_posteringer__koeb",
        )
    },
    **{
        f"marts/{m}": "marts"
        for m in (
            "dim_tilbud",
            "dim_kommune",
            "dim_funktion",
            "dim_maaned",
            "dim_omraade",
            "mart_takster",
            "mart_belaegning_tilbud",
            "mart_belaegning_tilbud_maaned",
            "mart_udgifter_kommune",
            "mart_udgifter_kommune_funktion",
            "mart_udgifter_omraade",
            "mart_sikrede_institutioner",
            "mart_sundhedstjek",
            "mart_sundhedstjek_maaned",
            "mart_fordelingsnoegler",
            *(f"mart_{v}" for v in ANALYSIS_VIEWS),
        )
    },
    **{f"cockpit/{v}": "cockpit" for v in COCKPIT_VIEWS + ANALYSIS_VIEWS},
    **{f"quality/{m}": "quality" for m in QUALITY},
    # What the published file shows in place of a cockpit view with row-level detail (docs/disclosure.md).
    "publicering/publicering_datakvalitet": "publicering",
    "publicering/publicering_afviste_raekker": "publicering",
    "publicering/publicering_datakvalitet_historik": "publicering",
    "publish/cockpit_duckdb": "publish",
    "report/styringscockpit": "report",
}


def test_asset_keys_and_groups():
    graph = defs().resolve_asset_graph()
    materializable = {
        k.to_user_string(): graph.get(k).group_name
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable
    }
    assert materializable == EXPECTED_ASSETS
    # Tables dbt reads that no asset writes by name are declared, so nothing lands in "default".
    external = {
        k.to_user_string(): graph.get(k).group_name
        for k in graph.get_all_asset_keys()
        if not graph.get(k).is_materializable
    }
    assert external == {
        "quarantine/afviste_raekker": "ingest",
        "quarantine/cpr_fund": "ingest",
        "meta/koersler": "publish",
        "meta/flag_history": "publish",
    }


def test_checks_gx_blocking_and_dbt_tests():
    graph = defs().resolve_asset_graph()
    checks = {c.to_user_string() for c in graph.asset_check_keys}
    assert {f"raw/{name}:gx_raw_{name}" for name in RAW} <= checks
    assert "marts/mart_takster:unique_combination_mart_takster_aar__tilbudsnr__ydelse" in checks
    assert (
        "staging/stg_belaegning__maaned:relationships_stg_belaegning__maaned_tilbudsnr__tilbudsnr__ref_stg_tilbud__tilbud_"
        in checks
    )
    blocking = {k.to_user_string() for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    assert {f"raw/{name}:gx_raw_{name}" for name in RAW} <= blocking


YEARLY_RAW = {
    f"raw/{s}" for s in ("regnskab", "budget", "befolkning", "takstbilag", "sundhedstjek_maalgruppe", "posteringer")
}
MONTHLY_RAW = {f"raw/{s}" for s in ("belaegning", "sikrede", "sundhedstjek")}


def test_publish_waits_for_every_cockpit_view_and_each_job_selects_all_but_the_other_grains_sources():
    graph = defs().resolve_asset_graph()
    publish = next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "publish/cockpit_duckdb")
    # One parent from the one dbt step (a failed dbt step is named once), which builds every view.
    assert {k.to_user_string() for k in graph.get(publish).parent_keys} == {"cockpit/datakvalitet"}
    dbt_step = defs().resolve_assets_def(AssetKey(["cockpit", "takster"])).keys
    assert set(graph.get(publish).parent_keys) <= dbt_step
    assert {k for k, g in EXPECTED_ASSETS.items() if g == "cockpit"} <= {k.to_user_string() for k in dbt_step}
    for job, other in (("yearly_refresh", MONTHLY_RAW), ("monthly_refresh", YEARLY_RAW)):
        selected = {k.to_user_string() for k in defs().resolve_job_def(job).asset_layer.selected_asset_keys}
        # the yearly report has its own job, yearly_report (tests/test_report.py)
        assert selected == set(EXPECTED_ASSETS) - other - {"report/styringscockpit"}, job


def test_partitions_yearly_and_monthly_from_2019_with_single_run_backfills():
    graph = defs().resolve_asset_graph()
    by_key = {k.to_user_string(): graph.get(k) for k in graph.get_all_asset_keys()}
    yearly = by_key["raw/regnskab"].partitions_def.get_partition_keys(current_time=datetime(2026, 11, 22))
    monthly = by_key["raw/belaegning"].partitions_def.get_partition_keys(current_time=datetime(2026, 11, 22))
    assert yearly == [str(y) for y in range(2019, 2027)]
    assert (monthly[0], monthly[-1], len(monthly)) == ("2019-01", "2026-11", 8 * 12 - 1)
    partitioned = {k for k, node in by_key.items() if node.partitions_def is not None}
    # the register of tilbud, dbt and publish are not; the yearly report is, like the yearly refresh
    assert partitioned == YEARLY_RAW | MONTHLY_RAW | {"report/styringscockpit"}
    assert by_key["report/styringscockpit"].partitions_def == by_key["raw/regnskab"].partitions_def
    for key in partitioned - {"report/styringscockpit"}:  # a report backfill is one run per year
        assert (
            by_key[key].partitions_def
            == by_key["raw/" + ("belaegning" if key in MONTHLY_RAW else "regnskab")].partitions_def
        )
        assert by_key[key].backfill_policy == BackfillPolicy.single_run(), key
    assert defs().resolve_job_def("yearly_refresh").partitions_def == by_key["raw/regnskab"].partitions_def
    assert defs().resolve_job_def("monthly_refresh").partitions_def == by_key["raw/belaegning"].partitions_def


def test_the_flag_checks_run_log_says_the_warning_does_not_block(tmp_path):
    """Dagster's own line for the check says only "did not pass"; the run log has the check's
    line saying it is a warning that does not block publishing."""
    from dagster import AssetSelection, DagsterInstance

    from orchestration.assets.quality import registreringsflag

    build = tmp_path / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema cockpit")
        con.execute(
            "create table cockpit.datakvalitet as select * from (values "
            "('R03', 'fejl', 'a.csv', 2, '2024', 'x', 'ny'), ('R11', 'fejl', 'b.csv', 3, '2024', 'y', 'uændret'), "
            "('R12', 'info', 'c.csv', 4, '2024', 'z', 'ny'), "
            # accepted by its steward: not counted as open (issue 22)
            "('R08', 'fejl', 'd.xlsx', 5, '2024', 'w', 'accepteret')) "
            "t(regel, alvorlighed, kildefil, kildelinje, periode, beskrivelse, status)"
        )
    job = Definitions(
        asset_checks=[registreringsflag],
        jobs=[define_asset_job("flags", selection=AssetSelection.checks(registreringsflag))],
        resources=cockpit_resources(),
    ).resolve_job_def("flags")
    given = warehouse_settings(tmp_path, tmp_path / "landing")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, run_config=SettingsResource.run_config(given))
        lines = [e.user_message for e in instance.all_logs(result.run_id) if "registreringsflag" in e.user_message]
    (evaluation,) = result.get_asset_check_evaluations()
    assert (evaluation.passed, evaluation.metadata["blocks_publishing"].value) == (False, False)
    assert lines[1:3] == [
        "registreringsflag: advarsel, blokerer ikke publiceringen — 2 flag af alvorlighed fejl står på "
        "dataansvarliges arbejdsliste (cockpit.datakvalitet)",
        "Asset check 'registreringsflag' on 'cockpit/datakvalitet' did not pass.",
    ]


def test_yearly_partitions_read_as_yearly_in_the_descriptions_the_ui_shows():
    """Dagster 1.13 describes a yearly partitioning by its cron string (it has no yearly
    `ScheduleType`); the assets and jobs say it in words."""
    graph = defs().resolve_asset_graph()
    yearly = "Partitioned by year: one partition per calendar year, 2019 to this year"
    monthly = "Partitioned by month: one partition per calendar month, 2019-01 to this month."
    assert str(graph.get(AssetKey(["raw", "regnskab"])).partitions_def).startswith("0 0 1 1 *, starting 2019")
    for key in [*YEARLY_RAW, "report/styringscockpit"]:
        assert yearly in graph.get(AssetKey.from_user_string(key)).description, key
    for key in MONTHLY_RAW:
        assert graph.get(AssetKey.from_user_string(key)).description.endswith(monthly), key
    assert "Partitioned" not in graph.get(AssetKey(["raw", "tilbud"])).description  # not partitioned
    assert yearly in defs().resolve_job_def("yearly_refresh").description
    assert yearly in defs().resolve_job_def("yearly_report").description
    assert monthly in defs().resolve_job_def("monthly_refresh").description


def test_jobs_schedules_and_sensor():
    assert {j.name for j in defs().resolve_all_job_defs()} >= {"yearly_refresh", "monthly_refresh", "yearly_report"}
    assert [s.name for s in defs().schedules] == ["monthly_sources_5th_0600"]
    assert [s.name for s in defs().sensors] == ["landing_dir_sensor"]


def test_dagsters_module_loader_finds_the_lazy_definitions_and_every_job():
    """What `dagster dev -m orchestration.definitions` and `dagster job execute -m … -j
    yearly_refresh` do to find the jobs: Dagster's own autodiscovery over the module's
    attributes, then its repository from the target (a module `__getattr__` was not seen:
    the loader found only `__ASSET_JOB`)."""
    import orchestration.definitions as module

    (target,) = loadable_targets_from_loaded_module(module)
    assert target.attribute == "defs"
    repository = repository_def_from_target_def(target.target_definition)
    assert sorted(j.name for j in repository.get_all_jobs()) == [
        "__ASSET_JOB",
        "monthly_refresh",
        "yearly_refresh",
        "yearly_report",
    ]
    assert [s.name for s in repository.schedule_defs] == ["monthly_sources_5th_0600"]
    assert [s.name for s in repository.sensor_defs] == ["landing_dir_sensor"]
    assert sorted(repository.get_top_level_resources()) == ["build_db", "dbt", "settings"]


@pytest.mark.pipeline  # starts the dagster CLI (a code server) in a subprocess: ~25 s
def test_dagster_job_list_in_module_mode_names_the_refresh_jobs():
    run = subprocess.run(
        [str(Path(sys.executable).with_name("dagster")), "job", "list", "-m", "orchestration.definitions"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    jobs = [line.removeprefix("Job: ") for line in run.stdout.splitlines() if line.startswith("Job: ")]
    assert jobs == ["__ASSET_JOB", "monthly_refresh", "yearly_refresh", "yearly_report"]


def test_registration_flags_warn_but_never_block():
    graph = defs().resolve_asset_graph()
    (key,) = [k for k in graph.asset_check_keys if k.name == "registreringsflag"]
    assert key.asset_key.to_user_string() == "cockpit/datakvalitet"
    assert not graph.get_check_spec(key).blocking
    assert graph.get_check_spec(key).description.startswith("WARNING ONLY, never blocks publishing:")


def test_the_flag_check_says_in_its_result_that_a_warning_does_not_block():
    from dagster import AssetCheckSeverity

    from orchestration.assets.quality import flag_check_result

    warned = flag_check_result([("R03", "fejl", 2), ("R11", "fejl", 1), ("R12", "info", 11)], [])
    assert (warned.passed, warned.severity) == (False, AssetCheckSeverity.WARN)
    assert warned.metadata["blocks_publishing"].value is False
    assert warned.metadata["verdict"].value == (
        "registreringsflag: advarsel, blokerer ikke publiceringen — 3 flag af alvorlighed fejl står på "
        "dataansvarliges arbejdsliste (cockpit.datakvalitet)"
    )
    assert warned.metadata["summary"].value == "14 flag: 3 fejl, 0 advarsler, 11 info"
    clean = flag_check_result([("R12", "info", 11)], [])
    assert (
        clean.passed is True and clean.metadata["verdict"].value == "registreringsflag: ingen flag af alvorlighed fejl"
    )


def test_every_asset_has_a_description_and_an_owner():
    graph = defs().resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            # dagster-dbt falls back to "dbt model <name>" and the SQL: that is no description.
            assert node.description and not node.description.startswith("dbt model "), key
            assert node.owners == ["team:rammeaftalesekretariatet"], key


def test_freshness_policies_monthly_35_days_yearly_400():
    graph = defs().resolve_asset_graph()
    windows = {
        k.to_user_string(): graph.get(k).freshness_policy.fail_window.to_timedelta().days
        for k in graph.get_all_asset_keys()
        if k.to_user_string().startswith("raw/")
    }
    assert windows == {
        **{k: 400 for k in YEARLY_RAW | {"raw/tilbud", "raw/beslutninger", "raw/prisindeks"}},
        **{k: 35 for k in MONTHLY_RAW},
    }


# --- The build DB resource (issue 12) ----------------------------------------------------


def test_the_build_db_resource_takes_its_path_from_the_settings_resource(tmp_path, monkeypatch):
    assert isinstance(defs().resources["build_db"], BuildDb)
    monkeypatch.setenv("COCKPIT_BUILD_DB", str(tmp_path / "env" / "build.duckdb"))
    resource = BuildDb(settings=SettingsResource(build_db=str(tmp_path / "a" / "build.duckdb")))
    with resource.connect() as con:  # a writer makes the folder
        con.execute("create table t as select 42 as n")
    assert (tmp_path / "a" / "build.duckdb").exists() and not (tmp_path / "env").exists()
    with pytest.raises(duckdb.ConnectionException):
        con.execute("select 1")  # closed with its block
    with resource.connect(read_only=True) as con:
        assert con.execute("select n from t").fetchone() == (42,)
    # An empty field comes from the environment, read once per resource (once per run).
    from_env = BuildDb(settings=SettingsResource())
    assert from_env.path == tmp_path / "env" / "build.duckdb"
    monkeypatch.setenv("COCKPIT_BUILD_DB", str(tmp_path / "b" / "build.duckdb"))
    assert from_env.path == tmp_path / "env" / "build.duckdb"
    assert BuildDb(settings=SettingsResource()).path == tmp_path / "b" / "build.duckdb"
    with pytest.raises(SettingsError, match="raw.duckdb: en DuckDB-fil må ikke hedde som skemaet"):
        _ = BuildDb(settings=SettingsResource(build_db=str(tmp_path / "raw.duckdb"))).path


def test_the_runs_settings_reach_every_step_as_run_config_not_through_the_environment(tmp_path, monkeypatch):
    """`cockpit run`'s settings travel as the `settings` resource's run config: a step sees
    them although the environment says otherwise, and build_db (sharing the resource) too."""
    given = warehouse_settings(tmp_path / "given", tmp_path / "landing")
    given = replace(
        given,
        duckdb_memory_limit="1GB",
        allow_removal=True,
        removal_max_share=0.25,
        keep_runs=3,
        settle_seconds=0.5,
        settle_timeout_seconds=30.0,
        max_file_mib=64,
        parse_workers=3,
    )
    monkeypatch.setenv("COCKPIT_BUILD_DB", str(tmp_path / "env" / "build.duckdb"))
    monkeypatch.setenv("COCKPIT_BEHOLD_KOERSLER", "7")
    monkeypatch.setenv("COCKPIT_SETTLE_SECONDS", "9")
    monkeypatch.setenv("COCKPIT_MAX_FILE_MIB", "8")
    monkeypatch.setenv("COCKPIT_PARSE_WORKERS", "1")
    seen = {}

    @asset
    def probe(settings: SettingsResource, build_db: BuildDb) -> None:
        seen["settings"], seen["build_db"] = settings.get(), build_db.path

    config = SettingsResource.run_config(given)
    assert config["resources"]["settings"]["config"] == {
        "landing_dir": str(tmp_path / "landing"),
        "build_db": str(tmp_path / "given" / "build.duckdb"),
        "published_db": str(tmp_path / "given" / "styringscockpit.duckdb"),
        "report_dir": str(tmp_path / "given" / "reports"),
        "duckdb_memory_limit": "1GB",
        "duckdb_temp_dir": str(tmp_path / "given" / "build.duckdb.tmp"),
        "allow_removal": True,
        "removal_max_share": 0.25,
        "keep_runs": 3,
        "settle_seconds": 0.5,
        "settle_timeout_seconds": 30.0,
        "max_file_mib": 64,
        "parse_workers": 3,
    }
    resources = cockpit_resources()
    job = Definitions(assets=[probe], resources=resources).resolve_implicit_global_asset_job_def()
    assert job.execute_in_process(run_config=config).success
    assert seen["settings"] == replace(given, duckdb_temp_dir=tmp_path / "given" / "build.duckdb.tmp")
    assert seen["build_db"] == tmp_path / "given" / "build.duckdb"
    # Without run config (a UI run), the environment, read when the run starts.
    assert job.execute_in_process().success
    assert seen["build_db"] == tmp_path / "env" / "build.duckdb" and seen["settings"].keep_runs == 7
    assert (seen["settings"].settle_seconds, seen["settings"].max_file_mib, seen["settings"].parse_workers) == (
        9.0,
        8,
        1,
    )
    assert settings_of_run(config).build_db == given.build_db  # the executor's lock
    assert settings_of_run({}).build_db == tmp_path / "env" / "build.duckdb"


_SEEN_BY_PROBE: dict = {}


def probe_job():
    """A job of one asset on the jobs' executor (`locked_executor`), for `execute_job`."""

    @asset
    def probe(settings: SettingsResource, build_db: BuildDb) -> None:
        from warehouse.build_db import _held

        _SEEN_BY_PROBE["build_db"] = settings.get().build_db
        with build_db.connect():
            pass
        _SEEN_BY_PROBE["held"] = str(settings.get().build_db) in _held

    return Definitions(
        assets=[probe], jobs=[define_asset_job("probe")], resources=cockpit_resources(), executor=locked_executor
    ).resolve_job_def("probe")


def test_the_executor_takes_the_refresh_lock_of_the_build_db_the_run_config_names(tmp_path, monkeypatch):
    """What `dagster job execute` and a UI run do (not `execute_in_process`, which replaces the
    executor): the refresh lock is taken beside the build DB of the run's settings."""
    from dagster import DagsterInstance, execute_job, reconstructable

    given = warehouse_settings(tmp_path / "given", tmp_path / "landing")
    given.build_db.parent.mkdir()
    monkeypatch.setenv("COCKPIT_BUILD_DB", str(tmp_path / "env" / "build.duckdb"))
    with DagsterInstance.ephemeral() as instance:
        result = execute_job(reconstructable(probe_job), instance, run_config=SettingsResource.run_config(given))
    assert result.success
    assert _SEEN_BY_PROBE["build_db"] == given.build_db
    assert lock_path(given.build_db).exists() and not lock_path(tmp_path / "env" / "build.duckdb").exists()
    assert _SEEN_BY_PROBE["held"]  # in process (the default): held open between the steps


def test_every_step_on_the_build_db_gets_it_from_the_resource():
    graph = defs().resolve_asset_graph()
    takes_build_db = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and "build_db" in defs().resolve_assets_def(key).required_resource_keys
    }
    assert takes_build_db == set(EXPECTED_ASSETS) - {"report/styringscockpit"}  # the report reads the published file
    assert all("build_db" in check.required_resource_keys for check in defs().asset_checks)  # GX and flags


def _other_process_writes(db) -> bool:
    """Whether another process can open `db` to write (DuckDB: one process per file) and find
    the row the steps committed; what dbt's process needs after `release_held`."""
    code = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print(c.execute('select sum(n) from t').fetchone()[0])"
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.strip() == "42"


def test_an_in_process_run_holds_the_build_db_open_between_steps_and_lets_it_go_for_dbt(tmp_path, monkeypatch):
    from warehouse import build_db as held

    db = tmp_path / "build.duckdb"
    resource = BuildDb(settings=SettingsResource(build_db=str(db)))
    with held.held_open(db):
        with pytest.raises(duckdb.IOException):  # a reader of a missing file fails, and creates none
            with resource.connect(read_only=True):
                pass
        assert not db.exists() and not held._held
        with resource.connect() as con:  # a load step
            con.execute("create table t as select 40 as n")
        assert str(db) in held._held and not _other_process_writes(db)  # held between the steps
        with resource.connect() as con:
            con.execute("insert into t values (1)")
        with pytest.raises(RuntimeError, match="a step failed"), resource.connect() as con:
            con.execute("insert into t values (1)")
            raise RuntimeError("a step failed")  # after its own commits: the earlier rows stand
        assert str(db) not in held._held and _other_process_writes(db)  # a failed step lets it go
        with resource.connect(read_only=True) as con:  # a check reads, joining the database it holds anew
            assert con.execute("select sum(n) from t").fetchone() == (42,)
            assert str(db) in held._held
        held.release_held(db)  # the dbt step, before its process starts
        assert _other_process_writes(db) and not db.with_name("build.duckdb.wal").exists()
        with resource.connect() as con:  # after dbt: connections of their own again
            assert con.execute("select sum(n) from t").fetchone() == (42,)
        assert str(db) not in held._held and _other_process_writes(db)
    with resource.connect(read_only=True) as con, pytest.raises(duckdb.InvalidInputException):
        con.execute("insert into t values (1)")  # outside a hold, read-only is read-only

    # Above HOLD_MAX_BYTES of DuckDB's memory a step's end lets the database go; the next holds anew.
    monkeypatch.setattr(held, "HOLD_MAX_BYTES", 0)
    with held.held_open(db):
        with resource.connect() as con:
            assert con.execute("select sum(n) from t").fetchone() == (42,)
        assert str(db) not in held._held and _other_process_writes(db)
        with resource.connect():
            assert str(db) in held._held
    assert not held._held and not held._wanted
