"""Faults during a refresh, through `cockpit run` in a subprocess (issue 24 §6): kill -9 at each
stage, a published file damaged in place, a full disk under the published file. After each,
the next refresh succeeds, the cockpit holds the right numbers and nothing is left behind.

A small landing dir (the bugs2 cases' tilbud register and one ledger) keeps each run short."""

import os
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import psutil
import pytest

from orchestration.publishing import file_damage

PROJECT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases" / "bugs2"
HAVBAKKEN_2024 = [(Decimal("408493.00"),)]


def landing(tmp: Path) -> Path:
    out = tmp / "landing"
    shutil.copytree(CASES / "00_register" / "tilbud", out / "tilbud")
    shutil.copy(CASES / "10_duplicate_download" / "posteringer" / "851_2024_eksport.csv", out / "851.csv")
    (out / "posteringer").mkdir()
    (out / "851.csv").rename(out / "posteringer" / "851_2024_eksport.csv")
    return out


def command(tmp: Path, published_dir: Path | None = None) -> tuple[list[str], dict]:
    published = (published_dir or tmp) / "styringscockpit.duckdb"
    args = [sys.executable, "-m", "orchestration.cli", "run", "--landing", str(tmp / "landing")]
    args += ["--build-db", str(tmp / "build.duckdb"), "--published-db", str(published)]
    env = {**os.environ, "DAGSTER_HOME": "", "COCKPIT_SETTLE_SECONDS": "0", "COCKPIT_REPORT_DIR": str(tmp / "reports")}
    return args, env


def run(tmp: Path, published_dir: Path | None = None) -> subprocess.CompletedProcess:
    args, env = command(tmp, published_dir)
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=PROJECT, timeout=600)


def havbakken(published: Path) -> list[tuple]:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(
            "select koeb_kr from cockpit.koeb_driftsherre where kommunekode = '851' and aar = 2024"
            " and driftsherre = 'Havbakken ApS'"
        ).fetchall()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".previous")) and p.is_file())


def dbt_build(tree: list[psutil.Process]) -> bool:
    for p in tree:
        try:
            if "build" in p.cmdline() and any("dbt" in part for part in p.cmdline()):
                return True
        except psutil.NoSuchProcess:
            continue
    return False


@pytest.mark.parametrize("stage", ["load", "dbt", "publish"])
def test_kill_9_at_a_stage_and_the_next_refresh_succeeds_with_nothing_left(tmp_path, stage):
    landing(tmp_path)
    args, env = command(tmp_path)
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=PROJECT)
    marker = {
        "load": "trin raw__posteringer starter",
        "dbt": "trin cockpit_dbt starter",
        "publish": "trin publish__cockpit_duckdb starter",
    }[stage]
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if marker in line:
            break
    assert any(marker in line for line in seen), "".join(seen)[-2000:]
    holder = psutil.Process(proc.pid)
    if stage == "dbt":  # kill while `dbt build` runs
        deadline = time.time() + 120
        while not dbt_build(holder.children(recursive=True)) and time.time() < deadline:
            time.sleep(0.1)
        assert dbt_build(holder.children(recursive=True))
    tree = holder.children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Nothing the killed refresh started writes on: dbt died with it.
    gone, alive = psutil.wait_procs(tree, timeout=15)
    assert alive == []

    after = run(tmp_path)
    assert after.returncode == 0, after.stderr[-3000:]
    assert "overtog en efterladt lås build.duckdb.lock" in after.stderr
    assert havbakken(tmp_path / "styringscockpit.duckdb") == HAVBAKKEN_2024
    assert file_damage(tmp_path / "styringscockpit.duckdb") == ""
    assert leftovers(tmp_path) == []
    assert (tmp_path / "build.duckdb.lock").read_text() == ""  # released cleanly this time


def test_a_published_file_damaged_in_the_middle_is_published_again(tmp_path):
    landing(tmp_path)
    published = tmp_path / "styringscockpit.duckdb"
    assert run(tmp_path).returncode == 0
    os.chmod(published, 0o644)
    with open(published, "r+b") as fh:
        fh.seek(published.stat().st_size // 2)
        fh.write(os.urandom(4096))  # zeros might land on a free block and change nothing
    again = run(tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Uændret" not in again.stdout
    assert "styringscockpit.duckdb er ikke den publicerede fil (indholdet er ændret siden publiceringen" in again.stderr
    assert again.stdout.startswith(f"Publiceret {published}")
    assert file_damage(published) == "" and havbakken(published) == HAVBAKKEN_2024
    third = run(tmp_path)
    assert third.returncode == 0 and third.stdout.startswith("Uændret")


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "lille_disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"no tmpfs can be mounted here (needs root): {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def test_a_full_disk_while_publishing_leaves_the_cockpit_and_the_next_refresh_cleans_up(tmp_path, small_disk):
    landing(tmp_path)
    published = small_disk / "styringscockpit.duckdb"
    first = run(tmp_path, small_disk)
    assert first.returncode == 0, first.stderr[-3000:]
    before = published.read_bytes()
    # Another tilbud: the build changes, so the next refresh must publish.
    with open(tmp_path / "landing" / "tilbud" / "bugs2_tilbud.csv", "a", encoding="utf-8") as fh:
        fh.write("9999;Testtilbud 9999;Fyldt Disk ApS;privat;851;SEL § 108;Udviklingshæmning;4;01-01-2015;\n")
    free = shutil.disk_usage(small_disk).free
    (small_disk / "fyld").write_bytes(b"\0" * (free - 2_000_000))  # 2 MB left: the copy cannot fit
    full = run(tmp_path, small_disk)
    assert full.returncode == 1
    last = full.stderr.strip().splitlines()[-1]
    assert "No space left on device" in last and last.endswith(f"— {published} er uændret")
    assert published.read_bytes() == before
    left = leftovers(small_disk)

    (small_disk / "fyld").unlink()  # space is back
    after = run(tmp_path, small_disk)
    assert after.returncode == 0, after.stderr[-3000:]
    for name in left:
        assert f"efterladt fil fra en afbrudt publicering fjernet: {name}" in after.stderr
    assert leftovers(small_disk) == []
    assert file_damage(published) == ""
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from cockpit.koeb_driftsherre").fetchone() == (1,)
    assert havbakken(published) == HAVBAKKEN_2024
