"""Run a Great Expectations suite on a frame; return what failed with the failing rows' keys.

GX's SQL data source is broken on DuckDB (shared/TOOLCHAIN.md), so suites run on pandas
frames through an ephemeral context. GX is imported inside `validate`: the import costs ~3 s,
which must not be paid when Dagster merely loads the definitions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import polars as pl

from expectations.suites import SUITES, Suite

LINEAGE_KEYS = ["_source_file", "_source_line"]


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
    suite_def: Suite = SUITES[source]
    wanted = list(suite_def.keys) + LINEAGE_KEYS
    for e in suite_def.expectations():
        for attr in ("column", "column_A", "column_B"):
            if getattr(e, attr, None):
                wanted.append(getattr(e, attr))
        wanted += list(getattr(e, "column_list", None) or [])
    return list(dict.fromkeys(wanted))


def validate(source: str, frame: pl.DataFrame, *, max_examples: int = 20) -> Outcome:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    suite_def: Suite = SUITES[source]
    prepared = suite_def.prepare(frame) if suite_def.prepare else frame
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
    suite = context.suites.add(gx.ExpectationSuite(name=f"raw_{source}"))
    for expectation in suite_def.expectations():
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"raw_{source}_check", data=batch, suite=suite)
    )
    index_columns = [c for c in suite_def.keys + LINEAGE_KEYS if c in pdf.columns]
    result = validation.run(
        batch_parameters={"dataframe": pdf},
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": index_columns},
    )

    failures = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        kwargs = cfg.kwargs
        column = kwargs.get("column") or ",".join(
            kwargs.get("column_list") or [kwargs.get("column_A", ""), kwargs.get("column_B", "")]
        )
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
