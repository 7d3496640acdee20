"""The executor of every job: Dagster's `multi_or_in_process_executor`, **in process by
default**, run under the refresh lock (warehouse/refresh_lock.py) for the whole run.

In process by default (issue 15): a run launched from the UI, a schedule, the sensor or a
backfill executes all its steps one after the other in its run worker — the one process the run
launcher starts — as `cockpit run` does headless. The multiprocess mode started a Python process
per step (about 11 s of imports each on this machine) and the `duckdb` pool ran them one at a
time anyway, since every step but the report opens the build DB: a sample refresh took 7.7× its
headless time. One process per run also states the DuckDB rule directly — one writer process
per file — instead of relying on the pool limit alone. The multiprocess mode is still there for
a run that asks for it (`execution: config: multiprocess: {}`); the pool limit in
`dagster_home/dagster.yaml` keeps its steps one at a time.

The lock is taken in the run's orchestrating process before the first step starts and released
after the last one, so it is held per run, not per step: steps (in this process, or each in a
process of its own) never contend for it, and a run cannot deadlock on itself. A run that finds
another refresh (a `cockpit run`, a run of another Dagster instance) holding the lock waits for
it, logging who holds it, rather than failing: a sensor's or schedule's run must not be lost.
"""

from __future__ import annotations

from contextlib import nullcontext

from dagster import Executor, Field, Selector, executor, multi_or_in_process_executor

from orchestration.resources import settings_of_run
from warehouse.build_db import held_open
from warehouse.refresh_lock import DAGSTER_RUN_WAIT_SECONDS, refresh_lock

# Dagster's own schema (the `multiprocess` and `in_process` branches and their options), with
# the default flipped to `in_process`.
IN_PROCESS_BY_DEFAULT = Field(
    Selector(dict(multi_or_in_process_executor.config_schema.config_type.fields)),
    default_value={"in_process": {}},
)


class LockedExecutor(Executor):
    def __init__(self, inner: Executor, *, in_process: bool):
        self.inner = inner
        self.in_process = in_process  # every step in the run worker: the build DB is held open between them

    @property
    def retries(self):
        return self.inner.retries

    @property
    def step_dependency_config(self):
        return self.inner.step_dependency_config

    def execute(self, plan_context, execution_plan):
        build_db = settings_of_run(plan_context.run_config).build_db
        with (
            refresh_lock(
                build_db, run_id=plan_context.run_id, wait=DAGSTER_RUN_WAIT_SECONDS, say=plan_context.log.warning
            ),
            held_open(build_db) if self.in_process else nullcontext(),  # warehouse/build_db.py
        ):
            yield from self.inner.execute(plan_context, execution_plan)


@executor(
    name="locked_multi_or_in_process_executor",
    config_schema=IN_PROCESS_BY_DEFAULT,
    requirements=multi_or_in_process_executor.get_requirements,
)
def locked_executor(init_context) -> Executor:
    """Dagster's default executor (`multi_or_in_process_executor`) under the refresh lock, in
    process unless the run config selects `multiprocess`."""
    in_process = "multiprocess" not in (init_context.executor_config or {})
    return LockedExecutor(multi_or_in_process_executor.executor_creation_fn(init_context), in_process=in_process)
