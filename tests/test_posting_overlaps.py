"""`posting_overlaps` keys only the municipality-years fed by two files or more: the same findings
as keying every posting (the query before that change, kept here as the reference), on postings
with repeats across files, within one file, NULL municipalities and dates, and masked case keys."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import polars as pl
import pytest

from warehouse import raw_loader
from warehouse.raw_loader import OVERLAP, posting_overlaps
from warehouse.sql_names import ident

REFERENCE = """
    with keyed as (
        select kommunenr, year(bogfoeringsdato) as aar, tilbudsnr, borgerreference, periode_fra,
               periode_til, beloeb, list(distinct _source_file order by _source_file) as filer
        from postings
        where borgerreference is not null and borgerreference not like '%XXXXXX-XXXX%'
          and periode_fra is not null and periode_til is not null and beloeb is not null
        group by all
        having count(distinct _source_file) > 1
    ),
    pairs as (select kommunenr, aar, filer[1] as foerste, unnest(filer[2:]) as kopi from keyed)
    select kopi, foerste, kommunenr, aar, count(*) from pairs group by all order by all
"""


def _postings(n: int, seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):  # a test's few thousand made-up postings
        year = rng.choice([2023, 2024, None])
        rows.append(
            {
                "kommunenr": rng.choice(["851", "846", "860", None]),
                "bogfoeringsdato": date(year, rng.randint(1, 12), 1) if year else None,
                "tilbudsnr": rng.choice([9951, 9952, None]),
                "borgerreference": rng.choice(["B-1", "B-2", "B-3", "XXXXXX-XXXX", None]),
                "periode_fra": date(2024, 1, 1),
                "periode_til": rng.choice([date(2024, 1, 28), None]),
                "beloeb": rng.choice([100, 200, None]),
                # three files of 851, one file of 846 and 860 alone, one file for every municipality
                "_source_file": rng.choice(["a.csv", "b.csv", "c.csv", "d.csv"]),
            }
        )
    frame = pl.DataFrame(rows)
    # 860 comes from one file only: no finding can name it, however its postings repeat.
    return frame.with_columns(
        pl.when(pl.col("kommunenr") == "860")
        .then(pl.lit("d.csv"))
        .otherwise(pl.col("_source_file"))
        .alias("_source_file")
    )


def test_the_same_findings_as_keying_every_posting():
    postings = _postings(4000, seed=23)
    with duckdb.connect() as con:
        con.register("postings", postings)
        expected = con.execute(REFERENCE).fetchall()
        found = posting_overlaps(con, ident("postings"))
    assert len(expected) > 10  # the case is not empty: repeats in several municipalities and years
    assert {kommune for _, _, kommune, _, _ in expected} == {"851", "846", None}
    assert len(found) == len(expected)
    assert [copy for copy, *_ in found] == [copy for copy, *_ in expected]
    for (copy, text, kommunenr, year), (kopi, foerste, kommune, aar, n) in zip(found, expected):
        assert (copy, text.split(":")[0], kommunenr, year) == (kopi, f"{OVERLAP}{foerste}", kommune, aar)
        assert f": {n} posteringer med" in text and f"(kommune {kommune}, {aar})" in text


def test_keys_of_the_same_hash_are_told_apart(monkeypatch):
    """Every key given one hash: the findings are still those of the keys themselves."""
    postings = _postings(4000, seed=23)
    with duckdb.connect() as con:
        con.register("postings", postings)
        con.execute("create macro one_hash(a, b, c, d, e, f, g) as 42")
        expected = posting_overlaps(con, ident("postings"))
        monkeypatch.setattr(raw_loader, "KEY_HASH", "one_hash")
        assert posting_overlaps(con, ident("postings")) == expected
        assert posting_overlaps(con, ident("postings"), within=[("851", 2024)]) == [
            f for f in expected if f[2:] == ("851", 2024)
        ]
    assert len(expected) > 10


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_within_municipality_years_the_same_findings_as_for_all_of_them(seed, monkeypatch):
    postings = _postings(3000, seed=seed)
    rng = random.Random(seed)
    keys = [(k, y) for k in ["851", "846", "860", None] for y in [2023, 2024, None]]
    chosen = rng.sample(keys, 5)
    with duckdb.connect() as con:
        con.register("postings", postings)
        every = posting_overlaps(con, ident("postings"))
        within = posting_overlaps(con, ident("postings"), within=chosen)
        assert posting_overlaps(con, ident("postings"), within=[]) == []
        monkeypatch.setattr(raw_loader, "SCOPE_MAX", 2)  # more pairs than a filter takes: all, kept to the scope
        assert posting_overlaps(con, ident("postings"), within=chosen) == within
    assert within == [f for f in every if (f[2], f[3]) in set(chosen)]  # NULL municipality or year included
    assert len(within) > 0 and len(within) < len(every)


def test_a_municipality_year_of_one_file_has_no_finding():
    postings = _postings(2000, seed=7).with_columns(pl.lit("a.csv").alias("_source_file"))
    with duckdb.connect() as con:
        con.register("postings", postings)
        assert con.execute(REFERENCE).fetchall() == []
        assert posting_overlaps(con, ident("postings")) == []


LEDGER_HEADER = (
    "Kommunenr;Bilagsnr;Bogføringsdato;Funktion;Dranst;Art;Beløb;Tilbudsnr;Leverandør CVR;"
    "Borgerreference;Periode fra;Periode til;Antal døgn;Tekst\n"
)


def _ledger_file(path, rng: random.Random, kommuner: list[str], years: list[int], n: int) -> None:
    """A ledger file of `n` postings over `kommuner` and `years`, drawn from few enough keys that
    files of the same municipality and year repeat postings."""
    lines = []
    for i in range(n):
        kommune, year, m = rng.choice(kommuner), rng.choice(years), rng.randint(1, 3)
        amount = rng.choice(["100,00", "200,00"])
        lines.append(
            f"{kommune};{path.stem}-{i};15-0{m}-{year};5.38.50;1;4.9;{amount};9951;40007919;"
            f"B-00{rng.randint(1, 3)};01-0{m}-{year};28-0{m}-{year};;x\n"
        )
    path.write_text(LEDGER_HEADER + "".join(lines))


def _findings(con) -> list[tuple]:
    return con.execute(
        """select kildefil, fund, kommunenr, aar from quarantine.fund
                          where kilde = 'posteringer' and starts_with(fund, ?) order by all""",
        [OVERLAP],
    ).fetchall()


def _all_of_them(con) -> list[tuple]:
    return sorted(posting_overlaps(con, "raw.posteringer"))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_loads_that_add_change_and_remove_files_keep_the_findings_of_every_municipality_year(tmp_path, seed):
    """A load computes the overlaps again only for the municipality-years its files' postings
    leave or enter; after every load, the findings are those of all postings computed afresh."""
    from ingest.sources import POSTERINGER
    from warehouse.raw_loader import RemovalPolicy, load_source

    rng = random.Random(seed)
    folder = tmp_path / "landing" / "posteringer"
    folder.mkdir(parents=True)
    kommuner, years = ["851", "846", "860", "773"], [2023, 2024]
    names = [f"f{i}.csv" for i in range(6)]
    with duckdb.connect() as con:
        for step in range(8):
            for name in rng.sample(names, rng.randint(1, 2)):  # add or change one or two files
                _ledger_file(folder / name, rng, rng.sample(kommuner, rng.randint(1, 2)), rng.sample(years, 1), 12)
            if step % 3 == 2:
                present = sorted(folder.glob("*.csv"))
                if len(present) > 2:
                    rng.choice(present).unlink()
            load_source(con, POSTERINGER, tmp_path / "landing", f"run-{step}", removal=RemovalPolicy(allowed=True))
            assert _findings(con) == _all_of_them(con)
        assert len(_findings(con)) > 0  # the sequence made repeats across files


def test_a_build_db_from_before_keyed_findings_has_them_keyed(tmp_path):
    from ingest.sources import POSTERINGER
    from warehouse.raw_loader import ensure_schema, load_source

    rng = random.Random(5)
    folder = tmp_path / "landing" / "posteringer"
    folder.mkdir(parents=True)
    for name, kommune in [("a.csv", "851"), ("b.csv", "851"), ("c.csv", "846"), ("d.csv", "846")]:
        _ledger_file(folder / name, rng, [kommune], [2024], 12)
    db = tmp_path / "build.duckdb"
    with duckdb.connect(str(db)) as con:
        load_source(con, POSTERINGER, tmp_path / "landing", "run-1")
        expected = _findings(con)
        assert {(k, y) for *_, k, y in expected} == {("851", 2024), ("846", 2024)}
        # as a build DB made before: the findings without their municipality-year
        con.execute("alter table quarantine.fund drop column kommunenr")
        con.execute("alter table quarantine.fund drop column aar")
    with duckdb.connect(str(db)) as con:
        ensure_schema(con)
        ensure_schema(con)  # and again: nothing left to do
        assert _findings(con) == expected
        _ledger_file(folder / "d.csv", rng, ["846"], [2024], 12)  # 846 changes; 851's findings stand
        load_source(con, POSTERINGER, tmp_path / "landing", "run-2")
        assert _findings(con) == _all_of_them(con)
        assert [f for f in _findings(con) if f[2] == "851"] == [f for f in expected if f[2] == "851"]


def _posting(kommune: str, voucher: str, year: int) -> str:
    return f"{kommune};{voucher};15-01-{year};5.38.50;1;4.9;100,00;9951;40007919;B-001;01-01-{year};28-01-{year};;x\n"


def test_a_partition_s_rows_that_go_without_their_file_being_read_take_their_findings_along(tmp_path):
    """A yearly load deletes the rows of a changed file's partitions in its range without reading
    the file when the file holds no rows of the range any more: the municipality-year those rows
    leave is computed again too (found by review: the finding of 851/2023 stayed)."""
    from ingest.sources import POSTERINGER
    from warehouse.raw_loader import Partitions, load_source

    def years(start: str, end: str) -> Partitions:
        return Partitions(start=start, end=end, first="2023", last="2024")

    landing = tmp_path / "landing"
    folder = landing / "posteringer"
    folder.mkdir(parents=True)
    (folder / "f.csv").write_text(LEDGER_HEADER + _posting("851", "f1", 2023) + _posting("851", "f2", 2024))
    (folder / "g.csv").write_text(LEDGER_HEADER + _posting("851", "g1", 2023))
    with duckdb.connect() as con:
        load_source(con, POSTERINGER, landing, "run-1", partitions=years("2023", "2024"))
        assert [(f[0], f[2], f[3]) for f in _findings(con)] == [("posteringer/g.csv", "851", 2023)]
        (folder / "f.csv").write_text(LEDGER_HEADER + _posting("851", "f2", 2024))  # no 2023 any more
        load_source(con, POSTERINGER, landing, "run-2", partitions=years("2024", "2024"))
        assert _findings(con) == _all_of_them(con)
        (folder / "h.csv").write_text(LEDGER_HEADER + _posting("846", "h1", 2023))  # and a new file of 2023
        load_source(con, POSTERINGER, landing, "run-3", partitions=years("2023", "2023"))
        assert con.execute(
            "select distinct _source_file from raw.posteringer where kommunenr = '851' and year(bogfoeringsdato) = 2023"
        ).fetchall() == [("posteringer/g.csv",)]
        assert _findings(con) == _all_of_them(con) == []


def test_findings_left_without_their_municipality_year_are_all_computed_again(tmp_path):
    """A keying of an old build DB that was interrupted leaves findings without municipality-year,
    which no scoped load would replace: while there are any, a load computes every one again."""
    from ingest.sources import POSTERINGER
    from warehouse.raw_loader import load_source

    rng = random.Random(9)
    landing = tmp_path / "landing"
    folder = landing / "posteringer"
    folder.mkdir(parents=True)
    for name, kommune in [("a.csv", "851"), ("b.csv", "851"), ("c.csv", "846"), ("d.csv", "846")]:
        _ledger_file(folder / name, rng, [kommune], [2024], 12)
    with duckdb.connect() as con:
        load_source(con, POSTERINGER, landing, "run-1")
        assert {f[2] for f in _findings(con)} == {"851", "846"}
        con.execute("update quarantine.fund set kommunenr = null, aar = null")
        (folder / "a.csv").unlink()  # 851's repeats are gone; the load touches 851 only
        _ledger_file(folder / "e.csv", rng, ["773"], [2024], 12)
        load_source(con, POSTERINGER, landing, "run-2")
        assert _findings(con) == _all_of_them(con)
        assert {f[2] for f in _findings(con)} == {"846"}
