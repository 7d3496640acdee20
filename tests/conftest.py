"""Shared fixtures: one generated sample landing dir and one published warehouse per session.

The pipeline runs for real (Dagster in process, dbt via dagster-dbt, GX, DuckDB files in a
temp dir); the expensive run is made once per session (`published_sample`) and read by the
end-to-end tests; a test that refreshes, breaks or changes a warehouse takes its own copy of
that run (`warehouse_copy`) instead of a refresh from scratch (issue 24 §7).
The dbt manifest the definitions are made from is prepared once, before collection (test
modules import the definitions): `dbt parse` runs when the dbt project's files differ from
those the manifest was made from, so a manifest left by another checkout is never read.
"""

import hashlib
import inspect
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

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
    # Before pytest-xdist starts its workers (its own sessionstart runs last), so a stale
    # manifest is parsed once, not by each worker at the same time; a worker only collects.
    if not hasattr(session.config, "workerinput"):
        from warehouse.dbt_manifest import prepare_manifest

        prepare_manifest()


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


# Property tests: `make test` (and CI) runs each with its full number of examples (Hypothesis's
# default profile, 100 per test unless a test says otherwise); `make test-fast` loads the `fast`
# profile, a quarter of them, for a quick answer. The assertions are the same in both.
hypothesis_settings.register_profile("fast", max_examples=25)


def examples(full: int) -> int:
    """How many examples a property test that runs `full` in the whole suite runs under the
    loaded Hypothesis profile: `full` under the default profile, a quarter (at least 5) under
    `fast`. Read when the test module is imported, after the profile is loaded."""
    return max(5, full * hypothesis_settings.default.max_examples // 100)


def warehouse_settings(base: Path, landing: Path) -> Settings:
    return Settings(
        landing_dir=landing,
        build_db=base / "build.duckdb",
        published_db=base / "styringscockpit.duckdb",
        report_dir=base / "reports",
    )


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k.startswith("COCKPIT_") or k == "DAGSTER_HOME"}


@pytest.fixture(autouse=True)
def _restore_run_environment():
    """Undo what a test's `Settings.export_env()` (a Dagster job run in process reads its settings
    there) left in the environment: under xdist a worker runs other modules' tests next, and a
    leaked COCKPIT_BUILD_DB would point them at this test's build DB."""
    saved = _run_environment()
    yield
    for key in set(_run_environment()) - set(saved):
        del os.environ[key]
    os.environ.update(saved)


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


@pytest.fixture
def warehouse_copy(published_sample, tmp_path) -> Settings:
    """This test's own copy of the session's published sample warehouse, in `tmp_path`: landing
    dir, build DB, published file and reports, each with its modification time, so a refresh of
    the copy finds everything current (`Uændret`, the report too) until the test changes
    something. The session's warehouse stays as its one refresh made it for the tests that only
    read it (`published_sample`: no test may write to it); the copy costs ~0.2 s, a refresh
    from scratch a minute. Paths inside the build DB are relative to the landing dir."""
    source, _, _ = published_sample
    target = warehouse_settings(tmp_path, tmp_path / "landing")
    shutil.copytree(source.landing_dir, target.landing_dir)
    shutil.copy2(source.build_db, target.build_db)
    shutil.copy2(source.published_db, target.published_db)
    shutil.copytree(source.report_dir, target.report_dir)
    return target


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


def _runs_the_pipeline(item) -> bool:
    """A test whose own body calls `run_pipeline` is a pipeline test wherever its module is: a
    refresh costs ~45 s, and one such test in the fast tier took it from ~30 s to ~80 s."""
    function = getattr(item, "function", None)
    if function is None:
        return False
    try:
        return "run_pipeline(" in inspect.getsource(function)
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(items):
    for item in items:
        if (
            item.module.__name__ in PIPELINE_MODULES
            or "published_sample" in item.fixturenames
            or _runs_the_pipeline(item)
        ):
            item.add_marker(pytest.mark.pipeline)
