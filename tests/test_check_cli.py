"""`cockpit check`: what a data steward runs before dropping files in the landing dir."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main


@pytest.mark.pipeline  # every sample file and every source's GX suite: 8 s
def test_check_on_the_sample_reports_exactly_the_planted_unparseable_values(sample_landing, capsys):
    landing, manifest = sample_landing
    assert main(["check", str(landing)]) == 0
    out = capsys.readouterr().out
    files = [line for line in out.splitlines() if not line.startswith("    ")]
    assert len(files) == 96 and all(": OK [" in line for line in files)
    reported = set(re.findall(r"^(\S+): OK .*\n((?:    .*\n)+)", out, re.M))
    got = {
        (file, int(line), column, raw)
        for file, block in reported
        for line, column, raw in re.findall(r"linje (\d+), kolonne '([^']+)': '([^']*)'", block)
    }
    assert got == {(u["file"], u["line"], u["column"], u["raw_value"]) for u in manifest["unparseable"]}


@pytest.mark.pipeline  # the CLI in a subprocess
def test_check_exits_1_and_names_file_and_column_on_a_broken_file(sample_landing, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(sample_landing[0] / "belaegning", landing / "belaegning")
    (landing / "belaegning" / "ny.csv").write_text(
        "Tilbudsnr,Måned,Normerede pladser\n1001,2024-01,10\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "check", str(landing)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    broken = [line for line in result.stdout.splitlines() if line.startswith("belaegning/ny.csv")]
    assert broken == [
        "belaegning/ny.csv: FEJL [belaegning] påkrævet kolonne mangler (fundet: Tilbudsnr,Måned,Normerede pladser)"
        " — forkert skilletegn? Kolonnerne skal adskilles med ';' (kolonne Tilbudsnr, Måned, Normerede pladser,"
        " Pladser i drift, Belagte døgn) (linje 1)"
    ]
    assert result.stdout.count(": OK [belaegning]") == 6


def test_check_names_every_file_the_run_would_skip_and_reads_nested_ones(tmp_path, capsys):
    cases = Path(__file__).parent / "cases" / "freedoms"
    (tmp_path / "takstbilag").mkdir()
    (tmp_path / "posteringer" / "2024").mkdir(parents=True)
    shutil.copy(cases / "takstbilag" / "pladser_med_decimaler.xlsx", tmp_path / "takstbilag" / "rates.xls")
    shutil.copy(cases / "posteringer" / "smaa_bogstaver_cp1252.csv", tmp_path / "posteringer" / "2024" / "773.csv")
    shutil.copy(cases / "posteringer" / "smaa_bogstaver_cp1252.csv", tmp_path / "posteringer" / "825.txt")
    (tmp_path / "posteringer" / "~$773.csv").write_text("a lock file of an open workbook")
    (tmp_path / "LÆS MIG.txt").write_text("noter")
    assert main(["check", str(tmp_path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "LÆS MIG.txt: FEJL ligger ikke i en kildemappe (befolkning, belaegning, beslutninger, budget, posteringer, "
        "prisindeks, "
        "regnskab, sikrede, sundhedstjek, takstbilag, tilbud): flyt den til sin kildes mappe",
        "posteringer/825.txt: FEJL læses ikke: posteringer/ læser .csv",
        "takstbilag/rates.xls: FEJL læses ikke: takstbilag/ læser .xlsx (gem projektmappen som .xlsx)",
        "posteringer/2024/773.csv: OK [posteringer] kontraktens kolonner: 3 rækker godkendt, 0 værdier afvist",
    ]
    assert main(["check", str(tmp_path / "posteringer" / "2024" / "773.csv")]) == 0  # a nested file alone
    assert capsys.readouterr().out.startswith("posteringer/2024/773.csv: OK [posteringer]")
    assert main(["check", str(tmp_path / "takstbilag" / "rates.xls")]) == 1
    assert main(["check", str(tmp_path / "tom")]) == 1  # does not exist
    (tmp_path / "tom").mkdir()
    assert main(["check", str(tmp_path / "tom")]) == 1  # nothing validated is no pass
    assert "ingen landingsfiler her" in capsys.readouterr().out
