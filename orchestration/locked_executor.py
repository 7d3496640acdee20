"""The executor of every job: Dagster's default (multiprocess, or in process when configured),
run under the refresh lock (orchestration/refresh_lock.py) for the whole run.

The lock is taken in the run's orchestrating process before the first step starts and released
after the last one, so it is held per run, not per step: the steps of a multiprocess run, each
in a process of its own, never contend for it, and a run cannot deadlock on itself. A run that
finds another refresh (a `cockpit run`, a run of another Dagster instance) holding the lock waits
for it, logging who holds it, rather than failing: a sensor's or schedule's run must not be lost.
"""

from __future__ import annotations

from dagster import Executor, executor, multi_or_in_process_executor

from orchestration.refresh_lock import DAGSTER_RUN_WAIT_SECONDS, refresh_lock
from orchestration.settings import Settings


class LockedExecutor(Executor):
    def __init__(self, inner: Executor):
        self.inner = inner

    @property
    def retries(self):
        return self.inner.retries

    @property
    def step_dependency_config(self):
        return self.inner.step_dependency_config

    def execute(self, plan_context, execution_plan):
        build_db = Settings.from_env().build_db
        with refresh_lock(
            build_db, run_id=plan_context.run_id, wait=DAGSTER_RUN_WAIT_SECONDS, say=plan_context.log.warning
        ):
            yield from self.inner.execute(plan_context, execution_plan)


@executor(
    name="locked_multi_or_in_process_executor",
    config_schema=multi_or_in_process_executor.config_schema,
    requirements=multi_or_in_process_executor.get_requirements,
)
def locked_executor(init_context) -> Executor:
    return LockedExecutor(multi_or_in_process_executor.executor_creation_fn(init_context))
