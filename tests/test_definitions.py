"""The graph the UI shows: asset keys, groups, checks and jobs (snapshot-style, so an accidental
key change shows up in review)."""

from datetime import datetime

import duckdb
import pytest
from dagster import AssetKey, BackfillPolicy

from orchestration.definitions import defs
from orchestration.resources import BuildDb
from warehouse.settings import SettingsError

# contracts/cockpit-schema.md
COCKPIT_VIEWS = (
    "udgifter_kommune",
    "udgifter_kommune_funktion",
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
            "mart_takster",
            "mart_belaegning_tilbud",
            "mart_belaegning_tilbud_maaned",
            "mart_udgifter_kommune",
            "mart_udgifter_kommune_funktion",
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
    graph = defs.resolve_asset_graph()
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
    graph = defs.resolve_asset_graph()
    checks = {c.to_user_string() for c in graph.asset_check_keys}
    assert {f"raw/{name}:gx_raw_{name}" for name in RAW} <= checks
    assert "marts/mart_takster:unique_combination_mart_takster_aar__tilbudsnr__ydelse" in checks
    assert (
        "staging/stg_belaegning__maaned:relationships_stg_belaegning__maaned_tilbudsnr__tilbudsnr__ref_stg_tilbud__tilbud_"
        in checks
    )
    blocking = {k.to_user_string() for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    assert {f"raw/{name}:gx_raw_{name}" for name in RAW} <= blocking


YEARLY_RAW = {f"raw/{s}" for s in ("regnskab", "befolkning", "takstbilag", "sundhedstjek_maalgruppe", "posteringer")}
MONTHLY_RAW = {f"raw/{s}" for s in ("belaegning", "sikrede", "sundhedstjek")}


def test_publish_waits_for_every_cockpit_view_and_each_job_selects_all_but_the_other_grains_sources():
    graph = defs.resolve_asset_graph()
    publish = next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "publish/cockpit_duckdb")
    # One parent from the one dbt step (a failed dbt step is named once), which builds every view.
    assert {k.to_user_string() for k in graph.get(publish).parent_keys} == {"cockpit/datakvalitet"}
    dbt_step = defs.resolve_assets_def(AssetKey(["cockpit", "takster"])).keys
    assert set(graph.get(publish).parent_keys) <= dbt_step
    assert {k for k, g in EXPECTED_ASSETS.items() if g == "cockpit"} <= {k.to_user_string() for k in dbt_step}
    for job, other in (("yearly_refresh", MONTHLY_RAW), ("monthly_refresh", YEARLY_RAW)):
        selected = {k.to_user_string() for k in defs.resolve_job_def(job).asset_layer.selected_asset_keys}
        # the yearly report has its own job, yearly_report (tests/test_report.py)
        assert selected == set(EXPECTED_ASSETS) - other - {"report/styringscockpit"}, job


def test_partitions_yearly_and_monthly_from_2019_with_single_run_backfills():
    graph = defs.resolve_asset_graph()
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
    assert defs.resolve_job_def("yearly_refresh").partitions_def == by_key["raw/regnskab"].partitions_def
    assert defs.resolve_job_def("monthly_refresh").partitions_def == by_key["raw/belaegning"].partitions_def


def test_jobs_schedules_and_sensor():
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"yearly_refresh", "monthly_refresh", "yearly_report"}
    assert [s.name for s in defs.schedules] == ["monthly_sources_5th_0600"]
    assert [s.name for s in defs.sensors] == ["landing_dir_sensor"]


def test_registration_flags_warn_but_never_block():
    graph = defs.resolve_asset_graph()
    (key,) = [k for k in graph.asset_check_keys if k.name == "registreringsflag"]
    assert key.asset_key.to_user_string() == "cockpit/datakvalitet"
    assert not graph.get_check_spec(key).blocking


def test_every_asset_has_a_description_and_an_owner():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            # dagster-dbt falls back to "dbt model <name>" and the SQL: that is no description.
            assert node.description and not node.description.startswith("dbt model "), key
            assert node.owners == ["team:rammeaftalesekretariatet"], key


def test_freshness_policies_monthly_35_days_yearly_400():
    graph = defs.resolve_asset_graph()
    windows = {
        k.to_user_string(): graph.get(k).freshness_policy.fail_window.to_timedelta().days
        for k in graph.get_all_asset_keys()
        if k.to_user_string().startswith("raw/")
    }
    assert windows == {
        **{k: 400 for k in YEARLY_RAW | {"raw/tilbud", "raw/beslutninger"}},
        **{k: 35 for k in MONTHLY_RAW},
    }


# --- The build DB resource (issue 12) ----------------------------------------------------


def test_the_build_db_resource_reads_the_settings_when_a_step_connects(tmp_path, monkeypatch):
    resource = defs.resources["build_db"]
    assert isinstance(resource, BuildDb)
    monkeypatch.setenv("COCKPIT_BUILD_DB", str(tmp_path / "a" / "build.duckdb"))
    with resource.connect() as con:  # a writer makes the folder
        con.execute("create table t as select 42 as n")
    assert (tmp_path / "a" / "build.duckdb").exists()
    with pytest.raises(duckdb.ConnectionException):
        con.execute("select 1")  # closed with its block
    with resource.connect(read_only=True) as con:
        assert con.execute("select n from t").fetchone() == (42,)
    monkeypatch.setenv("COCKPIT_BUILD_DB", str(tmp_path / "b" / "build.duckdb"))
    assert resource.path == tmp_path / "b" / "build.duckdb"
    monkeypatch.setenv("COCKPIT_BUILD_DB", str(tmp_path / "raw.duckdb"))
    with pytest.raises(SettingsError, match="raw.duckdb: en DuckDB-fil må ikke hedde som skemaet"):
        _ = resource.path


def test_every_step_on_the_build_db_gets_it_from_the_resource():
    graph = defs.resolve_asset_graph()
    takes_build_db = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and "build_db" in defs.resolve_assets_def(key).required_resource_keys
    }
    assert takes_build_db == set(EXPECTED_ASSETS) - {"report/styringscockpit"}  # the report reads the published file
    assert all("build_db" in check.required_resource_keys for check in defs.asset_checks)  # GX and flags
