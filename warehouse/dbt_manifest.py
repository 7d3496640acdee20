"""The dbt project's executable and manifest, shared by the assets, the CLI, the settings and the tests
(no Dagster: dagster-dbt's `DbtProject` and resource are `orchestration/dbt_resources.py`).

The manifest (`dbt_project/target/manifest.json`) is made by one explicit step,
`prepare_manifest` (`cockpit prepare`, called by `cockpit run`, `make ui` and the tests' session
start), never by loading the definitions: `dbt parse` takes 3–13 s, and a definitions import
that starts a subprocess is a surprise in every process that imports it (step subprocesses,
`dagster dev`'s code server, a test collecting). Beside the manifest, `prepare_manifest` writes
the digest of the dbt project files it was parsed from, so "is it current?" is a hash of ~250
small files, not another parse.

dbt parses the project once per refresh at most, for refreshes of one build DB in turn (two
build DBs refreshed in turn from one checkout make dbt parse in full; nothing a refresh passes
dbt varies its parse: the ledger's years go in the environment, docs/performance.md). dagster-dbt runs each `dbt build` in a folder
of its own (`target/<step>-<run>-<id>/`) and copies `target/partial_parse.msgpack` into it first;
dbt reuses that state only when it was made with the same profile (dbt hashes the connection's
path and `config_options` into it). So `prepare_manifest` parses with the refresh's profile
(`profile_env`), and `keep_partial_parse` hands each build's state back to `target/`: the next
build of the same warehouse re-reads only the files that changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from warehouse.paths import DBT_PROJECT_DIR, MANIFEST_PATH, PROJECT_ROOT
from warehouse.settings import build_db_for_dbt

# Written by dbt (or by this module) inside the project: not part of what the manifest is made from.
_NOT_SOURCES = {"target", "logs", "dbt_packages"}


class ManifestMissing(RuntimeError):
    """The dbt manifest has not been prepared; the message says which command prepares it."""


class ManifestError(RuntimeError):
    """`dbt parse` failed; the message is dbt's own output (which file, which error)."""


@cache
def dbt_executable() -> str:
    """The venv's dbt, also when the venv is not activated (make, CI and cron call .venv/bin/cockpit)."""
    return shutil.which("dbt") or str(Path(sys.executable).with_name("dbt"))


# Runs dbt so that it dies with the step that started it (a killed refresh leaves no writer).
# The venv's console script of that file when the venv is this checkout's (`.venv`, as make
# and CI make it; another venv's script could run another checkout's code): its first line
# names the venv's Python, where the file's own `#!/usr/bin/env python3` found pyenv's shim on
# this machine (~0,1 s of shell scripts per start, two starts per dbt step).
_DBT_CHILD_SCRIPT = Path(sys.executable).with_name("cockpit-dbt-child")
DBT_CHILD = (
    _DBT_CHILD_SCRIPT
    if _DBT_CHILD_SCRIPT.is_file() and Path(sys.prefix).resolve() == (PROJECT_ROOT / ".venv").resolve()
    else Path(__file__).with_name("dbt_child.py")
)


def dbt_child_env() -> dict[str, str]:
    """What `dbt_child.py` needs in its environment: the real dbt (`COCKPIT_DBT_EXECUTABLE`)
    and, when that is this venv's own dbt, the installed dbt-core version
    (`COCKPIT_DBT_VERSION`, e.g. "1.11.16"). dagster-dbt runs `<executable> --version` once per
    dbt step to learn the version: 1,9 s of dbt's start, and dbt asks PyPI for the newest
    release on the way; the child answers it from this variable without starting dbt. Another
    dbt (first on PATH) is asked itself."""
    from importlib.metadata import PackageNotFoundError, version

    dbt = dbt_executable()
    env = {"COCKPIT_DBT_EXECUTABLE": dbt, "COCKPIT_DBT_VERSION": ""}
    if Path(dbt).resolve() == Path(sys.executable).with_name("dbt").resolve():
        with contextlib.suppress(PackageNotFoundError):
            env["COCKPIT_DBT_VERSION"] = version("dbt-core")
    return env


# A folder younger than this is never removed: it may belong to a dbt still running (a UI run on
# another build DB of the same checkout).
_PRUNE_MIN_AGE_SECONDS = 3600.0


def prune_dbt_targets(keep: int, target: Path = DBT_PROJECT_DIR / "target") -> list[Path]:
    """Remove dagster-dbt's per-invocation folders (`target/<step>-<run>-<id>/`: dbt's
    artifacts and its log, ~12 MB each) but the `keep` newest and any younger than an hour;
    returns those removed. The shared `target/manifest.json` and partial parse stay. Without
    this a scheduled warehouse grows without bound (issue 24 §6: 97 refreshes left 1,1 GB)."""
    if not target.is_dir():
        return []
    folders = sorted(
        (p for p in target.iterdir() if p.is_dir() and p.name.count("-") >= 2),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    now, removed = time.time(), []
    for folder in folders[max(keep, 0) :]:
        if now - folder.stat().st_mtime >= _PRUNE_MIN_AGE_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def manifest_path(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """Where dbt (and dagster-dbt's `DbtProject`) keeps the project's manifest."""
    return project_dir / "target" / "manifest.json"


def load_manifest() -> dict:
    """The prepared manifest (`dbt_project/target/manifest.json`, written by `prepare_manifest`)
    as parsed JSON: dbt's `nodes`, `sources`, `parent_map`, … Raises FileNotFoundError when it
    has not been prepared (`cockpit prepare`)."""
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


def stamp_path(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    return manifest_path(project_dir).with_name("cockpit_manifest_digest.json")


def project_digest(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """SHA-256 over the path and content of every file of the dbt project that `dbt parse` reads
    (models, seeds, macros, tests, dbt_project.yml, profiles.yml; not target/, logs/, dot files)."""
    files = []
    # dbt's own folders are never entered: target/ holds ~15 000 files of earlier builds, and
    # walking them took 0,5 s of every refresh's start and twice that in its dbt step.
    for root, folders, names in os.walk(project_dir):
        top = Path(root) == project_dir
        folders[:] = [f for f in folders if not f.startswith(".") and not (top and f in _NOT_SOURCES)]
        files += [Path(root, n) for n in names if not n.startswith(".") and not (top and n in _NOT_SOURCES)]
    digest = hashlib.sha256()
    for path in sorted(files):
        rel = path.relative_to(project_dir)
        if not path.is_file():
            continue
        digest.update(f"{rel.as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def manifest_state(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """ "missing" (no manifest), "stale" (made from other project files than today's, or not by
    `prepare_manifest`) or "current"."""
    if not manifest_path(project_dir).exists():
        return "missing"
    try:
        recorded = json.loads(stamp_path(project_dir).read_text(encoding="utf-8")).get("project_digest")
    except (FileNotFoundError, ValueError, AttributeError):
        return "stale"
    return "current" if recorded == project_digest(project_dir) else "stale"


def prepare_manifest(*, force: bool = False, profile_env: Mapping[str, str] | None = None) -> bool:
    """Make `dbt_project/target/manifest.json` current: run `dbt parse` unless the manifest was
    prepared from exactly today's project files (or always, with `force`). Returns whether dbt
    ran. `profile_env`: the variables of the profile the refresh's `dbt build` will run with
    (`Settings.dbt_profile_env`), so that the partial-parse state this parse leaves in `target/`
    is one that build can reuse; without it the environment's (the build DB of
    `build_db_for_dbt`). Raises `ManifestError` with dbt's output when the project does not parse."""
    if not force and manifest_state() == "current":
        return False
    digest = project_digest()  # of the files dbt is about to read
    env = {
        **os.environ,
        "COCKPIT_BUILD_DB": str(build_db_for_dbt()),  # the profile needs it; parse opens no DB
        **(profile_env or {}),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": os.environ.get("DBT_SEND_ANONYMOUS_USAGE_STATS", "False"),
    }
    run = subprocess.run(
        [
            dbt_executable(),
            "parse",
            "--quiet",
            "--log-format",
            "json",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            "target",
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if run.returncode != 0 or not MANIFEST_PATH.exists():
        raise ManifestError(f"dbt parse fejlede (exit {run.returncode}): {_dbt_errors(run.stdout + run.stderr)}")
    stamp_path().write_text(json.dumps({"project_digest": digest}), encoding="utf-8")
    if profile_env:  # the refresh's build starts from this parse, whichever build DB ran last
        keep_partial_parse(DBT_PROJECT_DIR / "target", profile_env=profile_env)
    return True


def unit_tests_path(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    return manifest_path(project_dir).with_name("cockpit_unit_tests_passed.json")


def unit_tests_passed(state: str, project_dir: Path = DBT_PROJECT_DIR) -> bool:
    """Whether every dbt unit test passed in a refresh's build of this checkout with project
    state `state` (`build_state.dbt_states`' project entry: the project files' digest, the
    versions of dbt, its adapter and DuckDB, the year). A unit test's verdict depends on these
    alone, never on the build DB's rows (its inputs are the fixtures in its YAML), so a build
    from an empty build DB need not run them again."""
    try:
        return json.loads(unit_tests_path(project_dir).read_text(encoding="utf-8")).get("state") == state
    except (FileNotFoundError, ValueError, AttributeError):
        return False


def record_unit_tests_passed(state: str, project_dir: Path = DBT_PROJECT_DIR) -> None:
    """After a `dbt build` that ran every unit test and succeeded (a failed unit test fails the
    build): `unit_tests_passed(state)` is true from now on. Written atomically."""
    _replace_bytes(unit_tests_path(project_dir), json.dumps({"state": state}).encode("utf-8"))


PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# One partial-parse state per profile (build DB, memory limit, temp dir) under target/: dbt
# parses the whole project again (~3 s) when the profile differs from the state's, so a single
# state made every refresh that followed one of another build DB parse in full — the tests'
# refreshes, a bench on its own build DB, a UI run beside the scheduled one.
PARTIAL_PARSE_STATES = "partial_parse"
KEEP_PARTIAL_PARSE_STATES = 16  # ~1,9 MB each


def partial_parse_state(profile_env: Mapping[str, str], target: Path = DBT_PROJECT_DIR / "target") -> Path:
    """Where the partial-parse state of dbt builds with profile `profile_env`
    (`Settings.dbt_profile_env`) is kept: `target/partial_parse/<digest of the profile>.msgpack`."""
    digest = hashlib.sha256(json.dumps(sorted(profile_env.items())).encode("utf-8")).hexdigest()[:16]
    return target / PARTIAL_PARSE_STATES / f"{digest}.msgpack"


def seed_partial_parse(
    invocation_target: Path, profile_env: Mapping[str, str], target: Path = DBT_PROJECT_DIR / "target"
) -> bool:
    """Before a `dbt build`: copy the state kept for `profile_env` into the invocation's folder
    (`invocation_target`, created), where dbt looks for it. dagster-dbt then leaves it there: it
    copies the project's `target/partial_parse.msgpack` only into a folder without one. Returns
    whether a state was kept for this profile (when not, dagster-dbt's copy of the project's
    state is what dbt gets)."""
    kept = partial_parse_state(profile_env, target)
    try:
        data = kept.read_bytes()  # replaced atomically by `keep_partial_parse`: read whole
    except FileNotFoundError:
        return False
    invocation_target.mkdir(parents=True, exist_ok=True)
    (invocation_target / PARTIAL_PARSE_FILE).write_bytes(data)
    return True


def keep_partial_parse(
    invocation_target: Path,
    target: Path = DBT_PROJECT_DIR / "target",
    *,
    profile_env: Mapping[str, str] | None = None,
) -> bool:
    """Make the partial-parse state a dbt invocation wrote in its own folder (`invocation_target`,
    dagster-dbt's `target/<step>-<run>-<id>/`, or `target/` itself after `dbt parse`) the
    project's (`target/partial_parse.msgpack`, which dagster-dbt copies into the next
    invocation's folder) and, with `profile_env`, the state kept for that profile
    (`partial_parse_state`; the 16 newest profiles' states are kept). Returns whether the
    project's was replaced: not when the folder holds none (dbt failed before parsing, and
    nothing was seeded) or the same bytes (dbt skipped parsing; or it failed after the seeded
    state was put there, which then goes back unchanged). Replaced atomically: another refresh
    of this checkout copying it reads the old or the new file whole. The state is only a cache:
    dbt checks it against the project files, the profile and its version, and parses again
    whatever does not match. So keeping it never raises: a state that cannot be written or
    trimmed (another refresh trimming the same folder) is left as it is."""
    made = invocation_target / PARTIAL_PARSE_FILE
    try:
        data = made.read_bytes()
    except OSError:
        return False
    if profile_env is not None:
        with contextlib.suppress(OSError):
            state = partial_parse_state(profile_env, target)
            state.parent.mkdir(parents=True, exist_ok=True)
            _replace_bytes(state, data)
            _trim_states(state.parent)
    kept = target / PARTIAL_PARSE_FILE
    try:
        if kept == made or (kept.is_file() and kept.read_bytes() == data):
            return False
        _replace_bytes(kept, data)
    except OSError:
        return False
    return True


def _trim_states(folder: Path) -> None:
    """Remove all but the `KEEP_PARTIAL_PARSE_STATES` newest states in `folder`. Another
    refresh may be trimming the same folder: a state gone meanwhile is skipped."""
    states = []
    for path in folder.glob("*.msgpack"):
        with contextlib.suppress(FileNotFoundError):
            states.append((path.stat().st_mtime, path))
    for _, old in sorted(states, reverse=True)[KEEP_PARTIAL_PARSE_STATES:]:
        old.unlink(missing_ok=True)


def _replace_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _dbt_errors(output: str) -> str:
    """dbt's error messages from its JSON log lines, one line ("Compilation Error Model
    'model.cockpit.x' (models/x.sql) depends on a node named 'y' which was not found"); the raw
    output's end when there are none (dbt failed before logging)."""
    errors = []
    for line in output.splitlines():
        try:
            info = json.loads(line)["info"]
        except (ValueError, KeyError, TypeError):
            continue
        if info.get("level") == "error":
            errors.append(" ".join(info.get("msg", "").split()).removeprefix("Encountered an error: "))
    return " | ".join(errors) or " ".join(output.split())[-2000:] or "intet output"
