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
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock
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


def build_comments(db) -> dict[tuple, str]:
    """Every non-empty comment in the build DB `db`: `(schema, relation[, column]) → text`."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """select schema_name, table_name, column_name, comment from duckdb_columns()
               where database_name = current_database() and comment <> ''"""
        ).fetchall()
        relations = con.execute(
            """select schema_name, view_name, comment from duckdb_views() where database_name = current_database()
               and comment <> '' union all select schema_name, table_name, comment from duckdb_tables()
               where database_name = current_database() and comment <> ''"""
        ).fetchall()
    return {(s, t, c): text for s, t, c, text in rows} | {(s, t): text for s, t, text in relations}


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


def _without(env: Mapping[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


def _once_per_session(tmp_path_factory, name: str, make):
    """`make(folder)` run once for the whole session, whichever pytest-xdist worker asks first;
    the others wait for it and get the same value (pickled beside `folder`). Under xdist the
    workers' temp dirs share a parent, the session's; a serial run uses its own temp dir. Made
    once, not once per worker: the sample refresh from scratch is ~1 min of CPU, and two
    workers making it at once each took twice as long (issue 24 §7). A `make` that fails
    leaves no value, so the next worker to ask tries again and fails the same way."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder, value = root / name, root / f"{name}.pickle"
    with FileLock(root / f"{name}.lock"):
        if value.exists():
            return pickle.loads(value.read_bytes())
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        made = make(folder)
        value.write_bytes(pickle.dumps(made))
        return made


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory) -> tuple[Path, dict]:
    """The regional sample (seed 2024) written once for the session: `(landing dir, manifest)`."""
    from sampledata.nordjylland import write_sample

    return _once_per_session(tmp_path_factory, "landing", lambda out: (out, write_sample(out, seed=2024)))


@pytest.fixture(scope="session")
def published_sample(tmp_path_factory, sample_landing):
    """One refresh from scratch of `sample_landing`, shared by every worker of the session:
    `(settings, outcome, progress lines)`. Read-only for every test (`warehouse_copy` to change it)."""
    from orchestration.runner import run_pipeline

    def refresh(folder: Path):
        settings = warehouse_settings(folder, sample_landing[0])
        lines: list[str] = []
        outcome = run_pipeline(settings, progress=lines.append)
        assert outcome.published, outcome.reason
        return settings, outcome, lines

    return _once_per_session(tmp_path_factory, "warehouse", refresh)


# The independent generator's seed for its one pipeline run (tests/independent_landing.py): the
# first seed whose landing dir shows every freedom in its REQUIRED_COVERAGE.
INDEPENDENT_SEED = 17
# Known open bugs the independent generator leaves out of its files (tests/test_independent_landing.py).
INDEPENDENT_EXCLUDED: frozenset[str] = frozenset()


@pytest.fixture(scope="session")
def independent_published(tmp_path_factory) -> tuple[Path, object, Settings, subprocess.CompletedProcess]:
    """The independent generator's landing dir (`INDEPENDENT_SEED`, every freedom on) and one
    `cockpit run` of it in a subprocess, as a user starts it, made once for the session:
    `(landing dir, the generator's Truth, Settings, the run's CompletedProcess)`. Read it only.
    test_independent_landing compares it number by number; test_report_readback reads the
    report of it back."""
    import independent_landing as gen

    def run(folder: Path):
        settings = warehouse_settings(folder, folder / "landing")
        truth = gen.generate(settings.landing_dir, INDEPENDENT_SEED, INDEPENDENT_EXCLUDED)
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "cli.main", "run", "--landing", str(settings.landing_dir)]
            + ["--build-db", str(settings.build_db), "--published-db", str(settings.published_db)],
            capture_output=True,
            text=True,
            timeout=900,
            # stdout to a pipe block-buffered, as a user's shell gives it: the run's last lines
            # must get out of the buffer at its fast end (cli/main.py `entry`)
            env={**_without(os.environ, "PYTHONUNBUFFERED"), "COCKPIT_REPORT_DIR": str(settings.report_dir)},
        )
        print(f"cockpit run took {time.monotonic() - started:.1f}s")
        return settings.landing_dir, truth, settings, result

    return _once_per_session(tmp_path_factory, "independent", run)


@pytest.fixture
def warehouse_copy(published_sample, tmp_path) -> Settings:
    """This test's own copy of the session's published sample warehouse, in `tmp_path`: landing
    dir, build DB, published file and reports, each with its modification time, so a refresh of
    the copy finds everything current (`Uændret`, the report too) until the test changes
    something. The session's warehouse stays as its one refresh made it for the tests that only
    read it (`published_sample`: no test may write to it); the copy costs ~0.2 s, a refresh
    from scratch a minute. Paths inside the build DB are relative to the landing dir."""
    return copy_warehouse(published_sample[0], tmp_path)


def copy_warehouse(source: Settings, base: Path) -> Settings:
    """A copy of the warehouse `source` in `base` (`base/landing`, the build DB, the published
    file and the reports, modification times kept); its `Settings`. For a module fixture that
    starts from the session's refresh (`copy_warehouse(published_sample[0], tmp)`); a test
    takes `warehouse_copy`."""
    target = warehouse_settings(base, base / "landing")
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
    "test_comparison",
    "test_safe_publish",
}


def pytest_ignore_collect(collection_path, config):
    """`make test-fast` (`-m "not pipeline"`) does not import the pipeline modules at all: each
    xdist worker collects every module it is given, and theirs import the runner and the UI."""
    if config.getoption("markexpr", "") == "not pipeline" and collection_path.stem in PIPELINE_MODULES:
        return True
    return None


def _runs_the_pipeline(item) -> bool:
    """A test whose own body calls `run_pipeline` is a pipeline test wherever its module is: a
    refresh costs ~45 s, and one such test in the fast tier took it from ~30 s to ~80 s. A safety
    net, not a proof: a test that refreshes through a helper or `execute_in_process` is marked
    by hand or listed in PIPELINE_MODULES."""
    function = getattr(item, "function", None)
    if function is None:
        return False
    try:
        return "run_pipeline(" in inspect.getsource(function)
    except (OSError, TypeError):
        return False


# The longest modules, longest first (docs/testing.md has their measured times). `make test`
# hands whole modules to its two workers in collection order (`--dist loadfile
# --no-loadscope-reorder`), so these start first and the short ones fill in around them: a
# long module handed out last would leave the other worker idle until it ends.
SLOWEST_MODULES = (
    "test_national_sample",
    "test_operations",
    "test_incremental",
    "test_refresh_faults_run",
    "test_ui_runs",
    "test_cases_run",
    "test_report",
    "test_safe_operations",
    "test_independent_landing",
    "test_report_readback",
    "test_statbank_pipeline",
    "test_flag_refreshes",
    # the fast tier's longest (its ~43 s of tests over two workers; docs/testing.md)
    "test_refresh_faults",
    "test_damaged_files",
    "test_disclosure",
    "test_discovery",
    "test_raw_loader",
    "test_statbank",
    "test_variations",
    "test_landing_guards",
    "test_sample",
    "test_expectations_columns",
)


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(SLOWEST_MODULES)}
    items.sort(key=lambda item: rank.get(item.module.__name__, len(rank)))  # stable: a module keeps its order
    for item in items:
        if (
            item.module.__name__ in PIPELINE_MODULES
            or "published_sample" in item.fixturenames
            or _runs_the_pipeline(item)
        ):
            item.add_marker(pytest.mark.pipeline)
