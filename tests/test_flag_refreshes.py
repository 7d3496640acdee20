"""Issue 22 end to end: two refreshes of the generated sample with a steward's changes between
them. Between the runs a posting file is renamed and re-encoded (a re-export), another gets a
posting inserted above its flags, one occupancy registration is corrected, a decisions file is
added (one flag accepted, one line naming a flag no refresh found), and the dbt build is
forgotten (the second refresh rebuilds every model). Every flag keeps its id and is `uændret`
or `accepteret`; the corrected one is `rettet` in cockpit.datakvalitet_historik and gone from
the open list; no flag is `ny`; the run summary names the unknown decision by file and line."""

from __future__ import annotations

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


def test_a_monthly_partition_run_leaves_yearly_flags_alone(two_refreshes):
    """A run of one month judges only the monthly sources' flags of that month: with a posting
    file gone from the landing dir, its flags stay as they were (the yearly job will judge them),
    and the run publishes."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    settings, before, _, corrected_id, _, _, _, _ = two_refreshes
    posting_flags = {k for k, v in before.items() if v[1] == "posteringer" and v[2].startswith("posteringer/860_")}
    assert posting_flags
    for path in settings.landing_dir.glob("posteringer/860_*.csv"):
        path.unlink()
    settings.export_env()
    job = defs().resolve_job_def("monthly_refresh")
    result = job.execute_in_process(partition_key="2024-03", instance=DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        statuses = dict(con.execute("select flag_id, status from meta.flag_history").fetchall())
        rettet_now = con.execute(
            "select count(*) from meta.flag_history where rettet_run_id = ?", [result.run_id]
        ).fetchone()[0]
    assert {statuses[k] for k in posting_flags} == {"uændret"}
    assert statuses[corrected_id] == "rettet" and rettet_now == 0
