"""Run a Great Expectations suite on a frame; return what failed with the failing rows' keys.

GX's SQL data source is broken on DuckDB (shared/TOOLCHAIN.md), so suites run on pandas
frames through an ephemeral context. GX is imported only when there are rows to validate: the
import costs 2–4 s of one core (every expectation, scipy.stats, altair, sqlalchemy), which must
not be paid when Dagster merely loads the definitions, when a check picks its columns
(`columns_needed`, from the suites' declarations) or when a check has no new rows.

A refresh calls `start_worker` when a load is about to read files: one spawned process imports
GX on the other core while the loads run, instead of in series before the first check, and
validates every batch after (the frame pickled, the outcome back), the next batch being read
meanwhile. The import holds the GIL, so a thread would not hide
it (docs/performance.md). A process that never called `start_worker` (`cockpit check`, a test)
validates in itself.

A load that changed a table hands its rows to the worker at once (`prefetch`), when they are
few enough to hold: the worker validates them while the next loads run, and the table's check
takes the outcome (`prefetched`) if the rows it would validate are still the ones handed over,
else validates as before.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import duckdb
import polars as pl
import pyarrow as pa

from expectations.suites import SUITES, Suite
from expectations.worker import pool_worker
from ingest.sources import SOURCES

LINEAGE_KEYS = ["_source_file", "_source_line"]
# Expectations that judge each row by itself: a suite of only these gives the same verdict,
# counts and examples on batches of rows as on the whole table (summed, in row order).
ROW_WISE = frozenset(
    {
        "ExpectColumnValuesToNotBeNull",
        "ExpectColumnValuesToBeInSet",
        "ExpectColumnValuesToMatchRegex",
        "ExpectColumnValuesToNotMatchRegex",
        "ExpectColumnValuesToBeBetween",
        "ExpectColumnPairValuesAToBeGreaterThanB",
    }
)
# GX holds a validated batch as pandas at ~0,35 GB per million postings (20 M at once: 8,9 GB);
# with the copies around it, the check of 20 M national postings peaked at 4,1 GB in batches of
# 2 M rows and 2,8 GB in batches of 1 M, in the same time (17,1 / 17,2 s; 500 000: 18,3 s).
ROWS_PER_BATCH = 1_000_000
# The process validating for this one once `start_worker` was called.
_worker: ProcessPoolExecutor | None = None
# What `prefetch` handed the worker: {key: (token, source, futures in row order, the rows' schema)}
_prefetched: dict[Hashable, tuple[Hashable, str, list[Future], pa.Schema]] = {}


@dataclass
class Failure:
    expectation: str
    column: str
    unexpected_count: int
    examples: list[dict] = field(default_factory=list)  # business keys + file/line of failing rows


@dataclass
class Outcome:
    suite: str
    rows: int
    evaluated: int
    failures: list[Failure]

    @property
    def success(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.success:
            return f"{self.suite}: {self.evaluated} forventninger opfyldt på {self.rows} rækker"
        parts = []
        for f in self.failures:
            where = ""
            if f.examples:
                ex = f.examples[0]
                where = f" (fx {ex.get('_source_file')} linje {ex.get('_source_line')})"
            parts.append(f"{f.expectation}({f.column}): {f.unexpected_count} rækker{where}")
        return f"{self.suite}: " + "; ".join(parts)


def columns_needed(source: str) -> list[str]:
    """The raw columns suite `source` reads: its expectations' columns, its business keys and
    the lineage keys. A check selects only these: at national scale (20 million postings) the
    whole raw table as a pandas frame would need more memory than the machine has."""
    wanted = list(SOURCES[source].keys) + LINEAGE_KEYS
    for e in SUITES[source].declared():
        wanted += _columns_of(e.kwargs)
    return list(dict.fromkeys(wanted))


def _columns_of(kwargs: dict) -> list[str]:
    return [kwargs[a] for a in ("column", "column_A", "column_B") if kwargs.get(a)] + list(
        kwargs.get("column_list") or []
    )


def validate(source: str, frame: pl.DataFrame, *, max_examples: int = 20) -> Outcome:
    """Run suite `source` on `frame` (at least its `columns_needed`): the failed expectations
    with the failing rows' business keys and file/line, up to `max_examples` each. A frame
    without rows that has every column the suite names passes every expectation without
    asking GX (GX says the same of no rows); a column missing is left to GX to report. In the
    GX worker when one was started (`start_worker`); raises `RuntimeError` when it died."""
    return _outcome(source, _submit(source, frame, max_examples))


def _submit(source: str, frame: pl.DataFrame, max_examples: int, *, here: bool = True) -> Future | None:
    # `here=False`: None instead of validating in this process when no worker takes it.
    suite_def: Suite = SUITES[source]
    prepared = suite_def.prepare(frame) if suite_def.prepare else frame
    if prepared.is_empty():
        declared = suite_def.declared()
        if all(c in prepared.columns for e in declared for c in _columns_of(e.kwargs)):
            return _done(Outcome(source, 0, len(declared), []))
    if _worker is not None:
        try:
            return _worker.submit(_validate_in_worker, source, prepared, max_examples)
        except BrokenProcessPool:
            _stop_worker()  # it died between validations: nothing was lost, validate here
    if not here:
        return None
    return _done(validate_with_gx(source, prepared, max_examples=max_examples))


def _done(outcome: Outcome) -> Future:
    future: Future = Future()
    future.set_result(outcome)
    return future


def _outcome(source: str, future: Future) -> Outcome:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        _stop_worker()  # later validations of this process run in it
        raise RuntimeError(
            f"Great Expectations' arbejdsproces stoppede uventet under pakken {SOURCES[source].suite}"
            " (for lidt hukommelse?); kør igen"
        ) from exc


def _validate_in_worker(source: str, prepared: pl.DataFrame, max_examples: int) -> Outcome:
    # An exception that does not pickle back (GX has several: their constructors take more
    # than their message) would break the pool and read as a dead worker: send its text instead.
    try:
        return validate_with_gx(source, prepared, max_examples=max_examples)
    except Exception as exc:
        raise RuntimeError(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}") from None


def start_worker() -> None:
    """Start importing GX now, in a spawned worker process that then validates every frame this
    process hands `validate` (see the module's docstring). Does nothing when one runs already.
    The worker is only quicker: a process that cannot be started leaves validation here.

    Not in a process that is itself a multiprocessing child (a step of Dagster's multiprocess
    executor): its checks run in other processes, and such a step was seen (py-spy) waiting at
    its end in multiprocessing's exit handler to join the idle worker, for ever."""
    global _worker
    if _worker is not None or multiprocessing.parent_process() is not None:
        return
    pool = ProcessPoolExecutor(
        1, mp_context=multiprocessing.get_context("spawn"), initializer=_start, initargs=(os.getpid(),)
    )
    try:
        pool.submit(int)  # a pool starts its process at its first task
    except Exception:  # noqa: BLE001 — out of processes or memory: validate here, as before
        pool.shutdown(wait=False, cancel_futures=True)
        return
    _worker = pool


def _stop_worker() -> None:
    global _worker
    if _worker is not None:
        _worker.shutdown(wait=False, cancel_futures=True)
        _worker = None


def _start(parent: int) -> None:
    pool_worker(parent)  # a refresh killed leaves no worker behind; a worker stopped ends at once
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations  # noqa: F401


def in_worker(call: Callable[[], object]) -> None:
    """Run `call` (a module-level function) in the GX worker too, if one runs and is alive: after
    a large check, the refresh gives back the memory GX's pandas batches held there as well."""
    if _worker is not None:
        try:
            _worker.submit(call).result()
        except BrokenProcessPool:
            pass  # a dead worker holds nothing; the next validation lets it go and runs here


def validate_with_gx(source: str, prepared: pl.DataFrame, *, max_examples: int = 20) -> Outcome:
    """`validate` by GX itself, here, on a frame the suite's `prepare` step has been applied to.
    GX is asked first only whether each expectation passes; a suite that fails is validated a
    second time for its failures' counts and example rows (so a failure costs two validations)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    suite_def: Suite = SUITES[source]
    # Decimals become Python objects in pandas (~100 bytes a value); the suites only test them
    # for presence and ranges, which a float answers the same.
    pdf = prepared.with_columns(pl.col(pl.Decimal).cast(pl.Float64)).to_pandas()

    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # One progress bar per validation would drown the run's own progress lines.
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch = (
        context.data_sources.add_pandas(f"{source}_frames")
        .add_dataframe_asset(name=source)
        .add_batch_definition_whole_dataframe("whole")
    )
    # Given whole: added one by one, each expectation rewrote the suite in GX's store (~0,02 s a check)
    suite = context.suites.add(
        gx.ExpectationSuite(name=SOURCES[source].suite, expectations=list(suite_def.expectations()))
    )
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{SOURCES[source].suite}_check", data=batch, suite=suite)
    )
    # A pass needs no detail: asked for the failing rows' index of every expectation, GX computes
    # it for those that pass too (nearly half the time of the sample's 12 validations). A suite
    # that fails is validated again for its failures' counts and rows.
    result = validation.run(batch_parameters={"dataframe": pdf}, result_format={"result_format": "BOOLEAN_ONLY"})
    if not result.success:
        index_columns = [c for c in SOURCES[source].keys + LINEAGE_KEYS if c in pdf.columns]
        result = validation.run(
            batch_parameters={"dataframe": pdf},
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns},
        )

    failures = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        column = _column_of(cfg.kwargs)
        details = r.result or {}
        examples = [
            {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in (details.get("unexpected_index_list") or [])[:max_examples]
        ]
        count = details.get("unexpected_count")
        if count is None and r.exception_info:
            count = -1  # the expectation itself raised; reported with count -1
        failures.append(Failure(cfg.type, column, int(count or 0), examples))
    return Outcome(source, len(pdf), len(result.results), failures)


def _column_of(kwargs: dict) -> str:
    return kwargs.get("column") or ",".join(
        kwargs.get("column_list") or [kwargs.get("column_A", ""), kwargs.get("column_B", "")]
    )


def row_wise(source: str) -> bool:
    """Whether every expectation of suite `source` judges a row by itself (ROW_WISE): no
    uniqueness, no table-level expectation."""
    return all(e.name in ROW_WISE for e in SUITES[source].declared())


def validate_query(
    source: str,
    con: duckdb.DuckDBPyConnection,
    sql: str,
    parameters: list | None = None,
    *,
    max_examples: int = 20,
    rows_per_batch: int = ROWS_PER_BATCH,
) -> Outcome:
    """Run suite `source` on the rows of `sql` (its `columns_needed`): a row-wise suite on
    batches of `rows_per_batch` rows, so memory is one batch whatever the table's size, with
    the outcome of the whole table (counts summed, examples in row order up to `max_examples`);
    any other suite on the whole result at once (uniqueness needs every row). `parameters`:
    the values of the `?` in `sql`."""
    reader = con.execute(sql, parameters).to_arrow_reader(rows_per_batch)

    def outcomes() -> Iterable[Outcome]:
        waiting: deque[Future] = deque()
        for frame in _frames(source, reader, reader.schema):
            waiting.append(_submit(source, frame, max_examples))
            if len(waiting) > 1:  # the worker validates one batch while the next is read
                yield _outcome(source, waiting.popleft())
        while waiting:
            yield _outcome(source, waiting.popleft())

    return merge_outcomes(
        source, outcomes(), max_examples=max_examples, empty=_empty(source, reader.schema, max_examples)
    )


def _frames(source: str, batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> Iterator[pl.DataFrame]:
    # What suite `source` validates at once: each batch (row-wise), or all of them as one frame.
    if row_wise(source):
        yield from (pl.from_arrow(batch) for batch in batches)
    else:
        yield pl.from_arrow(pa.Table.from_batches(list(batches), schema=schema))


def _empty(source: str, schema: pa.Schema, max_examples: int = 20) -> Callable[[], Outcome]:
    return lambda: validate(source, pl.from_arrow(schema.empty_table()), max_examples=max_examples)


def prefetch(
    key: Hashable,
    token: Hashable,
    source: str,
    con: duckdb.DuckDBPyConnection,
    sql: str,
    parameters: list | None = None,
    *,
    max_rows: int = ROWS_PER_BATCH,
    max_examples: int = 20,
) -> bool:
    """Hand the rows of `sql` to the GX worker now, to be validated by suite `source` while the
    caller goes on; `prefetched(key, token)` takes the outcome later, the same `validate_query`
    gives. Only when a worker was started (`start_worker`) and `sql` has at most `max_rows` rows
    (read here, at most one more before giving up: they are held until validated); returns
    whether it did. Replaces what an earlier call handed over under `key`."""
    _prefetched.pop(key, None)
    if _worker is None:
        return False
    reader = con.execute(sql, parameters).to_arrow_reader(max_rows + 1)
    batches: list[pa.RecordBatch] = []
    rows = 0
    for batch in reader:
        batches.append(batch)
        rows += batch.num_rows
        if rows > max_rows:
            return False
    futures = [_submit(source, frame, max_examples, here=False) for frame in _frames(source, batches, reader.schema)]
    if any(future is None for future in futures):  # the worker is gone: the check validates
        return False
    _prefetched[key] = (token, source, futures, reader.schema)
    return True


def worker_running() -> bool:
    """Whether `start_worker` started a GX worker that has not been found dead (`prefetch`
    hands rows only to it)."""
    return _worker is not None


def prefetched(key: Hashable, token: Hashable, *, max_examples: int = 20) -> Outcome | None:
    """The outcome of what `prefetch` handed over under `key` with an equal `token` (the caller's
    proof that the rows are still those: for a check, its `CheckPlan`), waiting for it if need
    be; None when nothing was, under another token, or when the worker died before it was done
    (the caller validates then). Raises `RuntimeError` for an error of GX in the worker."""
    entry = _prefetched.pop(key, None)
    if entry is None or entry[0] != token:
        return None
    _, source, futures, schema = entry
    try:
        outcomes = [future.result() for future in futures]
    except BrokenProcessPool:
        # The worker died (with this one or with another table's rows queued before it): the rows
        # are still in the build DB, so the check validates them itself, as if nothing was handed.
        _stop_worker()
        return None
    return merge_outcomes(source, outcomes, max_examples=max_examples, empty=_empty(source, schema, max_examples))


def merge_outcomes(source: str, outcomes: Iterable[Outcome], *, max_examples: int, empty) -> Outcome:
    """One outcome from the outcomes of consecutive batches (one, for a suite that sees the whole
    table), failures in the suite's order; `empty()` when there were no batches (an empty table)."""
    merged: Outcome | None = None
    for outcome in outcomes:
        if merged is None:
            merged = outcome
            continue
        by_key = {(f.expectation, f.column): f for f in merged.failures}
        for f in outcome.failures:
            seen = by_key.get((f.expectation, f.column))
            if seen is None:
                by_key[(f.expectation, f.column)] = f
                merged.failures.append(f)
            else:
                # -1: the expectation raised (in any batch) rather than counted
                both = (seen.unexpected_count, f.unexpected_count)
                seen.unexpected_count = -1 if -1 in both else sum(both)
                seen.examples = (seen.examples + f.examples)[:max_examples]
        merged.rows += outcome.rows
    if merged is None:
        return empty()
    # In the suite's order, whichever batch failed first (declared: GX may be in the worker only).
    order = {(e.type, _column_of(e.kwargs)): i for i, e in enumerate(SUITES[source].declared())}
    merged.failures.sort(key=lambda f: order.get((f.expectation, f.column), len(order)))
    return merged
