"""Cases bugs2/10 and bugs2/22 through `cockpit run` (a subprocess, the real pipeline): a second
download is loaded once; an emptied source folder or landing dir (an unmounted share) never
replaces the cockpit; a deliberate removal is taken with --tillad-fjernelse and named. A small
landing dir (the cases' tilbud register and one ledger) keeps each run short."""

import hashlib
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).parent / "cases" / "bugs2"


def cockpit(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DAGSTER_HOME": "",
        "COCKPIT_SETTLE_SECONDS": "0",
        "COCKPIT_REPORT_DIR": str(tmp / "reports"),
    }
    env.pop("COCKPIT_TILLAD_FJERNELSE", None)
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT,
        timeout=600,
    )


def run(tmp: Path, *extra: str) -> subprocess.CompletedProcess:
    return cockpit(
        tmp,
        "run",
        *extra,
        "--landing",
        str(tmp / "landing"),
        "--build-db",
        str(tmp / "build.duckdb"),
        "--published-db",
        str(tmp / "styringscockpit.duckdb"),
    )


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_duplicate_download_loads_once_and_an_emptied_landing_never_publishes(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(CASES / "00_register" / "tilbud", landing / "tilbud")
    shutil.copytree(CASES / "10_duplicate_download" / "posteringer", landing / "posteringer")
    published = tmp_path / "styringscockpit.duckdb"

    check = cockpit(tmp_path, "check", str(landing))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "samme indhold som posteringer/851_2024_eksport.csv" in check.stdout

    first = run(tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert (
        "fund: posteringer/851_2024_eksport (1).csv: samme indhold som posteringer/851_2024_eksport.csv: "
        "ikke indlæst (slet kopien)"
    ) in first.stdout.splitlines()
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute(
            "select koeb_kr from cockpit.koeb_driftsherre where kommunekode = '851' and aar = 2024"
            " and driftsherre = 'Havbakken ApS'"
        ).fetchall() == [(Decimal("408493.00"),)]
    with duckdb.connect(str(tmp_path / "build.duckdb"), read_only=True) as con:
        assert con.execute("select count(*), count(distinct _source_file) from raw.posteringer").fetchone() == (200, 1)
    before = digest(published)

    # bugs2/22: the ledger folder empty, as when the share holding it is not mounted.
    aside = tmp_path / "aside"
    shutil.move(landing / "posteringer", aside)
    (landing / "posteringer").mkdir()
    refused = run(tmp_path)
    assert refused.returncode == 1
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith(f"fejl: raw__posteringer: {landing}/posteringer/ er tom, men ved sidste kørsel blev 1 fil")
    assert last.endswith(f"— {published} er uændret")
    assert "--tillad-fjernelse" in last
    assert digest(published) == before

    # The whole landing dir empty: refused before any work.
    shutil.move(landing / "tilbud", tmp_path / "tilbud_aside")
    empty = run(tmp_path)
    assert empty.returncode == 1
    assert empty.stderr.strip().splitlines()[-1] == (
        f"fejl: landingsmappen {landing} har ingen landingsfiler (er drevet ikke monteret?): intet er indlæst — "
        f"{published} er uændret; kør med --tillad-fjernelse, hvis alle filer er fjernet med vilje"
    )
    assert digest(published) == before

    # Removed on purpose: taken with the option, and the summary names what went.
    shutil.move(tmp_path / "tilbud_aside", landing / "tilbud")
    taken = run(tmp_path, "--tillad-fjernelse")
    assert taken.returncode == 0, taken.stderr[-3000:]
    assert (
        "fjernet: posteringer/851_2024_eksport.csv: ikke længere i landingsmappen, dens rækker er taget ud"
        in taken.stdout.splitlines()
    )
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from cockpit.koeb_driftsherre").fetchone() == (0,)
