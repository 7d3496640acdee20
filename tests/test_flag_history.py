"""warehouse/flag_history.py on a real DuckDB file: the history's statuses across refreshes and
what a partition run may judge (issue 22). The table is the one dbt's on-run-start creates; the
flags of a refresh stand in for `quality.dq_flag` (a table here, a view of the rule models in a
build). The end-to-end proof with two pipeline runs is tests/test_flag_refreshes.py."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ingest.sources import MONTH, YEAR
from orchestration.assets.publish import judged_scope
from warehouse.flag_history import FLAG_COLUMNS, RefreshSummary, Scope, confirm_refresh, record_refresh, undo_refresh

PROJECT = Path(__file__).resolve().parents[1] / "dbt_project" / "dbt_project.yml"
T1, T2, T3 = datetime(2025, 1, 5, 6), datetime(2025, 2, 5, 6), datetime(2025, 3, 5, 6)


def _history_ddl(table: str = "flag_history") -> str:
    """The DDL of meta.<table> as dbt_project.yml's on-run-start has it (its one owner)."""
    text = PROJECT.read_text(encoding="utf-8")
    return re.search(rf"create table if not exists meta\.{table} \(.*?\)\n", text, re.S).group(0)


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        con.execute("create schema meta; create schema quality")
        con.execute(_history_ddl())
        con.execute(_history_ddl("koersler"))
        con.execute(
            "create table quality.dq_flag (flag_id varchar, "
            + ", ".join(f"{c} {'integer' if c in ('kildelinje', 'tilbudsnr') else 'varchar'}" for c in FLAG_COLUMNS)
            + ")"
        )
        yield con


def found(con, *flags: tuple[str, str, str, str, int]) -> None:
    """This refresh's flags: (flag_id, regel, kilde, periode, kildelinje)."""
    con.execute("delete from quality.dq_flag")
    for flag_id, regel, kilde, periode, line in flags:
        con.execute(
            "insert into quality.dq_flag (flag_id, regel, kilde, periode, kildefil, kildelinje) values (?, ?, ?, ?, ?, ?)",
            [flag_id, regel, kilde, periode, f"{kilde}/a.csv", line],
        )


def refresh(con, run_id: str, at: datetime, scope: Scope | None = None) -> RefreshSummary:
    """A refresh that published: its statuses recorded and kept."""
    summary = record_refresh(con, run_id, at, scope)
    assert confirm_refresh(con, run_id)
    return summary


def history(con) -> dict[str, tuple]:
    rows = con.execute(
        "select flag_id, status, foerst_fundet, sidst_fundet, rettet_fundet, kildelinje from meta.flag_history"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


YEARLY = ("a", "R06", "takstbilag", "2024", 4)
MONTHLY = ("b", "R11", "sikrede", "2024-03", 9)
POSTING = ("c", "R01", "posteringer", "2024-05", 120)


def test_new_unchanged_corrected_and_found_again(con):
    found(con, YEARLY, MONTHLY)
    assert record_refresh(con, "run1", T1) == refresh(con, "run1", T1)  # idempotent
    assert history(con) == {"a": ("ny", T1, T1, None, 4), "b": ("ny", T1, T1, None, 9)}

    found(con, ("a", "R06", "takstbilag", "2024", 7))  # b corrected; a's line moved
    summary = refresh(con, "run2", T2)
    assert (summary.ny, summary.uaendret, summary.rettet) == (0, 1, 1)
    assert history(con) == {"a": ("uændret", T1, T2, None, 7), "b": ("rettet", T1, T1, T2, 9)}

    found(con, YEARLY, MONTHLY)  # b is back: found before, so not new
    refresh(con, "run3", T3)
    assert history(con) == {"a": ("uændret", T1, T3, None, 4), "b": ("uændret", T1, T3, None, 9)}


def test_a_monthly_run_never_marks_a_yearly_flag_corrected(con):
    found(con, YEARLY, MONTHLY, POSTING)
    refresh(con, "run1", T1)
    found(con)  # a partial build that found nothing
    summary = refresh(con, "run2", T2, Scope(MONTH, "2024-03", "2024-03"))
    assert summary.rettet == 1
    assert {k: v[0] for k, v in history(con).items()} == {"a": "ny", "b": "rettet", "c": "ny"}

    # A yearly run over 2023 judges neither 2024's rate nor 2024's posting.
    assert refresh(con, "run3", T3, Scope(YEAR, "2023", "2023")).rettet == 0
    # Over 2024 it judges both: a posting's periode is a month of its year.
    assert refresh(con, "run4", T3, Scope(YEAR, "2024", "2024")).rettet == 2
    assert {k: v[0] for k, v in history(con).items()} == {"a": "rettet", "b": "rettet", "c": "rettet"}


def test_a_partition_run_judges_its_own_range(con):
    found(con, MONTHLY)
    refresh(con, "run1", T1)
    found(con)
    assert refresh(con, "run2", T2, Scope(MONTH, "2024-01", "2024-02")).rettet == 0
    assert refresh(con, "run3", T2, Scope(MONTH, "2024-01", "2024-03")).rettet == 1


def snapshot(con) -> list[tuple]:
    return con.execute("select * from meta.flag_history order by flag_id").fetchall()


def meta_tables(con) -> set[str]:
    return {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'meta'").fetchall()}


def test_a_refresh_that_does_not_publish_leaves_the_history_row_for_row(con):
    found(con, YEARLY, MONTHLY)
    refresh(con, "run1", T1)
    before = snapshot(con)
    found(con, ("a", "R06", "takstbilag", "2024", 7), POSTING)  # b corrected, a moved, c new
    assert record_refresh(con, "run2", T2) == RefreshSummary(1, 1, 1)
    assert snapshot(con) != before
    assert undo_refresh(con, "run2")  # its publish failed
    assert snapshot(con) == before and meta_tables(con) == {"flag_history", "koersler"}
    assert not undo_refresh(con, "run2") and not confirm_refresh(con, "run2")

    # Killed between record and publish: the next refresh starts from run1's history.
    record_refresh(con, "run3", T2)
    assert refresh(con, "run4", T3) == RefreshSummary(1, 1, 1)
    assert history(con) == {
        "a": ("uændret", T1, T3, None, 7),
        "b": ("rettet", T1, T1, T3, 9),
        "c": ("ny", T3, T3, None, 120),
    }
    assert con.execute(
        "select count(*) from meta.flag_history where 'run3' in (foerst_run_id, sidst_run_id, rettet_run_id)"
    ).fetchone() == (0,)


def _published(path: Path, *runs: tuple[str, datetime]) -> Path:
    """A published file whose run log holds `runs` (run id, publiceret)."""
    with duckdb.connect(str(path)) as pub:
        pub.execute("create schema meta")
        pub.execute(_history_ddl("koersler"))
        for run_id, at in runs:
            pub.execute("insert into meta.koersler (run_id, publiceret) values (?, ?)", [run_id, at])
    return path


def test_a_refresh_killed_after_its_publish_keeps_its_statuses(con, tmp_path):
    found(con, YEARLY, MONTHLY)
    refresh(con, "run1", T1)
    found(con, YEARLY)
    record_refresh(con, "run2", T2)
    # published (the published file's newest run is run2), killed before confirm_refresh
    con.execute("insert into meta.koersler (run_id, publiceret) values ('run2', ?)", [T2])
    published = _published(tmp_path / "published.duckdb", ("run1", T1), ("run2", T2))
    record_refresh(con, "run3", T3, published_db=published)
    assert confirm_refresh(con, "run3")
    assert history(con) == {"a": ("uændret", T1, T3, None, 4), "b": ("rettet", T1, T1, T2, 9)}
    assert con.execute("select run_id from meta.koersler").fetchall() == [("run2",)]


@pytest.mark.parametrize("published_runs", [(), (("run1", T1),)], ids=["no-file", "older-run"])
def test_a_refresh_killed_while_publishing_is_undone_with_its_run_log_row(con, tmp_path, published_runs):
    """The publish step writes the run log row before it copies the file: a refresh killed in
    the copy has the row and published nothing. The published file decides, not the row."""
    found(con, YEARLY, MONTHLY)
    refresh(con, "run1", T1)
    found(con, YEARLY)
    record_refresh(con, "run2", T2)
    con.execute("insert into meta.koersler (run_id, publiceret) values ('run2', ?)", [T2])
    path = tmp_path / "published.duckdb"
    published = _published(path, *published_runs) if published_runs else path
    # run3 finds only a again: b is corrected by run3, not by run2, which never published
    assert record_refresh(con, "run3", T3, published_db=published) == RefreshSummary(0, 1, 1)
    assert confirm_refresh(con, "run3")
    assert history(con) == {"a": ("uændret", T1, T3, None, 4), "b": ("rettet", T1, T1, T3, 9)}
    assert con.execute("select count(*) from meta.koersler where run_id = 'run2'").fetchone() == (0,)


def test_the_scope_of_a_run_from_its_tags():
    assert judged_scope({}) is None  # no partitions: every flag
    assert judged_scope({"dagster/partition": "2024-03"}) == Scope(MONTH, "2024-03", "2024-03")
    ranged = {"dagster/asset_partition_range_start": "2022", "dagster/asset_partition_range_end": "2023"}
    assert judged_scope(ranged) == Scope(YEAR, "2022", "2023")
    from orchestration.partitions import YEARLY as YEARS
    from orchestration.partitions import full_range

    first, last = full_range(YEARS)
    whole = {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
    assert judged_scope(whole) is None  # cockpit run: the whole refresh judges every flag


def test_check_names_a_decision_on_a_flag_no_refresh_found(tmp_path, capsys):
    """`cockpit check --build-db` looks a decisions file's ids up in the build DB's history:
    a decision on an unknown id fails the file, naming file, line and column."""
    from cli.main import main

    build = tmp_path / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema meta")
        con.execute(_history_ddl())
        con.execute("insert into meta.flag_history (flag_id, status) values ('kendt', 'uændret')")
    folder = tmp_path / "landing" / "beslutninger"
    folder.mkdir(parents=True)
    (folder / "b.csv").write_text(
        "Flag-id;Beslutning;Begrundelse;Af;Dato\n"
        "kendt;accepteret;Godkendt af DAS;Sekretariatet;12-05-2022\n"
        "ukendt;afvist;Tastefejl;Sekretariatet;12-05-2022\n"
        "ogsaa-ukendt;;;;\n",  # no decision: not checked
        encoding="utf-8",
    )
    assert main(["check", str(folder.parent), "--build-db", str(build)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("beslutninger/b.csv: FEJL [beslutninger] 3 rækker godkendt")
    assert (
        "    beslutning på ukendt flag: beslutninger/b.csv linje 3, kolonne Flag-id: 'ukendt' er ikke fundet af "
        "nogen kørsel: kopiér Flag-id fra arbejdslisten (cockpit worklist) eller fjern linjen"
    ) in out.splitlines()
    assert "ogsaa-ukendt" not in out


def test_cockpit_flags_filters_by_status_and_operator(tmp_path, capsys):
    """`cockpit flags --status/--driftsherre` on a published file's two flag views: the open list
    from cockpit.datakvalitet, `rettet` from the history; the operator by part of its name."""
    import csv

    from cli.flags import COLUMNS
    from cli.main import main

    db = tmp_path / "pub.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema cockpit")
        cols = ", ".join(f"{c} {'integer' if c in ('kildelinje', 'tilbudsnr') else 'varchar'}" for c in COLUMNS)
        for view in ("datakvalitet", "datakvalitet_historik"):
            con.execute(f"create table cockpit.{view} ({cols})")
        rows = [
            ("a", "ny", "R08", "advarsel", "Aalborg Kommune"),
            ("b", "accepteret", "R08", "advarsel", "Region Nordjylland"),
            ("c", "uændret", "R06", "fejl", "Aalborg Kommune"),
        ]
        for flag_id, status, regel, sev, operator in rows:
            con.execute(
                "insert into cockpit.datakvalitet (flag_id, status, regel, alvorlighed, kildefil, kildelinje, "
                "driftsherre) values (?, ?, ?, ?, 't.xlsx', 4, ?)",
                [flag_id, status, regel, sev, operator],
            )
        con.execute(
            "insert into cockpit.datakvalitet_historik (flag_id, status, regel, alvorlighed, driftsherre) "
            "values ('d', 'rettet', 'R11', 'fejl', 'Aalborg Kommune')"
        )

    def ids(*args: str) -> list[str]:
        assert main(["flags", *args, "--published-db", str(db)]) == 0
        return [r["flag_id"] for r in csv.DictReader(capsys.readouterr().out.splitlines())]

    assert ids("--driftsherre", "aalborg") == ["c", "a"]  # fejl before advarsel
    assert ids("--status", "accepteret") == ["b"]
    assert ids("--status", "uaendret") == ["c"]
    assert ids("--status", "rettet", "--driftsherre", "Aalborg") == ["d"]
    assert main(["flags", "--status", "aaben", "--published-db", str(db)]) == 2
    assert "er ikke en status" in capsys.readouterr().err
