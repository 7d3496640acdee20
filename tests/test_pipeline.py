"""End to end on generated data: numbers in the cockpit computed by hand from the landing files,
idempotent re-runs, and write-audit-publish (a blocked run leaves the published file as it was)."""

import calendar
import csv
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import build_comments, sha256_file

from orchestration.runner import run_pipeline

REAL_2021 = {  # shared/domain/README.md
    "Takst 1": (694, "891.89"),
    "Takst 2": (347, "1075.95"),
    "Takst 3": (3814, "1352.04"),
    "Takst 4": (5895, "1950.23"),
}


def _query(db, sql, params=None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _pct(numerator: int, denominator: int) -> Decimal:
    return (Decimal(100 * numerator) / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_real_2021_appendix_rate_rule_exact(published_sample):
    settings, _, _ = published_sample
    rows = _query(
        settings.published_db,
        """
        select ydelse, antal_doegn, beregnet_antal_doegn, doegntakst_kr, beregnet_doegntakst_kr, afvigelse_kr, belaegning_pct
        from cockpit.takster where tilbudsnr = 1001 and aar = 2021 order by ydelse""",
    )
    assert [r[0] for r in rows] == list(REAL_2021)
    for ydelse, doegn, beregnet_doegn, takst, beregnet, afvigelse, pct in rows:
        expected_doegn, expected_takst = REAL_2021[ydelse]
        assert (doegn, beregnet_doegn) == (expected_doegn, expected_doegn)
        assert takst == beregnet == Decimal(expected_takst)
        assert afvigelse == Decimal("0.00") and pct == Decimal("95.00")


def _belaegning_by_hand(landing, manifest, tilbudsnr: int, year: int):
    """Read the year's occupancy file with the csv module (not our parser) and sum it up."""
    path = landing / "belaegning" / f"belaegning_{year}.csv"
    encoding = "utf-8" if year % 2 == 0 else "cp1252"
    skip = {u["line"] for u in manifest["unparseable"] if u["file"] == f"belaegning/belaegning_{year}.csv"}
    normed = in_operation = occupied = 0
    with open(path, encoding=encoding, newline="") as fh:
        for line_no, row in enumerate(csv.DictReader(fh, delimiter=";"), start=2):
            if int(row["Tilbudsnr"]) != tilbudsnr or line_no in skip:
                continue
            month = int(row["Måned"].replace("M", "-").split("-")[1])
            days = calendar.monthrange(year, month)[1]
            normed += int(row["Normerede pladser"]) * days
            in_operation += int(row["Pladser i drift"]) * days
            occupied += int(row["Belagte døgn"])
    return normed, in_operation, occupied


@pytest.mark.parametrize("year", [2023, 2024])
def test_belaegning_tilbud_matches_hand_computation(published_sample, sample_landing, year):
    settings, _, _ = published_sample
    landing, manifest = sample_landing
    normed, in_operation, occupied = _belaegning_by_hand(landing, manifest, 1001, year)
    row = _query(
        settings.published_db,
        """
        select normerede_doegn, doegn_i_drift, belagte_doegn, belaegning_normeret_pct, belaegning_faktisk_pct,
               tomme_doegn, tompladsudgift_kr, laveste_doegntakst_kr
        from cockpit.belaegning_tilbud where tilbudsnr = 1001 and aar = ?""",
        [year],
    )[0]
    empty = max(in_operation - occupied, 0)
    lowest = _query(
        settings.published_db,
        "select min(doegntakst_kr) from cockpit.takster where tilbudsnr = 1001 and aar = ?",
        [year],
    )[0][0]
    assert row == (
        normed,
        in_operation,
        occupied,
        _pct(occupied, normed),
        _pct(occupied, in_operation),
        empty,
        Decimal(empty) * lowest,
        lowest,
    )


def _secure_by_hand(landing, year: int) -> dict[str, list[int]]:
    """Per institution of `sikrede/sikrede_<year>.csv` (csv module, not our reader): normed days,
    occupied days (social + legal), social and legal refusals."""
    sums: dict[str, list[int]] = {}
    with open(landing / "sikrede" / f"sikrede_{year}.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            days = calendar.monthrange(year, int(row["Måned"].split("-")[1]))[1]
            s = sums.setdefault(row["Institution"], [0, 0, 0, 0])
            s[0] += int(row["Normerede pladser"]) * days
            s[1] += int(row["Belagte døgn sociale"]) + int(row["Belagte døgn retlige"])
            s[2] += int(row["Afviste sociale"])
            s[3] += int(row["Afviste retlige"])
    return sums


def test_seeds_figures_in_the_cockpit(published_sample, sample_landing):
    """The seeds' figures the sample carries (issue 21 item 7) come out of the cockpit as the
    real one publishes them: Kompasset 101 % (2020) and 114 % (2021) of its normed places, 28
    social and 5 legal refusals in 2021, Aalborg 32.332 of the 11's 72.158 14–23-year-olds."""
    settings, _, _ = published_sample
    landing, _ = sample_landing
    for year, seeds in ((2020, 101), (2021, 114)):
        normed, occupied, _, _ = _secure_by_hand(landing, year)["Kompasset"]
        got = _query(
            settings.published_db,
            "select belaegning_normeret_pct from cockpit.sikrede_institutioner where institution = 'Kompasset' "
            "and aar = ?",
            [year],
        )
        assert got == [(_pct(occupied, normed),)]
        assert got[0][0].quantize(Decimal("1"), ROUND_HALF_UP) == seeds
    by_hand = _secure_by_hand(landing, 2021).values()
    refused = (sum(s[2] for s in by_hand), sum(s[3] for s in by_hand))
    assert refused == (28, 5)
    assert _query(
        settings.published_db,
        "select afviste_sociale, afviste_retlige from cockpit.sikrede_institutioner "
        "where institution = 'I alt' and aar = 2021",
    ) == [refused]
    youth = dict(
        _query(settings.published_db, "select kommunekode, unge_14_23 from cockpit.fordelingsnoegler where aar = 2021")
    )
    assert len(youth) == 11 and youth["851"] == 32332 and sum(youth.values()) == 72158


CONTRACT = {  # contracts/cockpit-schema.md, view → columns
    "udgifter_kommune": "kommunekode kommunenavn aar nettodriftsudgifter_kr indbyggere indbyggere_18_64 "
    "udgift_pr_indbygger_kr udgift_pr_18_64_kr aendring_pct indeks region_pr_18_64_kr "
    "afvigelse_fra_region_pct land_pr_18_64_kr afvigelse_fra_land_pct budget_kr afvigelse_budget_pct "
    "prisniveau_aar nettodriftsudgifter_fpl_kr udgift_pr_18_64_fpl_kr indeks_fpl",
    "udgifter_kommune_funktion": "kommunekode kommunenavn aar funktion funktionsnavn paragraf nettodriftsudgifter_kr "
    "indbyggere indbyggere_18_64 udgift_pr_indbygger_kr udgift_pr_18_64_kr aendring_pct "
    "indeks region_pr_18_64_kr afvigelse_fra_region_pct land_pr_18_64_kr afvigelse_fra_land_pct budget_kr "
    "afvigelse_budget_pct prisniveau_aar nettodriftsudgifter_fpl_kr udgift_pr_18_64_fpl_kr indeks_fpl",
    "udgifter_omraade": "omraadekode omraadenavn aar nettodriftsudgifter_kr indbyggere_18_64 udgift_pr_18_64_kr "
    "prisniveau_aar nettodriftsudgifter_fpl_kr udgift_pr_18_64_fpl_kr indeks_fpl",
    "belaegning_tilbud": "tilbudsnr tilbudsnavn driftsherre aar normerede_doegn doegn_i_drift belagte_doegn "
    "belaegning_normeret_pct belaegning_faktisk_pct budgetteret_belaegning_pct tomme_doegn "
    "tompladsudgift_kr",
    "belaegning_tilbud_maaned": "tilbudsnr tilbudsnavn driftsherre aar maaned normerede_doegn doegn_i_drift "
    "belagte_doegn belaegning_normeret_pct belaegning_faktisk_pct tomme_doegn",
    "sikrede_institutioner": "institution aar normerede_doegn doegn_i_drift belagte_doegn_sociale belagte_doegn_retlige "
    "belaegning_normeret_pct belaegning_faktisk_pct andel_sociale_pct afviste_sociale "
    "afviste_retlige venteliste_gns maal_belaegning_pct",
    "takster": "aar tilbudsnr tilbudsnavn driftsherre paragraf ydelse pladser dage belaegning_pct antal_doegn "
    "omkostninger_kr doegntakst_kr beregnet_doegntakst_kr afvigelse_kr forrige_doegntakst_kr "
    "aendring_pct kraever_begrundelse begrundelse",
    "sundhedstjek": "kommunekode kommunenavn aar antal_sundhedstjek maaneder_med_data delvis_periode "
    "borgere_i_maalgruppe sundhedstjek_pr_100_i_maalgruppe daekning_24_mdr_pct",
    "sundhedstjek_maaned": "kommunekode kommunenavn aar maaned antal_sundhedstjek",
    "fordelingsnoegler": "kommunekode kommunenavn aar indbyggere unge_14_23 unge_15_17 indbyggere_18_64 "
    "andel_indbyggere_pct andel_unge_14_23_pct andel_unge_15_17_pct andel_indbyggere_18_64_pct andel_land_unge_15_17_pct",
    "afviste_raekker": "kilde kildefil kildelinje kolonne raavaerdi aarsag load_id",
    "koersler": "run_id startet afsluttet landing_dir filer raekker_indlaest flag_fejl flag_advarsel publiceret",
}


def test_every_contract_column_is_published(published_sample):
    settings, _, _ = published_sample
    for view, columns in CONTRACT.items():
        got = {
            r[0]
            for r in _query(
                settings.published_db,
                """
            select column_name from duckdb_columns() where schema_name = 'cockpit' and table_name = ?""",
                [view],
            )
        }
        missing = set(columns.split()) - got
        assert not missing, f"cockpit.{view} lacks {missing}"


def test_every_cockpit_column_has_a_description_a_bi_user_can_read(published_sample):
    settings, _, _ = published_sample
    undocumented = _query(
        settings.published_db,
        """
        select table_name, column_name from duckdb_columns()
        where schema_name = 'cockpit' and coalesce(trim(comment), '') = '' order by all""",
    )
    assert undocumented == []
    views = {
        r[0]
        for r in _query(
            settings.published_db,
            "select view_name from duckdb_views() where schema_name = 'cockpit' and comment <> ''",
        )
    }
    assert set(CONTRACT) <= views


def test_money_and_percentages_are_decimal(published_sample):
    settings, _, _ = published_sample
    money = _query(
        settings.published_db,
        """
        select table_name, column_name, data_type from duckdb_columns()
        where schema_name = 'cockpit' and (column_name like '%\\_kr' escape '\\' or column_name like '%\\_pct' escape '\\')""",
    )
    assert len(money) > 30 and all(t.startswith("DECIMAL") for _, _, t in money), money


def test_allocate_on_the_published_2021_population(published_sample, capsys):
    from cli.main import main

    settings, _, _ = published_sample
    assert (
        main(
            [
                "allocate",
                "--amount",
                "4.275.000",
                "--key",
                "indbyggere",
                "--year",
                "2021",
                "--published-db",
                str(settings.published_db),
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    rows = {line.split(",")[1]: line.split(",") for line in out.splitlines()[1:]}
    assert {name: int(rows[name][4]) for name in ("Brønderslev", "Frederikshavn", "Læsø", "Aalborg")} == {
        "Brønderslev": 261719,
        "Frederikshavn": 426782,
        "Læsø": 12861,
        "Aalborg": 1590106,
    }
    assert sum(int(r[2]) for r in rows.values()) == 590322
    assert err.strip().splitlines()[-1] == "sum 4.274.999 kr, afrundingsdifference -1 kr (half-up)"


def test_expenditure_by_hand_from_the_regk31_file(published_sample, sample_landing):
    """Aalborg 2023, read from the CodeAndValue file with the csv module: Σ 5.38 TOT LOBM × 1.000."""
    settings, _, _ = published_sample
    landing, _ = sample_landing
    with open(landing / "regnskab" / "REGK31_2022-2024.csv", encoding="utf-8-sig", newline="") as fh:
        total = sum(
            Decimal(r["INDHOLD"].replace(".", "").replace(",", ".")) * 1000
            for r in csv.DictReader(fh, delimiter=";")
            if r["OMRÅDE"].startswith("851 ")
            and r["FUNKTION"].startswith("538")
            and r["TID"] == "2023"
            and r["DRANST"].startswith("1 ")
            and r["ART"].startswith("TOT ")
            and r["PRISENHED"].startswith("LOBM")
        )
    population = _query(
        settings.published_db,
        "select indbyggere from cockpit.fordelingsnoegler where kommunekode = '851' and aar = 2023",
    )[0][0]
    row = _query(
        settings.published_db,
        """select nettodriftsudgifter_kr, indbyggere, udgift_pr_indbygger_kr
        from cockpit.udgifter_kommune where kommunekode = '851' and aar = 2023""",
    )[0]
    assert row == (total, population, (total / population).quantize(Decimal("0.01"), ROUND_HALF_UP))


def test_rejected_values_are_quarantined_not_dropped(published_sample, sample_landing):
    settings, _, _ = published_sample
    _, manifest = sample_landing
    planted = {(u["file"], u["line"], u["column"], u["raw_value"]) for u in manifest["unparseable"]}
    got = set(_query(settings.build_db, "select kildefil, kildelinje, kolonne, raavaerdi from cockpit.afviste_raekker"))
    assert len(planted) == 4 and got == planted
    # The published file lists the same values with file, line and column; a posting's raw value
    # is left out there (it may be a case key, free text or an amount: docs/disclosure.md).
    published = set(
        _query(settings.published_db, "select kildefil, kildelinje, kolonne, raavaerdi from cockpit.afviste_raekker")
    )
    assert published == {(f, n, c, None if f.startswith("posteringer/") else v) for f, n, c, v in planted}


def test_every_landing_file_is_loaded(published_sample, sample_landing):
    settings, _, _ = published_sample
    _, manifest = sample_landing
    # The load ledger is the build DB's: the published file holds the BI subset (docs/disclosure.md).
    loaded = {r[0] for r in _query(settings.build_db, "select file from meta.loaded_files")}
    assert loaded == set(manifest["files"]) and len(loaded) == 96
    per_source = dict(_query(settings.build_db, "select source, count(*) from meta.loaded_files group by 1"))
    assert per_source == {
        "regnskab": 2,
        "budget": 1,
        "prisindeks": 1,
        "befolkning": 2,
        "tilbud": 1,
        "takstbilag": 66,
        "belaegning": 6,
        "sikrede": 6,
        "sundhedstjek": 1,
        "sundhedstjek_maalgruppe": 1,
        "posteringer": 8,
        "beslutninger": 1,
    }


def test_cpr_like_value_is_in_no_column_of_the_published_db(published_sample, sample_landing):
    settings, _, _ = published_sample
    landing, manifest = sample_landing
    (planted,) = manifest["cpr_like"]
    line = (landing / planted["file"]).read_text(encoding="utf-8-sig").splitlines()[planted["line"] - 1]
    header = (landing / planted["file"]).read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    value = line.split(";")[header.index(planted["column"])]
    digits = value.replace("-", "")
    assert len(digits) == 10 and digits.isdigit()
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        columns = con.execute("""select database_name, schema_name, table_name, column_name from duckdb_columns()
                                 where data_type = 'VARCHAR' and not internal""").fetchall()
        assert len(columns) > 100
        hits = [
            c
            for c in columns
            if con.execute(
                f'select count(*) from "{c[0]}"."{c[1]}"."{c[2]}" where replace("{c[3]}", \'-\', \'\') like ?',
                [f"%{digits}%"],
            ).fetchone()[0]
        ]
    found = _query(settings.build_db, "select kildefil, kildelinje, kolonne, maskeret_vaerdi from quarantine.cpr_fund")
    assert hits == []
    assert found == [(planted["file"], planted["line"], planted["column"], "XXXXXX-XXXX")]


def test_run_is_recorded_and_progress_printed(published_sample):
    settings, outcome, lines = published_sample
    (filer, rows, started, published) = _query(
        settings.published_db,
        "select filer, raekker_indlaest, startet, publiceret from cockpit.koersler where run_id = ?",
        [outcome.run_id],
    )[0]
    loaded = _query(settings.build_db, "select count(*), sum(rows_loaded) from meta.loaded_files")[0]
    assert (filer, rows) == loaded and rows > 1000 and started <= published
    assert any("raw/belaegning" in line and "files_loaded=" in line for line in lines)
    assert any("publish/cockpit_duckdb" in line for line in lines)
    # Every month, then every year in one run each (single-run backfill policy): dbt runs once.
    assert [line for line in lines if "partitioner" in line] == [
        f"monthly_refresh: partitioner 2019-01…{_this_month()}",
        f"yearly_refresh: partitioner 2019…{_this_month()[:4]}",
    ]
    assert sum("trin cockpit_dbt starter" in line for line in lines) == 1


def test_rerun_with_unchanged_files_loads_builds_and_publishes_nothing(published_sample, warehouse_copy):
    first, settings = published_sample[1], warehouse_copy
    before = sha256_file(settings.published_db)
    second = run_pipeline(settings)
    assert (second.published, second.unchanged) == (True, True), second.reason
    assert second.summary.startswith(
        f"Uændret: {settings.published_db} er allerede denne build-DB's seneste (kørsel {first.run_id}, publiceret "
    )
    assert sha256_file(settings.published_db) == before  # not even published again
    assert sorted({key.split("/")[0] for key in second.materialized}) == ["raw"]  # no model, no publish
    assert _query(settings.build_db, "select distinct load_id from meta.loaded_files") == [(first.run_id,)]
    assert _query(settings.published_db, "select count(*) from cockpit.koersler")[0][0] == 1


def _blocked_run(target, break_landing):
    """Break the landing dir of a copy of the published sample warehouse, refresh it (only the
    broken source is read again), and return the outcome and whether the published file is
    byte-identical afterwards."""
    break_landing(target.landing_dir)
    before = sha256_file(target.published_db)
    outcome = run_pipeline(target)
    return outcome, before == sha256_file(target.published_db)


def test_failed_gx_check_blocks_publish_and_leaves_published_file_unchanged(warehouse_copy):
    def duplicate_month(landing):
        # The same tilbud × month reported twice (a second report file): the key is no longer unique.
        (landing / "belaegning" / "rettelse.csv").write_text(
            "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n1001;2024-03;10;10;300\n", encoding="utf-8"
        )

    outcome, unchanged = _blocked_run(warehouse_copy, duplicate_month)
    assert not outcome.published and unchanged
    assert "raw/belaegning:gx_raw_belaegning" in outcome.reason
    assert "expect_compound_columns_to_be_unique" in outcome.reason
    assert "publish/cockpit_duckdb" not in outcome.materialized


def test_contract_error_names_file_and_column_and_blocks_publish(warehouse_copy):
    def drop_column(landing):
        (landing / "belaegning" / "ny.csv").write_text(
            "Tilbudsnr;Måned;Normerede pladser;Belagte døgn\n1001;2025-01;10;300\n", encoding="utf-8"
        )

    outcome, unchanged = _blocked_run(warehouse_copy, drop_column)
    assert not outcome.published and unchanged
    assert "belaegning/ny.csv" in outcome.reason and "Pladser i drift" in outcome.reason


def test_flags_command_lists_the_stewards_work_list(published_sample, sample_landing, capsys):
    from cli.main import main

    settings, _, _ = published_sample
    _, manifest = sample_landing
    planted = sorted(
        (p["file"], p["line"]) for p in manifest["planted"] if p["rule"] == "R11" and p["kind"] == "positive"
    )
    assert main(["flags", "--rule", "r11", "--published-db", str(settings.published_db)]) == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(out.splitlines()))
    assert sorted((r["kildefil"], int(r["kildelinje"])) for r in rows) == planted and len(planted) == 2
    assert {r["regel"] for r in rows} == {"R11"} and {r["alvorlighed"] for r in rows} == {"fejl"}
    assert err.strip().endswith(f"flags: 2 (2 fejl) fra {settings.published_db}")


def _this_month() -> str:
    return datetime.now(ZoneInfo("Europe/Copenhagen")).strftime("%Y-%m")


def test_every_description_of_a_model_is_its_comment_in_the_build_db(published_sample):
    # dbt_project/macros/persist_docs.sql writes them at the end of the build, not per model
    from warehouse.dbt_manifest import load_manifest

    want: dict[tuple, str] = {}
    for node in load_manifest()["nodes"].values():
        persist = node["config"].get("persist_docs") or {}
        if node["resource_type"] != "model":
            continue
        at = (node["schema"], node["alias"])
        if persist.get("relation") and node["description"]:
            want[at] = node["description"]
        if persist.get("columns"):
            want |= {(*at, name): c["description"] for name, c in node["columns"].items() if c["description"]}
    got = build_comments(published_sample[0].build_db)
    # nothing but the models' descriptions (seeds and the loaders' tables have none)
    assert got == want
    assert len([k for k in want if len(k) == 2]) >= 70 and len(want) >= 900
    assert got[("cockpit", "datakvalitet", "kildelinje")].startswith("Physical 1-based line")
    # the publicering models ask for none: the publish step puts the cockpit views' on their copies
    assert not [k for k in got if k[0] == "publicering"]
