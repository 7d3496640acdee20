"""The run summary's line for a missing budget or national figure (warehouse/yardsticks.py), on
a real DuckDB file with a `cockpit.udgifter_kommune` view of hand-set values."""

import duckdb

from warehouse.yardsticks import missing_yardsticks


def test_missing_budget_and_country_years_are_named_in_runs(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert missing_yardsticks(con) == []  # no view yet: nothing to say
    con.execute(
        "create schema cockpit; create table t (kommunekode varchar, aar int, nordjysk_socialaftale bool, "
        "budget_kr decimal(18,2), land_pr_18_64_kr decimal(18,2), nettodriftsudgifter_fpl_kr decimal(18,2))"
    )
    con.execute(
        "insert into t values ('851', 2019, true, null, 1, null), ('851', 2020, true, null, 1, 1), "
        "('825', 2021, true, 5, 1, 1), ('851', 2021, true, null, 1, 1), ('851', 2022, true, 5, 1, 1), "
        "('851', 2023, true, null, null, 1), ('101', 2022, false, null, null, null)"
    )
    con.execute("create view cockpit.udgifter_kommune as select * from t")
    assert missing_yardsticks(con) == [
        "budget mangler for 2019–2021, 2023 (budget/, BUDK32): budget_kr og afvigelse_budget_pct er tomme; "
        "læg BUDK32 for årene i budget/",
        "P/L-indeks mangler for 2019 (prisindeks/): nettodriftsudgifter_fpl_kr, udgift_pr_18_64_fpl_kr og "
        "indeks_fpl er tomme; læg KL's P/L-indeks for årene i prisindeks/",
        "landstal mangler for 2023 (regnskab/ og befolkning/ uden Hele landet eller alle 98 kommuner): "
        "land_pr_18_64_kr og afvigelse_fra_land_pct er tomme; hent REGK31 og FOLK1A med Hele landet",
    ]
    con.execute(
        "update t set budget_kr = 1, land_pr_18_64_kr = 1, nettodriftsudgifter_fpl_kr = 1 where nordjysk_socialaftale"
    )
    assert missing_yardsticks(con) == []
