"""Issue 22 end to end: two refreshes of the generated sample with a steward's changes between
them. Between the runs a posting file is renamed and re-encoded (a re-export), another gets a
posting inserted above its flags, one occupancy registration is corrected, a decisions file is
added (one flag accepted, one line naming a flag no refresh found), and the dbt build is
forgotten (the second refresh rebuilds every model). Every flag keeps its id and is `uændret`
or `accepteret`; the corrected one is `rettet` in cockpit.datakvalitet_historik and gone from
the open list; no flag is `ny`; the run summary names the unknown decision by file and line.

On a copy of the session's warehouse (`warehouse_copy`): a monthly partition run that stops
finding a yearly source's flag leaves it to the yearly run (the guard `Scope`), and a refresh
whose publish fails leaves the flag history row for row as it was."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest
from conftest import copy_warehouse

from orchestration.runner import run_pipeline
from sampledata.nordjylland.beslutninger import ACCEPTED_R08

UNKNOWN = "0123456789abcdef0123456789abcdef"


def _decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def _lines(path) -> tuple[list[str], str]:
    text, encoding = _decode(path.read_bytes())
    return text.splitlines(keepends=True), encoding


def _flags(db) -> dict[str, tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select flag_id, regel, kilde, kildefil, kildelinje, status, foerst_fundet, begrundelse "
            "from cockpit.datakvalitet"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


@pytest.fixture(scope="module")
def two_refreshes(tmp_path_factory, published_sample):
    # The first refresh is the session's (from an empty build DB): a copy of it, not another.
    settings = copy_warehouse(published_sample[0], tmp_path_factory.mktemp("flags"))
    landing = settings.landing_dir
    before = _flags(settings.build_db)

    # The registration to correct: an R11 flag of the occupancy reports (more places in
    # operation than normed); raising the normed places to those in operation corrects it
    # without touching R10 (which reads the places in operation).
    corrected_id, (_, _, file, line, *_) = next(
        (k, v) for k, v in sorted(before.items()) if v[0] == "R11" and v[1] == "belaegning"
    )
    lines, encoding = _lines(landing / file)
    cells = lines[line - 1].rstrip("\r\n").split(";")
    cells[2] = cells[3]  # Normerede pladser := Pladser i drift
    lines[line - 1] = ";".join(cells) + lines[line - 1][len(lines[line - 1].rstrip("\r\n")) :]
    (landing / file).write_bytes("".join(lines).encode(encoding))

    # Two posting files with flags: one renamed and re-encoded, one shifted by a line.
    posting_files = sorted({v[2] for v in before.values() if v[1] == "posteringer"})
    renamed_from, shifted = posting_files[0], posting_files[-1]
    renamed_to = renamed_from.replace(".csv", "_genudlaest.csv")  # sorts where it did: R02's first copy stays first
    text, encoding = _decode((landing / renamed_from).read_bytes())
    (landing / renamed_to).write_bytes(text.encode("cp1252" if encoding != "cp1252" else "utf-8-sig"))
    (landing / renamed_from).unlink()

    lines, encoding = _lines(landing / shifted)
    header = lines[0].lstrip("\ufeff").rstrip("\r\n").split(";")
    first_row = dict(zip(header, lines[1].rstrip("\r\n").split(";"), strict=True))
    inserted = {h: "" for h in header} | {
        "Kommunenr": first_row["Kommunenr"],
        "Bilagsnr": "9999999",
        "Bogføringsdato": first_row["Bogføringsdato"],
        "Funktion": "5.38.38",
        "Dranst": "2",  # R16 sums Dranst 1 only
        "Art": "4.9",
        "Beløb": "100,00",
        "Tekst": "Indsat øverst",
    }
    newline = lines[0][len(lines[0].rstrip("\r\n")) :]
    lines.insert(1, ";".join(inserted[h] for h in header) + newline)
    (landing / shifted).write_bytes("".join(lines).encode(encoding))

    # A steward accepts an R06 flag (from a work list saved as CSV) and mistypes another id.
    accepted_id = next(k for k, v in sorted(before.items()) if v[0] == "R06")
    (landing / "beslutninger" / "arbejdsliste_region.csv").write_text(
        "Flag-id;Status;Regel;Beslutning;Begrundelse;Af;Dato\n"
        f"{accepted_id};ny;R06;Accepteret;Taksten er godkendt af DAS;Sekretariatet;03-02-2025\n"
        f"{UNKNOWN};ny;R06;afvist;Tastefejl;Sekretariatet;03-02-2025\n"
        f"{corrected_id};ny;R11;;;;\n",  # no decision: not one
        encoding="utf-8",
    )

    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("delete from meta.dbt_built")  # the second refresh rebuilds every dbt model
    second = run_pipeline(settings)
    assert second.published, second.reason
    moved = (renamed_from, renamed_to)
    return settings, before, _flags(settings.build_db), corrected_id, moved, shifted, accepted_id, second


def test_every_unchanged_registration_keeps_its_id_and_is_unchanged(two_refreshes):
    _, before, after, corrected_id, _, _, accepted_id, _ = two_refreshes
    assert len(before) > 20
    # The sample's own decisions file accepts the 92 % occupancy DAS approved (R08).
    assert {k: v[4] for k, v in before.items() if v[4] != "ny"} == {ACCEPTED_R08: "accepteret"}
    assert set(after) == set(before) - {corrected_id}
    assert {k: v[4] for k, v in after.items() if v[4] != "uændret"} == {
        ACCEPTED_R08: "accepteret",
        accepted_id: "accepteret",
    }
    assert after[accepted_id][6] == "Taksten er godkendt af DAS"
    assert all(after[k][5] == before[k][5] for k in after)  # foerst_fundet: the first refresh


def test_accepted_flags_are_not_counted_open_and_an_unknown_decision_is_named(two_refreshes):
    settings, _, after, _, _, _, _, second = two_refreshes
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        counted = con.execute(
            "select flag_fejl + flag_advarsel from meta.koersler where run_id = ?", [second.run_id]
        ).fetchone()[0]
    open_flags = sum(1 for v in after.values() if v[4] != "accepteret" and v[0] not in ("R05", "R12"))
    assert counted == open_flags  # info flags (R05, R12) are not counted either
    assert (
        f"beslutning på ukendt flag: beslutninger/arbejdsliste_region.csv linje 3, kolonne Flag-id: '{UNKNOWN}' "
        "er ikke fundet af nogen kørsel" in second.summary
    )
    assert "flagstatus: 0 nye" in second.summary and "1 rettet siden sidste kørsel" in second.summary


def test_a_renamed_or_shifted_file_changes_no_id_and_points_at_the_new_place(two_refreshes):
    _, before, after, _, (renamed_from, renamed_to), shifted, _, _ = two_refreshes
    moved = {k for k, v in before.items() if v[2] == renamed_from}
    assert moved and {after[k][2] for k in moved} == {renamed_to}
    assert all(after[k][3] == before[k][3] for k in moved)
    in_shifted = {k for k, v in before.items() if v[2] == shifted}
    assert in_shifted and all(after[k][3] == before[k][3] + 1 for k in in_shifted)


def test_the_corrected_registration_is_rettet_in_the_history(two_refreshes):
    settings, before, _, corrected_id, _, _, _, _ = two_refreshes
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        history = dict(
            con.execute(
                "select flag_id, status from cockpit.datakvalitet_historik where rettet_fundet is not null"
            ).fetchall()
        )
        counts = con.execute("select status, count(*) from cockpit.datakvalitet_historik group by 1").fetchall()
    assert history == {corrected_id: "rettet"}
    assert dict(counts) == {"uændret": len(before) - 3, "accepteret": 2, "rettet": 1}
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        published = con.execute(
            "select status, regel from cockpit.datakvalitet_historik where flag_id = ?", [corrected_id]
        ).fetchone()
        posting_texts = con.execute(
            "select count(*) from cockpit.datakvalitet_historik where kilde = 'posteringer' and vaerdi is not null"
        ).fetchone()
    assert published == ("rettet", "R11")
    assert posting_texts == (0,)  # redacted as cockpit.datakvalitet


def test_a_monthly_run_that_no_longer_finds_a_yearly_flag_leaves_it_to_a_yearly_run(warehouse_copy):
    """The monthly job reads the register of tilbud too (orchestration/automation.py), and R01
    (postings: a yearly source) reads the register. A tilbud's paragraph changed to one with no
    expected function (ABL § 105) takes every R01 flag of its postings out of this run's flags,
    though no posting was read: the monthly run for 2024-03 leaves them row for row as they were
    (`Scope`), and only a run that judges every flag marks them `rettet`."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from warehouse.flag_history import record_refresh, undo_refresh

    settings = warehouse_copy
    history = "select * from meta.flag_history order by flag_id"
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        r01 = con.execute(
            "select flag_id, tilbudsnr from meta.flag_history where regel = 'R01' and status <> 'rettet' order by 1"
        ).fetchall()
        before = con.execute(history).fetchall()
        open_before = {
            r[0] for r in con.execute("select flag_id from meta.flag_history where status <> 'rettet'").fetchall()
        }
    tilbudsnr = r01[0][1]
    of_tilbud = {flag_id for flag_id, nr in r01 if nr == tilbudsnr}
    register = settings.landing_dir / "tilbud" / "tilbudsportalen.csv"
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    (row,) = [i for i, line in enumerate(lines) if line.startswith(f"{tilbudsnr};")]
    cells = lines[row].rstrip("\n").split(";")
    assert cells[5] in ("SEL § 107", "SEL § 108", "SEL § 85", "SEL § 103", "SEL § 104")  # a paragraph R01 checks
    cells[5] = "ABL § 105"
    lines[row] = ";".join(cells) + "\n"
    register.write_text("".join(lines), encoding="utf-8")

    settings.export_env()
    job = defs().resolve_job_def("monthly_refresh")
    result = job.execute_in_process(partition_key="2024-03", instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    with duckdb.connect(str(settings.build_db)) as con:
        found = {r[0] for r in con.execute("select flag_id from quality.dq_flag").fetchall()}
        after = {r[0]: r for r in con.execute(history).fetchall()}
        # This run's flags lack exactly the tilbud's R01 flags: a run judging them would mark them rettet.
        assert of_tilbud and open_before - found == of_tilbud
        assert all(after[row[0]] == row for row in before if row[0] in of_tilbud)
        assert con.execute(
            "select count(*) from meta.flag_history where rettet_run_id = ?", [result.run_id]
        ).fetchone() == (0,)
        # Without the guard (every flag judged) the same build marks them rettet, and nothing else.
        summary = record_refresh(con, "uden-scope", datetime(2026, 12, 6, 12))
        rettet = {
            r[0]
            for r in con.execute("select flag_id from meta.flag_history where rettet_run_id = 'uden-scope'").fetchall()
        }
        assert (summary.rettet, rettet) == (len(of_tilbud), of_tilbud)
        assert undo_refresh(con, "uden-scope")


def test_a_refresh_that_does_not_publish_leaves_the_flag_history_row_for_row(warehouse_copy):
    """An occupancy registration corrected (its R11 flag no longer found), and a view in the build
    DB that the publish refuses (a citizen key: warehouse/bi_subset.py): the refresh records the
    flags' statuses, then fails to publish, and meta.flag_history is as before, row for row. With
    the view gone the next refresh publishes and records the correction."""
    settings = warehouse_copy
    with duckdb.connect(str(settings.build_db)) as con:
        before = con.execute("select * from meta.flag_history order by flag_id").fetchall()
        corrected_id, file, line = con.execute(
            """select flag_id, kildefil, kildelinje from meta.flag_history
               where regel = 'R11' and kilde = 'belaegning' and status <> 'rettet' order by 1 limit 1"""
        ).fetchone()
        con.execute(
            "create view cockpit.laek as select kommunekode, borgerreference from staging.stg_posteringer__posteringer"
        )
    lines, encoding = _lines(settings.landing_dir / file)
    cells = lines[line - 1].rstrip("\r\n").split(";")
    cells[2] = cells[3]  # Normerede pladser := Pladser i drift
    lines[line - 1] = ";".join(cells) + lines[line - 1][len(lines[line - 1].rstrip("\r\n")) :]
    (settings.landing_dir / file).write_bytes("".join(lines).encode(encoding))

    failed = run_pipeline(settings)
    assert not failed.published and "cockpit.laek.borgerreference" in failed.reason
    with duckdb.connect(str(settings.build_db)) as con:
        assert con.execute("select * from meta.flag_history order by flag_id").fetchall() == before
        assert con.execute("select count(*) from meta.koersler where run_id = ?", [failed.run_id]).fetchone() == (0,)
        assert con.execute(
            "select table_name from duckdb_tables() where schema_name = 'meta' and table_name like 'flag_history%'"
        ).fetchall() == [("flag_history",)]
        con.execute("drop view cockpit.laek")

    good = run_pipeline(settings)
    assert good.published, good.reason
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        rettet = con.execute(
            "select flag_id, status from meta.flag_history where rettet_run_id = ?", [good.run_id]
        ).fetchall()
        failed_left = con.execute(
            "select count(*) from meta.flag_history where ? in (foerst_run_id, sidst_run_id, rettet_run_id)",
            [failed.run_id],
        ).fetchone()
    assert rettet == [(corrected_id, "rettet")] and failed_left == (0,)
