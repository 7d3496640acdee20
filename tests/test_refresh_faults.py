"""Crash-safe refresh and publish (issue 24 §6), the parts that need no pipeline run: build DB
names dbt-duckdb cannot carry, stale publish files, a damaged published or build DB."""

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psutil
import pytest

from cli.main import main
from orchestration.resources import BuildDb, SettingsResource
from orchestration.runner import _build_db_damaged, prune_run_logs
from warehouse.build_db import BuildDbDamaged, damaged_message
from warehouse.dbt_manifest import DBT_CHILD, prune_dbt_targets
from warehouse.publishing import file_damage, record_file_digest, remove_stale_publish_files
from warehouse.refresh_lock import RefreshBusy, lock_path, refresh_lock, wait_for_old_writer
from warehouse.settings import Settings, SettingsError

COCKPIT_VARS = ("COCKPIT_LANDING_DIR", "COCKPIT_BUILD_DB", "COCKPIT_PUBLISHED_DB", "COCKPIT_REPORT_DIR")


@pytest.fixture(autouse=True)
def restored_env(monkeypatch):
    # `cockpit run` exports its settings into os.environ: undone after each test (setting first
    # makes monkeypatch record a variable that was unset, so it is unset again afterwards)
    for var in (
        *COCKPIT_VARS,
        "COCKPIT_DUCKDB_MEMORY_LIMIT",
        "COCKPIT_DUCKDB_TEMP_DIR",
        "COCKPIT_TILLAD_FJERNELSE",
        "COCKPIT_FJERNELSE_MAX_ANDEL",
        "COCKPIT_BEHOLD_KOERSLER",
        "COCKPIT_DBT_EXECUTABLE",
        "COCKPIT_DBT_VERSION",
        "COCKPIT_DBT_PARENT_PID",
    ):
        before = os.environ.get(var)
        monkeypatch.setenv(var, before or "x")
        if before is None:
            monkeypatch.delenv(var)


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("it's.duckdb", '"\'"'),
        ('a"b.duckdb', "'\"'"),
        ("a;b.duckdb", "';'"),
        ("a?b.duckdb", "'?'"),
        ("a#b.duckdb", "'#'"),
    ],
)
def test_a_build_db_name_dbt_duckdb_cannot_carry_is_refused_before_any_work(tmp_path, capsys, name, bad):
    build = tmp_path / "data" / name
    code = main(
        ["run", "--landing", str(tmp_path), "--build-db", str(build), "--published-db", str(tmp_path / "p.duckdb")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"fejl: {build}: build-DB'ens sti må ikke indeholde {bad} (dbt-duckdb sætter den ind i sin SQL og læser "
        "; ? # som parametre) — omdøb den, fx COCKPIT_BUILD_DB=data/build.duckdb"
    ]
    assert not (tmp_path / "data").exists()  # nothing made, no lock taken


@pytest.mark.parametrize("stem", ["main", "system", "temp", "MAIN"])
def test_a_build_db_named_like_a_reserved_catalog_is_refused(tmp_path, capsys, stem):
    code = main(["run", "--landing", str(tmp_path), "--build-db", str(tmp_path / f"{stem}.duckdb")])
    assert code == 2
    assert capsys.readouterr().err.startswith(f"fejl: {stem}.duckdb: en DuckDB-fil må ikke hedde som skemaet/katalogen")


def test_a_line_break_in_the_build_db_name_is_refused_and_shown_escaped(tmp_path, capsys):
    build = tmp_path / "bygge\nfærdig.duckdb"
    assert main(["run", "--landing", str(tmp_path), "--build-db", str(build)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"fejl: {tmp_path}/bygge\\nfærdig.duckdb: build-DB'ens sti må ikke indeholde '\\n'")


def make_db(path: Path, rows: int = 300_000) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema cockpit")
        con.execute(f"create table cockpit.t as select range as n, md5(range::varchar) as s from range({rows})")
        con.execute("checkpoint")


def test_stale_publish_files_of_dead_publishes_are_removed_with_a_line(tmp_path):
    published = tmp_path / "styringscockpit.duckdb"
    published.write_bytes(b"x")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = [
        tmp_path / f".styringscockpit.duckdb.{dead_pid}.tmp",
        tmp_path / f".styringscockpit.duckdb.{dead_pid}.previous",
    ]
    for p in stale:
        p.write_bytes(b"\0" * 2_000_000)
    running = tmp_path / f".styringscockpit.duckdb.{os.getppid()}.tmp"  # a publish still running
    running.write_bytes(b"y")
    reused = tmp_path / f".styringscockpit.duckdb.{os.getppid()}.previous"  # a day old: its pid was reused
    reused.write_bytes(b"z")
    os.utime(reused, (time.time() - 2 * 86400, time.time() - 2 * 86400))
    other = tmp_path / ".andet.duckdb.1.tmp"
    other.write_bytes(b"o")
    said = []
    removed = remove_stale_publish_files(published, said.append)
    assert sorted(removed) == sorted([*stale, reused])
    assert sorted(said) == sorted(
        [
            f"efterladt fil fra en afbrudt publicering fjernet: .styringscockpit.duckdb.{dead_pid}.tmp (2.0 MB)",
            f"efterladt fil fra en afbrudt publicering fjernet: .styringscockpit.duckdb.{dead_pid}.previous (2.0 MB)",
            f"efterladt fil fra en afbrudt publicering fjernet: .styringscockpit.duckdb.{os.getppid()}.previous (0.0 MB)",
        ]
    )
    assert running.exists() and other.exists() and published.read_bytes() == b"x"


def damage_middle(path: Path, size: int = 1 << 16) -> None:
    os.chmod(path, 0o644)
    with open(path, "r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        fh.write(b"\xa5" * size)  # not zeros: a free block is zeros already


def test_a_published_file_damaged_in_the_middle_is_told_by_its_digest(tmp_path):
    published = tmp_path / "p.duckdb"
    make_db(published)
    assert file_damage(published) == ""  # no digest yet: read to the end, fine
    record_file_digest(published)
    assert file_damage(published) == ""
    damage_middle(published)
    assert file_damage(published) == "indholdet er ændret siden publiceringen (SHA-256 afviger)"
    with open(published, "ab") as fh:
        fh.write(b"\0" * 10)
    assert file_damage(published).endswith("bytes, men " + str(published.stat().st_size - 10) + " blev publiceret")
    assert file_damage(tmp_path / "gone.duckdb") == "filen findes ikke"


def test_without_a_digest_every_table_is_read_to_the_end(tmp_path):
    published = tmp_path / "p.duckdb"
    make_db(published)
    damage_middle(published, 1 << 20)
    assert file_damage(published).startswith("DuckDB kan ikke læse den: ")


@pytest.mark.parametrize("kind", ["truncated", "header", "damaged-block"])
def test_a_damaged_build_db_is_named_with_the_command_that_rebuilds_it(tmp_path, kind):
    build = tmp_path / "build.duckdb"
    make_db(build)
    size = build.stat().st_size
    with open(build, "r+b") as fh:
        if kind == "truncated":
            fh.truncate(size // 2)
        elif kind == "header":
            fh.write(b"garbage!" * 1024)
    if kind == "damaged-block":
        damage_middle(build, 1 << 20)
    settings = Settings(tmp_path / "landing", build, tmp_path / "p.duckdb", tmp_path / "reports")
    said = []
    reason = _build_db_damaged(settings, said.append)
    if kind == "damaged-block":  # opens: the step that reads the block says it, and the run names the file
        assert reason == ""
        with duckdb.connect(str(build)) as con, pytest.raises(duckdb.Error) as err:
            con.execute("select sum(hash(s)) from cockpit.t").fetchall()
        assert damaged_message(err.value)
        return
    assert reason.startswith(f"build-DB'en {build} er beskadiget (IO Error: ")
    assert reason.endswith(
        f"flyt den væk, så bygges alt igen fra landingsmappen — mv {build} {build}.beskadiget && cockpit run"
        f" — {tmp_path / 'p.duckdb'} er uændret"
    )
    assert "\n" not in reason and said == []
    with pytest.raises(BuildDbDamaged, match="er beskadiget"), BuildDb(settings=resource(settings)).connect():
        pass


def resource(settings: Settings) -> SettingsResource:
    """The `settings` resource as `cockpit run` configures it (every field given)."""
    return SettingsResource(**SettingsResource.run_config(settings)["resources"]["settings"]["config"])


def test_a_0_byte_build_db_is_simply_rebuilt(tmp_path):
    build = tmp_path / "build.duckdb"
    build.write_bytes(b"")
    settings = Settings(tmp_path / "landing", build, tmp_path / "p.duckdb", tmp_path / "reports")
    said = []
    assert _build_db_damaged(settings, said.append) == ""
    assert said == ["build-DB'en build.duckdb var tom (0 bytes): den bygges forfra fra landingsmappen"]
    assert not build.exists()
    build.write_bytes(b"")  # and a step that meets one first
    with BuildDb(settings=resource(settings)).connect() as con:
        assert con.execute("select 42").fetchone() == (42,)


def test_dbt_target_folders_and_run_logs_are_kept_for_the_last_n(tmp_path):
    target = tmp_path / "target"
    (target / "manifest.json").parent.mkdir()
    (target / "manifest.json").write_text("{}")
    old = time.time() - 7200
    folders = []
    for i in range(6):
        folder = target / f"cockpit_dbt-{i:07x}-abcdef{i}"
        folder.mkdir()
        (folder / "run_results.json").write_text("{}")
        os.utime(folder, (old + i, old + i))
        folders.append(folder)
    young = target / "cockpit_dbt-fffffff-young00"  # a dbt that may still run
    young.mkdir()
    assert sorted(prune_dbt_targets(2, target)) == folders[:5]  # the young one is one of the 2 newest
    assert sorted(p.name for p in target.iterdir()) == sorted(["manifest.json", young.name, folders[5].name])
    assert prune_dbt_targets(0, target) == [folders[5]]  # never one younger than an hour
    assert sorted(p.name for p in target.iterdir()) == sorted(["manifest.json", young.name])
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(5):
        (logs / f"run-{i}.log").write_text("x")
        os.utime(logs / f"run-{i}.log", (old + i, old + i))
    (logs / "dbt.log").write_text("kept")
    assert len(prune_run_logs(logs, 3)) == 2
    assert sorted(p.name for p in logs.iterdir()) == ["dbt.log", "run-2.log", "run-3.log", "run-4.log"]


def test_the_keep_setting_is_read_and_checked(monkeypatch):
    monkeypatch.setenv("COCKPIT_BEHOLD_KOERSLER", "3")
    assert Settings.from_env().keep_runs == 3
    monkeypatch.setenv("COCKPIT_BEHOLD_KOERSLER", "-1")
    with pytest.raises(SettingsError, match="COCKPIT_BEHOLD_KOERSLER='-1': skal være et helt tal"):
        Settings.from_env()


def test_the_settle_and_file_size_settings_are_read_and_checked(monkeypatch):
    """COCKPIT_SETTLE_SECONDS, COCKPIT_SETTLE_TIMEOUT_SECONDS and COCKPIT_MAX_FILE_MIB are read
    once, into Settings (the steps get them from the settings resource), with their defaults."""
    for var in ("COCKPIT_SETTLE_SECONDS", "COCKPIT_SETTLE_TIMEOUT_SECONDS", "COCKPIT_MAX_FILE_MIB"):
        monkeypatch.delenv(var, raising=False)
    defaults = Settings.from_env()
    assert (defaults.settle_seconds, defaults.settle_timeout_seconds, defaults.max_file_mib) == (3.0, 600.0, 512)
    monkeypatch.setenv("COCKPIT_SETTLE_SECONDS", "0,5")
    monkeypatch.setenv("COCKPIT_SETTLE_TIMEOUT_SECONDS", "30")
    monkeypatch.setenv("COCKPIT_MAX_FILE_MIB", "64")
    read = Settings.from_env()
    assert (read.settle_seconds, read.settle_timeout_seconds, read.max_file_mib) == (0.5, 30.0, 64)
    monkeypatch.setenv("COCKPIT_SETTLE_SECONDS", "tre")
    with pytest.raises(SettingsError, match="COCKPIT_SETTLE_SECONDS='tre': skal være et antal sekunder"):
        Settings.from_env()


def test_dbt_started_through_dbt_child_dies_with_the_process_that_started_it(tmp_path):
    """kill -9 of the lock holder: the kernel kills its dbt too (PR_SET_PDEATHSIG)."""
    starter = (
        "import os, subprocess, sys, time\n"
        f"p = subprocess.Popen([{str(DBT_CHILD)!r}, '600'])\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    env = {**os.environ, "COCKPIT_DBT_EXECUTABLE": "/bin/sleep"}
    parent = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, text=True, env=env)
    child = psutil.Process(int(parent.stdout.readline()))
    deadline = time.time() + 10
    while child.name() != "sleep" and time.time() < deadline:  # exec'd into the "dbt"
        time.sleep(0.05)
    assert child.name() == "sleep" and child.is_running()
    parent.kill()
    parent.wait()
    child.wait(timeout=10)  # raises TimeoutExpired when the child outlives its parent
    assert not psutil.pid_exists(child.pid) or child.status() == psutil.STATUS_ZOMBIE


def test_a_taken_over_lock_waits_for_the_old_writers_duckdb_lock(tmp_path):
    build = tmp_path / "build.duckdb"
    make_db(build, 10)
    lock_path(build).write_text('{"pid": 999999, "host": "", "startet": "i går"}')  # left by a killed run
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(build)!r}); print(1, flush=True); time.sleep(1)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    holder.stdout.readline()
    said = []
    t0 = time.monotonic()
    with refresh_lock(build, say=said.append):
        waited = time.monotonic() - t0
        with duckdb.connect(str(build)) as con:  # the one writer now
            assert con.execute("select count(*) from cockpit.t").fetchone() == (10,)
    assert 0.5 < waited < 30  # the holder lets go 1 s after it said so
    assert (
        said[0]
        == "overtog en efterladt lås build.duckdb.lock fra en opdatering der ikke kører længere (pid 999999, startet i går)"
    )
    assert said[1].startswith(f"venter på at pid {holder.pid} (") and said[1].endswith("slipper build.duckdb")
    holder.wait()


def test_a_writer_that_never_lets_go_ends_the_wait_with_refresh_busy(tmp_path):
    build = tmp_path / "build.duckdb"
    make_db(build, 10)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(build)!r}); print(1, flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    holder.stdout.readline()
    try:
        with pytest.raises(RefreshBusy) as busy:
            wait_for_old_writer(build, timeout=0.5)
        assert str(busy.value).startswith(f"en anden opdatering kører (pid {holder.pid}")
    finally:
        holder.kill()
        holder.wait()


def test_dbt_child_does_not_start_dbt_when_its_starter_is_gone_already(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    env = {**os.environ, "COCKPIT_DBT_EXECUTABLE": "/bin/echo", "COCKPIT_DBT_PARENT_PID": dead.stdout.strip()}
    gone = subprocess.run([str(DBT_CHILD), "started"], capture_output=True, text=True, env=env)
    assert (gone.returncode, gone.stdout) == (1, "")
    env["COCKPIT_DBT_PARENT_PID"] = str(os.getppid())  # alive but not its parent: a value inherited
    inherited = subprocess.run([str(DBT_CHILD), "started"], capture_output=True, text=True, env=env)
    assert (inherited.returncode, inherited.stdout) == (0, "started\n")


def test_dbt_child_answers_dagster_dbts_version_question_without_starting_dbt(monkeypatch, tmp_path):
    """dagster-dbt runs `<dbt executable> --version` before each build (1,9 s of dbt's start);
    the child answers it with the installed dbt-core's version, which is the one dagster-dbt
    then reads, and hands every other command, and a version question without the variable, to
    the real executable."""
    from importlib.metadata import version as installed

    from packaging.version import Version

    from orchestration.dbt_resources import dbt_resource

    monkeypatch.setenv("COCKPIT_DBT_PARENT_PID", str(os.getpid()))
    resource = dbt_resource()  # sets COCKPIT_DBT_EXECUTABLE and COCKPIT_DBT_VERSION
    assert os.environ["COCKPIT_DBT_VERSION"] == installed("dbt-core") != ""
    assert resource._cli_version == Version(installed("dbt-core"))
    real = tmp_path / "dbt"
    real.write_text('#!/bin/sh\necho "real dbt: $*"\n')
    real.chmod(0o755)
    env = {**os.environ, "COCKPIT_DBT_EXECUTABLE": str(real), "COCKPIT_DBT_PARENT_PID": str(os.getpid())}
    answered = subprocess.run([str(DBT_CHILD), "--version"], capture_output=True, text=True, env=env)
    assert answered.stdout == f"Core:\n  - installed: {installed('dbt-core')}\n"
    env["COCKPIT_DBT_VERSION"] = ""  # another dbt than the venv's: asked itself
    asked = subprocess.run([str(DBT_CHILD), "--version"], capture_output=True, text=True, env=env)
    assert asked.stdout == "real dbt: --version\n"
    env["COCKPIT_DBT_VERSION"] = installed("dbt-core")
    build = subprocess.run([str(DBT_CHILD), "build", "--version"], capture_output=True, text=True, env=env)
    assert build.stdout == "real dbt: build --version\n"
