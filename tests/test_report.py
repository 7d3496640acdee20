"""The yearly report (issue 11): numbers a person sees, self-containment, a real browser, the
PDF, missing sources, the CLI and the Dagster asset — on the session's published sample
(tests/conftest.py), whose `cockpit run` already built the newest year's report."""

import json
import os
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
import yaml

from ingest.danish_format import aendring_pct, antal, kr, pct, procentpoint, tal

YEAR = 2024  # the sample's newest complete year
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOMAIN_2021 = [  # shared/domain/README.md: døgntakst, helårsudgift, refusion, nettoudgift
    (4800, 1752000, 248500, 1503500),
    (6200, 2263000, 547250, 1715750),
    (7500, 2737500, 903125, 1834375),
]


class _Page(HTMLParser):
    """What a reader sees, by structure: tables by id (header, rows of cell text), sections by
    id (their notes), every src/href, <style> text, and the tags used."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.notes, self.refs, self.tags, self.styles = {}, {}, [], set(), []
        self._table = self._row = self._cell = self._section = None
        self._in_style = self._note = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self.refs += [v for k, v in attrs if k in ("src", "href", "xlink:href") and v]
        if tag == "section" and "afsnit" in (a.get("class") or ""):
            self._section = a["id"]
            self.notes[self._section] = []
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("id"), {"header": [], "rows": []})
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "style":
            self._in_style = True
        elif tag == "p" and "note" in (a.get("class") or ""):
            self._note = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._table["header"]:
                self._table["rows"].append(self._row)
            else:
                self._table["header"] = self._row
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "style":
            self._in_style = False
        elif tag == "p" and self._note is not False:
            self.notes[self._section].append("".join(self._note).strip())
            self._note = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._in_style:
            self.styles.append(data)
        if self._note is not False:
            self._note.append(data)

    def cell(self, table: str, row_key: str, column: str) -> str:
        """The cell of `column` in the row whose first cell is `row_key` (or starts with it and a
        comma: `I alt` finds `I alt, 3 af 8 institutioner`)."""
        t = self.tables[table]
        row = next(r for r in t["rows"] if r[0] == row_key or r[0].startswith(row_key + ","))
        return row[t["header"].index(column)]


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def report(published_sample):
    settings, outcome, _ = published_sample
    html = settings.report_dir / f"styringscockpit_{YEAR}.html"
    return settings, outcome, html, _parse(html)


def _one(db: Path, sql: str, params=()):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, list(params)).fetchone()


def test_cockpit_run_builds_the_newest_years_report_and_says_where(report):
    settings, outcome, html, _ = report
    assert f"Rapport {YEAR}: {html}" in outcome.summary
    for name in (f"styringscockpit_{YEAR}.html", f"styringscockpit_{YEAR}.pdf", f"notat_{YEAR}.md"):
        assert (settings.report_dir / name).stat().st_size > 1000, name


def test_figures_from_the_marts_appear_in_danish_format(report):
    settings, _, _, page = report
    db = settings.published_db
    per_head, deviation, region = _one(
        db,
        "select udgift_pr_18_64_kr, afvigelse_fra_region_pct, region_pr_18_64_kr "
        "from cockpit.udgifter_kommune where kommunenavn = 'Aalborg' and aar = ?",
        [YEAR],
    )
    assert page.cell("tabel-udgifter", "Aalborg", "Kr. pr. 18–64-årig") == kr(per_head)
    assert page.cell("tabel-udgifter", "Aalborg", "Afvigelse fra de 11") == aendring_pct(deviation)
    assert page.cell("tabel-udgifter", "De 11 kommuner", "Kr. pr. 18–64-årig") == kr(region)
    normed, actual = _one(
        db,
        "select belaegning_normeret_pct, belaegning_faktisk_pct from cockpit.sikrede_institutioner "
        "where institution = 'I alt' and aar = ?",
        [YEAR],
    )
    assert page.cell("tabel-sikrede", "I alt", "Belægning, normeret") == pct(normed)
    assert page.cell("tabel-sikrede", "I alt", "Belægning, i drift") == pct(actual)
    name, level, rate = _one(
        db,
        "select tilbudsnavn, ydelse, doegntakst_kr from cockpit.takster "
        "where aar = ? and kraever_begrundelse order by tilbudsnavn, ydelse",
        [YEAR],
    )
    rows = page.tables["tabel-takster-begrundelse"]["rows"]
    assert [name, level, kr(rate, 2)] in [r[:2] + [r[3]] for r in rows]
    refund, over = _one(
        db,
        "select refusion_kr, antal_over_graense_1 from cockpit.dyre_enkeltsager_kommune "
        "where kommunenavn = 'Aalborg' and aar = ?",
        [YEAR],
    )
    assert over >= 5 and refund > 0  # the sample has expensive cases: the refund is a real amount
    assert page.cell("tabel-dyre-enkeltsager", "Aalborg", "Forventet refusion") == kr(refund)
    assert page.cell("tabel-dyre-enkeltsager", "Aalborg", "Over grænse 1") == antal(over)
    private, change = _one(
        db,
        "select andel_pct, aendring_andel_procentpoint from cockpit.koeb_driftsherretype "
        "where kommunenavn = 'Aalborg' and aar = ? and koebstype = 'privat'",
        [YEAR],
    )
    assert page.cell("tabel-koeb", "Aalborg", "Andel privat") == pct(private)
    assert page.cell("tabel-koeb", "Aalborg", f"Ændring fra {YEAR - 1}") == procentpoint(change)
    empty_cost = _one(
        db,
        "select tompladsudgift_kr from cockpit.belaegning_tilbud where tilbudsnavn = "
        "'Botilbuddet Lindholm' and aar = ?",
        [YEAR],
    )[0]
    assert page.cell("tabel-belaegning", "Botilbuddet Lindholm", "Tompladsudgift, brutto") == kr(empty_cost)
    population = _one(
        db, "select indbyggere from cockpit.fordelingsnoegler where kommunenavn = 'Aalborg' and aar = ?", [YEAR]
    )[0]
    assert page.cell("tabel-fordelingsnoegler", "Aalborg", "Indbyggere") == tal(population)
    checks = _one(
        db, "select antal_sundhedstjek from cockpit.sundhedstjek where kommunenavn = 'Aalborg' and aar = ?", [YEAR]
    )[0]
    assert page.cell("tabel-sundhedstjek", "Aalborg", "Sundhedstjek") == antal(checks)
    occupancy = _one(
        db,
        "select belaegning_faktisk_pct from cockpit.udbud_efterspoergsel where aar = ? and "
        "paragraf = 'SEL § 108' and maalgruppe = 'Autisme'",
        [YEAR],
    )[0]
    row = next(r for r in page.tables["tabel-udbud"]["rows"] if r[:2] == ["SEL § 108", "Autisme"])
    assert row[page.tables["tabel-udbud"]["header"].index("Belægning, i drift")] == pct(occupancy)
    r12 = _one(db, "select count(*) from cockpit.datakvalitet where regel = 'R12'")[0]
    assert page.cell("tabel-regler", "R12", "Arbejdslisten, alle år") == antal(r12) == "11"


def test_small_groups_of_cases_are_shown_as_less_than_5(report):
    settings, _, _, page = report
    n, reason = _one(
        settings.published_db,
        "select antal_sager, maskeringsaarsag from cockpit.dyre_enkeltsager_kommune where kommunenavn = 'Læsø' "
        "and aar = ?",
        [YEAR],
    )
    assert (n, reason) == (None, "sager: færre end 5 sager")  # Læsø has two cases: hidden in the warehouse
    assert page.cell("tabel-dyre-enkeltsager", "Læsø", "Sager") == "< 5"
    assert page.cell("tabel-dyre-enkeltsager", "Læsø", "Forventet refusion") == "–"


def test_footer_names_the_publication_and_run(report):
    settings, _, html, _ = report
    run_id, files = _one(settings.published_db, "select run_id, filer from cockpit.koersler order by publiceret desc")
    text = html.read_text(encoding="utf-8")
    assert f"kørsel {run_id} · {tal(files)} kildefiler" in text


def test_html_is_self_contained(report):
    _, _, html, page = report
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    assert page.refs and all(ref.startswith("#") for ref in page.refs), page.refs  # only links within the page
    css = "".join(page.styles)
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    assert html.read_text(encoding="utf-8").count("<svg") >= 10  # the charts are inline SVG


def test_every_chart_has_a_title_and_a_text_alternative(report):
    _, _, html, _ = report
    text = html.read_text(encoding="utf-8")
    svgs = text.split("<svg ")[1:]
    assert svgs and all('role="img"' in s[:200] and "<title " in s[:600] and "<desc " in s[:1200] for s in svgs)


@pytest.mark.skipif(
    not Path(CHROMIUM).exists() and os.environ.get("CI") != "true",
    reason="Debian's chromium is not installed (.ci/run installs it)",
)
def test_browser_loads_the_report_offline_without_console_errors(report, tmp_path):
    from PIL import Image
    from playwright.sync_api import sync_playwright

    _, _, html, _ = report
    errors, outside = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1000, "height": 1400}, offline=True)

        def guard(route):
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(html.as_uri(), wait_until="load")
        heading = page.locator("h1").inner_text()
        visible_charts = page.locator("figure svg").count()
        page.screenshot(path=str(tmp_path / "first.png"))
        browser.close()
    assert errors == [] and outside == []
    assert heading == f"Styringscockpit KKR Nordjylland – {YEAR}"
    assert visible_charts >= 10
    grey = Image.open(tmp_path / "first.png").convert("L")
    dark = sum(grey.histogram()[:200])  # pixels clearly darker than the white page
    assert dark / (grey.width * grey.height) > 0.03


def test_pdf_pages_and_key_figures(report):
    from pypdf import PdfReader

    settings, _, _, _ = report
    reader = PdfReader(settings.report_dir / f"styringscockpit_{YEAR}.pdf")
    assert 10 <= len(reader.pages) <= 30
    assert float(reader.pages[0].mediabox.width) == pytest.approx(595.28, abs=1)  # A4 portrait
    text = "\n".join(p.extract_text() for p in reader.pages)
    db = settings.published_db
    per_head = _one(
        db, "select udgift_pr_18_64_kr from cockpit.udgifter_kommune where kommunenavn = 'Aalborg' and aar = ?", [YEAR]
    )[0]
    refund = _one(
        db, "select refusion_kr from cockpit.dyre_enkeltsager_kommune where kommunenavn = 'Aalborg' and aar = ?", [YEAR]
    )[0]
    normed = _one(
        db,
        "select belaegning_normeret_pct from cockpit.sikrede_institutioner where institution = 'I alt' and aar = ?",
        [YEAR],
    )[0]
    run_id = _one(db, "select run_id from cockpit.koersler order by publiceret desc")[0]
    for figure in (kr(per_head), kr(refund), pct(normed), f"Side 1 af {len(reader.pages)}", run_id):
        assert figure in text, figure
    assert text.count(f"kørsel {run_id}") == len(reader.pages)  # the data line is on every page


def test_memo_states_the_years_movements_with_numbers(report):
    settings, _, _, _ = report
    memo = (settings.report_dir / f"notat_{YEAR}.md").read_text(encoding="utf-8")
    normed = _one(
        settings.published_db,
        "select belaegning_normeret_pct from cockpit.sikrede_institutioner where institution = 'I alt' and aar = ?",
        [YEAR],
    )[0]
    need, total = _one(
        settings.published_db,
        "select count(*) filter (where kraever_begrundelse), count(*) from cockpit.takster where aar = ?",
        [YEAR],
    )
    assert memo.startswith(f"# Notat: Styringscockpit KKR Nordjylland – {YEAR}")
    assert f"Belægningen var {pct(normed)} af de normerede pladser" in memo
    assert f"{antal(need)} af {antal(total)} takster kræver begrundelse" in memo
    assert "steg mest i" in memo or "faldt mest i" in memo or "steg mindst i" in memo
    assert "kr.." not in memo


def _degraded_copy(published: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "styringscockpit.duckdb"
    shutil.copyfile(published, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("create or replace view cockpit.sundhedstjek as select * from publicering.sundhedstjek where false")
        con.execute("drop view cockpit.koeb_driftsherretype")
    return copy


def test_a_year_with_missing_sources_still_renders_and_says_what_is_missing(published_sample, tmp_path):
    from pypdf import PdfReader

    from report.build import build_report

    settings, _, _ = published_sample
    files = build_report(_degraded_copy(settings.published_db, tmp_path), tmp_path / "out", YEAR)
    page = _parse(files.html)
    assert page.notes["sundhedstjek"] == [
        f"Der er ingen sundhedstjek-data for {YEAR} i det publicerede lager (cockpit.sundhedstjek); afsnittet udfyldes, "
        "når kilden er indlæst."
    ]
    assert any("cockpit.koeb_driftsherretype" in n for n in page.notes["koeb"])
    assert "tabel-udgifter" in page.tables and "tabel-sundhedstjek" not in page.tables
    assert (
        "**Mangler:** Køb hos private leverandører, Sundhedstjek på botilbud" in files.memo_text
        or "**Mangler:** Sundhedstjek på botilbud, Køb hos private leverandører" in files.memo_text
    )
    assert len(PdfReader(files.pdf).pages) >= 8


@pytest.fixture
def restore_env():
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_cli_report_for_another_year_and_a_clear_error_for_a_year_without_data(
    published_sample, tmp_path, capsys, restore_env
):
    from cli.main import main

    settings, _, _ = published_sample
    assert main(["report", "--year", "2030", "--published-db", str(settings.published_db), "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "fejl: ingen data for 2030" in err and "2024" in err
    assert main(["report", "--year", "2023", "--published-db", str(settings.published_db), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.split()
    assert out == [
        str(tmp_path / "styringscockpit_2023.html"),
        str(tmp_path / "styringscockpit_2023.pdf"),
        str(tmp_path / "notat_2023.md"),
    ]
    per_head = _one(
        settings.published_db,
        "select udgift_pr_18_64_kr from cockpit.udgifter_kommune where kommunenavn = 'Hjørring' and aar = 2023",
    )[0]
    assert _parse(Path(out[0])).cell("tabel-udgifter", "Hjørring", "Kr. pr. 18–64-årig") == kr(per_head)


def test_missing_published_file_is_a_one_line_error(tmp_path, capsys, restore_env):
    from cli.main import main

    assert main(["report", "--published-db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path)]) == 1
    assert "none.duckdb findes ikke" in capsys.readouterr().err


def test_dagster_asset_metadata_has_the_paths_and_the_memo(published_sample, tmp_path, monkeypatch):
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    settings, _, _ = published_sample
    monkeypatch.setenv("COCKPIT_PUBLISHED_DB", str(settings.published_db))
    monkeypatch.setenv("COCKPIT_BUILD_DB", str(settings.build_db))
    monkeypatch.setenv("COCKPIT_REPORT_DIR", str(tmp_path))
    result = (
        defs()
        .resolve_job_def("yearly_report")
        .execute_in_process(instance=DagsterInstance.ephemeral(), partition_key="2023")
    )
    assert result.success
    (mat,) = [e.event_specific_data.materialization for e in result.all_events if e.is_step_materialization]
    assert mat.asset_key.to_user_string() == "report/styringscockpit" and mat.partition == "2023"
    assert mat.metadata["html"].value == str(tmp_path / "styringscockpit_2023.html")
    assert mat.metadata["pdf"].value == str(tmp_path / "styringscockpit_2023.pdf")
    assert mat.metadata["memo_preview"].value.startswith("# Notat: Styringscockpit KKR Nordjylland – 2023")
    assert mat.metadata["pages"].value >= 10


def test_dbt_unit_tests_reproduce_the_2021_refund_table_and_hand_computed_shares(published_sample, tmp_path):
    """The 2021 table of shared/domain is the expectation of a dbt unit test (asserted here
    row by row), and that unit test and the hand-computed top-5 % and private-share fixtures
    pass against the real project."""
    from warehouse.dbt_manifest import dbt_executable
    from warehouse.paths import DBT_PROJECT_DIR

    spec = yaml.safe_load((DBT_PROJECT_DIR / "models/marts/_dyre_enkeltsager.yml").read_text(encoding="utf-8"))
    unit = next(u for u in spec["unit_tests"] if u["name"] == "mart_dyre_enkeltsager_reproduces_the_2021_table")
    given = {r["borgerreference"]: r["udgift_kr"] for r in unit["given"][0]["rows"]}
    expect = {r["borgerreference"]: r for r in unit["expect"]["rows"]}
    for rate, yearly, refund, net in DOMAIN_2021:
        key = f"S-{rate}"
        assert given[key] == rate * 365 == yearly
        assert (Decimal(str(expect[key]["refusion_kr"])), Decimal(str(expect[key]["nettoudgift_kr"]))) == (refund, net)

    settings, _, _ = published_sample
    build = tmp_path / "build.duckdb"
    shutil.copyfile(settings.build_db, build)
    names = [
        "mart_dyre_enkeltsager_reproduces_the_2021_table",
        "mart_dyre_enkeltsager_top_5_pct_of_21_cases_is_2",
        "mart_dyre_enkeltsager_kommune_counts_refund_and_top_5_share",
        "mart_koeb_driftsherretype_private_share_and_its_change",
        "mart_koeb_driftsherre_share_per_operator",
        "int_posteringer__koeb_operator_kind_seen_from_the_buyer",
        "mart_udbud_efterspoergsel_supply_and_demand_side_by_side",
    ]
    run = subprocess.run(
        [
            dbt_executable(),
            "test",
            "--select",
            *names,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        env={**os.environ, "COCKPIT_BUILD_DB": str(build), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    status = {r["unique_id"].split(".")[-1]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert status == {n: "pass" for n in names}, run.stdout[-3000:]


def _with_all_of_denmark(published: Path, tmp_path: Path) -> Path:
    """A copy of the published sample with what a national warehouse adds: 150 tilbud in
    Copenhagen for each of the sample's, with occupancy and rates (> 5 000 chart points, beyond
    altair's limit), and Copenhagen's expenditure, health checks, costly cases and purchases."""
    copy = tmp_path / "danmark.duckdb"
    shutil.copyfile(published, copy)
    with duckdb.connect(str(copy)) as con:
        for view in ("belaegning_tilbud", "takster"):
            con.execute(
                f"insert into publicering.{view} select t.* replace (tilbudsnr + 100000 * (i + 1) as tilbudsnr, "
                f"false as nordjysk_socialaftale) from publicering.{view} as t, range(150) as r(i)"
            )
        for view in (
            "udgifter_kommune",
            "udgifter_kommune_funktion",
            "sundhedstjek",
            "dyre_enkeltsager_kommune",
            "koeb_driftsherretype",
            "koeb_driftsherre",
        ):
            flag = ", false as nordjysk_socialaftale" if view.startswith("udgifter") else ""
            con.execute(
                f"insert into publicering.{view} select * replace ('101' as kommunekode, 'København' as kommunenavn"
                f"{flag}) from publicering.{view} where kommunekode = '851'"
            )
        assert con.execute("select count(*) from cockpit.belaegning_tilbud where aar = ?", [YEAR]).fetchone()[0] > 2500
    return copy


def test_a_warehouse_of_all_of_denmark_reports_on_the_agreement_alone(published_sample, tmp_path):
    from report.build import build_report

    settings, _, _ = published_sample
    national = build_report(_with_all_of_denmark(settings.published_db, tmp_path), tmp_path / "danmark", YEAR)
    alone = build_report(settings.published_db, tmp_path / "nordjylland", YEAR)
    # the same tables, notes and memo: no Copenhagen row, no tilbud outside the 11
    a, b = _parse(national.html), _parse(alone.html)
    assert a.tables == b.tables and a.notes == b.notes
    assert national.memo_text == alone.memo_text
    assert "København" not in national.html.read_text(encoding="utf-8")
    municipalities = [r[0] for r in b.tables["tabel-sundhedstjek"]["rows"] if r[0] != "I alt"]
    assert len(municipalities) == 11 and "Aalborg" in municipalities
