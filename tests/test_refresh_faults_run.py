"""Faults and odd landing dirs through `cockpit run` in a subprocess (issue 24 §2, §3, §6): a
second download loaded once; an emptied source folder or landing dir (an unmounted share) that
never replaces the cockpit; kill -9 at each stage; a published file damaged in place; a full
disk under the published file. After each, the next refresh succeeds, the cockpit holds the
right numbers and nothing is left behind.

A small landing dir (the bugs2 cases' tilbud register and the ledger of case 10, both copies)
keeps each run short, and the tests that start from a published cockpit copy one refresh made
once for the module (build DB, published file and its digest: the state is the same wherever
the folder lies)."""

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

from warehouse.publishing import file_damage

PROJECT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases" / "bugs2"
HAVBAKKEN_2024 = [(Decimal("408493.00"),)]


def landing(tmp: Path) -> Path:
    out = tmp / "landing"
    shutil.copytree(CASES / "00_register" / "tilbud", out / "tilbud")
    shutil.copytree(CASES / "10_duplicate_download" / "posteringer", out / "posteringer")
    return out


@pytest.fixture(scope="module")
def small_published(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One refresh of the small landing dir, and `cockpit check` of it, for the module."""
    tmp = tmp_path_factory.mktemp("small_published")
    landing(tmp)
    args, env = command(tmp)
    check = subprocess.run(
        [sys.executable, "-m", "cli.main", "check", str(tmp / "landing")],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "samme indhold som posteringer/851_2024_eksport.csv" in check.stdout
    first = run(tmp)
    assert first.returncode == 0, first.stderr[-3000:]
    return tmp, first


def copy_of(small_published, tmp: Path) -> Path:
    """The module's published warehouse copied into `tmp` (a test changes its copy only)."""
    shutil.copytree(small_published[0], tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns("logs", "reports"))
    os.chmod(tmp / "styringscockpit.duckdb", 0o444)
    return tmp


def test_a_duplicate_download_loads_once_and_an_emptied_landing_never_publishes(small_published, tmp_path):
    first = small_published[1]
    assert (
        "fund: posteringer/851_2024_eksport (1).csv: samme indhold som posteringer/851_2024_eksport.csv: "
        "ikke indlæst (slet kopien)"
    ) in first.stdout.splitlines()
    tmp = copy_of(small_published, tmp_path)
    published = tmp / "styringscockpit.duckdb"
    assert havbakken(published) == HAVBAKKEN_2024  # 408.493,00 kr., not twice that
    with duckdb.connect(str(tmp / "build.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), count(distinct _source_file) from raw.posteringer").fetchone() == (200, 1)
    before = published.read_bytes()

    # bugs2/22: the ledger folder empty, as when the share holding it is not mounted.
    shutil.rmtree(tmp / "landing" / "posteringer")
    (tmp / "landing" / "posteringer").mkdir()
    refused = run(tmp)
    assert refused.returncode == 1
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"fejl: raw__posteringer: {tmp}/landing/posteringer/ er tom, men ved sidste kørsel blev 1 fil(er) indlæst"
    )
    assert last.endswith(f"— {published} er uændret") and "--tillad-fjernelse" in last
    assert published.read_bytes() == before

    # The whole landing dir empty: refused before any work.
    shutil.move(tmp / "landing" / "tilbud", tmp / "tilbud_aside")
    empty = run(tmp)
    assert empty.returncode == 1
    assert empty.stderr.strip().splitlines()[-1] == (
        f"fejl: landingsmappen {tmp / 'landing'} har ingen landingsfiler (er drevet ikke monteret?): intet er "
        f"indlæst — {published} er uændret; kør med --tillad-fjernelse, hvis alle filer er fjernet med vilje"
    )
    assert published.read_bytes() == before

    # Removed on purpose: taken with the option, and the summary names what went.
    shutil.move(tmp / "tilbud_aside", tmp / "landing" / "tilbud")
    taken = run(tmp, extra=["--tillad-fjernelse"])
    assert taken.returncode == 0, taken.stderr[-3000:]
    assert (
        "fjernet: posteringer/851_2024_eksport.csv: ikke længere i landingsmappen, dens rækker er taget ud"
        in taken.stdout.splitlines()
    )
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from cockpit.koeb_driftsherre").fetchone() == (0,)


def command(tmp: Path, published_dir: Path | None = None, extra: list[str] = ()) -> tuple[list[str], dict]:
    published = (published_dir or tmp) / "styringscockpit.duckdb"
    args = [sys.executable, "-m", "cli.main", "run", *extra, "--landing", str(tmp / "landing")]
    args += ["--build-db", str(tmp / "build.duckdb"), "--published-db", str(published)]
    env = {**os.environ, "DAGSTER_HOME": "", "COCKPIT_SETTLE_SECONDS": "0", "COCKPIT_REPORT_DIR": str(tmp / "reports")}
    env.pop("COCKPIT_TILLAD_FJERNELSE", None)
    return args, env


def run(tmp: Path, published_dir: Path | None = None, extra: list[str] = ()) -> subprocess.CompletedProcess:
    args, env = command(tmp, published_dir, extra)
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


def test_a_published_file_damaged_in_the_middle_is_published_again(small_published, tmp_path):
    copy_of(small_published, tmp_path)
    published = tmp_path / "styringscockpit.duckdb"
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


def test_a_full_disk_while_publishing_leaves_the_cockpit_and_the_next_refresh_cleans_up(
    small_published, tmp_path, small_disk
):
    copy_of(small_published, tmp_path)
    published = small_disk / "styringscockpit.duckdb"
    for name in ("styringscockpit.duckdb", ".styringscockpit.duckdb.sha256"):  # published there
        shutil.copy2(tmp_path / name, small_disk / name)
    assert run(tmp_path, small_disk).stdout.startswith("Uændret")  # the copy is that build's file
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
