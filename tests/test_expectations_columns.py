"""The GX checks read only the columns their suite uses (issue 15: at national scale the whole
raw table in pandas needed more than 20 GB), a row-wise suite reads them in batches (20 M
postings at once: 8,9 GB), and both still name the failing rows' file and line."""

from datetime import date
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from expectations.runner import columns_needed, row_wise, validate, validate_query
from warehouse.paths import PROJECT_ROOT


def test_a_suite_reads_its_expectations_keys_and_lineage_only():
    # Postings have no business key (Source.keys is empty): file and line name a failing row.
    assert columns_needed("posteringer") == [
        "_source_file",
        "_source_line",
        "kommunenr",
        "bogfoeringsdato",
        "funktion",
        "dranst",
        "beloeb",
        "antal_doegn",
        "borgerreference",
    ]
    assert "_max_belagte_doegn" in columns_needed("belaegning")  # made by the suite's prepare step
    assert "tekst" not in columns_needed("posteringer") and "_file_sha256" not in columns_needed("posteringer")
    assert columns_needed("sundhedstjek")[:5] == [
        "kommunekode",
        "maaned",
        "udtraeksdato",
        "_source_file",
        "_source_line",
    ]


def test_failures_on_the_selected_columns_name_file_and_line():
    rows = pl.DataFrame(
        {
            "kommunenr": ["851", "851", "999"],
            "bilagsnr": ["1", "2", "3"],
            "_source_file": ["posteringer/a.csv"] * 3,
            "_source_line": [2, 3, 4],
            "bogfoeringsdato": [date(2024, 1, 2)] * 3,
            "funktion": ["5.38.50", "5.38.50", "5.38.50"],
            "dranst": [1, 7, 1],
            "beloeb": [Decimal("12.34"), None, Decimal("-1.00")],
            "antal_doegn": [None, 3, 1],
            "borgerreference": ["B-1", "XXXXXX-XXXX", "B-3"],
        },
        schema_overrides={"beloeb": pl.Decimal(18, 2)},
    )
    outcome = validate("posteringer", rows)
    failed = {
        (f.expectation, f.column): [(e["_source_file"], e["_source_line"]) for e in f.examples]
        for f in outcome.failures
    }
    assert failed == {
        ("expect_column_values_to_not_be_null", "beloeb"): [("posteringer/a.csv", 3)],
        ("expect_column_values_to_be_in_set", "kommunenr"): [("posteringer/a.csv", 4)],
        ("expect_column_values_to_be_in_set", "dranst"): [("posteringer/a.csv", 3)],
    }


def postings_failing_in_batches() -> pl.DataFrame:
    """23 postings: an unknown area in rows 4 and 19, DRANST 7 in row 15, no amount in rows 2,
    9 and 22 (so in every batch of 8)."""
    n = 23
    kommunenr = ["851"] * n
    kommunenr[4] = kommunenr[19] = "999"  # unknown area in the first and the third batch
    dranst = [1] * n
    dranst[15] = 7  # only in the second batch
    beloeb = [Decimal("1.00")] * n
    beloeb[2] = beloeb[9] = beloeb[22] = None  # in every batch
    return pl.DataFrame(
        {
            "kommunenr": kommunenr,
            "bilagsnr": [str(i) for i in range(n)],
            "_source_file": ["posteringer/a.csv"] * n,
            "_source_line": list(range(2, n + 2)),
            "bogfoeringsdato": [date(2024, 1, 2)] * n,
            "funktion": ["5.38.50"] * n,
            "dranst": dranst,
            "beloeb": beloeb,
            "antal_doegn": [1] * n,
            "borgerreference": [f"B-{i}" for i in range(n)],
        },
        schema_overrides={"beloeb": pl.Decimal(18, 2)},
    )


# (expectation, column, failing rows), in the suite's order
FAILING_IN_BATCHES = [
    ("expect_column_values_to_not_be_null", "beloeb", 3),
    ("expect_column_values_to_be_in_set", "kommunenr", 2),
    ("expect_column_values_to_be_in_set", "dranst", 1),
]


def test_a_row_wise_suite_on_batches_gives_the_whole_tables_outcome():
    rows = postings_failing_in_batches()
    con = duckdb.connect()
    con.register("raw_rows", rows)
    sql = f"select {', '.join(columns_needed('posteringer'))} from raw_rows"
    whole = validate("posteringer", rows, max_examples=2)
    batched = validate_query("posteringer", con, sql, max_examples=2, rows_per_batch=8)
    assert row_wise("posteringer") and not row_wise("tilbud")  # tilbudsnr must be unique
    assert plain(batched) == plain(whole)
    assert (batched.rows, [(f.expectation, f.column, f.unexpected_count) for f in batched.failures]) == (
        23,
        FAILING_IN_BATCHES,
    )
    assert [e["_source_line"] for e in batched.failures[0].examples] == [4, 11]  # the first two, in row order
    empty = validate_query("posteringer", con, sql + " where false")
    assert (empty.rows, empty.success) == (0, True)


def plain(outcome):
    """The outcome with pandas' NaN (a missing decimal in an example row) as None, which compares,
    and its failures in one order (GX lists them in an order of its own)."""
    nan_free = lambda v: None if isinstance(v, float) and v != v else v  # noqa: E731
    return (
        outcome.rows,
        outcome.evaluated,
        sorted(
            (f.expectation, f.column, f.unexpected_count, [{k: nan_free(v) for k, v in e.items()} for e in f.examples])
            for f in outcome.failures
        ),
    )


def test_the_declared_suites_are_the_gx_suites():
    # `declared()` (no GX import) decides the columns read and the batching: it must name the
    # same expectations with the same arguments as the GX objects the check then runs.
    from expectations.suites import SUITES

    for source, suite in SUITES.items():
        made, declared = suite.expectations(), suite.declared()
        assert [type(e).__name__ for e in made] == [d.name for d in declared], source
        assert [e.expectation_type for e in made] == [d.type for d in declared], source
        for e, d in zip(made, declared, strict=True):
            assert {k: getattr(e, k) for k in d.kwargs} == d.kwargs, source


def test_no_rows_pass_without_gx_as_gx_passes_them():
    # A check with nothing new to validate must not pay GX's import; its verdict on no rows is GX's.
    from expectations.runner import validate_with_gx
    from expectations.suites import SUITES
    from warehouse.raw_loader import ensure_raw_tables

    con = duckdb.connect()
    ensure_raw_tables(con)
    for source in ("posteringer", "belaegning", "tilbud", "regnskab"):
        empty = con.execute(f"select {', '.join(columns_needed_present(con, source))} from raw.{source}").pl()
        quick = validate(source, empty)
        by_gx = validate_with_gx(source, empty if source != "belaegning" else _prepared(source, empty))
        assert (quick.rows, quick.evaluated, quick.failures) == (0, by_gx.evaluated, []), source
        assert by_gx.failures == [] and quick.evaluated == len(SUITES[source].declared()) > 3, source


def columns_needed_present(con, source):
    have = {
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?", [source]
        ).fetchall()
    }
    return [c for c in columns_needed(source) if c in have]


def _prepared(source, frame):
    from expectations.suites import SUITES

    return SUITES[source].prepare(frame)


def test_choosing_columns_and_an_empty_check_do_not_import_gx():
    import subprocess
    import sys

    code = (
        "import sys, duckdb\n"
        "from expectations.runner import columns_needed, row_wise, validate_query\n"
        "from warehouse.raw_loader import ensure_raw_tables\n"
        "con = duckdb.connect(); ensure_raw_tables(con)\n"
        "cols = ', '.join(c for c in columns_needed('posteringer'))\n"
        "out = validate_query('posteringer', con, f'select {cols} from raw.posteringer')\n"
        "print(row_wise('posteringer'), row_wise('tilbud'), out.rows, out.evaluated, out.success,"
        " 'great_expectations' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "False", "0", "10", "True", "False"]


WORKER_CHECK = """
import json, multiprocessing, os, sys, time, duckdb, polars as pl
from expectations import runner
rows = pl.read_parquet(sys.argv[1])
con = duckdb.connect()
sql = "select * from rows"
con.register("rows", rows)
runner.start_worker()
runner.validate_query("posteringer", con, sql, rows_per_batch=8)  # the worker is up
how = sys.argv[2]
if how == "died_between":  # killed while idle: nothing is lost, the next check validates here
    [worker] = multiprocessing.active_children()
    worker.kill()
    deadline = time.time() + 10
    while not runner._worker._broken and time.time() < deadline:  # the pool has noticed
        time.sleep(0.05)
elif how == "died_during":  # dies while validating (the OOM killer): that check fails, the next runs here
    try:
        runner._outcome("posteringer", runner._worker.submit(os._exit, 1))
    except RuntimeError as exc:
        print(str(exc), file=sys.stderr)
elif how == "raises":  # an exception in GX reaches the caller with its type and text
    try:
        runner._outcome("posteringer", runner._worker.submit(runner._validate_in_worker, "ingen", rows, 1))
    except RuntimeError as exc:
        print(str(exc).splitlines()[0], file=sys.stderr)
out = runner.validate_query("posteringer", con, sql, max_examples=2, rows_per_batch=8)
failures = [[f.expectation, f.column, f.unexpected_count, [e["_source_line"] for e in f.examples]] for f in out.failures]
print(json.dumps([out.rows, failures, "great_expectations" in sys.modules, runner._worker is not None]))
"""


def _check_in_a_process(tmp_path, how: str):
    import json
    import subprocess
    import sys

    path = tmp_path / "rows.parquet"
    postings_failing_in_batches().write_parquet(path)
    done = subprocess.run(
        [sys.executable, "-c", WORKER_CHECK, str(path), how], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1]), done.stderr


def test_a_started_worker_validates_outside_this_process_with_the_same_outcome(tmp_path):
    """A refresh starts GX's import in a worker while it loads (`start_worker`): the batches are
    validated there, GX never imported by the refresh's process, the outcome the same."""
    (rows, failures, gx_here, worker), _ = _check_in_a_process(tmp_path, "alive")
    assert (rows, gx_here, worker) == (23, False, True)
    assert [tuple(f[:3]) for f in failures] == FAILING_IN_BATCHES
    assert [f[3] for f in failures] == [[4, 11], [6, 21], [17]]  # the first two, in row order


@pytest.mark.parametrize("how", ["died_between", "died_during"])
def test_a_dead_worker_fails_only_the_check_it_was_running_and_the_next_validates_here(tmp_path, how):
    (rows, failures, gx_here, worker), said = _check_in_a_process(tmp_path, how)
    failed = "Great Expectations' arbejdsproces stoppede uventet under pakken raw_posteringer" in said
    assert failed == (how == "died_during")
    assert (rows, gx_here, worker) == (23, True, False)
    assert [tuple(f[:3]) for f in failures] == FAILING_IN_BATCHES


def test_an_error_in_the_worker_reaches_the_check_with_its_type_and_text(tmp_path):
    # GX's own exceptions often do not pickle; sent as text they do not read as a dead worker.
    (rows, _, gx_here, worker), said = _check_in_a_process(tmp_path, "raises")
    assert said.strip().splitlines()[-1] == "KeyError: 'ingen'"
    assert (rows, gx_here, worker) == (23, False, True)  # the worker lives on


PREFETCH = """
import json, sys, duckdb, polars as pl
from expectations import runner
con = duckdb.connect()
con.register("postings", pl.read_parquet(sys.argv[1]))
con.register("index", pl.read_parquet(sys.argv[2]))
POSTINGS, INDEX = "select * from postings", "select * from index"

def plain(out):
    return None if out is None else [
        out.rows, out.evaluated,
        [[f.expectation, f.column, f.unexpected_count, [e["_source_line"] for e in f.examples]] for f in out.failures],
    ]

seen = {"no worker": runner.prefetch("k", 1, "posteringer", con, POSTINGS)}
runner.start_worker()
seen["handed"] = runner.prefetch("k", 1, "posteringer", con, POSTINGS, max_examples=2)
seen["taken"] = plain(runner.prefetched("k", 1, max_examples=2))
seen["taken twice"] = plain(runner.prefetched("k", 1))
runner.prefetch("k", 1, "posteringer", con, POSTINGS)
seen["other token"] = plain(runner.prefetched("k", 2))
seen["then the first"] = plain(runner.prefetched("k", 1))
seen["too many rows"] = runner.prefetch("k", 1, "posteringer", con, POSTINGS, max_rows=22)
seen["none kept"] = plain(runner.prefetched("k", 1))
seen["whole table"] = runner.prefetch("i", "p", "prisindeks", con, INDEX)
seen["index"] = plain(runner.prefetched("i", "p"))
runner.prefetch("e", "p", "prisindeks", con, INDEX + " where false")
seen["no rows"] = plain(runner.prefetched("e", "p"))
seen["gx here"] = "great_expectations" in sys.modules
print(json.dumps(seen))
"""


def test_rows_handed_to_the_worker_at_load_give_their_check_the_outcome_it_would_get(tmp_path):
    """A load hands its rows to the GX worker (`prefetch`); the check takes the outcome only under
    the same token (its `CheckPlan`: the same rows), once, else validates itself as before."""
    import json
    import subprocess
    import sys

    postings, index = tmp_path / "postings.parquet", tmp_path / "index.parquet"
    postings_failing_in_batches().write_parquet(postings)
    # a suite that sees the whole table (a year twice breaks uniqueness) with a failing range
    pl.DataFrame(
        {
            "aar": [2020, 2021, 2021, 2022],
            "_source_file": ["prisindeks/pl.csv"] * 4,
            "_source_line": [2, 3, 4, 5],
            "pl_indeks": [Decimal("100.0"), Decimal("102.0"), Decimal("102.5"), Decimal("-1.0")],
            "pl_udvikling_pct": [None, Decimal("2.0"), Decimal("2.5"), Decimal("1.0")],
        },
        schema_overrides={"pl_indeks": pl.Decimal(9, 2), "pl_udvikling_pct": pl.Decimal(9, 2)},
    ).write_parquet(index)
    done = subprocess.run(
        [sys.executable, "-c", PREFETCH, str(postings), str(index)], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert (seen["no worker"], seen["handed"], seen["too many rows"], seen["whole table"]) == (False, True, False, True)
    rows, evaluated, failures = seen["taken"]
    assert (rows, evaluated) == (23, 10)
    assert [(f[0], f[1], f[2]) for f in failures] == FAILING_IN_BATCHES
    assert [f[3] for f in failures] == [[4, 11], [6, 21], [17]]  # as validate_query gives, in row order
    assert [seen[k] for k in ("taken twice", "other token", "then the first", "none kept")] == [None] * 4
    assert seen["index"] == [
        4,
        4,
        [
            ["expect_column_values_to_be_unique", "aar", 2, [3, 4]],
            ["expect_column_values_to_be_between", "pl_indeks", 1, [5]],
        ],
    ]
    assert seen["no rows"] == [0, 4, []]
    assert seen["gx here"] is False  # validated in the worker only


PREFETCH_AT_LOAD = """
import json, sys, duckdb
from pathlib import Path
from expectations import runner
from ingest.sources import SOURCES
from orchestration.assets.ingest import _check_query, _prefetch_check
from warehouse.build_state import plan_check
from warehouse.raw_loader import ensure_raw_tables, load_source

landing, db = Path(sys.argv[1]), Path(sys.argv[2])
source = SOURCES["prisindeks"]
con = duckdb.connect(str(db))
ensure_raw_tables(con)
runner.start_worker()

def plain(out):
    return None if out is None else [out.rows, [[f.expectation, f.column, f.unexpected_count] for f in out.failures]]

def load_then_check(load_id, change=None):
    load_source(con, source, landing, load_id)
    total = con.execute("select count(*) from raw.prisindeks").fetchone()[0]
    _prefetch_check(con, source, db, total, print)  # as the load step does
    if change:
        change()
    plan = plan_check(con, "prisindeks", row_wise=lambda: runner.row_wise("prisindeks"))
    handed = runner.prefetched((db, "prisindeks"), plan)  # as the check step does
    own = runner.validate_query("prisindeks", con, *_check_query(con, source, plan))
    return plain(handed), plain(own)

seen = {"first": load_then_check("load-1")}
index = landing / "prisindeks" / "pl.csv"
def corrected():
    index.write_text("År;PL-udvikling (%)\\n2020;1,9\\n2021;150,0\\n", encoding="utf-8")
    load_source(con, source, landing, "load-3")
seen["changed before its check"] = load_then_check("load-2", corrected)
print(json.dumps(seen))
"""


def test_a_load_hands_its_rows_to_the_worker_and_its_check_takes_them_only_while_they_are_the_same(tmp_path):
    """The load step hands the rows its table's check will validate (`_prefetch_check`); the check
    takes that outcome under its own plan only: the table changed in between (another load), the
    check validates the rows there now."""
    import json
    import subprocess
    import sys

    (tmp_path / "landing" / "prisindeks").mkdir(parents=True)
    (tmp_path / "landing" / "prisindeks" / "pl.csv").write_text(
        "År;PL-udvikling (%)\n2020;1,9\n2021;2,6\n2022;-60,0\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-c", PREFETCH_AT_LOAD, str(tmp_path / "landing"), str(tmp_path / "build.duckdb")],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    failing_2022 = [3, [["expect_column_values_to_be_between", "pl_udvikling_pct", 1]]]
    assert seen["first"] == [failing_2022, failing_2022]  # handed at load: the outcome the check gets itself
    # the file corrected by a load after the first one handed its rows: not that outcome, but the new rows'
    assert seen["changed before its check"] == [
        None,
        [2, [["expect_column_values_to_be_between", "pl_udvikling_pct", 1]]],
    ]


def test_no_suite_declares_an_expectation_twice():
    # GX's add_expectation dropped a repeated expectation; the suites are handed to GX whole
    # (expectations/runner.py `validate_with_gx`), so a repeat would be validated twice
    from expectations.suites import SUITES

    for name, suite in SUITES.items():
        declared = [(d.name, sorted(d.kwargs.items(), key=repr)) for d in suite.declared()]
        assert declared, name
        assert len({repr(d) for d in declared}) == len(declared), name
