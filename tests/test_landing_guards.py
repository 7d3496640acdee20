"""Never publish less than the landing dir held without being told, and one file, one load
(issue 24 §2, §3): the real loader on real DuckDB files, and `cockpit check` on real files."""

import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.sources import SOURCES
from warehouse.check import check_paths
from warehouse.raw_loader import RemovalPolicy, RemovalRefused, load_source
from warehouse.settings import Settings, SettingsError

HEADER = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n"
BELAEGNING, POSTERINGER = SOURCES["belaegning"], SOURCES["posteringer"]
CASE_10 = Path(__file__).parent / "cases" / "bugs2" / "10_duplicate_download" / "posteringer"
LEDGER_HEADER = (
    "Kommunenr;Bilagsnr;Bogføringsdato;Funktion;Dranst;Art;Beløb;Tilbudsnr;Leverandør CVR;"
    "Borgerreference;Periode fra;Periode til;Antal døgn;Tekst\n"
)


def occupancy(landing: Path, n: int) -> list[Path]:
    folder = landing / "belaegning"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        path = folder / f"f{i}.csv"
        path.write_text(HEADER + f"{1001 + i};2024-03;10;10;{300 + i}\n")
        files.append(path)
    return files


def raw_count(con) -> int:
    return con.execute("select count(*) from raw.belaegning").fetchone()[0]


def test_an_emptied_source_folder_is_refused_and_raw_stays(tmp_path):
    landing = tmp_path / "landing"
    files = occupancy(landing, 3)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        load_source(con, BELAEGNING, landing, "run-1")
        for f in files:
            f.unlink()
        with pytest.raises(RemovalRefused) as refused:
            load_source(con, BELAEGNING, landing, "run-2")
        assert str(refused.value) == (
            f"{landing}/belaegning/ er tom, men ved sidste kørsel blev 3 fil(er) indlæst herfra (er drevet ikke "
            "monteret?): intet er indlæst eller publiceret — kør igen med --tillad-fjernelse "
            "(COCKPIT_TILLAD_FJERNELSE=1), hvis filerne er fjernet med vilje"
        )
        assert raw_count(con) == 3
        assert con.execute("select count(*) from meta.loaded_files").fetchone() == (3,)
        # The folder gone altogether (an unmounted share has no sub-folders) is the same.
        (landing / "belaegning").rmdir()
        with pytest.raises(RemovalRefused):
            load_source(con, BELAEGNING, landing, "run-3")
        said = []
        stats = load_source(con, BELAEGNING, landing, "run-4", warn=said.append, removal=RemovalPolicy(allowed=True))
        assert stats.files_removed == ["belaegning/f0.csv", "belaegning/f1.csv", "belaegning/f2.csv"]
        assert raw_count(con) == 0
        assert said == [
            "belaegning: fjernet fra landingsmappen, deres rækker er taget ud af raw.belaegning: "
            "belaegning/f0.csv, belaegning/f1.csv, belaegning/f2.csv"
        ]
        assert con.execute("select source, file, load_id from meta.removed_files order by file").fetchall() == [
            ("belaegning", f"belaegning/f{i}.csv", "run-4") for i in range(3)
        ]


@pytest.mark.parametrize(
    ("files", "removed", "share", "refused"),
    [
        (4, 1, 0.5, False),
        (4, 2, 0.5, False),
        (4, 3, 0.5, True),
        (4, 1, 0.2, True),
        (4, 3, 1.0, False),
        (2, 1, 0.0, True),
    ],
)
def test_a_partial_removal_is_taken_up_to_the_stated_share(tmp_path, files, removed, share, refused):
    landing = tmp_path / "landing"
    paths = occupancy(landing, files)
    with duckdb.connect() as con:
        load_source(con, BELAEGNING, landing, "run-1")
        for p in paths[:removed]:
            p.unlink()
        policy = RemovalPolicy(max_share=share)
        if refused:
            with pytest.raises(RemovalRefused, match=rf"{removed} af {files} filer fra sidste kørsel er væk"):
                load_source(con, BELAEGNING, landing, "run-2", removal=policy)
            assert raw_count(con) == files
        else:
            stats = load_source(con, BELAEGNING, landing, "run-2", removal=policy)
            assert len(stats.files_removed) == removed
            assert raw_count(con) == files - removed


def test_the_share_setting_is_read_and_checked(monkeypatch):
    monkeypatch.setenv("COCKPIT_FJERNELSE_MAX_ANDEL", "0,25")
    monkeypatch.setenv("COCKPIT_TILLAD_FJERNELSE", "1")
    settings = Settings.from_env()
    assert settings.removal_policy() == RemovalPolicy(allowed=True, max_share=0.25)
    monkeypatch.setenv("COCKPIT_FJERNELSE_MAX_ANDEL", "50%")
    with pytest.raises(SettingsError, match="COCKPIT_FJERNELSE_MAX_ANDEL='50%': skal være en andel mellem 0 og 1"):
        Settings.from_env()


def test_case_bugs2_10_a_second_download_is_loaded_once(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(CASE_10, landing / "posteringer")
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        said = []
        stats = load_source(con, POSTERINGER, landing, "run-1", warn=said.append)
        assert stats.files_loaded == ["posteringer/851_2024_eksport.csv"]
        assert stats.duplicates == {"posteringer/851_2024_eksport (1).csv": "posteringer/851_2024_eksport.csv"}
        assert con.execute("select count(*), sum(beloeb) from raw.posteringer").fetchone() == (200, 408493)
        assert said == [
            "posteringer: posteringer/851_2024_eksport (1).csv er ikke indlæst: samme indhold som "
            "posteringer/851_2024_eksport.csv (samme SHA-256) — slet kopien"
        ]
        assert con.execute("select kildefil, fund from quarantine.fund").fetchall() == [
            (
                "posteringer/851_2024_eksport (1).csv",
                "samme indhold som posteringer/851_2024_eksport.csv: ikke indlæst (slet kopien)",
            )
        ]
        # The copy goes: the finding goes with it, nothing is "removed", and a copy's removal
        # never counts against the removal guard.
        (landing / "posteringer" / "851_2024_eksport (1).csv").unlink()
        again = load_source(con, POSTERINGER, landing, "run-2", removal=RemovalPolicy(max_share=0.0))
        assert (again.files_loaded, again.files_removed, again.duplicates) == ([], [], {})
        assert con.execute("select count(*) from quarantine.fund").fetchone() == (0,)
        assert con.execute("select count(*) from raw.posteringer").fetchone() == (200,)


def test_the_copy_loaded_before_is_kept_and_the_new_one_named(tmp_path):
    """A copy that arrives under the shorter name after the first was loaded does not replace
    it: the file already loaded stays, the new name is the copy."""
    landing = tmp_path / "landing"
    folder = landing / "posteringer"
    folder.mkdir(parents=True)
    shutil.copy(CASE_10 / "851_2024_eksport (1).csv", folder / "eksport (1).csv")
    with duckdb.connect() as con:
        load_source(con, POSTERINGER, landing, "run-1")
        shutil.copy(CASE_10 / "851_2024_eksport.csv", folder / "e.csv")
        stats = load_source(con, POSTERINGER, landing, "run-2")
        assert (stats.files_loaded, stats.duplicates) == ([], {"posteringer/e.csv": "posteringer/eksport (1).csv"})
        assert con.execute("select distinct _source_file, count(*) from raw.posteringer group by 1").fetchall() == [
            ("posteringer/eksport (1).csv", 200)
        ]


def test_a_control_character_in_a_copys_name_is_escaped_in_the_message(tmp_path):
    landing = tmp_path / "landing"
    folder = landing / "posteringer"
    folder.mkdir(parents=True)
    shutil.copy(CASE_10 / "851_2024_eksport.csv", folder / "a.csv")
    shutil.copy(CASE_10 / "851_2024_eksport.csv", folder / "a\n[ 0.0s] trin ok.csv")
    with duckdb.connect() as con:
        said = []
        load_source(con, POSTERINGER, landing, "run-1", warn=said.append)
    assert said == [
        "posteringer: posteringer/a\\n[ 0.0s] trin ok.csv er ikke indlæst: samme indhold som posteringer/a.csv "
        "(samme SHA-256) — slet kopien"
    ]


def ledger_lines(rows: list[tuple[str, str, str]]) -> str:
    return LEDGER_HEADER + "".join(
        f"851;{bilag};15-0{m}-2024;5.38.50;1;4.9;{amount};9951;40007919;B-00400{m};01-0{m}-2024;28-0{m}-2024;;x\n"
        for bilag, m, amount in rows
    )


def test_a_re_export_beside_the_old_one_is_reported_per_file(tmp_path):
    landing = tmp_path / "landing"
    folder = landing / "posteringer"
    folder.mkdir(parents=True)
    (folder / "851_2024_jan.csv").write_text(ledger_lines([("D1", "1", "100,00"), ("D2", "2", "200,00")]))
    # A later export of the year: the same two postings again (other voucher numbers), and one more.
    (folder / "851_2024_feb.csv").write_text(
        ledger_lines([("E1", "1", "100,00"), ("E2", "2", "200,00"), ("E3", "3", "300,00")])
    )
    expected = [
        (
            "posteringer/851_2024_jan.csv",
            "samme posteringer som posteringer/851_2024_feb.csv: 2 posteringer med samme kommune, tilbud, "
            "borgerreference, periode og beløb (kommune 851, 2024) — en ny eksport ved siden af den gamle? "
            "Fjern den forældede fil",
        )
    ]
    with duckdb.connect() as con:
        load_source(con, POSTERINGER, landing, "run-1")
        assert con.execute("select kildefil, fund from quarantine.fund").fetchall() == expected
        (folder / "851_2024_jan.csv").unlink()
        load_source(con, POSTERINGER, landing, "run-2")
        assert con.execute("select count(*) from quarantine.fund").fetchone() == (0,)
        (folder / "851_2024_jan.csv").write_text(ledger_lines([("D1", "1", "100,00"), ("D2", "2", "200,00")]))
        load_source(con, POSTERINGER, landing, "run-3")
        assert con.execute("select kildefil, fund from quarantine.fund").fetchall() == expected
    report, ok = check_paths([landing])
    assert ok
    assert f"    fund: {expected[0][1]}" in report.splitlines()


def test_cockpit_check_names_a_copy_and_checks_it_once(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(CASE_10, landing / "posteringer")
    report, ok = check_paths([landing])
    assert ok, report
    lines = report.splitlines()
    assert (
        "posteringer/851_2024_eksport (1).csv: BEMÆRK [posteringer] samme indhold som "
        "posteringer/851_2024_eksport.csv: indlæses ikke (slet kopien)"
    ) in lines
    loaded = [line for line in lines if line.startswith("posteringer/851_2024_eksport.csv: ")]
    assert loaded == [
        "posteringer/851_2024_eksport.csv: OK [posteringer] kontraktens kolonner: 200 rækker godkendt, 0 værdier afvist"
    ]
    assert not any("kontrol" in line for line in lines)  # no doubled keys from the copy
