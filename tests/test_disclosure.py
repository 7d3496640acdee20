"""Disclosure control (docs/disclosure.md), attacked on data the project has never seen.

The project's own model SQL (staging → marts → the disclosure-controlled cockpit views, and the
blocking test `assert_disclosure_policy`) is rendered from its files with the project's macros
and run in DuckDB over generated row-level data; the thresholds are varied like the project vars
they are. Each test then reads the views as an outsider would and tries to get a citizen back:
a shown cell of 1–4 persons, an amount dominated by one citizen, a hidden cell recovered as a
shown total minus the shown cells (or from last year's share), a nested group's difference.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path

import duckdb
import jinja2
import polars as pl
import yaml
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DBT = Path(__file__).resolve().parents[1] / "dbt_project"
VARS = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
SCHEMA_OF = {"int_": "intermediate", "mart_": "marts", "dim_": "marts", "stg_": "staging"}
SEEDS = {"refusionsgraenser", "kommuner", "ref_sikrede_institutioner"}
KOMMUNER = {"851": "Aalborg", "825": "Læsø", "787": "Thisted"}
KOEBSTYPER = ["egen_kommune", "anden_kommune", "region", "privat", "ukendt"]
DRIFTSHERRER = {  # driftsherre → (driftsherretype, koebstype seen from the buyer)
    "Aalborg Kommune": ("kommune", "egen_kommune"),
    "Thisted Kommune": ("kommune", "anden_kommune"),
    "Hjørring Kommune": ("kommune", "anden_kommune"),
    "Region Nordjylland": ("region", "region"),
    "Kildevang ApS": ("privat", "privat"),
    "Nordlys A/S": ("privat", "privat"),
}


def _ref(name: str) -> str:
    if name in SEEDS:
        return f'"reference"."{name}"'
    schema = next((s for prefix, s in SCHEMA_OF.items() if name.startswith(prefix)), "cockpit")
    return f'"{schema}"."{name}"'


# The vars of the render under way. The macros read `var` when called, not when compiled, so
# one compiled environment serves every threshold the examples draw (compiling the templates
# anew for each example was half of this module's time).
_VALUES: dict = {}


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment()
    env.globals.update(var=lambda name, default=None: _VALUES.get(name, default), ref=_ref)
    # The ledger's incremental models render as on a first build: no config, every year
    # (dbt_project/macros/ledger_partitions.sql).
    env.globals.update(config=lambda **_: "", ledger_filter=lambda *_, **__: "true")
    for macro_file in ("disclosure.sql", "div_half_up.sql"):
        module = env.from_string((DBT / "macros" / macro_file).read_text(encoding="utf-8")).module
        env.globals.update({k: getattr(module, k) for k in dir(module) if not k.startswith("_")})
    return env


@functools.cache
def _template(relative: str) -> jinja2.Template:
    return _environment().from_string((DBT / relative).read_text(encoding="utf-8"))


def render(relative: str, overrides: dict | None = None) -> str:
    """The SQL of a model or test file of the dbt project, rendered with its macros and vars."""
    _VALUES.clear()
    _VALUES.update({**VARS, **(overrides or {})})
    return _template(relative).render()


def warehouse(overrides: dict | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": 1})
    for schema in ("staging", "intermediate", "marts", "cockpit", "reference"):
        con.execute(f"create schema {schema}")
    for seed in ("refusionsgraenser", "ref_sikrede_institutioner"):
        con.execute(
            f"create table reference.{seed} as select * from read_csv(?, header = true)",
            [str(DBT / "seeds" / f"{seed}.csv")],
        )
    con.execute(
        "create table marts.dim_kommune as select * from (values "
        + ", ".join(f"('{k}', '{n}')" for k, n in KOMMUNER.items())
        + ") as v (kommunekode, kommunenavn)"
    )
    return con


def build(con: duckdb.DuckDBPyConnection, models: list[str], overrides: dict | None = None) -> None:
    """Create each model (path under models/) in order: marts and intermediates as tables, cockpit as views."""
    for model in models:
        name = Path(model).stem
        kind = "view" if model.startswith("cockpit/") else "table"
        con.execute(f"create {kind} {_ref(name)} as {render('models/' + model, overrides)}")


def policy_violations(con: duckdb.DuckDBPyConnection, overrides: dict | None = None) -> list[tuple]:
    """The rows the blocking test returns (none means it passes). It also reads the supply and
    demand view: built here over an empty supply mart and register, on the purchases given."""
    con.execute(
        "create table staging.stg_tilbud__tilbud "
        "(tilbudsnr integer, tilbudsnavn varchar, paragraf varchar, maalgruppe varchar)"
    )
    con.execute(
        """create table marts.mart_udbud_efterspoergsel (aar integer, paragraf varchar, maalgruppe varchar,
           antal_tilbud integer, pladser_tilbudsportalen integer, normerede_doegn bigint, doegn_i_drift bigint,
           belagte_doegn bigint, belaegning_normeret_pct decimal(9, 2), belaegning_faktisk_pct decimal(9, 2),
           gns_belagte_pladser decimal(9, 2), afviste bigint, venteliste_gns decimal(9, 2), koebte_doegn bigint,
           koeb_kr decimal(18, 2))"""
    )
    build(con, ["cockpit/udbud_efterspoergsel.sql"], overrides)
    return con.execute(render("tests/singular/assert_disclosure_policy.sql", overrides)).fetchall()


# ------------------------------------------------------------------------------ generated data
thresholds = st.fixed_dictionaries(
    {
        "disclosure_min_count": st.integers(3, 7),
        "disclosure_min_contributors": st.integers(2, 3),
        "disclosure_dominance_pct": st.sampled_from([60, 80, 90]),
    }
)


# Cells, not loose postings: each (municipality, year, operator) gets 0–9 citizens, so cells of
# ≥ 5 citizens sit beside small ones (the case secondary suppression is for), and an amount can
# be far above the others (dominance).
@st.composite
def purchases(draw) -> list[tuple]:
    rows = []
    for kommune in ("851", "825"):
        for aar in (2023, 2024):
            for driftsherre in draw(st.lists(st.sampled_from(list(DRIFTSHERRER)), max_size=6, unique=True)):
                for borger in range(draw(st.integers(0, 9))):
                    amount = draw(st.one_of(st.integers(-20_000, 120_000), st.integers(500_000, 2_000_000)))
                    rows.append((kommune, aar, driftsherre, borger + draw(st.integers(0, 1)), amount))
    return rows


def purchases_frame(rows: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows,
        schema={
            "kommunekode": pl.String,
            "aar": pl.Int32,
            "driftsherre": pl.String,
            "borger_nr": pl.Int64,
            "kr": pl.Int64,
        },
        orient="row",
    )
    return frame.with_columns(
        pl.col("aar").cast(pl.Int32),
        pl.col("driftsherre").replace_strict({k: v[0] for k, v in DRIFTSHERRER.items()}).alias("driftsherretype"),
        pl.col("driftsherre").replace_strict({k: v[1] for k, v in DRIFTSHERRER.items()}).alias("koebstype"),
        pl.col("driftsherre")
        .replace_strict({k: i for i, k in enumerate(DRIFTSHERRER)})
        .cast(pl.Int32)
        .alias("tilbudsnr"),
        pl.lit(None, dtype=pl.String).alias("tilbudsnavn"),
        pl.lit(None, dtype=pl.String).alias("paragraf"),
        pl.lit(None, dtype=pl.String).alias("maalgruppe"),
        pl.col("kr").cast(pl.Decimal(18, 2)).alias("beloeb_kr"),
        pl.lit(30, dtype=pl.Int32).alias("antal_doegn"),
        ("B-" + pl.col("kommunekode") + "-" + pl.col("borger_nr").cast(pl.String)).alias("borger"),
    ).drop("borger_nr", "kr")


def purchases_warehouse(rows: list[tuple], overrides: dict) -> tuple[duckdb.DuckDBPyConnection, pl.DataFrame]:
    con = warehouse(overrides)
    frame = purchases_frame(rows)
    build_purchases(con, frame, overrides)
    return con, frame


def build_purchases(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, overrides: dict) -> None:
    """The purchase marts and cockpit views over `frame` as int_posteringer__koeb."""
    con.register("koeb_frame", frame)
    con.execute("create table intermediate.int_posteringer__koeb as select * from koeb_frame")
    build(
        con,
        [
            "marts/mart_koeb_driftsherretype.sql",
            "marts/mart_koeb_driftsherre.sql",
            "cockpit/koeb_driftsherretype.sql",
            "cockpit/koeb_driftsherre.sql",
        ],
        overrides,
    )


def contributors(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per cell: citizens, largest citizen's |amount|, Σ |amount| of citizens (the attacker's truth)."""
    per_citizen = frame.group_by([*keys, "borger"]).agg(pl.col("beloeb_kr").sum().abs().alias("bidrag"))
    return per_citizen.group_by(keys).agg(
        pl.len().alias("borgere"), pl.col("bidrag").max().alias("stoerste"), pl.col("bidrag").sum().alias("sum_abs")
    )


# ------------------------------------------------------------------------------------ purchases
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=purchases(), limits=thresholds)
def test_no_shown_purchase_cell_is_small_or_dominated_and_no_hidden_one_follows_from_totals(rows, limits):
    con, frame = purchases_warehouse(rows, limits)
    n_min, dom = limits["disclosure_min_count"], limits["disclosure_dominance_pct"]
    kinds = con.execute("select * from cockpit.koeb_driftsherretype").pl()
    truth = contributors(frame, ["kommunekode", "aar", "koebstype"])
    cells = kinds.join(truth, on=["kommunekode", "aar", "koebstype"], how="left").with_columns(
        pl.col("borgere").fill_null(0)
    )
    shown = cells.filter(pl.col("koeb_kr").is_not_null() & (pl.col("borgere") > 0))
    # Primary: no shown cell of 1 .. n_min-1 citizens, none where one citizen is above dom %.
    assert shown.filter(pl.col("borgere") < n_min).is_empty()
    assert shown.filter(pl.col("stoerste") * 100 > pl.col("sum_abs") * dom).is_empty()
    # Masked means NULL with a reason, never a silent 0.
    hidden = cells.filter(pl.col("maskeret"))
    assert hidden["koeb_kr"].null_count() == hidden.height and hidden["maskeringsaarsag"].null_count() == 0
    # Differencing: where the municipality's total is shown, total − shown cells is the sum of
    # the hidden cells with citizens; it must never be one hidden cell alone.
    per_total = cells.group_by("kommunekode", "aar").agg(
        pl.col("koeb_i_alt_kr").is_not_null().any().alias("total_vist"),
        (pl.col("koeb_kr").is_null() & (pl.col("borgere") > 0)).sum().alias("skjulte"),
    )
    assert per_total.filter(pl.col("total_vist") & (pl.col("skjulte") == 1)).is_empty()
    # Year on year: last year's share is shown only when last year's cell is.
    prev = cells.select("kommunekode", "koebstype", (pl.col("aar") + 1).alias("aar"), pl.col("andel_pct").alias("p"))
    joined = cells.join(prev, on=["kommunekode", "koebstype", "aar"], how="left")
    assert joined.filter(pl.col("forrige_andel_pct").is_not_null() & pl.col("p").is_null()).is_empty()
    # Operators add up to their kind: a hidden kind hides all its operators; within a shown
    # kind no operator is hidden alone; shown operators pass the primary rule too.
    ops = con.execute("select * from cockpit.koeb_driftsherre").pl()
    ops = ops.join(
        contributors(frame, ["kommunekode", "aar", "driftsherre"]), on=["kommunekode", "aar", "driftsherre"]
    ).join(
        kinds.select("kommunekode", "aar", "koebstype", pl.col("koeb_kr").alias("type_kr")),
        on=["kommunekode", "aar", "koebstype"],
    )
    assert ops.filter(pl.col("type_kr").is_null() & pl.col("koeb_kr").is_not_null()).is_empty()
    lone = (
        ops.filter(pl.col("type_kr").is_not_null())
        .group_by("kommunekode", "aar", "koebstype")
        .agg(pl.col("koeb_kr").is_null().sum().alias("skjulte"))
    )
    assert lone.filter(pl.col("skjulte") == 1).is_empty()
    op_shown = ops.filter(pl.col("koeb_kr").is_not_null())
    assert op_shown.filter(pl.col("borgere") < n_min).is_empty()
    assert op_shown.filter(pl.col("stoerste") * 100 > pl.col("sum_abs") * dom).is_empty()
    # The blocking check agrees: it finds nothing to object to.
    assert policy_violations_purchases(con, limits) == []


def empty_purchases(con: duckdb.DuckDBPyConnection, overrides: dict) -> None:
    build_purchases(con, purchases_frame([]), overrides)


def policy_violations_purchases(con: duckdb.DuckDBPyConnection, limits: dict) -> list[tuple]:
    # The blocking test also reads the case and secure-institution views: give it empty ones.
    empty_cases(con, limits)
    empty_secure(con, limits)
    return policy_violations(con, limits)


def test_one_dominant_citizen_hides_a_cell_of_many_and_a_neighbour_hides_with_it():
    # Seven citizens bought privately in Aalborg 2024; one of them for 900.000 of 960.000 kr.
    rows = [("851", 2024, "Kildevang ApS", 1, 900_000)] + [
        ("851", 2024, "Kildevang ApS", i, 10_000) for i in range(2, 8)
    ]
    rows += [("851", 2024, "Thisted Kommune", i, 50_000) for i in range(10, 16)]  # 6 citizens, even
    rows += [("851", 2024, "Region Nordjylland", i, 40_000 + i) for i in range(20, 27)]  # 7 citizens, even
    con, _ = purchases_warehouse(rows, VARS)
    got = dict(
        con.execute(
            "select koebstype, coalesce(maskeringsaarsag, 'vist') from cockpit.koeb_driftsherretype where aar = 2024"
        ).fetchall()
    )
    # 900.000 / 960.000 = 93,75 % > 80 %: dominance. The smallest other kind with citizens hides
    # with it: the region's 280.161 kr. (another municipality's 300.000 kr. stays).
    assert got == {
        "privat": "dominans",
        "region": "sekundær maskering",
        "anden_kommune": "vist",
        "egen_kommune": "vist",
        "ukendt": "vist",
    }
    shown = dict(con.execute("select koebstype, koeb_kr from cockpit.koeb_driftsherretype").fetchall())
    assert shown["anden_kommune"] == Decimal("300000.00") and shown["privat"] is None and shown["region"] is None
    assert shown["egen_kommune"] == Decimal("0.00")  # an empty cell is 0 and shown: it discloses nobody
    # At a dominance share of 95 % the same cell is shown.
    con95, _ = purchases_warehouse(rows, {**VARS, "disclosure_dominance_pct": 95})
    assert con95.execute("select koeb_kr from cockpit.koeb_driftsherretype where koebstype = 'privat'").fetchone() == (
        Decimal("960000.00"),
    )


def test_laesoe_two_purchases_are_not_shown_and_the_total_does_not_give_them_back():
    # The issue's case: a small municipality whose purchases are two citizens' yearly costs.
    rows = [("825", 2024, "Aalborg Kommune", 1, 931_265), ("825", 2024, "Region Nordjylland", 2, 442_088)]
    con, _ = purchases_warehouse(rows, VARS)
    got = con.execute(
        "select koebstype, koeb_kr, koeb_i_alt_kr, maskeringsaarsag from cockpit.koeb_driftsherretype order by sortering"
    ).fetchall()
    assert {r[1] for r in got if r[0] in ("anden_kommune", "region")} == {None}
    assert {r[2] for r in got} == {None}  # 2 citizens in all: the total is hidden too
    assert all(r[3] == "færre end 5 borgere" for r in got)
    text = repr(con.execute("select * from cockpit.koeb_driftsherretype").fetchall())
    assert "931265" not in text and "442088" not in text


# -------------------------------------------------------------------------------- expensive cases
def cases_warehouse(con: duckdb.DuckDBPyConnection, postings: pl.DataFrame, overrides: dict) -> None:
    con.register("poster_frame", postings)
    con.execute("create table staging.stg_posteringer__posteringer as select * from poster_frame")
    build(
        con,
        [
            "intermediate/int_posteringer__sager.sql",
            "marts/mart_dyre_enkeltsager.sql",
            "marts/mart_dyre_enkeltsager_kommune.sql",
            "cockpit/dyre_enkeltsager_kommune.sql",
        ],
        overrides,
    )


def postings_frame(rows: list[tuple]) -> pl.DataFrame:
    frame = pl.DataFrame(
        rows, schema={"kommunekode": pl.String, "aar": pl.Int32, "borger_nr": pl.Int64, "kr": pl.Int64}, orient="row"
    )
    return frame.select(
        "kommunekode",
        pl.date(pl.col("aar"), 6, 1).alias("bogfoeringsdato"),
        pl.lit(1, dtype=pl.Int32).alias("dranst"),
        pl.col("kr").cast(pl.Decimal(18, 2)).alias("beloeb_kr"),
        ("B-" + pl.col("kommunekode") + "-" + pl.col("borger_nr").cast(pl.String)).alias("borgerreference"),
    )


def empty_cases(con: duckdb.DuckDBPyConnection, overrides: dict) -> None:
    cases_warehouse(con, postings_frame([]), overrides)


def empty_secure(con: duckdb.DuckDBPyConnection, overrides: dict) -> None:
    secure_warehouse(con, [], overrides)


case = st.tuples(
    st.sampled_from(list(KOMMUNER)),
    st.sampled_from([2023, 2024]),
    st.integers(1, 30),
    st.integers(-50_000, 3_500_000),
)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(case, min_size=1, max_size=90), limits=thresholds)
def test_no_shown_group_of_cases_is_small_and_no_nested_difference_is_either(rows, limits):
    con = warehouse(limits)
    cases_warehouse(con, postings_frame(rows), limits)
    empty_secure(con, limits)
    empty_purchases(con, limits)
    n_min = limits["disclosure_min_count"]
    truth = con.execute(
        """select kommunekode, aar, count(*) as sager,
                  count(*) filter (where over_graense >= 1) as o1, count(*) filter (where over_graense >= 2) as o2,
                  count(*) filter (where over_graense >= 3) as o3, count(*) filter (where i_top5) as top5,
                  max(abs(helaarsudgift_kr)) as stoerste, sum(abs(helaarsudgift_kr)) as sum_abs
           from marts.mart_dyre_enkeltsager group by all"""
    ).pl()
    view = con.execute("select * from cockpit.dyre_enkeltsager_kommune").pl().join(truth, on=["kommunekode", "aar"])

    def small(expr: pl.Expr) -> pl.Expr:
        return (expr > 0) & (expr < n_min)

    shown = pl.col
    bad = view.filter(
        (shown("antal_sager").is_not_null() & small(pl.col("sager")))
        | (shown("antal_over_graense_1").is_not_null() & small(pl.col("o1")))
        | (shown("udgift_over_graense_1_kr").is_not_null() & small(pl.col("o1")))
        | (shown("antal_over_graense_2").is_not_null() & small(pl.col("o2")))
        | (shown("antal_over_graense_3").is_not_null() & small(pl.col("o3")))
        | (
            shown("antal_sager").is_not_null()
            & shown("antal_over_graense_1").is_not_null()
            & small(pl.col("sager") - pl.col("o1"))
        )
        | (
            shown("antal_over_graense_1").is_not_null()
            & shown("antal_over_graense_2").is_not_null()
            & small(pl.col("o1") - pl.col("o2"))
        )
        | (
            shown("antal_over_graense_2").is_not_null()
            & shown("antal_over_graense_3").is_not_null()
            & small(pl.col("o2") - pl.col("o3"))
        )
        | (shown("udgift_top5_kr").is_not_null() & small(pl.col("top5")))
        | (
            shown("udgift_sager_kr").is_not_null()
            & (pl.col("stoerste") * 100 > pl.col("sum_abs") * limits["disclosure_dominance_pct"])
        )
    )
    assert bad.is_empty(), bad
    # A shown figure is the exact one; a hidden one is NULL with its reason.
    assert view.filter(pl.col("antal_sager").is_not_null() & (pl.col("antal_sager") != pl.col("sager"))).is_empty()
    hidden = view.filter(pl.col("antal_sager").is_null())
    assert hidden["maskeret"].all() and hidden["maskeringsaarsag"].null_count() == 0
    assert policy_violations(con, limits) == []


def test_a_single_costly_case_among_five_is_dominance_and_four_cases_are_too_few():
    rows = [("851", 2024, 1, 3_000_000)] + [("851", 2024, i, 100_000) for i in range(2, 6)]  # 5 cases, one 88 %
    rows += [("787", 2024, i, 1_200_000) for i in range(1, 5)]  # 4 cases
    rows += [("825", 2024, i, 1_200_000 + i) for i in range(1, 9)]  # 8 even cases, all above threshold 1
    con = warehouse()
    cases_warehouse(con, postings_frame(rows), VARS)
    got = {
        r[0]: r[1:]
        for r in con.execute(
            "select kommunekode, antal_sager, udgift_sager_kr, antal_over_graense_1, maskeringsaarsag "
            "from cockpit.dyre_enkeltsager_kommune"
        ).fetchall()
    }
    assert got["851"] == (None, None, None, "sager: dominans")
    assert got["787"] == (None, None, None, "sager: færre end 5 sager")
    assert got["825"][:3] == (8, Decimal("9600036.00"), 8)  # shown: 8 cases, none dominating
    assert "top 5 %: færre end 5 sager" in got["825"][3]  # the costliest 5 % of 8 cases is one case


# ------------------------------------------------------------------------------ secure institutions
def secure_warehouse(con: duckdb.DuckDBPyConnection, rows: list[tuple], overrides: dict) -> None:
    frame = pl.DataFrame(
        rows,
        schema={
            "institution": pl.String,
            "aar": pl.Int32,
            "afviste_sociale": pl.Int32,
            "afviste_retlige": pl.Int32,
            "venteliste_ultimo": pl.Int32,
        },
        orient="row",
    ).select(
        "institution",
        pl.lit("Region Nordjylland").alias("driftsherre"),
        pl.date(pl.col("aar"), 3, 1).alias("maaned"),
        pl.lit(10, dtype=pl.Int32).alias("normerede_pladser"),
        pl.lit(10, dtype=pl.Int32).alias("pladser_i_drift"),
        pl.lit(200, dtype=pl.Int32).alias("belagte_doegn_sociale"),
        pl.lit(50, dtype=pl.Int32).alias("belagte_doegn_retlige"),
        "afviste_sociale",
        "afviste_retlige",
        "venteliste_ultimo",
        pl.lit(0, dtype=pl.Int32).alias("fleksible_pladser"),
    )
    con.register("sikrede_frame", frame)
    con.execute("create or replace table staging.stg_sikrede__maaned as select * from sikrede_frame")
    build(con, ["marts/mart_sikrede_institutioner.sql", "cockpit/sikrede_institutioner.sql"], overrides)


institution = st.tuples(
    st.sampled_from(["Kompasset", "Bakkehuset", "Grenen", "Fyrtårnet"]),
    st.sampled_from([2023, 2024]),
    st.integers(0, 12),
    st.integers(0, 12),
    st.integers(0, 9),
)


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(institution, min_size=1, max_size=12, unique_by=lambda r: (r[0], r[1])), limits=thresholds)
def test_refusals_and_waiting_lists_show_no_small_count_and_i_alt_gives_none_back(rows, limits):
    con = warehouse(limits)
    secure_warehouse(con, rows, limits)
    n_min = limits["disclosure_min_count"]
    view = con.execute("select * from cockpit.sikrede_institutioner").pl()
    raw = con.execute("select * from marts.mart_sikrede_institutioner").pl()
    both = view.join(raw, on=["institution", "aar"], suffix="_sand")
    for m in ("afviste_sociale", "afviste_retlige", "venteliste_gns"):
        small = (pl.col(f"{m}_sand") > 0) & (pl.col(f"{m}_sand") < n_min)
        assert both.filter(pl.col(m).is_not_null() & small).is_empty(), m
        per_year = both.group_by("aar").agg(
            (pl.col(m).is_not_null() & (pl.col("institution") == "I alt")).any().alias("i_alt_vist"),
            (pl.col(m).is_null() & (pl.col("institution") != "I alt") & (pl.col(f"{m}_sand") > 0))
            .sum()
            .alias("skjulte"),
        )
        # I alt minus the shown institutions is the sum of the hidden: never one hidden alone.
        assert per_year.filter(pl.col("i_alt_vist") & (pl.col("skjulte") == 1)).is_empty(), m


def test_one_small_institution_hides_the_next_smallest_beside_it():
    rows = [("Kompasset", 2024, 2, 0, 0), ("Bakkehuset", 2024, 7, 0, 0), ("Grenen", 2024, 30, 0, 0)]
    con = warehouse()
    secure_warehouse(con, rows, VARS)
    got = dict(con.execute("select institution, afviste_sociale from cockpit.sikrede_institutioner").fetchall())
    assert got == {"Kompasset": None, "Bakkehuset": None, "Grenen": 30, "I alt": 39}


def test_the_thresholds_are_project_vars():
    assert (VARS["disclosure_min_count"], VARS["disclosure_min_contributors"], VARS["disclosure_dominance_pct"]) == (
        5,
        3,
        80,
    )
    assert "færre end 7 sager" in render("models/cockpit/dyre_enkeltsager_kommune.sql", {"disclosure_min_count": 7})
