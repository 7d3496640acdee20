"""File discovery says what it skips (issue 24): symlinks followed only inside the landing dir,
everything else named and never opened; source folders in any case; a file in no source folder
fails `cockpit check`; control characters escaped in every message; a landing file dated in the
future settles instead of blocking the run."""

import os
import shutil
import time
from pathlib import Path

import pytest

from cli.main import main
from ingest.errors import ContractError, printable
from ingest.sources import POSTERINGER, SOURCES, TAKSTBILAG, discover, read_file, unread_files
from warehouse.landing_settle import settle_briefly, unsettled, wait_until_settled

CASES = Path(__file__).parent / "cases"
LEDGER = CASES / "freedoms" / "posteringer" / "smaa_bogstaver_cp1252.csv"  # 3 postings
SECRET = "root:x:0:0:hemmelig-linje"


@pytest.fixture
def landing(tmp_path) -> Path:
    """A landing dir beside a folder outside it that holds a 'secret' file."""
    outside = tmp_path / "udenfor"
    (outside / "posteringer").mkdir(parents=True)
    (outside / "hemmelig.csv").write_text(SECRET + "\n")
    shutil.copy(LEDGER, outside / "posteringer" / "ude.csv")
    root = tmp_path / "landing"
    root.mkdir()
    return root


def test_a_source_folder_is_found_in_any_case(landing):
    for folder in ("Posteringer", "TAKSTBILAG"):
        (landing / folder).mkdir()
    shutil.copy(LEDGER, landing / "Posteringer" / "773.csv")
    shutil.copy(CASES / "freedoms/takstbilag/pladser_med_decimaler.xlsx", landing / "TAKSTBILAG" / "t.xlsx")
    assert POSTERINGER.files(landing) == [landing / "Posteringer" / "773.csv"]
    assert TAKSTBILAG.files(landing) == [landing / "TAKSTBILAG" / "t.xlsx"]
    assert unread_files(landing) == {}
    parsed = read_file(POSTERINGER, landing / "Posteringer" / "773.csv", landing, "t")
    assert parsed.rows.height == 3 and parsed.rows["kommunenr"].to_list() == ["773"] * 3


def test_symlinks_inside_the_landing_dir_are_followed(landing):
    (landing / "arkiv").mkdir()
    (landing / "posteringer").mkdir()
    shutil.copy(LEDGER, landing / "arkiv" / "2024.csv")
    (landing / "posteringer" / "2024").symlink_to(landing / "arkiv")  # a linked sub-folder
    (landing / "posteringer" / "kopi.csv").symlink_to(Path("..") / "arkiv" / "2024.csv")  # a relative file link
    assert POSTERINGER.files(landing) == [landing / "posteringer/2024/2024.csv", landing / "posteringer/kopi.csv"]
    # The target itself lies in no source folder: named, not read.
    assert list(unread_files(landing)) == ["arkiv/2024.csv"]


def test_links_out_of_the_landing_dir_to_nothing_or_in_a_loop_are_refused_and_named(landing, capsys):
    outside = landing.parent / "udenfor"
    (landing / "posteringer").mkdir()
    (landing / "posteringer" / "passwd.csv").symlink_to(outside / "hemmelig.csv")
    (landing / "posteringer" / "fremmed").symlink_to(outside / "posteringer")
    (landing / "posteringer" / "drev").symlink_to(landing.parent / "ikke-monteret" / "posteringer")
    (landing / "posteringer" / "rundt").symlink_to(landing)
    (landing / "befolkning").symlink_to(outside)  # a whole source folder on an outside share
    shutil.copy(LEDGER, landing / "posteringer" / "773.csv")

    assert POSTERINGER.files(landing) == [landing / "posteringer" / "773.csv"]
    assert SOURCES["befolkning"].files(landing) == []
    unread = unread_files(landing)
    assert sorted(unread) == [
        "befolkning",
        "posteringer/drev",
        "posteringer/fremmed",
        "posteringer/passwd.csv",
        "posteringer/rundt",
    ]
    assert unread["posteringer/passwd.csv"].startswith("symbolsk link til et sted uden for landingsmappen")
    assert unread["posteringer/drev"].startswith("symbolsk link der ikke peger på noget")
    assert "løkke" in unread["posteringer/rundt"]

    assert main(["check", str(landing)]) == 1
    out = capsys.readouterr()
    assert "posteringer/passwd.csv: FEJL symbolsk link til et sted uden for landingsmappen" in out.out
    assert "posteringer/773.csv: OK [posteringer]" in out.out
    # Checked on its own, the link is judged where it lies, never followed to read its target.
    assert main(["check", str(landing / "posteringer" / "passwd.csv")]) == 1
    out2 = capsys.readouterr()
    assert out2.out.startswith("posteringer/passwd.csv: FEJL symbolsk link til et sted uden for landingsmappen")
    assert "hemmelig" not in out.out + out.err + out2.out + out2.err
    # A landing dir given through a link is a landing dir; a linked folder out of it is named.
    (landing.parent / "genvej").symlink_to(landing)
    assert main(["check", str(landing.parent / "genvej")]) == 1
    assert capsys.readouterr().out == out.out  # the same files, links and verdicts
    assert main(["check", str(landing / "posteringer" / "fremmed")]) == 1
    assert capsys.readouterr().out.startswith("posteringer/fremmed: FEJL symbolsk link til et sted uden for")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file: no unreadable file can be made")
def test_an_unreadable_file_is_named(landing):
    (landing / "posteringer").mkdir()
    shutil.copy(LEDGER, landing / "posteringer" / "773.csv")
    (landing / "posteringer" / "773.csv").chmod(0)
    assert POSTERINGER.files(landing) == []
    assert unread_files(landing)["posteringer/773.csv"].startswith("kan ikke læses (ingen læseadgang)")


def test_a_file_in_no_source_folder_fails_check(landing, capsys):
    (landing / "posteringer").mkdir()
    shutil.copy(LEDGER, landing / "posteringer" / "773.csv")
    (landing / "Posteringer 2024").mkdir()
    shutil.copy(LEDGER, landing / "Posteringer 2024" / "825.csv")
    assert main(["check", str(landing)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "Posteringer 2024/825.csv: FEJL ligger ikke i en kildemappe (befolkning, belaegning, beslutninger, budget, "
        "posteringer, prisindeks, regnskab, sikrede, sundhedstjek, takstbilag, tilbud): flyt den til sin kildes mappe"
    )
    shutil.rmtree(landing / "Posteringer 2024")
    assert main(["check", str(landing)]) == 0


@pytest.mark.parametrize(
    "name, shown",
    [
        ("773\nposteringer-ok.csv: OK.csv", "773\\nposteringer-ok.csv: OK.csv"),
        ("a\rb.csv", "a\\rb.csv"),
        ("farve\x1b[31m.csv", "farve\\x1b[31m.csv"),
        ("omvendt\u202evsc.csv", "omvendt\\u202evsc.csv"),
    ],
)
def test_control_characters_in_file_names_are_escaped_in_every_message(landing, capsys, name, shown):
    (landing / "posteringer").mkdir()
    path = landing / "posteringer" / name
    path.write_text("ikke;en;postering\n")
    with pytest.raises(ContractError) as err:
        read_file(POSTERINGER, path, landing, "t")
    assert err.value.file == f"posteringer/{shown}" and str(err.value).startswith(f"posteringer/{shown}, linje 1")
    assert main(["check", str(landing)]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith(f"posteringer/{shown}: FEJL [posteringer]")
    said = []
    path.write_text("ikke;en;postering\n")  # just written: the wait names it once
    wait_until_settled([path], settle=0.3, timeout=5, say=said.append, relative_to=landing)
    assert len(said) == 1 and said[0].startswith(f"venter på landing-filen posteringer/{shown}: blev ændret")
    os.rename(path, landing / "posteringer" / f"{name}.txt")
    assert list(unread_files(landing)) == [f"posteringer/{shown}.txt"]
    assert printable(name) == shown


def test_temporary_and_hidden_names_are_still_skipped_on_purpose(landing):
    (landing / "posteringer" / ".snapshot").mkdir(parents=True)
    shutil.copy(LEDGER, landing / "posteringer" / ".snapshot" / "773.csv")
    (landing / "posteringer" / "~$773.csv").write_text("lock")
    (landing / "posteringer" / "773.csv.tmp").write_text("copying")
    found = discover(landing)
    assert found.files == [] and found.refused == {}
    assert unread_files(landing) == {}


def _future(path: Path, seconds: float) -> None:
    ahead = time.time() + seconds
    os.utime(path, (ahead, ahead))


def test_a_file_dated_in_the_future_settles_after_the_settle_time_unchanged(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("x\n")
    _future(path, 3600)  # an hour ahead: a copy from a server with another clock
    assert "i fremtiden" in unsettled([path], 0.5)[path]  # without watching, it is not judged
    said = []
    t0 = time.monotonic()
    waited = wait_until_settled([path], settle=0.5, timeout=10, say=said.append)
    assert 0.4 < waited < 3 and time.monotonic() - t0 < 3
    assert len(said) == 1 and "ændringstidspunkt" in said[0] and "i fremtiden" in said[0]
    settled, busy = settle_briefly([path], 0.5)  # the sensor's test
    assert settled == [path] and busy == {}


def test_a_future_file_that_keeps_changing_is_not_settled(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("x\n")
    _future(path, 3600)
    watched: dict = {}
    now = time.time()
    assert path in unsettled([path], 1.0, now=now, watched=watched)
    path.write_text("xy\n")  # it grew while watched
    _future(path, 3601)
    assert path in unsettled([path], 1.0, now=now + 1.5, watched=watched)
    assert unsettled([path], 1.0, now=now + 3.0, watched=watched) == {}  # quiet for 1.5 s since


def test_a_stewards_ledger_mapping_beside_the_postings_is_no_unread_file(landing, capsys):
    (landing / "Posteringer").mkdir()
    shutil.copy(LEDGER, landing / "Posteringer" / "773.csv")
    mapping = Path(__file__).resolve().parents[1] / "ingest" / "mappings" / "kmd-opus-851.yaml"
    shutil.copy(mapping, landing / "Posteringer" / "min_mapping.yaml")
    (landing / "belaegning").mkdir()
    shutil.copy(mapping, landing / "belaegning" / "forkert.yaml")  # no mappings there: named
    assert list(unread_files(landing)) == ["belaegning/forkert.yaml"]
    assert main(["check", str(landing / "Posteringer")]) == 0
    assert capsys.readouterr().out.startswith("Posteringer/773.csv: OK [posteringer]")


def test_a_rejected_value_with_control_characters_is_printed_escaped_by_check(landing, capsys):
    (landing / "belaegning").mkdir()
    rows = [f"1001;2024-{m:02d};10;10;300" for m in range(1, 13)] * 20
    rows[4] = '1001;2024-05;10;"1\nbelaegning/x.csv: OK";300'  # a quoted value with a line break
    rows[7] = "1001;2024-08;10;\x1b[2Jx;300"  # an escape sequence that would clear the terminal
    (landing / "belaegning" / "b.csv").write_text(
        "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n" + "\n".join(rows) + "\n"
    )
    main(["check", str(landing / "belaegning" / "b.csv")])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "'\\x1b[2Jx'" in out
    assert "'1\\nbelaegning/x.csv: OK'" in out
    assert not any(line.startswith("belaegning/x.csv") for line in out.splitlines())


def test_one_sources_walk_lists_what_the_whole_walk_gives_it_and_enters_no_other_folder(landing):
    (landing / "arkiv").mkdir()
    shutil.copy(LEDGER, landing / "arkiv" / "2024.csv")
    (landing / "Posteringer" / "2023").mkdir(parents=True)
    shutil.copy(LEDGER, landing / "Posteringer" / "2023" / "773.csv")
    (landing / "Posteringer" / "2024").symlink_to(landing / "arkiv")  # followed: inside the landing dir
    (landing / "Posteringer" / "~$laast.csv").write_text("x")  # skipped: a lock file
    (landing / "Posteringer" / "ude").symlink_to(landing.parent / "udenfor")  # refused: outside
    (landing / "posteringer.csv").write_text("x")  # a file at the top is no source's
    (landing / "takstbilag").mkdir()
    (landing / "takstbilag" / "loop").symlink_to(landing / "takstbilag")  # another source's loop
    whole = discover(landing)
    for source in SOURCES.values():
        assert source.files(landing) == source.files(landing, whole), source.name
    mine = discover(landing, only="posteringer")
    assert mine.folders == [landing / "Posteringer"]
    assert mine.files == [landing / "Posteringer/2023/773.csv", landing / "Posteringer/2024/2024.csv"]
    assert list(mine.refused) == [landing / "Posteringer/ude"]  # not takstbilag's loop: never entered
    assert landing / "takstbilag/loop" in whole.refused
