"""Drive `dagster dev` as an operator does: start it on an instance of its own, launch runs and
backfills through the UI's GraphQL API (the calls the UI's buttons make), wait for them.

Shared by tests/test_operations.py, tests/test_ui_runs.py and bench/ui_vs_headless.py. Nothing
here is mocked: the webserver, the daemon (backfill daemon, run queue), the code server and the
run workers are the real processes `make ui` starts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_INSTANCE = PROJECT_ROOT / "dagster_home" / "dagster.yaml"
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}
# A launch answers once the run and its planned events are written: ~250 SQLite commits for a
# yearly_refresh, many seconds on a busy disk.
LAUNCH_TIMEOUT = 300.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None, *, timeout: float = 10.0) -> dict:
    """The webserver's answer to one GraphQL request, or {} when it does not answer (yet) or
    not within `timeout` seconds."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return json.loads(resp.read())
    except OSError:
        return {}


def new_home(path: Path) -> Path:
    """A Dagster instance folder with the shipped `dagster.yaml` (pools, run queue, telemetry)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "dagster.yaml").write_bytes(SHIPPED_INSTANCE.read_bytes())
    return path


@dataclass(frozen=True)
class DevServer:
    port: int
    pgid: int  # the process group of `dagster dev` and everything it starts


@contextmanager
def dagster_dev(
    home: Path, env: dict[str, str], *, timeout: float = 180.0, log: Path | None = None
) -> Iterator[DevServer]:
    """`dagster dev -w workspace.yaml` (webserver, daemon, code server) on a free localhost port
    with `DAGSTER_HOME=home` and `env`, yielded once the code location has loaded.

    On exit the whole process group is killed (SIGTERM does not stop its processes within
    seconds: shared/TOOLCHAIN.md), run workers and dbt included, and reaped. Raises
    `TimeoutError` when the UI has not loaded the code location within `timeout` seconds."""
    port = free_port()
    dagster = Path(sys.executable).with_name("dagster")
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env={**env, "DAGSTER_HOME": str(home)},
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while not _location_loaded(port):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise TimeoutError(
                    f"dagster dev did not load the code location within {timeout:.0f}s (exit {proc.poll()})"
                )
            time.sleep(1)
        yield DevServer(port, proc.pid)
    finally:
        kill_group(proc)
        if log:
            out.close()


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group `proc` leads and reap `proc`; no process of the group is left."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    deadline = time.monotonic() + 30
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)  # orphans are reaped by init a moment after the kill


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _location_loaded(port: int) -> bool:
    answer = graphql(port, "{ repositoriesOrError { ... on RepositoryConnection { nodes { name } } } }")
    return bool(((answer.get("data") or {}).get("repositoriesOrError") or {}).get("nodes"))


def repository(port: int) -> dict[str, str]:
    """The selector of the one repository the UI has loaded (its location is named by Dagster
    after workspace.yaml's module and attribute, `orchestration.definitions:defs`)."""
    answer = graphql(
        port, "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"
    )
    (repo,) = answer["data"]["repositoriesOrError"]["nodes"]
    return {"repositoryName": repo["name"], "repositoryLocationName": repo["location"]["name"]}


def launch_backfill(port: int, job: str, *, assets: list[list[str]] | None = None) -> str:
    """What *Launch backfill* on a job's partitions does, over all its partitions (optionally
    for some of its assets, given as key paths); returns the backfill id. Raises RuntimeError
    with the UI's message when the backfill is refused."""
    params: dict = {
        "selector": {"partitionSetName": f"{job}_partition_set", "repositorySelector": repository(port)},
        "allPartitions": True,
    }
    if assets:
        params["assetSelection"] = [{"path": path} for path in assets]
    answer = graphql(
        port,
        """mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
             __typename ... on LaunchBackfillSuccess { backfillId } ... on Error { message } } }""",
        {"params": params},
        timeout=LAUNCH_TIMEOUT,
    )
    result = (answer.get("data") or {}).get("launchPartitionBackfill") or {}
    if result.get("__typename") != "LaunchBackfillSuccess":
        raise RuntimeError(f"backfill of {job} refused: {result.get('message') or answer}")
    return result["backfillId"]


def launch_run(port: int, job: str, *, tags: dict[str, str], assets: list[list[str]] | None = None) -> str:
    """What *Launch run* in a job's launchpad does (also the path of a sensor's or schedule's
    run request: straight into the run queue, no backfill daemon), with `tags` (a partition, or
    a range: `dagster/asset_partition_range_start`/`_end`); returns the run id. Raises
    RuntimeError with the UI's message when the launch is refused."""
    selector = {**repository(port), "jobName": job}
    if assets:
        selector["assetSelection"] = [{"path": path} for path in assets]
    params = {
        "selector": selector,
        "mode": "default",
        "runConfigData": {},
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
    }
    answer = graphql(
        port,
        """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
             __typename ... on LaunchRunSuccess { run { runId } } ... on Error { message } } }""",
        {"params": params},
        timeout=LAUNCH_TIMEOUT,
    )
    result = (answer.get("data") or {}).get("launchRun") or {}
    if result.get("__typename") != "LaunchRunSuccess":
        raise RuntimeError(f"run of {job} refused: {result.get('message') or answer}")
    return result["run"]["runId"]


@dataclass(frozen=True)
class RunTimes:
    """One run as the run storage has it; times are Unix seconds."""

    run_id: str
    status: str
    created: float  # queued (or created by the backfill daemon)
    started: float | None  # the run worker began
    ended: float | None
    tags: dict[str, str]


def runs(port: int, *, backfill_id: str | None = None, run_id: str | None = None) -> list[RunTimes]:
    """The runs of a backfill, or the one run `run_id`, as the UI's run list shows them."""
    filter_ = {"tags": [{"key": "dagster/backfill", "value": backfill_id}]} if backfill_id else {"runIds": [run_id]}
    answer = graphql(
        port,
        """query($filter: RunsFilter!) { runsOrError(filter: $filter) {
             ... on Runs { results { runId status creationTime startTime endTime tags { key value } } } } }""",
        {"filter": filter_},
    )
    results = ((answer.get("data") or {}).get("runsOrError") or {}).get("results") or []
    return [
        RunTimes(
            r["runId"],
            r["status"],
            r["creationTime"],
            r["startTime"],
            r["endTime"],
            {t["key"]: t["value"] for t in r["tags"]},
        )
        for r in results
    ]


def wait_for(
    port: int, *, backfill_id: str | None = None, run_id: str | None = None, timeout: float = 900.0
) -> list[RunTimes]:
    """The runs of backfill `backfill_id` (or the run `run_id`) once there are some and every
    one has finished (SUCCESS, FAILURE or CANCELED). Our jobs' backfills are one run each
    (single-run backfill policy). Raises `TimeoutError` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = runs(port, backfill_id=backfill_id, run_id=run_id)
        if found and all(r.status in FINISHED for r in found):
            return found
        time.sleep(0.5)
    raise TimeoutError(
        f"{backfill_id or run_id} not finished within {timeout:.0f}s: {runs(port, backfill_id=backfill_id, run_id=run_id)}"
    )
