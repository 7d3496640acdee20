"""The raw loader's three steps (warehouse/raw_loader.py): plan reads only the ledger, read
touches no database, write hands every frame to DuckDB explicitly, never by a Python variable's
name, and holds no file's rows beyond its insert — and the names of the
bookkeeping tables (docs/orchestration.md, "Names of the bookkeeping")."""

from decimal import Decimal
from types import SimpleNamespace

import duckdb
import polars as pl
import pytest

from ingest.sources import SOURCES
from warehouse.raw_loader import (
    ContractErrors,
    Partitions,
    ensure_raw_tables,
    ensure_schema,
    load_source,
    plan_load,
    read_planned,
    write_load,
)

HEADER = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n"
BELAEGNING = SOURCES["belaegning"]
MARCH = Partitions(start="2024-03", end="2024-03", first="2019-01", last="2026-11")


@pytest.fixture
def landing(tmp_path):
    folder = tmp_path / "landing" / "belaegning"
    folder.mkdir(parents=True)
    # One unreadable value among more than 100 rows: quarantined, not a contract error (> 1 %).
    filler = "".join(f"{2000 + i};2024-03;1;1;1\n" for i in range(150))
    (folder / "a.csv").write_text(
        HEADER + "1001;2024-03;10;10;300\n1002;2024-03;8;8;24O\n1001;2024-04;10;10;290\n" + filler
    )
    (folder / "b.csv").write_text(HEADER + "1003;2024-03;5;5;140\n")
    return tmp_path / "landing"


def no_name_lookup(db: str = ":memory:") -> duckdb.DuckDBPyConnection:
    # DuckDB would otherwise resolve an unknown table name to a Python variable of that name.
    con = duckdb.connect(db)
    con.execute("set python_enable_replacements = false")
    return con


def test_every_frame_reaches_duckdb_explicitly_never_by_name_lookup(landing):
    con = no_name_lookup()
    ensure_raw_tables(con)
    assert con.execute("select count(*) from raw.posteringer").fetchone() == (0,)
    stats = load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    assert (stats.files_loaded, stats.rows_loaded, stats.rows_rejected) == (
        ["belaegning/a.csv", "belaegning/b.csv"],
        152,
        1,
    )
    assert con.execute(
        "select _source_file, _source_line, belagte_doegn, _partition from raw.belaegning "
        "where tilbudsnr < 2000 order by all"
    ).fetchall() == [("belaegning/a.csv", 2, 300, "2024-03"), ("belaegning/b.csv", 2, 140, "2024-03")]
    assert con.execute(
        "select kildefil, kildelinje, kolonne, raavaerdi from quarantine.afviste_raekker"
    ).fetchall() == [("belaegning/a.csv", 3, "Belagte døgn", "24O")]
    assert con.execute("select file, period, rows from meta.file_periods order by all").fetchall() == [
        ("belaegning/a.csv", "2024-03", 151),
        ("belaegning/a.csv", "2024-04", 1),
        ("belaegning/b.csv", "2024-03", 1),
    ]
    (landing / "belaegning" / "b.csv").unlink()  # the delete step's frames, too
    stats = load_source(con, BELAEGNING, landing, "run-2", partitions=MARCH)
    assert (stats.files_removed, stats.files_skipped) == (["belaegning/b.csv"], 1)
    assert con.execute("select count(*), sum(belagte_doegn) from raw.belaegning").fetchone() == (151, 450)
    # Nothing registered outlives the load.
    assert con.execute("select count(*) from duckdb_views() where temporary and not internal").fetchone() == (0,)


def test_plan_reads_the_ledger_read_touches_no_database_write_records_it(landing, tmp_path):
    db = str(tmp_path / "build.duckdb")
    con = no_name_lookup(db)
    load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    (landing / "belaegning" / "b.csv").write_text(HEADER + "1003;2024-03;5;5;150\n")  # corrected
    plan = plan_load(con, BELAEGNING, landing, MARCH)
    assert ([f.rel for f in plan.to_read], plan.skipped, plan.removed) == (["belaegning/b.csv"], 1, [])
    assert plan.loaded == [
        ("belaegning/a.csv", "2024-03", plan.files["belaegning/a.csv"].sha256),
        (
            "belaegning/b.csv",
            "2024-03",
            con.execute("select sha256 from meta.loaded_files where file = 'belaegning/b.csv'").fetchone()[0],
        ),
    ]
    con.close()
    read = list(read_planned(plan, landing, "run-2"))  # the connection is closed: reading needs none
    assert [(r.file.rel, r.rows["belagte_doegn"].to_list()) for r in read] == [("belaegning/b.csv", [150])]
    con = no_name_lookup(db)
    stats = write_load(con, plan, read, "run-2")
    assert (stats.files_seen, stats.files_loaded, stats.files_skipped, stats.rows_loaded) == (
        2,
        ["belaegning/b.csv"],
        1,
        1,
    )
    assert con.execute("select file, partition, rows, load_id from meta.loaded_partitions order by all").fetchall() == [
        ("belaegning/a.csv", "2024-03", 151, "run-1"),
        ("belaegning/b.csv", "2024-03", 1, "run-2"),
    ]
    assert con.execute("select belagte_doegn, _load_id from raw.belaegning where tilbudsnr = 1003").fetchall() == [
        (150, "run-2")
    ]


def test_a_broken_file_stops_the_read_before_anything_is_written(landing):
    con = no_name_lookup()
    load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    before = con.execute("select * from raw.belaegning order by all").fetchall()
    (landing / "belaegning" / "a.csv").write_text("Tilbudsnr;Måned\n1001;2024-03\n")  # required columns missing
    (landing / "belaegning" / "c.csv").write_bytes(b"")
    with pytest.raises(ContractErrors) as caught:
        load_source(con, BELAEGNING, landing, "run-2", partitions=MARCH)
    assert sorted(e.file for e in caught.value.errors) == ["belaegning/a.csv", "belaegning/c.csv"]
    assert con.execute("select * from raw.belaegning order by all").fetchall() == before
    assert con.execute("select count(*), min(load_id) from meta.loaded_files").fetchone() == (2, "run-1")


def snapshot(con) -> dict[str, list]:
    tables = ["raw.belaegning", *BOOKKEEPING]
    return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}


def test_a_broken_file_after_written_ones_rolls_the_whole_load_back(landing):
    """Files are written one by one as they are parsed, so a broken file late in the plan finds
    earlier files already inserted (and a changed file's old rows deleted) in the transaction:
    the rollback must undo all of it, bookkeeping included."""
    con = no_name_lookup()
    load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    before = snapshot(con)
    (landing / "belaegning" / "a.csv").write_text(HEADER + "1001;2024-03;10;10;301\n")  # changed: re-read first
    (landing / "belaegning" / "m.csv").write_text(HEADER + "1004;2024-03;4;4;100\n")  # new, written second
    (landing / "belaegning" / "z.csv").write_text("Tilbudsnr;Måned\n1005;2024-03\n")  # broken, last
    plan = plan_load(con, BELAEGNING, landing, MARCH)
    assert [f.rel for f in plan.to_read] == ["belaegning/a.csv", "belaegning/m.csv", "belaegning/z.csv"]
    with pytest.raises(ContractErrors) as caught:
        load_source(con, BELAEGNING, landing, "run-2", partitions=MARCH)
    assert [e.file for e in caught.value.errors] == ["belaegning/z.csv"]
    assert snapshot(con) == before
    assert con.execute("select belagte_doegn from raw.belaegning where tilbudsnr = 1001").fetchall() == [(300,)]


def test_each_file_is_written_before_the_next_is_parsed(landing):
    """The memory bound of a national load (one file's rows, not 20 M postings): `write_load`
    consumes `read_planned` lazily, inside its one transaction."""
    (landing / "belaegning" / "c.csv").write_text(HEADER + "1006;2024-03;2;2;60\n")
    con = no_name_lookup()
    ensure_raw_tables(con)
    plan = plan_load(con, BELAEGNING, landing, MARCH)
    in_db_when_parsed = []

    def watched():
        for parsed in read_planned(plan, landing, "run-1"):
            in_db_when_parsed.append(
                con.execute("select count(*) from raw.belaegning where _load_id = 'run-1'").fetchone()[0]
            )
            yield parsed

    stats = write_load(con, plan, watched(), "run-1")
    assert stats.files_loaded == ["belaegning/a.csv", "belaegning/b.csv", "belaegning/c.csv"]
    assert in_db_when_parsed == [0, 151, 152]  # a.csv's 151 March rows, then b.csv's one
    assert con.execute("select count(*), sum(belagte_doegn) from raw.belaegning").fetchone() == (
        153,
        300 + 150 + 140 + 60,
    )


def test_the_load_holds_no_file_s_rows_after_inserting_them(landing, monkeypatch):
    """A national ledger load is 1 020 files in one transaction: a file's rows handed to DuckDB
    must be freed once inserted. A view registered and dropped inside the transaction kept its
    frame alive until commit — every file's rows at once, +4,4 GB for 20 M postings."""
    import gc
    import weakref

    (landing / "belaegning" / "c.csv").write_text(HEADER + "1006;2024-03;2;2;60\n")
    handed = []  # every Arrow table made of a frame, by us or by DuckDB's registration
    to_arrow = pl.DataFrame.to_arrow

    def recorded(frame, *args, **kwargs):
        table = to_arrow(frame, *args, **kwargs)
        handed.append(weakref.ref(table))
        return table

    monkeypatch.setattr(pl.DataFrame, "to_arrow", recorded)
    con = no_name_lookup()
    ensure_raw_tables(con)
    plan = plan_load(con, BELAEGNING, landing, MARCH)
    alive_when_parsed, first_insert = [], None

    def watched():
        nonlocal first_insert
        for parsed in read_planned(plan, landing, "run-1"):
            gc.collect()
            # what the inserts of the files before made (the delete step's frames come before)
            inserted = handed[first_insert:] if first_insert is not None else []
            alive_when_parsed.append((len(inserted), sum(ref() is not None for ref in inserted)))
            first_insert = len(handed) if first_insert is None else first_insert
            yield parsed

    stats = write_load(con, plan, watched(), "run-1")
    assert stats.rows_loaded == 153
    # (tables the inserts before made: one per file, so the check watched them; alive of them)
    assert alive_when_parsed == [(0, 0), (1, 0), (2, 0)]
    assert con.execute("select count(*), sum(belagte_doegn) from raw.belaegning").fetchone() == (
        153,
        300 + 150 + 140 + 60,
    )


def test_write_load_refuses_files_other_than_the_plan(landing):
    con = no_name_lookup()
    ensure_raw_tables(con)
    plan = plan_load(con, BELAEGNING, landing, MARCH)
    only_a = [r for r in read_planned(plan, landing, "run-1") if r.file.rel == "belaegning/a.csv"]
    with pytest.raises(ValueError, match="not the files planned"):
        write_load(con, plan, only_a, "run-1")
    assert con.execute("select count(*) from raw.belaegning").fetchone() == (0,)
    assert con.execute("select count(*) from meta.loaded_files").fetchone() == (0,)


# The choice of issue 12: the pipeline's own ledger is English; tables whose rows the cockpit
# shows keep the contract's Danish column names (cockpit.afviste_raekker, cockpit.datakvalitet).
BOOKKEEPING = {
    "meta.loaded_files": [
        "source",
        "file",
        "sha256",
        "load_id",
        "loaded_at",
        "rows_loaded",
        "rows_rejected",
        "reader",
    ],
    "meta.file_periods": ["source", "file", "sha256", "period", "rows"],
    "meta.loaded_partitions": ["source", "file", "partition", "sha256", "rows", "load_id", "loaded_at", "reader"],
    "quarantine.afviste_raekker": ["kilde", "kildefil", "kildelinje", "kolonne", "raavaerdi", "aarsag", "load_id"],
    "quarantine.cpr_fund": ["kilde", "kildefil", "kildelinje", "kolonne", "maskeret_vaerdi", "load_id"],
    "quarantine.fund": ["kilde", "kildefil", "fund", "load_id", "kommunenr", "aar"],
    "meta.removed_files": ["source", "file", "load_id", "removed_at"],
    "meta.file_digests": [
        "source",
        "path",
        "size",
        "mtime_ns",
        "ctime_ns",
        "inode",
        "device",
        "sha256",
        "hashed_at_ns",
    ],
}


def test_bookkeeping_tables_and_columns():
    con = duckdb.connect()
    ensure_schema(con)
    tables = con.execute("""select schema_name || '.' || table_name, list(column_name order by column_index)
                            from duckdb_columns() where schema_name in ('meta', 'quarantine') group by 1""").fetchall()
    assert dict(tables) == BOOKKEEPING


def test_a_build_db_with_the_danish_period_column_is_migrated(tmp_path):
    db = tmp_path / "build.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema meta")
        con.execute(
            "create table meta.file_periods (source varchar, file varchar, sha256 varchar, periode varchar, "
            "rows bigint)"
        )
        con.execute("insert into meta.file_periods values ('belaegning', 'belaegning/a.csv', 'x', '2024-03', 2)")
    with duckdb.connect(str(db)) as con:
        ensure_schema(con)
        ensure_schema(con)  # and again: nothing left to rename
        assert con.execute("select period, rows from meta.file_periods").fetchall() == [("2024-03", 2)]


def test_a_build_db_with_the_english_quarantine_table_is_migrated(tmp_path):
    db = tmp_path / "build.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema quarantine")
        con.execute(
            "create table quarantine.rejected_rows (kilde varchar, kildefil varchar, kildelinje bigint, "
            "kolonne varchar, raavaerdi varchar, aarsag varchar, load_id varchar)"
        )
        con.execute(
            "insert into quarantine.rejected_rows values "
            "('belaegning', 'belaegning/a.csv', 7, 'Belagte døgn', '3O', 'ikke et tal', 'l1')"
        )
    with duckdb.connect(str(db)) as con:
        ensure_schema(con)
        ensure_schema(con)  # and again: nothing left to rename, the kept rows not doubled
        assert con.execute("select kildelinje, raavaerdi from quarantine.afviste_raekker").fetchall() == [(7, "3O")]
        left = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'quarantine' and table_name = 'rejected_rows'"
        ).fetchone()[0]
        assert left == 0


@pytest.mark.parametrize(
    "message, out_of_memory",
    [
        ("Failed to commit: failed to pin block of size 256.0 KiB (4.0 GiB/4.0 GiB used)", True),
        ("Failed to commit: could not allocate block of size 256.0 KiB (4.0 GiB/4.0 GiB used)", True),
        ("failed to allocate data of size 64.0 MiB (4.0 GiB/4.0 GiB used)", True),
        ("failed to resize block from 1.0 MiB to 2.0 MiB (4.0 GiB/4.0 GiB used)", True),
        ("Failed to commit: PRIMARY KEY or UNIQUE constraint violated", False),
    ],
)
def test_a_commit_out_of_memory_is_told_apart_from_other_commit_errors(message, out_of_memory):
    from warehouse.raw_loader import _OUT_OF_MEMORY

    assert bool(_OUT_OF_MEMORY.search(message)) is out_of_memory


def test_a_build_db_of_an_older_reader_is_read_again_and_gets_the_new_columns(landing, tmp_path):
    """Found on this project's own build DB: after an upgrade whose reader added a column
    (`afledt`), the unchanged files were skipped by their SHA-256, raw kept rows without the
    column and every dbt model on it failed. The ledger now records the reader's version."""
    db = str(tmp_path / "build.duckdb")
    con = no_name_lookup(db)
    load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    march = "from raw.belaegning where _partition = '2024-03' order by all"  # a reader change reads all months
    fresh = con.execute(f"select tilbudsnr, pladser_i_drift, _source_line {march}").fetchall()
    # The build DB as an older version left it: no reader in the ledger, a column raw lacks.
    con.execute("alter table raw.belaegning drop column pladser_i_drift")
    for table in ("meta.loaded_files", "meta.loaded_partitions"):
        con.execute(f"alter table {table} drop column reader")
    said = []
    stats = load_source(con, BELAEGNING, landing, "run-2", partitions=MARCH, log=said.append)
    assert (sorted(stats.files_loaded), stats.files_skipped) == (["belaegning/a.csv", "belaegning/b.csv"], 0)
    assert said[0] == "belaegning: raw.belaegning manglede kolonnen pladser_i_drift: alle filer læses igen"
    assert con.execute(f"select tilbudsnr, pladser_i_drift, _source_line {march}").fetchall() == fresh
    assert con.execute("select count(*), count(distinct _load_id) from raw.belaegning").fetchone() == (153, 1)
    again = load_source(con, BELAEGNING, landing, "run-3", partitions=MARCH)
    assert (again.files_loaded, again.files_skipped) == ([], 2)


def test_a_new_reader_version_reads_unchanged_files_again(landing, monkeypatch):
    con = no_name_lookup()
    load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    march = "from raw.belaegning where _partition = '2024-03' order by all"  # a reader change reads all months
    before = con.execute(f"select * exclude (_load_id, _loaded_at) {march}").fetchall()
    monkeypatch.setattr("warehouse.raw_loader.reader_version", lambda _source, _landing: "another-version")
    plan = plan_load(con, BELAEGNING, landing, MARCH)
    assert ([f.rel for f in plan.to_read], plan.skipped, plan.other_reader) == (
        ["belaegning/a.csv", "belaegning/b.csv"],
        0,
        2,
    )
    load_source(con, BELAEGNING, landing, "run-2", partitions=MARCH)
    after = con.execute(f"select * exclude (_load_id, _loaded_at) {march}").fetchall()
    assert after == before and len(after) == 152
    assert con.execute("select distinct _load_id from raw.belaegning").fetchall() == [("run-2",)]
    readers = con.execute(
        "select distinct reader from meta.loaded_files union all select distinct reader from meta.loaded_partitions"
    ).fetchall()
    assert readers == [("another-version",), ("another-version",)]
    assert plan_load(con, BELAEGNING, landing, MARCH).to_read == []


def test_the_reader_version_follows_a_stewards_mapping_of_the_ledger(tmp_path):
    from ingest.sources import reader_version

    ledger, occupancy = SOURCES["posteringer"], SOURCES["belaegning"]
    (tmp_path / "posteringer").mkdir()
    plain = reader_version(ledger, tmp_path)
    assert len(plain) == 16 and plain != reader_version(occupancy, tmp_path)
    mapping = tmp_path / "posteringer" / "eget-system.yaml"
    mapping.write_text("name: eget-system\n")
    first = reader_version(ledger, tmp_path)
    mapping.write_text("name: eget-system\nfiles: ['851_*.csv']\n")
    assert len({plain, first, reader_version(ledger, tmp_path)}) == 3
    (tmp_path / "belaegning").mkdir()
    (tmp_path / "belaegning" / "noter.yaml").write_text("x: 1\n")  # only the ledger reads mappings
    assert reader_version(occupancy, tmp_path) == reader_version(occupancy, tmp_path / "posteringer")


def test_a_corrected_file_and_a_file_with_a_new_extra_column_load_together(landing):
    """DuckDB refuses to commit a transaction that altered a table after deleting from it; a
    corrected file (its old rows deleted) beside a file with an unknown extra column stopped
    the whole load with "another transaction has altered this table". An unknown column is now
    data in `ekstra` (issue 24), so the load alters nothing and runs once."""
    con = no_name_lookup()
    load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    (landing / "belaegning" / "b.csv").write_text(HEADER + "1003;2024-03;5;5;150\n")  # corrected
    (landing / "belaegning" / "c.csv").write_text(HEADER.rstrip("\n") + ";Bemærkning\n1004;2024-03;4;4;100;ny\n")
    said = []
    stats = load_source(con, BELAEGNING, landing, "run-2", partitions=MARCH, log=said.append)
    assert (sorted(stats.files_loaded), stats.files_skipped) == (["belaegning/b.csv", "belaegning/c.csv"], 1)
    assert not any("nye kolonner" in line for line in said)
    assert con.execute(
        "select tilbudsnr, belagte_doegn, ekstra['Bemærkning'], _load_id from raw.belaegning"
        " where tilbudsnr < 2000 order by 1"
    ).fetchall() == [(1001, 300, None, "run-1"), (1003, 150, None, "run-2"), (1004, 100, "ny", "run-2")]
    assert con.execute("select count(*) from raw.belaegning").fetchone() == (153,)


def test_a_raw_table_that_lost_a_contract_column_is_loaded_again_from_its_files(landing):
    con = no_name_lookup()
    load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    march = "from raw.belaegning where _partition = '2024-03' order by all"  # a reader change reads all months
    fresh = con.execute(f"select tilbudsnr, normerede_pladser {march}").fetchall()
    con.execute("alter table raw.belaegning drop column normerede_pladser")  # by hand, reader unchanged
    said = []
    stats = load_source(con, BELAEGNING, landing, "run-2", partitions=MARCH, log=said.append)
    assert (len(stats.files_loaded), stats.files_skipped) == (2, 0)
    assert said[0] == "belaegning: raw.belaegning manglede kolonnen normerede_pladser: alle filer læses igen"
    assert con.execute(f"select tilbudsnr, normerede_pladser {march}").fetchall() == fresh


def test_a_new_reader_version_reads_every_partition_of_a_file_again_not_only_the_range(landing, monkeypatch):
    """A file's rows come from one reader version: a range of one month would leave the file's
    other months as the old reader read them, with the ledger saying the new one did."""
    con = no_name_lookup()
    april = Partitions(start="2024-04", end="2024-04", first="2019-01", last="2026-11")
    load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    load_source(con, BELAEGNING, landing, "run-1", partitions=april)
    monkeypatch.setattr("warehouse.raw_loader.reader_version", lambda _source, _landing: "another-version")
    said = []
    load_source(con, BELAEGNING, landing, "run-2", partitions=april, log=said.append)
    assert "belaegning: alle partitioner læses igen, ikke kun 2024-04…2024-04" in said
    assert con.execute(
        "select _partition, count(*), min(_load_id) from raw.belaegning group by 1 order by 1"
    ).fetchall() == [("2024-03", 152, "run-2"), ("2024-04", 1, "run-2")]
    assert con.execute("select distinct reader from meta.loaded_partitions").fetchall() == [("another-version",)]


def _rate_workbook(path, rows: list[tuple[int, str, float]]) -> None:
    """A rate appendix (sheet `Takster`, a title above the header) with one row per
    (tilbudsnr, ydelse, døgntakst as Excel stores it)."""
    from openpyxl import Workbook

    from sampledata.contract import TAKSTBILAG_HEADER

    book = Workbook()
    sheet = book.active
    sheet.title = "Takster"
    sheet["A1"] = "Takstbilag 2024"
    sheet.append([])
    sheet.append(TAKSTBILAG_HEADER)
    for nr, ydelse, doegntakst in rows:
        sheet.append([2024, nr, "Bostedet", "Kærlund ApS", "SEL § 108", ydelse, 2, 365, 0.95, 694, 618526, doegntakst])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


@pytest.mark.parametrize("kept", [True, False], ids=["kept", "over-the-row-budget"])
def test_a_load_that_meets_a_readers_new_column_parses_each_file_once(tmp_path, monkeypatch, kept):
    """A rate cell that holds more decimals than øre gives the reader's own column
    `doegntakst_cellevaerdi`, which an empty build DB lacks: the load adds it and starts over.
    The restart writes the files the first pass parsed instead of parsing them again, unless
    they hold more rows than it keeps; either way raw holds the same rows."""
    from warehouse import raw_loader

    if not kept:
        monkeypatch.setattr(raw_loader, "KEEP_PARSED_ROWS", 2)
    folder = tmp_path / "takstbilag"
    _rate_workbook(folder / "a.xlsx", [(9001, "Døgn", 891.89)])
    _rate_workbook(folder / "b.xlsx", [(9002, "Døgn", 891.8904109589041)])
    _rate_workbook(folder / "c.xlsx", [(9003, "Døgn", 1352.04), (9003, "Aflastning", 650.5)])
    con = no_name_lookup()
    said = []
    stats = load_source(con, SOURCES["takstbilag"], tmp_path, "run-1", log=said.append)
    parsed = sorted(line.split(":")[1].strip() for line in said if " rækker, " in line)
    files = ["takstbilag/a.xlsx", "takstbilag/b.xlsx", "takstbilag/c.xlsx"]
    assert parsed == (files if kept else sorted(files * 2))
    assert [line for line in said if "nye kolonner" in line] == [
        "takstbilag: nye kolonner (doegntakst_cellevaerdi) tilføjet raw.takstbilag; indlæsningen begynder forfra"
    ]
    assert (sorted(stats.files_loaded), stats.rows_loaded) == (files, 4)
    assert con.execute(
        "select _source_file, _source_line, tilbudsnr, ydelse, doegntakst, doegntakst_cellevaerdi from raw.takstbilag order by 1, 2"
    ).fetchall() == [
        ("takstbilag/a.xlsx", 4, 9001, "Døgn", Decimal("891.89"), None),
        ("takstbilag/b.xlsx", 4, 9002, "Døgn", Decimal("891.89"), "891.8904109589041"),
        ("takstbilag/c.xlsx", 4, 9003, "Døgn", Decimal("1352.04"), None),
        ("takstbilag/c.xlsx", 5, 9003, "Aflastning", Decimal("650.50"), None),
    ]


def _parsed_file(parsed: int, in_range: int) -> SimpleNamespace:
    """A `ParsedFile` as `_KeptReads` sees it: `parsed` rows read, `in_range` of them to write."""
    rows = pl.DataFrame({"x": list(range(parsed))})
    return SimpleNamespace(rows=rows.head(in_range), parsed=SimpleNamespace(rows=rows, rejected=rows.head(0)))


def test_the_kept_files_are_counted_by_every_row_they_hold_not_only_those_of_the_range(landing, monkeypatch):
    """A ranged load into an empty build DB reads every file; a file whose rows all lie outside
    the range writes none of them but would hold all of them if kept."""
    from warehouse import raw_loader
    from warehouse.raw_loader import _KeptReads

    monkeypatch.setattr(raw_loader, "KEEP_PARSED_ROWS", 25)
    con = no_name_lookup()
    ensure_schema(con)
    plan = plan_load(con, BELAEGNING, landing, MARCH)
    within = [_parsed_file(10, 0), _parsed_file(15, 1)]
    kept = _KeptReads(plan, iter(within))
    assert list(kept) == within and kept.replay(plan) == within  # 25 rows held: kept
    over = [_parsed_file(10, 0), _parsed_file(16, 1)]
    kept = _KeptReads(plan, iter(over))
    assert list(kept) == over and kept.replay(plan) is None  # 26: parsed again on a restart


def test_parsed_files_are_replayed_only_for_the_same_plan(landing):
    """A restart whose plan reads another content, another file or another range parses again."""
    from dataclasses import replace

    from warehouse.raw_loader import LandingFile, _KeptReads

    con = no_name_lookup()
    ensure_schema(con)
    plan = plan_load(con, BELAEGNING, landing, MARCH)
    files = [_parsed_file(2, 2) for _ in range(2)]
    kept = _KeptReads(plan, iter(files))
    assert kept.replay(plan) is None  # not read yet
    assert list(kept) == files
    assert kept.replay(plan) == files
    changed = [LandingFile(f.rel, f.path, "0" * 64) if f.rel.endswith("b.csv") else f for f in plan.to_read]
    assert kept.replay(replace(plan, to_read=changed)) is None
    assert kept.replay(replace(plan, to_read=plan.to_read[:1])) is None
    assert kept.replay(replace(plan, partitions=replace(MARCH, end="2024-04"))) is None
    assert kept.replay(replace(plan, reader="another-version")) is None


@pytest.mark.parametrize("batch_rows", [1, 7, 1_000_000])
def test_a_file_s_rows_land_in_its_order_whatever_the_insert_s_batches(landing, monkeypatch, batch_rows):
    # a file's rows reach DuckDB in batches (several threads insert them); with insertion order
    # kept, the table holds them in the file's order, one row per line, as in one batch
    import warehouse.raw_loader as raw_loader

    monkeypatch.setattr(raw_loader, "INSERT_BATCH_ROWS", batch_rows)
    con = duckdb.connect()
    con.execute("set threads = 4")
    load_source(con, BELAEGNING, landing, "run-1", partitions=MARCH)
    rows = con.execute(
        "select _source_file, _source_line, tilbudsnr, belagte_doegn from raw.belaegning order by rowid"
    ).fetchall()
    assert [r[:2] for r in rows] == sorted(r[:2] for r in rows)
    assert len(rows) == len({r[:2] for r in rows}) == 152
    a = [r for r in rows if r[0] == "belaegning/a.csv"]
    assert [r[1:] for r in a[:2]] == [(2, 1001, 300), (5, 2000, 1)]  # line 3 rejected, line 4 of April
    assert [r[1:] for r in a[-2:]] == [(153, 2148, 1), (154, 2149, 1)]
