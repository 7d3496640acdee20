"""The graph the UI shows: asset keys, groups, checks and jobs (snapshot-style, so an accidental
key change shows up in review)."""

from orchestration.definitions import defs

EXPECTED_ASSETS = {
    "raw/tilbud": "ingest", "raw/takstbilag": "ingest", "raw/belaegning": "ingest",
    "staging/stg_tilbud__tilbud": "staging", "staging/stg_takstbilag__takster": "staging",
    "staging/stg_belaegning__maaned": "staging",
    "intermediate/int_belaegning__maaned": "intermediate", "intermediate/int_takster__tilbud_aar": "intermediate",
    "marts/dim_tilbud": "marts", "marts/mart_takster": "marts", "marts/mart_belaegning_tilbud": "marts",
    "marts/mart_belaegning_tilbud_maaned": "marts",
    "cockpit/takster": "cockpit", "cockpit/belaegning_tilbud": "cockpit", "cockpit/belaegning_tilbud_maaned": "cockpit",
    "cockpit/afviste_raekker": "cockpit", "cockpit/koersler": "cockpit",
    "publish/cockpit_duckdb": "publish",
}


def test_asset_keys_and_groups():
    graph = defs.resolve_asset_graph()
    materializable = {k.to_user_string(): graph.get(k).group_name
                      for k in graph.get_all_asset_keys() if graph.get(k).is_materializable}
    assert materializable == EXPECTED_ASSETS


def test_checks_gx_blocking_and_dbt_tests():
    graph = defs.resolve_asset_graph()
    checks = {c.to_user_string() for c in graph.asset_check_keys}
    assert {"raw/tilbud:gx_raw_tilbud", "raw/takstbilag:gx_raw_takstbilag", "raw/belaegning:gx_raw_belaegning"} <= checks
    assert "marts/mart_takster:unique_combination_mart_takster_aar__tilbudsnr__ydelse" in checks
    assert "staging/stg_belaegning__maaned:relationships_stg_belaegning__maaned_tilbudsnr__tilbudsnr__ref_stg_tilbud__tilbud_" in checks
    blocking = {k.to_user_string() for k in graph.asset_check_keys if graph.get_check_spec(k).blocking}
    assert {"raw/tilbud:gx_raw_tilbud", "raw/takstbilag:gx_raw_takstbilag", "raw/belaegning:gx_raw_belaegning"} <= blocking


def test_publish_depends_on_every_cockpit_view_and_job_selects_everything():
    graph = defs.resolve_asset_graph()
    publish = graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == "publish/cockpit_duckdb"))
    parents = {k.to_user_string() for k in publish.parent_keys}
    assert {k for k, g in EXPECTED_ASSETS.items() if g == "cockpit"} <= parents
    job = defs.resolve_job_def("cockpit_refresh")
    assert {k.to_user_string() for k in job.asset_layer.selected_asset_keys} == set(EXPECTED_ASSETS)
