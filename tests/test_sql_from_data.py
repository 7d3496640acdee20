"""No SQL from data (issue 24 §1): a header cell of a landing file is data. Hostile headers go
through every kind of reader and the real loader into a real DuckDB file; no statement but the
intended ones may run. DuckDB keeps no statement log, so what a statement could leave behind is
checked: the file `COPY … TO` would write, a table or schema besides the loader's own, a column
named from the file; and the header text must arrive in `ekstra`, exactly as the file has it."""

import shutil
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from ingest.sources import SOURCES, empty_rows
from ingest.statbank_file import DERIVED
from warehouse.raw_loader import EXTRAS, ensure_schema, load_source
from warehouse.sql_names import ident, literal, qualified

CASES = Path(__file__).parent / "cases" / "bugs2"


def hostile_headers(pwn: Path) -> list[str]:
    return [
        f"x\" varchar); copy (select 1) to '{pwn}'; --",
        f"y' varchar); copy (select 2) to '{pwn}'; --",
        'Bemærkning "intern"',
        "a;b",
        'z"; create table main.pwned as select 1; --',
        "ünïcødé ✓ 名前 ∑",
        "_source_file",  # a lineage column's name
        "L" * 5000,
    ]


def csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def tables(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute("select schema_name, table_name from duckdb_tables() where not internal").fetchall())


def intended_tables(source: str) -> set[tuple[str, str]]:
    """The loader's bookkeeping tables and the source's raw table, nothing else."""
    with duckdb.connect() as con:
        ensure_schema(con)
        return tables(con) | {("raw", source)}


def check_no_sql_ran(con, tmp_path: Path, source: str, headers: list[str], values: list[list[str]]) -> None:
    assert not (tmp_path / "pwn.csv").exists()
    assert tables(con) == intended_tables(source)
    assert con.execute(
        "select count(*) from duckdb_schemas() where schema_name not in "
        "('main', 'raw', 'meta', 'quarantine', 'information_schema', 'pg_catalog')"
        " and not internal"
    ).fetchone() == (0,)
    columns = [r[0] for r in con.execute(f"select column_name from (describe {qualified('raw', source)})").fetchall()]
    assert sorted(columns) == sorted([*empty_rows(SOURCES[source]).columns, EXTRAS])
    got = con.execute(
        f"select map_keys({EXTRAS}), map_values({EXTRAS}) from {qualified('raw', source)} order by _source_line"
    ).fetchall()
    assert got == [(headers, row) for row in values]


def test_hostile_csv_headers_land_in_ekstra_and_run_nothing(tmp_path):
    headers = hostile_headers(tmp_path / "pwn.csv")
    folder = tmp_path / "landing" / "belaegning"
    folder.mkdir(parents=True)
    contract = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn"
    lines = [contract + ";" + ";".join(csv_cell(h) for h in headers)]
    values = [[f"v{i}-{j}" for j in range(len(headers))] for i in range(3)]
    for i, row in enumerate(values):
        lines.append(f"1001;2024-0{i + 1};10;10;300;" + ";".join(row))
    (folder / "hostile.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        stats = load_source(con, SOURCES["belaegning"], tmp_path / "landing", "run-1")
        assert (stats.files_loaded, stats.rows_loaded) == (["belaegning/hostile.csv"], 3)
        check_no_sql_ran(con, tmp_path, "belaegning", headers, values)
        assert con.execute("select sum(belagte_doegn) from raw.belaegning").fetchone() == (900,)


def test_hostile_workbook_headers_land_in_ekstra_and_run_nothing(tmp_path):
    # A cell may hold what a CSV header line cannot: a line break, a tab.
    headers = [*hostile_headers(tmp_path / "pwn.csv"), "linje\nskift", "tab\there"]
    contract = [f.header for f in SOURCES["takstbilag"].fields]
    folder = tmp_path / "landing" / "takstbilag"
    folder.mkdir(parents=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Takster"
    ws.append(contract + headers)
    values = [[f"w{i}-{j}" for j in range(len(headers))] for i in range(2)]
    for i, row in enumerate(values):
        ws.append(
            [
                2024,
                1001 + i,
                "Tilbud",
                "Drift ApS",
                "SEL § 108",
                "Døgnophold",
                10,
                366,
                0.96,
                3514,
                5000000,
                1422.88,
                "",
            ]
            + row
        )
    wb.save(folder / "hostile.xlsx")
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        stats = load_source(con, SOURCES["takstbilag"], tmp_path / "landing", "run-1")
        assert stats.rows_loaded == 2
        # The workbook reader reads a header cell's line break and tab as a blank, as Excel shows it.
        shown = [" ".join(h.split()) if "\n" in h or "\t" in h else h for h in headers]
        check_no_sql_ran(con, tmp_path, "takstbilag", shown, values)


def test_hostile_ledger_headers_land_in_ekstra_and_run_nothing(tmp_path):
    headers = hostile_headers(tmp_path / "pwn.csv")
    folder = tmp_path / "landing" / "posteringer"
    folder.mkdir(parents=True)
    contract = [f.header for f in SOURCES["posteringer"].fields]
    row = "851;D1;15-01-2024;5.38.50;1;4.9;1.010,65;9951;40007919;B-004001;01-01-2024;28-01-2024;;Ophold"
    values = [[f"p-{j}" for j in range(len(headers))]]
    text = ";".join(contract + [csv_cell(h) for h in headers]) + "\n" + row + ";" + ";".join(values[0]) + "\n"
    (folder / "851_2024.csv").write_text(text, encoding="utf-8")
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        stats = load_source(con, SOURCES["posteringer"], tmp_path / "landing", "run-1")
        assert stats.rows_loaded == 1
        check_no_sql_ran(con, tmp_path, "posteringer", headers, values)
        assert con.execute("select beloeb::varchar from raw.posteringer").fetchone() == ("1010.65",)


def test_a_build_db_with_extra_columns_named_from_headers_moves_them_to_ekstra(tmp_path):
    """A build DB of the old loader has `alter table … add column "<header>"` columns: they go,
    and every file is read again into `ekstra`."""
    folder = tmp_path / "landing" / "belaegning"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(
        "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn;Bemærkning\n1001;2024-01;10;10;300;ok\n"
    )
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        load_source(con, SOURCES["belaegning"], tmp_path / "landing", "run-1")
        con.execute("alter table raw.belaegning drop column ekstra")
        con.execute("alter table raw.belaegning add column bemaerkning varchar")
        said = []
        stats = load_source(con, SOURCES["belaegning"], tmp_path / "landing", "run-2", log=said.append)
        assert stats.files_loaded == ["belaegning/a.csv"]
        assert said[0] == "belaegning: raw.belaegning manglede kolonnen ekstra: alle filer læses igen"
        assert "bemaerkning" not in {r[0] for r in con.execute("describe raw.belaegning").fetchall()}
        assert con.execute("select ekstra['Bemærkning'] from raw.belaegning").fetchall() == [("ok",)]


@pytest.mark.parametrize(
    ("name", "quoted"),
    [('a"b', '"a""b"'), ('x"; drop table t; --', '"x""; drop table t; --"'), ("ø", '"ø"'), ("", '""')],
)
def test_ident_doubles_every_quote(name, quoted):
    assert ident(name) == quoted
    with duckdb.connect() as con:  # DuckDB reads it back as the one name
        con.execute(f"create table {ident(name or 'e')} (v int)")
        assert con.execute("select table_name from duckdb_tables()").fetchone() == (name or "e",)


def test_literal_doubles_every_apostrophe_and_refuses_nul():
    assert literal("/tmp/it's.duckdb") == "'/tmp/it''s.duckdb'"
    with duckdb.connect() as con:
        assert con.execute(f"select {literal(chr(39) + '; select 1; --')}").fetchone() == ("'; select 1; --",)
    with pytest.raises(ValueError):
        literal("a\0b")
    with pytest.raises(ValueError):
        ident("a\0b")


def test_case_bugs2_14_quote_in_an_extra_header_loads_12_months_and_keeps_the_column(tmp_path):
    case = CASES / "14_quote_in_extra_header" / "belaegning" / "citat_i_overskrift.csv"
    folder = tmp_path / "landing" / "belaegning"
    folder.mkdir(parents=True)
    shutil.copy(case, folder / case.name)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        stats = load_source(con, SOURCES["belaegning"], tmp_path / "landing", "run-1")
        assert (stats.rows_loaded, stats.rows_rejected) == (12, 0)
        assert con.execute(
            """select count(distinct maaned), count(*) filter (where ekstra['Bemærkning "intern"'] is not null),
                      map_keys(any_value(ekstra)) from raw.belaegning"""
        ).fetchone() == (12, 12, ['Bemærkning "intern"'])
        assert con.execute(
            "select ekstra['Bemærkning \"intern\"'] from raw.belaegning order by maaned limit 1"
        ).fetchone() == ("ok",)


def test_hostile_statbank_headers_land_in_ekstra_and_run_nothing(tmp_path, sample_landing):
    headers = hostile_headers(tmp_path / "pwn.csv")
    sample = sample_landing[0] / "befolkning" / "FOLK1AM_2022-2024.csv"
    lines = sample.read_text(encoding="utf-8-sig").splitlines()
    folder = tmp_path / "landing" / "befolkning"
    folder.mkdir(parents=True)
    text = [lines[0] + ";" + ";".join(csv_cell(h) for h in headers)]
    text += [line + ";" + ";".join(f"s{j}" for j in range(len(headers))) for line in lines[1:]]
    (folder / "hostile.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        stats = load_source(con, SOURCES["befolkning"], tmp_path / "landing", "run-1")
        assert stats.rows_loaded > 0
        from_file = con.execute(f"select count(*) from raw.befolkning where {EXTRAS} is not null").fetchone()[
            0
        ]  # totals the reader derives have no cell of the file, so no extras
        values = [[f"s{j}" for j in range(len(headers))]] * from_file
        assert not (tmp_path / "pwn.csv").exists()
        assert tables(con) == intended_tables("befolkning")
        got = con.execute(
            f"select map_keys({EXTRAS}), map_values({EXTRAS}) from raw.befolkning where {EXTRAS} is not null"
        ).fetchall()
        assert got == [(headers, row) for row in values]
        # every row read from the file has them: only totals the reader derives have none
        assert con.execute(f"select count(*) from raw.befolkning where {DERIVED} is null").fetchone() == (from_file,)
        assert (
            from_file
            == stats.rows_loaded
            - con.execute(f"select count(*) from raw.befolkning where {DERIVED} is not null").fetchone()[0]
        )
