"""Crash-safe refresh and publish (issue 24 §6), the parts that need no pipeline run: build DB
names dbt-duckdb cannot carry, stale publish files, a damaged published or build DB."""

import pytest

from orchestration.cli import main


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
    assert err.startswith(f"fejl: {tmp_path}/bygge\\x0afærdig.duckdb: build-DB'ens sti må ikke indeholde '\\n'")
