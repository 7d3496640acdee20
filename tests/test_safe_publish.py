"""Safe to publish (issue 20), read as an outsider would: the session's published file and report
must give back no citizen key, no free text, no voucher number, no single citizen's yearly cost;
the build DB keeps everything; each municipality's work list holds its own rows and nobody
else's; a view on person-level data that skips disclosure control is refused before publishing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from html import unescape
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cli.worklist import read_worklist, write_workbook
from ingest.danish_format import kr, tal
from warehouse.bi_subset import FORBIDDEN_COLUMNS, ForbiddenColumn, write_bi_subset
from warehouse.paths import MANIFEST_PATH

YEAR = 2024
PUBLISHED_SCHEMAS = {"cockpit", "publicering", "reference", "meta"}
PERSON_VIEWS = ("dyre_enkeltsager_kommune", "koeb_driftsherretype", "koeb_driftsherre", "udbud_efterspoergsel")


def _both(settings) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"attach '{settings.build_db}' as build (read_only)")
    con.execute(f"attach '{settings.published_db}' as pub (read_only)")
    return con


def _citizen_amounts(con: duckdb.DuckDBPyConnection) -> set[Decimal]:
    """Every amount that is one citizen's: a case's yearly cost, refund and net cost, and a
    citizen's purchases per municipality, year and kind or operator (from the build DB)."""
    rows = con.execute(
        """select helaarsudgift_kr from build.marts.mart_dyre_enkeltsager
           union select refusion_kr from build.marts.mart_dyre_enkeltsager
           union select nettoudgift_kr from build.marts.mart_dyre_enkeltsager
           union select sum(beloeb_kr) from build.intermediate.int_posteringer__koeb group by kommunekode, aar, koebstype, borger
           union select sum(beloeb_kr) from build.intermediate.int_posteringer__koeb
                 group by kommunekode, aar, driftsherre, borger"""
    ).fetchall()
    return {v for (v,) in rows if v is not None and abs(v) >= 1000}


def test_the_published_file_holds_only_the_bi_subset(published_sample):
    settings, _, _ = published_sample
    with _both(settings) as con:
        schemas = {
            s
            for (s,) in con.execute(
                "select distinct schema_name from duckdb_tables() where database_name = 'pub'"
            ).fetchall()
        }
        assert schemas <= PUBLISHED_SCHEMAS and {"publicering", "reference", "meta"} <= schemas
        assert con.execute(
            "select table_name from duckdb_tables() where database_name = 'pub' and schema_name = 'meta'"
        ).fetchall() == [("koersler",)]
        views = {
            v
            for (v,) in con.execute(
                "select view_name from duckdb_views() where database_name = 'pub' and schema_name = 'cockpit'"
            ).fetchall()
        }
        # the build's cockpit relations, views and the tables of the costly ones, are all views here
        build_cockpit = {
            v
            for (v,) in con.execute(
                "select view_name from duckdb_views() where database_name = 'build' and schema_name = 'cockpit'"
                " union select table_name from duckdb_tables() where database_name = 'build'"
                " and schema_name = 'cockpit'"
            ).fetchall()
        }
        assert views == build_cockpit - {"dyre_enkeltsager"} and "dyre_enkeltsager" in build_cockpit
        assert {"koeb_driftsherre", "koeb_driftsherretype", "udbud_efterspoergsel"} <= views
        undescribed = con.execute(
            "select count(*) from duckdb_columns() where database_name = 'pub' and schema_name = 'cockpit'"
            " and table_name = 'koeb_driftsherre' and coalesce(comment, '') = ''"
        ).fetchone()[0]
        assert undescribed == 0  # a build table's column descriptions reach its published view too
        # No column of the forbidden kinds, in any table or view of the file.
        columns = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where database_name = 'pub' and lower(column_name) in (select unnest(?))",
            [sorted(FORBIDDEN_COLUMNS)],
        ).fetchall()
        assert columns == []
        # The build DB still holds everything: row-level postings with the citizen key.
        assert con.execute("select count(distinct borgerreference) from build.raw.posteringer").fetchone()[0] > 20
        # Column descriptions came along for BI users.
        undescribed = con.execute(
            "select count(*) from duckdb_columns() where database_name = 'pub' and schema_name = 'cockpit' "
            "and table_name = 'udgifter_kommune' and coalesce(comment, '') = ''"
        ).fetchone()[0]
        assert undescribed == 0


def test_no_citizen_key_free_text_or_voucher_number_anywhere_in_the_published_file(published_sample):
    settings, _, _ = published_sample
    with _both(settings) as con:
        con.execute(
            """create temp table noegler as
               select distinct borgerreference as v from build.raw.posteringer where borgerreference is not null"""
        )
        con.execute(
            """create temp table hele as
               select distinct tekst as v from build.raw.posteringer where length(tekst) > 3
               union select distinct bilagsnr from build.raw.posteringer where bilagsnr is not null"""
        )
        assert con.execute("select count(*) from noegler").fetchone()[0] > 20
        text_columns = con.execute(
            """select schema_name, table_name, column_name from duckdb_columns()
               where database_name = 'pub' and data_type = 'VARCHAR'
               and (schema_name, table_name) in (select schema_name, table_name from duckdb_tables() where database_name = 'pub')"""
        ).fetchall()
        assert len(text_columns) > 30
        for schema, table, column in text_columns:
            col = f'pub."{schema}"."{table}"."{column}"'
            found = con.execute(
                f"""select count(*) from pub."{schema}"."{table}" t
                    where exists (select 1 from noegler where contains(t."{column}", noegler.v))
                    or t."{column}" in (select v from hele)"""
            ).fetchone()[0]
            assert found == 0, col


def test_no_single_citizens_cost_and_no_count_of_1_to_4_in_the_published_person_views(published_sample):
    settings, _, _ = published_sample
    with _both(settings) as con:
        amounts = _citizen_amounts(con)
        assert len(amounts) > 50
        for view in PERSON_VIEWS:
            cols = con.execute(
                "select column_name, data_type from duckdb_columns() where database_name = 'pub' "
                "and schema_name = 'publicering' and table_name = ?",
                [view],
            ).fetchall()
            for column, dtype in cols:
                values = {v for (v,) in con.execute(f'select "{column}" from pub.publicering."{view}"').fetchall()}
                if dtype.startswith("DECIMAL") and column.endswith("_kr"):
                    assert not values & amounts, (view, column, values & amounts)
                if column.startswith("antal_") and column not in ("antal_tilbud",):
                    assert not {v for v in values if v is not None and 0 < v < 5}, (view, column)
        # Refusals and waiting lists count persons too (the secure institutions, "I alt" included).
        for column in ("afviste_sociale", "afviste_retlige", "venteliste_gns"):
            small = con.execute(
                f'select count(*) from pub.publicering.sikrede_institutioner where "{column}" > 0 and "{column}" < 5'
            ).fetchone()[0]
            assert small == 0, column
        # The example: Læsø's purchases are two citizens' yearly costs; none is shown.
        laesoe = con.execute(
            "select koeb_kr, koeb_i_alt_kr from pub.cockpit.koeb_driftsherretype where kommunekode = '825' and aar = ?",
            [YEAR],
        ).fetchall()
        assert laesoe and all(v is None or v == 0 for row in laesoe for v in row)


def test_every_flag_still_points_to_its_file_and_line(published_sample):
    settings, _, _ = published_sample
    with _both(settings) as con:
        # A posting rule's flag_id is md5(rule|kommune|bilagsnr): unkeyed, so its voucher number would
        # be found by trying the candidates; it is left out of the published file, the rest are kept.
        on_postings = "(kilde = 'posteringer' or regel in ('R01', 'R02', 'R03', 'R04', 'R05', 'R15', 'R16'))"
        shown_id = f"case when not {on_postings} then flag_id end"
        build = con.execute(
            f"select {shown_id}, kildefil, kildelinje from build.cockpit.datakvalitet order by all"
        ).fetchall()
        pub = con.execute("select flag_id, kildefil, kildelinje from pub.cockpit.datakvalitet order by all").fetchall()
        assert pub == build and len(pub) > 20 and all(f and n for _, f, n in pub)
        ids = con.execute(
            f"select count(*) filter ({on_postings}), count(flag_id) filter ({on_postings}), "
            f"count(flag_id) filter (not {on_postings}), count(*) filter (not {on_postings}), count(besluttet_af) "
            "from pub.cockpit.datakvalitet_historik"
        ).fetchone()
        assert ids[0] > 3 and ids[1] == 0 and ids[2] == ids[3] > 5 and ids[4] == 0
        # On a posting, the published flag keeps rule, file, line, kommune and period, not the values.
        posting = con.execute(
            "select count(*), count(vaerdi), count(forventet), count(kommunekode) from pub.cockpit.datakvalitet "
            "where kilde = 'posteringer' or regel = 'R16'"
        ).fetchone()
        assert posting[0] > 3 and posting[1:3] == (0, 0) and posting[3] == posting[0]
        full = con.execute(
            "select count(vaerdi) from build.cockpit.datakvalitet where kilde = 'posteringer'"
        ).fetchone()[0]
        assert full > 0  # the build keeps the full text for the stewards


def test_the_report_html_pdf_and_memo_give_back_no_citizen(published_sample):
    settings, _, _ = published_sample
    html = (settings.report_dir / f"styringscockpit_{YEAR}.html").read_text(encoding="utf-8")
    pdf = " ".join(page.extract_text() for page in PdfReader(settings.report_dir / f"styringscockpit_{YEAR}.pdf").pages)
    memo = (settings.report_dir / f"notat_{YEAR}.md").read_text(encoding="utf-8")
    with _both(settings) as con:
        amounts = _citizen_amounts(con)
        keys = {
            k
            for (k,) in con.execute(
                "select distinct borgerreference from build.raw.posteringer where borgerreference is not null"
            ).fetchall()
        }
    # Each amount as the report writes amounts: whole kroner, with øre, and as a bare number.
    written = {form for a in amounts for form in (kr(a), kr(a, 2), tal(a), tal(a, 2))}
    for name, text in (("html", html), ("pdf", pdf), ("memo", memo)):
        flat = " ".join(text.split())
        assert not [w for w in written if w in flat], name
        assert not [k for k in keys if k in flat], name
    # The report says why cells are hidden.
    shown = unescape(html)
    assert "skjult af diskretionshensyn" in shown and ">< 5<" in shown
    # The memo says a total is not shown rather than printing "–" or a partial sum.
    assert "vises ikke samlet, fordi enkelte tal er skjult af diskretionshensyn" in memo


def test_a_worklist_holds_its_municipalitys_rows_and_nobody_elses(published_sample, tmp_path):
    settings, _, _ = published_sample
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        keys = dict(
            con.execute(
                "select distinct borgerreference, kommunenr from raw.posteringer where borgerreference is not null"
            ).fetchall()
        )
        flags = dict(
            con.execute(
                "select kommunekode, count(*) from cockpit.datakvalitet where kommunekode is not null group by 1"
            ).fetchall()
        )
        cases = dict(con.execute("select kommunekode, count(*) from marts.mart_dyre_enkeltsager group by 1").fetchall())
        for kommune in ("851", "825"):
            worklist = read_worklist(con, kommune)
            out = tmp_path / f"arbejdsliste_{kommune}.xlsx"
            write_workbook(worklist, out)
            wb = load_workbook(out)
            assert wb.sheetnames == ["Flag", "Afviste rækker", "Dyre enkeltsager"]
            values = {c for ws in wb for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}
            others = {k for k, owner in keys.items() if owner != kommune}
            assert not {v for v in values for k in others if k in v}, kommune
            flag_sheet = list(wb["Flag"].iter_rows(values_only=True))
            header = flag_sheet[0]
            assert (
                header[0] == "Flag-id"
                and header[-4:] == ("Beslutning", "Begrundelse", "Af", "Dato")
                and wb["Flag"].freeze_panes == "A2"
            )
            rows = [dict(zip(header, r, strict=True)) for r in flag_sheet[1:]]
            assert len(rows) == flags.get(kommune, 0) and {r["Kommunekode"] for r in rows} <= {kommune}
            assert all(r["Kildefil"] and r["Kildelinje"] for r in rows)
            assert all(r["Bilagsnr"] for r in rows if r["Kilde"] == "posteringer")  # the posting it points at
            case_rows = list(wb["Dyre enkeltsager"].iter_rows(values_only=True))[1:]
            assert len(case_rows) == cases.get(kommune, 0) > 0
            assert {r[3] for r in case_rows} <= {k for k, owner in keys.items() if owner == kommune}
            amount_col = list(wb["Dyre enkeltsager"].iter_rows(min_row=2, max_row=2))[0][5]
            assert amount_col.number_format == "#,##0.00" and isinstance(amount_col.value, int | float)
            rejected = [r for r in list(wb["Afviste rækker"].iter_rows(values_only=True))[1:] if r[1] is not None]
            assert len(rejected) == (1 if kommune == "851" else 0)  # the sample rejects one value of 851's postings
            for r in rejected:
                assert f"/{kommune}_" in r[1] or r[1].split("/")[-1].startswith(kommune), r


def test_the_worklist_command_reads_the_build_db_and_names_its_file(published_sample, tmp_path):
    settings, _, _ = published_sample
    out = tmp_path / "851.xlsx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "worklist",
            "--kommune",
            "851",
            "--out",
            str(out),
            "--build-db",
            str(settings.build_db),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out) and "Dyre enkeltsager: " in done.stderr
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "worklist",
            "--kommune",
            "85",
            "--out",
            str(out),
            "--build-db",
            str(settings.build_db),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and bad.stderr.strip().splitlines() == [
        "fejl: --kommune '85' er ikke en kommunekode på 3 cifre (fx 851)"
    ]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "create view cockpit.laek as select kommunekode, sum(beloeb_kr) as beloeb_kr "
            "from staging.stg_posteringer__posteringer group by 1",
            "view bygget på persondata uden diskretionering (kolonnen maskeret mangler, docs/disclosure.md): cockpit.laek",
        ),
        (
            "create view cockpit.laek as select kommunekode, borgerreference from staging.stg_posteringer__posteringer",
            "den publicerede fil må ikke have borgernøgle, fritekst eller bilagsnummer: cockpit.laek.borgerreference",
        ),
    ],
)
def test_a_new_view_that_leaks_is_refused_before_anything_is_published(published_sample, tmp_path, sql, message):
    settings, _, _ = published_sample
    build = tmp_path / "build.duckdb"
    shutil.copyfile(settings.build_db, build)
    with duckdb.connect(str(build)) as con:
        con.execute(sql)
    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    node = dict(manifest["nodes"]["model.cockpit.udgifter_kommune"])
    manifest["nodes"]["model.cockpit.laek"] = {
        **node,
        "name": "laek",
        "alias": "laek",
        "depends_on": {"nodes": ["model.cockpit.stg_posteringer__posteringer"], "macros": []},
    }
    with pytest.raises(ForbiddenColumn) as caught:
        write_bi_subset(build, tmp_path / "ud.duckdb", manifest)
    assert str(caught.value) == message
    # Without the new view the same build publishes.
    with duckdb.connect(str(build)) as con:
        con.execute("drop view cockpit.laek")
    subset = write_bi_subset(build, tmp_path / "ok.duckdb", manifest)
    assert "publicering.koeb_driftsherretype" in {r.target for r in subset}


def test_the_build_db_keeps_the_row_level_view_the_published_file_withholds(published_sample):
    settings, _, _ = published_sample
    with _both(settings) as con:
        n = con.execute("select count(*) from build.cockpit.dyre_enkeltsager").fetchone()[0]
        assert n > 50
        assert (
            con.execute(
                "select count(*) from duckdb_tables() where database_name = 'pub' and table_name = 'dyre_enkeltsager'"
            ).fetchone()[0]
            == 0
        )
    assert Path(settings.build_db).stat().st_size > Path(settings.published_db).stat().st_size
