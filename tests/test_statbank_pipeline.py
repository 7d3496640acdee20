"""End to end with StatBank files as users download them: the sample's canonical population and
accounts files rewritten in other shapes must publish the same cockpit numbers, and an age-less
FOLK1AM export publishes per-inhabitant figures with the per-18–64 ones NULL and explained.
Each test writes its shapes into a copy of the session's published warehouse whose StatBank
folders it empties: the refresh reads those sources again and builds what they feed, the other
sources stay loaded (a refresh from scratch read all of them again for nothing)."""

import csv
import dataclasses
import shutil
from pathlib import Path

import duckdb

from ingest.statbank_file import AGE_KEYS_NOTE
from orchestration.runner import run_pipeline
from warehouse.settings import Settings

ENGLISH_AREAS = {"Hele landet": "All Denmark", "Region Nordjylland": "North Denmark Region"}


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _label(code_and_value: str) -> tuple[str, str]:
    code, _, label = code_and_value.partition(" ")
    return code, label


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def _without(warehouse: Settings, *folders: str) -> Settings:
    """A copy of the published sample warehouse whose landing `folders` are emptied, for the test
    to write the same data in other shapes: its refresh reads only those sources again. Every
    file of a folder is gone, so the removal is taken on purpose (`--tillad-fjernelse`)."""
    for folder in folders:
        shutil.rmtree(warehouse.landing_dir / folder)
        (warehouse.landing_dir / folder).mkdir()
    return dataclasses.replace(warehouse, allow_removal=True)


def _write(path: Path, lines: list[str], *, encoding="utf-8", bom=False, eol="\r\n", final_eol=True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = eol.join(lines) + (eol if final_eol else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode(encoding))


def _population_code_without_totals(source: Path, target: Path) -> None:
    """FOLK1A as a Code download: KØN 1/2 only, single ages only, CIVILSTAND eliminated, the
    columns in another order, LF, no BOM, no final newline. Men = ⌊n/2⌋, women the rest."""
    lines = ["TID;ALDER;KØN;OMRÅDE;INDHOLD"]
    for r in _rows(source):
        if r["ALDER"].startswith("IALT"):
            continue
        n, age, area = int(r["INDHOLD"]), r["ALDER"].split(" ")[0], _label(r["OMRÅDE"])[0]
        lines += [f"{r['TID']};{age};1;{area};{n // 2}", f"{r['TID']};{age};2;{area};{n - n // 2}"]
    _write(target, lines, eol="\n", final_eol=False)


def _population_english(source: Path, target: Path) -> None:
    lines = ["OMRÅDE;KØN;ALDER;TID;INDHOLD"]
    for r in _rows(source):
        label = _label(r["OMRÅDE"])[1]
        age = "Age, total" if r["ALDER"].startswith("IALT") else f"{r['ALDER'].split(' ')[0]} years"
        lines.append(f"{ENGLISH_AREAS.get(label, label)};Total;{age};{r['TID']};{r['INDHOLD']}")
    _write(target, lines, bom=True, eol="\n")


def _regk31_web_page(source: Path, target: Path) -> None:
    """REGK31 as the web page saves it: cp1252, comma-separated and quoted, a title block, one
    column per year, outer stub labels blank while they repeat."""
    rows = _rows(source)
    years = sorted({r["TID"] for r in rows})
    cells: dict[tuple, dict] = {}
    for r in rows:
        cells.setdefault((r["OMRÅDE"], r["FUNKTION"], r["DRANST"], r["ART"], r["PRISENHED"]), {})[r["TID"]] = r[
            "INDHOLD"
        ]

    def quoted(values):
        return ",".join(f'"{v}"' for v in values)

    lines = [
        quoted(["Kommunernes regnskaber på funktioner efter område, funktion, dranst, art, prisenhed og tid"]),
        "",
        quoted([" "] * 5 + years),
    ]
    previous = (None,) * 5
    for stub, by_year in cells.items():
        shown = [" " if all(stub[j] == previous[j] for j in range(i + 1)) else stub[i] for i in range(5)]
        lines.append(quoted(shown + [by_year[y].replace(".", "") for y in years]))
        previous = stub
    _write(target, lines, encoding="cp1252")


def _regk31_code(source: Path, target: Path) -> None:
    lines = ["TID;OMRÅDE;ART;FUNKTION;PRISENHED;DRANST;INDHOLD"]
    for r in _rows(source):
        code = {k: _label(r[k])[0] for k in ("OMRÅDE", "FUNKTION", "DRANST", "ART", "PRISENHED")}
        lines.append(
            f"{r['TID']};{code['OMRÅDE']};{code['ART']};{code['FUNKTION']};{code['PRISENHED']};"
            f"{code['DRANST']};{r['INDHOLD']}"
        )
    _write(target, lines, bom=True)


NOEGLER = "select * from cockpit.fordelingsnoegler order by kommunekode, aar"
UDGIFTER = "select * from cockpit.udgifter_kommune order by kommunekode, aar"


def test_mixed_statbank_shapes_publish_the_same_numbers_as_the_canonical_files(
    published_sample, sample_landing, warehouse_copy, capsys
):
    from cli.main import main

    settings, _, _ = published_sample
    sample = sample_landing[0]
    mixed = _without(warehouse_copy, "befolkning", "regnskab")
    landing = mixed.landing_dir
    _population_code_without_totals(
        sample / "befolkning" / "FOLK1A_2019-2021.csv", landing / "befolkning" / "folk1a_kode.csv"
    )
    _population_english(sample / "befolkning" / "FOLK1AM_2022-2024.csv", landing / "befolkning" / "folk1am_en.csv")
    _regk31_web_page(sample / "regnskab" / "REGK31_2019-2021.csv", landing / "regnskab" / "regk31_webside.csv")
    _regk31_code(sample / "regnskab" / "REGK31_2022-2024.csv", landing / "regnskab" / "regk31_kode.csv")

    assert main(["check", str(landing / "befolkning"), str(landing / "regnskab")]) == 0
    shapes = [line.split(": ", 2)[1] for line in capsys.readouterr().out.splitlines() if not line.startswith("    ")]
    assert shapes == [
        "OK [befolkning] StatBank API, Code",
        "OK [befolkning] StatBank API, Value, engelske etiketter",
        "OK [regnskab] StatBank API, Code",
        "OK [regnskab] StatBank webside, bred",
    ]

    outcome = run_pipeline(mixed)
    assert outcome.published, outcome.reason
    canonical = _query(settings.published_db, NOEGLER)
    # Every key but the national one of the first year (no 15–17-year-olds of the year before).
    assert len(canonical) == 11 * 6 and all(None not in row for row in canonical if row[2] > 2019)
    assert _query(mixed.published_db, NOEGLER) == canonical
    canonical = _query(settings.published_db, UDGIFTER)
    assert len(canonical) == 11 * 6
    assert _query(mixed.published_db, UDGIFTER) == canonical
    # Aalborg 2021 from the domain README, summed from derived totals of the Code file.
    assert _query(
        mixed.published_db, "select indbyggere from cockpit.fordelingsnoegler where kommunekode = '851' and aar = 2021"
    ) == [(219573,)]


def test_age_less_folk1am_publishes_per_inhabitant_figures_and_explains_the_missing_age_keys(
    published_sample, sample_landing, warehouse_copy, capsys
):
    from cli.main import main

    settings, _, _ = published_sample
    sample = sample_landing[0]
    ageless = _without(warehouse_copy, "befolkning")
    landing = ageless.landing_dir
    lines = ["OMRÅDE;TID;INDHOLD"]
    for source in sorted((sample / "befolkning").glob("*.csv")):
        for r in _rows(source):
            if r["ALDER"].startswith("IALT"):
                lines.append(f"{_label(r['OMRÅDE'])[1]};{r['TID'].replace('K1', 'M01')};{r['INDHOLD']}")
    _write(landing / "befolkning" / "folk1am.csv", lines, bom=True)

    assert main(["check", str(landing / "befolkning")]) == 0
    assert capsys.readouterr().out.splitlines() == [
        # 11 municipalities, Hele landet and Region Nordjylland × 6 years
        "befolkning/folk1am.csv: OK [befolkning] StatBank API, Value, uden KØN/ALDER: 78 rækker godkendt, "
        "0 værdier afvist",
        f"    fund: {AGE_KEYS_NOTE}",
    ]

    outcome = run_pipeline(ageless)
    assert outcome.published, outcome.reason
    assert f"fund: befolkning/folk1am.csv: {AGE_KEYS_NOTE}" in outcome.summary.splitlines()

    got = _query(
        ageless.published_db,
        """select kommunekode, aar, indbyggere, andel_indbyggere_pct, unge_14_23,
        unge_15_17, indbyggere_18_64, andel_indbyggere_18_64_pct from cockpit.fordelingsnoegler order by all""",
    )
    want = _query(
        settings.published_db,
        """select kommunekode, aar, indbyggere, andel_indbyggere_pct, null, null, null, null
        from cockpit.fordelingsnoegler order by all""",
    )
    assert len(got) == 66 and got == want
    got = _query(
        ageless.published_db,
        """select kommunekode, aar, nettodriftsudgifter_kr, udgift_pr_indbygger_kr,
        indbyggere_18_64, udgift_pr_18_64_kr, region_pr_18_64_kr, afvigelse_fra_region_pct
        from cockpit.udgifter_kommune order by all""",
    )
    want = _query(
        settings.published_db,
        """select kommunekode, aar, nettodriftsudgifter_kr, udgift_pr_indbygger_kr,
        null, null, null, null from cockpit.udgifter_kommune order by all""",
    )
    assert len(got) == 66 and got == want
    assert all(row[3] is not None for row in got)
    explained = _query(
        ageless.published_db,
        """select comment from duckdb_columns()
        where schema_name = 'cockpit' and table_name = 'fordelingsnoegler' and column_name = 'indbyggere_18_64'""",
    )[0][0]
    assert "NULL (not 0) when the population source has no single-year ages" in explained
