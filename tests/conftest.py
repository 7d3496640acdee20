"""Shared fixtures: one generated sample landing dir and one published warehouse per session.

The pipeline runs for real (Dagster in process, dbt via dagster-dbt, GX, DuckDB files in a
temp dir); the expensive run is shared by the end-to-end tests that only read its result.
The dbt manifest the definitions are made from is prepared once, before collection (test
modules import the definitions): `dbt parse` runs when the dbt project's files differ from
those the manifest was made from, so a manifest left by another checkout is never read.
"""

import hashlib
import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Tests never write into the checkout (issue 24 §7: `reports/` was overwritten): a run or a CLI
# subprocess that names no report dir writes to a scratch dir of the session.
os.environ.setdefault("COCKPIT_REPORT_DIR", tempfile.mkdtemp(prefix="cockpit-test-reports-"))

from warehouse.settings import Settings  # noqa: E402

CHECKOUT = Path(__file__).resolve().parents[1]
_WATCHED = ("reports", "data")  # what `make run` writes: a test must never change it


def _outputs_of_the_checkout() -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(CHECKOUT)): (p.stat().st_mtime_ns, p.stat().st_size)
        for folder in _WATCHED
        for p in sorted((CHECKOUT / folder).rglob("*"))
        if p.is_file() and "landing" not in p.relative_to(CHECKOUT).parts
    }


def pytest_sessionstart(session) -> None:
    session.config._cockpit_outputs = _outputs_of_the_checkout()


def pytest_sessionfinish(session, exitstatus) -> None:
    """Fail the session when a test wrote into the checkout's `reports/` or `data/` (issue 24
    §7: test_cases_run overwrote the reports `make run` had made)."""
    before = getattr(session.config, "_cockpit_outputs", None)
    if before is None:
        return
    after = _outputs_of_the_checkout()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if changed:
        print(f"\nTests wrote into the checkout: {', '.join(changed[:10])}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session) -> None:
    from warehouse.dbt_manifest import prepare_manifest

    prepare_manifest()  # returns nothing, so pytest goes on to collect as usual


def warehouse_settings(base: Path, landing: Path) -> Settings:
    return Settings(
        landing_dir=landing,
        build_db=base / "build.duckdb",
        published_db=base / "styringscockpit.duckdb",
        report_dir=base / "reports",
    )


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory) -> tuple[Path, dict]:
    from sampledata.nordjylland import write_sample

    out = tmp_path_factory.mktemp("landing")
    manifest = write_sample(out, seed=2024)
    return out, manifest


@pytest.fixture(scope="session")
def published_sample(tmp_path_factory, sample_landing):
    from orchestration.runner import run_pipeline

    settings = warehouse_settings(tmp_path_factory.mktemp("warehouse"), sample_landing[0])
    lines: list[str] = []
    outcome = run_pipeline(settings, progress=lines.append)
    assert outcome.published, outcome.reason
    return settings, outcome, lines


# The test tiers (README, "Which tests to run when"): `make test-fast` runs every test not marked
# `pipeline`; `make test` runs all. A test is a pipeline test when its module runs the pipeline,
# when it needs the session's published warehouse, or when it is marked so itself (a CLI run in a
# subprocess). One list here rather than a mark in each module, so a new pipeline module is one line.
PIPELINE_MODULES = {
    "test_cases_run",
    "test_independent_landing",
    "test_operations",
    "test_partitions",
    "test_pipeline",
    "test_quality",
    "test_report",
    "test_statbank_pipeline",
    "test_write_audit_publish",
    "test_safe_operations",
    "test_national_sample",
    "test_ui_runs",
    "test_refresh_faults_run",
    "test_report_readback",
    "test_flag_refreshes",
}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.module.__name__ in PIPELINE_MODULES or "published_sample" in item.fixturenames:
            item.add_marker(pytest.mark.pipeline)
