"""Issue 25: the report says what the data says. Reads the generated HTML and memo back, as a
reader gets them, and checks them figure by figure against queries of the published file —
this module's own SQL on `cockpit.*`, not the report's code:

- every figure a section's lead text or the memo states equals its view column or query;
- every table total equals the sum of its rows (within the rounding of the rows shown);
- 5.38 has its own total, equal to the headline; 5.28, where shown, a block and total of its own;
- "under budget", "i alt" and refusals mean the same in the text and the tables;
- the memo's flag counts are the report year's, the open work list is named apart;
- a partial year says which months it covers, in the section and on the memo's first line;
- Danish form: procentpoint written out, names in Danish order (DuckDB's ICU `COLLATE da` is
  the oracle), Danmarks Statistik credited, løbende priser.

Three warehouses: the session's sample; the sample with 2024's occupancy and secure-institution
reports cut to January–March (a monthly backfill of three months); and a landing dir from the
independent generator (tests/independent_landing.py), data the report code has never seen.
"""

from __future__ import annotations

import re
import shutil
import sys
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from ingest.danish_format import MONTHS, aendring_pct, antal, kr, mio_kr, pct, tal
from report.memo import HIDDEN

sys.path.insert(0, str(Path(__file__).parent))
from conftest import copy_warehouse  # noqa: E402

D = Decimal


# --------------------------------------------------------------------------------- reading back
class Document(HTMLParser):
    """The report as a reader sees it: per section (by id) its lead text, its period line and its
    notes; per table (by id) the header, the body rows and the total row, as cell text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.leads, self.periods, self.notes, self.tables, self.captions = {}, {}, {}, {}, {}
        self.text: list[str] = []
        self._section = self._table = self._row = self._cell = self._p = None
        self._row_is_sum = self._in_caption = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "section" and "afsnit" in cls:
            self._section = a["id"]
            self.notes[self._section] = []
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("id"), {"header": [], "rows": [], "sum": None})
        elif tag == "caption":
            self._in_caption = True
            self.captions[id(self._table)] = []
        elif tag == "tr" and self._table is not None:
            self._row, self._row_is_sum = [], "sum" in cls
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "p" and self._section:
            self._p = (cls, [])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            t = self._table
            if not t["header"]:
                t["header"] = self._row
            elif self._row_is_sum:
                t["sum"] = self._row
            else:
                t["rows"].append(self._row)
            self._row = None
        elif tag == "caption":
            self._in_caption = False
            self._table["caption"] = " ".join("".join(self.captions[id(self._table)]).split())
        elif tag == "table":
            self._table = None
        elif tag == "p" and self._p is not None:
            cls, parts = self._p
            text = " ".join("".join(parts).split())
            if "indledning" in cls:
                self.leads[self._section] = text
            elif "periode" in cls:
                self.periods[self._section] = text
            elif "note" in cls:
                self.notes[self._section].append(text)
            self._p = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._in_caption:
            self.captions[id(self._table)].append(data)
        if self._p is not None:
            self._p[1].append(data)

    def column(self, table: str, name: str) -> list[str]:
        t = self.tables[table]
        i = t["header"].index(name)
        return [r[i] for r in t["rows"]]

    def total(self, table: str, name: str) -> str:
        t = self.tables[table]
        return t["sum"][t["header"].index(name)]


def number(text: str) -> Decimal:
    """A Danish number as shown (`3.476,0 mio. kr.`, `1.234 kr.`, `+3,4 %`, `12`) → Decimal, in
    the unit shown (millions stay millions)."""
    core = re.sub(r"(mio\. )?kr\.|%|procentpoint", "", text).strip().replace(".", "").replace(",", ".")
    return D(core.replace("+", ""))


def assert_total_is_sum(doc: Document, table: str, column: str, unit: Decimal) -> None:
    """The total row's cell equals the sum of the body cells, within half a shown unit per row."""
    cells = [c for c in doc.column(table, column) if c not in ("–", "")]
    shown = sum((number(c) for c in cells), D(0))
    total = number(doc.total(table, column))
    assert abs(total - shown) <= unit / 2 * max(len(cells), 1), (table, column, total, shown)


def one(con, sql: str, *params):
    return con.execute(sql, list(params)).fetchone()


def months_text(first: date, last: date, year: int) -> str | None:
    """This test's own reading of 'which months': None for January–December."""
    if (first.month, last.month) == (1, 12):
        return None
    a, b = MONTHS[first.month - 1], MONTHS[last.month - 1]
    return f"{a} {year}" if a == b else f"{a}–{b} {year}"


def danish_order(con, names: list[str]) -> list[str]:
    return [n for (n,) in con.execute("select n from unnest(?) t(n) order by n collate da", [names]).fetchall()]


# ------------------------------------------------------------------------------------ the checks
def check_report(db: Path, out: Path, year: int) -> tuple[Document, str]:
    """Build the report of `year` from `db` into `out`, read it back and check every figure."""
    from report.build import build_report

    files = build_report(db, out, year)
    doc = Document()
    doc.feed(files.html.read_text(encoding="utf-8"))
    memo = files.memo.read_text(encoding="utf-8")
    con = duckdb.connect(str(db), read_only=True)
    try:
        partial = {}
        partial.update(_udgifter(con, doc, memo, year))
        partial.update(_belaegning(con, doc, memo, year))
        partial.update(_sikrede(con, doc, memo, year))
        partial.update(_sundhedstjek(con, doc, memo, year))
        _datakvalitet(con, doc, memo, year)
        _udbud(con, doc, year)
        _takster(con, doc, memo, year)
        _fordelingsnoegler(con, doc, year)
        _dyre_enkeltsager(con, doc, memo, year)
        _koeb(con, doc, memo, year)
        _form(con, doc, memo, files.html.read_text(encoding="utf-8"))
        status = memo.split("\n\n")[1]
        if any(partial.values()):
            assert "ikke komplet" in status, status
            for section, months in partial.items():
                if months:
                    assert months in status, (section, months, status)
                    assert doc.periods[section] == f"Periode: {months} (ikke hele {year}).", doc.periods
        else:
            assert status == f"Styringscockpittet er opdateret med data for hele {year}.", status
            assert not doc.periods
    finally:
        con.close()
    return doc, memo


def _udgifter(con, doc: Document, memo: str, year: int) -> dict:
    total, region = one(
        con,
        "select sum(nettodriftsudgifter_kr), any_value(region_pr_18_64_kr) from cockpit.udgifter_kommune "
        "where nordjysk_socialaftale and aar = ?",
        year,
    )
    lead = doc.leads["udgifter"]
    assert f"nettodriftsudgifter på {mio_kr(total)} (løbende priser)" in lead
    assert f"svarende til {kr(region)} pr. 18–64-årig" in lead
    hi_name, hi = one(
        con,
        "select kommunenavn, udgift_pr_18_64_kr from cockpit.udgifter_kommune where nordjysk_socialaftale "
        "and aar = ? order by udgift_pr_18_64_kr desc limit 1",
        year,
    )
    assert f"Højest pr. 18–64-årig ligger {hi_name} med {kr(hi)}" in lead
    assert f"De 11 kommuner brugte {mio_kr(total)} (løbende priser)" in memo
    # the municipality table and the 5.38 function block both add up to the headline
    assert doc.total("tabel-udgifter", "Nettodriftsudgifter") == mio_kr(total)
    assert_total_is_sum(doc, "tabel-udgifter", "Nettodriftsudgifter", D("0.1"))
    adult = dict(
        con.execute(
            "select funktion, sum(nettodriftsudgifter_kr) from cockpit.udgifter_kommune_funktion "
            "where nordjysk_socialaftale and aar = ? and hovedfunktion = '5.38' group by funktion",
            [year],
        ).fetchall()
    )
    children = dict(
        con.execute(
            "select funktion, sum(nettodriftsudgifter_kr) from cockpit.udgifter_kommune_funktion "
            "where nordjysk_socialaftale and aar = ? and hovedfunktion = '5.28' group by funktion",
            [year],
        ).fetchall()
    )
    assert sum(adult.values()) == total  # the definition: 5.38 per function adds up to the headline
    assert doc.column("tabel-funktioner", "Funktion") == sorted(adult)
    assert doc.tables["tabel-funktioner"]["sum"][0] == "I alt 5.38"
    assert doc.total("tabel-funktioner", str(year)) == mio_kr(total)
    assert_total_is_sum(doc, "tabel-funktioner", str(year), D("0.1"))
    if children:
        assert doc.column("tabel-funktioner-528", "Funktion") == sorted(children)
        assert doc.tables["tabel-funktioner-528"]["sum"][0] == "I alt 5.28"
        assert doc.total("tabel-funktioner-528", str(year)) == mio_kr(sum(children.values()))
        assert_total_is_sum(doc, "tabel-funktioner-528", str(year), D("0.1"))
        assert any("5.28" in n and "indgår ikke i 5.38-udgiften" in n for n in doc.notes["udgifter"])
    else:
        assert "tabel-funktioner-528" not in doc.tables
    _against_country(con, doc, memo, year)
    return {}


def _against_country(con, doc: Document, memo: str, year: int) -> None:
    """The line on North Jutland against the country states only figures of the tables: the
    deviation of the municipality table's footer and the fixed-price table's NSA and Hele landet
    cells (kr. per 18–64-year-old in the year, the index of the year), recomputed here."""
    rows = {
        code: (name, pr_head, idx, level)
        for code, name, pr_head, idx, level in con.execute(
            "select omraadekode, omraadenavn, udgift_pr_18_64_fpl_kr, indeks_fpl, prisniveau_aar "
            "from cockpit.udgifter_omraade where aar = ? and omraadekode in ('NSA', '000')",
            [year],
        ).fetchall()
    }
    netto = {
        code: (amount, people)
        for code, amount, people in con.execute(
            "select omraadekode, nettodriftsudgifter_kr, indbyggere_18_64 from cockpit.udgifter_omraade "
            "where aar = ? and omraadekode in ('NSA', '000')",
            [year],
        ).fetchall()
    }
    if set(rows) != {"NSA", "000"} or None in (v for pair in netto.values() for v in pair):
        assert "hele landet" not in memo.split("**Udgifter:**")[1].split("\n")[0]
        return
    # per 18–64-year-old, the 11 against the country, from the unrounded sums, half-up to 2 decimals
    own, country = netto["NSA"][0] * netto["000"][1], netto["000"][0] * netto["NSA"][1]
    deviation = ((own - country) * 100 / country).quantize(D("0.01"), ROUND_HALF_UP)
    shown = doc.total("tabel-udgifter", "Afvigelse fra hele landet")
    assert shown == aendring_pct(deviation), (shown, deviation)
    side = "over" if deviation > 0 else "under"
    line = f"Det er {pct(abs(deviation))} {side} hele landet"
    assert line in doc.leads["udgifter"] and line in memo
    if rows["NSA"][2] is None:
        assert line + "." in memo
        return
    table = doc.tables["tabel-omraader"]
    level = rows["NSA"][3]
    first = table["header"][1]
    assert table["caption"].startswith(f"Nordjylland og hele landet i faste {level}-priser (P/L), indeks {first} = 100")
    cells = {r[0]: r for r in table["rows"]}
    nsa, land = cells[rows["NSA"][0]], cells[rows["000"][0]]
    assert (nsa[-1], land[-1]) == (kr(rows["NSA"][1]), kr(rows["000"][1]))
    i = table["header"].index(str(year))
    assert (nsa[i], land[i]) == (tal(rows["NSA"][2], 1), tal(rows["000"][2], 1))
    sentence = (
        f"{line}; i faste {level}-priser {nsa[-1]} mod {land[-1]} pr. 18–64-årig, og med {first} = 100 "
        f"står de 11 i indeks {nsa[i]} og hele landet i {land[i]}."
    )
    assert sentence in doc.leads["udgifter"] and sentence in memo


def _belaegning(con, doc: Document, memo: str, year: int) -> dict:
    n, with_budget, below, days, uncovered, gross_days, gross_cost, first, last = one(
        con,
        """select count(*), count(under_budget), count(*) filter (where under_budget),
                  sum(doegn_under_budget), sum(udaekket_tompladsudgift_kr), sum(tomme_doegn),
                  sum(tompladsudgift_kr), min(foerste_maaned), max(sidste_maaned)
           from cockpit.belaegning_tilbud where aar = ?""",
        year,
    )
    if not n:
        return {}
    months = months_text(first, last, year)
    lead = doc.leads["belaegning"]
    assert lead.startswith(f"{n} tilbud har indberettet belægning for {months or year}")
    assert f"{below} af de {with_budget} tilbud med takstbilag lå under den budgetterede belægning" in lead
    assert f"udækket tompladsudgift på {kr(uncovered)}" in lead
    assert f"Brutto var der {tal(gross_days)} tomme døgn på pladser i drift ({kr(gross_cost)}" in lead
    assert f"{below} af {with_budget} tilbud med takstbilag lå under den budgetterede belægning" in memo
    assert f"udækket tompladsudgift på {kr(uncovered)}" in memo
    # the text and the table count on one basis: rows with days under budget
    shown_under = [c for c in doc.column("tabel-belaegning", "Døgn under budget") if c not in ("0", "–")]
    assert len(shown_under) == below
    # the headline cost recomputed from the view's inputs: (budgeted − occupied)⁺ × the unused-place rate
    for name, normed, budget, occupied, rate, share, cost in con.execute(
        """select tilbudsnavn, normerede_doegn, budgetteret_belaegning_pct, belagte_doegn,
                  laveste_doegntakst_kr, tomplads_andel_pct, udaekket_tompladsudgift_kr
           from cockpit.belaegning_tilbud where aar = ? and budgetteret_belaegning_pct is not null""",
        [year],
    ).fetchall():
        short = max(D(normed) * budget / 100 - occupied, D(0))
        unused_rate = (rate * share / 100).quantize(D("0.01"), ROUND_HALF_UP)
        assert (short * unused_rate).quantize(D("0.01"), ROUND_HALF_UP) == cost, name
    for column, unit in (
        ("Døgn under budget", D("0.01")),
        ("Udækket tompladsudgift", D(1)),
        ("Tomme døgn, brutto", D(1)),
        ("Tompladsudgift, brutto", D(1)),
    ):
        assert_total_is_sum(doc, "tabel-belaegning", column, unit)
    assert doc.total("tabel-belaegning", "Udækket tompladsudgift") == kr(uncovered)
    assert doc.total("tabel-belaegning", "Tomme døgn, brutto") == tal(gross_days)
    names = doc.column("tabel-belaegning", "Tilbud")
    assert names == danish_order(con, names)
    if months:
        assert f"**Belægning, {months}:**" in memo
    return {"belaegning": months}


def _sikrede(con, doc: Document, memo: str, year: int) -> dict:
    row = one(
        con,
        """select belaegning_normeret_pct, afviste_sociale, afviste_retlige, antal_institutioner,
                  antal_institutioner_i_landet, foerste_maaned, sidste_maaned
           from cockpit.sikrede_institutioner where aar = ? and institution = 'I alt'""",
        year,
    )
    if row is None:
        return {}
    normed, social, remand, covered, country, first, last = row
    lead = doc.leads["sikrede"]
    if social is None or remand is None:  # hidden by disclosure control: said in words, never summed
        assert f"antallet af anmodninger, der blev afvist for mangel på plads, {HIDDEN}" in lead
        assert f"antallet af afviste anmodninger {HIDDEN}" in memo
    else:
        refused = social + remand
        assert f"{antal(refused)} anmodninger blev afvist for mangel på plads" in lead
        assert f"{antal(refused)} anmodninger blev afvist for mangel på plads" in memo
    assert f"i alt {pct(normed)} af de normerede pladser" in lead
    if covered < country:
        assert f"de {covered} sikrede institutioner i data (af {country} i landet)" in lead
        assert "ikke hele landet" in lead
    t = doc.tables["tabel-sikrede"]
    total_row = [r for r in t["rows"] if r[0].startswith("I alt")]
    assert [r[0] for r in total_row] == [f"I alt, {covered} af {country} institutioner"]
    body = [r for r in t["rows"] if not r[0].startswith("I alt")]
    assert len(body) == covered
    for column, value in (("Afviste sociale", social), ("Afviste retlige", remand)):
        i = t["header"].index(column)
        cells = [r[i] for r in body]
        if value is None:
            assert total_row[0][i] in ("–", "< 5")
        elif all(c not in ("–", "< 5") for c in cells):
            assert sum(number(c) for c in cells) == value == number(total_row[0][i])
        else:  # a hidden institution: the published total is shown, the shown cells do not add up to it
            assert number(total_row[0][i]) == value
    names = [r[0] for r in body]
    assert names == danish_order(con, names)
    months = months_text(first, last, year)
    if months:
        assert f"**Sikrede institutioner, {months}:**" in memo
    return {"sikrede": months}


def _sundhedstjek(con, doc: Document, memo: str, year: int) -> dict:
    row = one(
        con,
        """select sum(antal_sundhedstjek), sum(borgere_i_maalgruppe), bool_or(delvis_periode),
                  min(foerste_maaned), max(sidste_maaned)
           from cockpit.sundhedstjek where aar = ?""",
        year,
    )
    if row[0] is None:
        return {}
    total, target, partial, first, last = row
    lead = doc.leads["sundhedstjek"]
    assert f"registreret {tal(total)} sundhedstjek" in lead
    assert f"{tal(D(total) * 100 / target, 1)} sundhedstjek pr. 100 borgere i målgruppen" in lead
    assert "ikke personer" in lead and "ca. 40 %" in lead  # DAS's reading, and why the data cannot give it
    header = doc.tables["tabel-sundhedstjek"]["header"]
    assert "Pr. 100 i målgruppen, 24 mdr." in header and not any("Dækning" in h for h in header)
    assert doc.total("tabel-sundhedstjek", "Sundhedstjek") == antal(total)
    assert_total_is_sum(doc, "tabel-sundhedstjek", "Sundhedstjek", D(1))
    assert_total_is_sum(doc, "tabel-sundhedstjek", "Borgere i målgruppen", D(1))
    assert f"{antal(total)} sundhedstjek på botilbud" in memo
    months = months_text(first, last, year) or (f"januar–december {year}" if partial else None)
    if months:
        assert months in lead and f"**Sundhedstjek, {months}:**" in memo
    return {"sundhedstjek": months}


def _datakvalitet(con, doc: Document, memo: str, year: int) -> None:
    def counts(where: str) -> dict:
        found = dict(
            con.execute(f"select alvorlighed, count(*) from cockpit.datakvalitet where {where} group by 1").fetchall()
        )
        return {k: found.get(k, 0) for k in ("fejl", "advarsel", "info")}

    this_year = counts(f"periode_aar = {int(year)}")
    work_list = counts("status <> 'accepteret'")  # an accepted flag is listed, not open (issue 22)
    lead = doc.leads["datakvalitet"]
    year_text = f"{antal(this_year['fejl'])} fejl, {antal(this_year['advarsel'])} advarsler og {antal(this_year['info'])} info-flag"
    list_text = f"{antal(work_list['fejl'])} fejl, {antal(work_list['advarsel'])} advarsler og {antal(work_list['info'])} info-flag"
    assert lead.startswith(
        f"For {year} (registreringer med periode i {year}) har registreringsreglerne R01–R17 markeret {year_text}."
    )
    assert f"arbejdsliste rummer alle år: {list_text}" in lead
    assert (
        f"**Datakvalitet:** For {year} {year_text} i registreringerne; den åbne arbejdsliste (alle år) har {list_text}"
        in memo
    )
    assert doc.total("tabel-regler", "Arbejdslisten, alle år") == antal(sum(work_list.values()))
    assert doc.total("tabel-regler", f"Periode i {year}") == antal(sum(this_year.values()))
    assert_total_is_sum(doc, "tabel-regler", "Arbejdslisten, alle år", D(1))
    assert_total_is_sum(doc, "tabel-regler", f"Periode i {year}", D(1))


def _udbud(con, doc: Document, year: int) -> None:
    refused = one(con, "select sum(afviste) from cockpit.udbud_efterspoergsel where aar = ?", year)[0]
    lead = doc.leads.get("udbud", "")
    if refused is not None:
        # a different base from section 3, so it is named as such, never as "refusals" alone
        assert f"står i tilbudsregistret ({antal(refused)} afviste anmodninger i {year})" in lead


def _takster(con, doc: Document, memo: str, year: int) -> None:
    n, need, unjustified, differ = one(
        con,
        """select count(*), count(*) filter (where kraever_begrundelse),
                  count(*) filter (where kraever_begrundelse and coalesce(trim(begrundelse), '') = ''),
                  count(*) filter (where afvigelse_kr <> 0)
           from cockpit.takster where aar = ?""",
        year,
    )
    if not n:
        return
    lead = doc.leads["takster"]
    assert f"Takstbilagene for {year} har {n} takster. {need} kræver begrundelse" in lead
    assert f"{unjustified} af dem mangler en begrundelse. {differ} takster afviger" in lead
    assert f"{antal(need)} af {antal(n)} takster kræver begrundelse" in memo
    assert len(doc.tables["tabel-takster-begrundelse"]["rows"]) == need


def _fordelingsnoegler(con, doc: Document, year: int) -> None:
    people = one(con, "select sum(indbyggere) from cockpit.fordelingsnoegler where aar = ?", year)[0]
    if people is None:
        return
    assert f"i alt {tal(people)} indbyggere i de 11 kommuner" in doc.leads["fordelingsnoegler"]
    assert doc.total("tabel-fordelingsnoegler", "Indbyggere") == tal(people)
    for column in ("Indbyggere", "14–23 år", "15–17 år", "18–64 år"):
        assert_total_is_sum(doc, "tabel-fordelingsnoegler", column, D(1))


def _dyre_enkeltsager(con, doc: Document, memo: str, year: int) -> None:
    # A sum over the municipalities is stated only when no municipality's figure is hidden.
    n1, cases, refund, rows = one(
        con,
        """select case when count(antal_over_graense_1) = count(*) then sum(antal_over_graense_1) end,
                  case when count(antal_sager) = count(*) then sum(antal_sager) end,
                  sum(refusion_kr), count(*)
           from cockpit.dyre_enkeltsager_kommune where aar = ?""",
        year,
    )
    if not rows:
        return
    lead = doc.leads["dyre-enkeltsager"]
    if cases is None:
        assert f"deres samlede antal {HIDDEN}" in lead
    else:
        assert f"giver for {year} {antal(int(cases))} sager" in lead
    if n1 is None:
        assert f"Antallet af sager over grænse 1, deres helårsudgift og refusion {HIDDEN}" in lead
        return
    assert f"{antal(int(n1), 5)} sager lå over grænse 1" in lead
    # The refund rates are the seed's, one per tier the year has (2019 and 2020 had two).
    tiers = one(
        con,
        """select sats_1_pct, sats_2_pct, sats_3_pct, graense_3_kr from reference.refusionsgraenser
           where aar = ? and ordning = 'SEL § 176'""",
        year,
    )
    rates = [f"{tal(r, None)} % over grænse {i}" for i, r in enumerate(tiers[:3], start=1) if r is not None]
    assert len(rates) == (3 if tiers[3] is not None else 2) and f"({', '.join(rates)})." in lead
    if n1 >= 5:
        assert f"forventet statsrefusion på {kr(refund)}" in lead
        assert f"forventet statsrefusion {kr(refund)}" in memo
        assert doc.total("tabel-dyre-enkeltsager", "Forventet refusion") == kr(refund)


def _koeb(con, doc: Document, memo: str, year: int) -> None:
    # A total over the municipalities is stated only when no municipality's figure is hidden.
    total, private, rows = one(
        con,
        """select case when count(koeb_kr) = count(*) then sum(koeb_kr) end,
                  case when count(koeb_kr) filter (where koebstype = 'privat')
                            = count(*) filter (where koebstype = 'privat')
                       then sum(koeb_kr) filter (where koebstype = 'privat') end,
                  count(*)
           from cockpit.koeb_driftsherretype where aar = ?""",
        year,
    )
    if not rows:
        return
    lead = doc.leads["koeb"]
    if total is None or private is None:
        assert f"Andelen hos private leverandører {HIDDEN}" in lead
        assert f"andelen af kommunernes køb hos private leverandører {HIDDEN}" in memo
        if total is None:
            assert f"det samlede køb {HIDDEN}" in lead and doc.total("tabel-koeb", "Køb i alt") == "–"
        return
    share = D(private) * 100 / D(total)
    assert f"køb af pladser for i alt {mio_kr(total)}" in lead and f"{pct(share)} af købene" in lead
    assert f"{pct(share)} af kommunernes køb af pladser" in memo
    assert doc.total("tabel-koeb", "Køb i alt") == kr(total)
    assert_total_is_sum(doc, "tabel-koeb", "Køb i alt", D(1))


def _form(con, doc: Document, memo: str, html: str) -> None:
    text = "".join(doc.text)
    assert " pp." not in text and " pp." not in memo
    for table in ("tabel-koeb",):
        if table in doc.tables:
            cells = doc.column(table, doc.tables[table]["header"][-1])
            assert all(c == "–" or c.endswith(" procentpoint") for c in cells), cells
    for table in ("tabel-udgifter", "tabel-funktioner"):
        caption = doc.tables[table]["caption"]
        assert "løbende priser" in caption, caption
    assert "Kilde: Danmarks Statistik, REGK31 og FOLK1A." in doc.tables["tabel-udgifter"]["caption"]
    assert "cockpit.udgifter_kommune" in doc.tables["tabel-udgifter"]["caption"]  # in small print
    assert "Kilde: Danmarks Statistik, FOLK1A." in doc.tables["tabel-fordelingsnoegler"]["caption"]
    assert html.count("Kilde: Danmarks Statistik, REGK31 og FOLK1A.") >= 3  # 2 charts + the table
    assert "De dyreste 5 %s" not in text and "Helårsudgift over grænse 1" not in text
    for table, column in (
        ("tabel-udgifter", "Kommune"),
        ("tabel-sundhedstjek", "Kommune"),
        ("tabel-fordelingsnoegler", "Kommune"),
        ("tabel-dyre-enkeltsager", "Kommune"),
        ("tabel-koeb", "Kommune"),
    ):
        if table in doc.tables:
            names = doc.column(table, column)
            assert names == danish_order(con, names), (table, names)


# ------------------------------------------------------------------------------------ the data
def test_the_sample_report_reads_back(published_sample, tmp_path):
    settings, _, _ = published_sample
    doc, memo = check_report(settings.published_db, tmp_path, 2024)
    # the sample's known readings (issue 25): 5.28 is shown apart, Aalborg comes last
    assert "tabel-funktioner-528" in doc.tables
    assert doc.column("tabel-udgifter", "Kommune")[-1] == "Aalborg"
    assert "sundhedstjek" in doc.periods  # January–October 2024 of the health-check extract
    check_report(settings.published_db, tmp_path / "2023", 2023)


@pytest.fixture(scope="module")
def three_months(tmp_path_factory, published_sample):
    """The sample with 2024's occupancy and secure-institution reports cut to January–March: a
    copy of the session's refresh, refreshed after the cut (it loads and builds what they feed)."""
    from orchestration.runner import run_pipeline

    settings = copy_warehouse(published_sample[0], tmp_path_factory.mktemp("three_months"))
    landing = settings.landing_dir
    late = re.compile(rb";2024(M|-)(0[4-9]|1[0-2]);")  # both month spellings of the sample's files
    for folder in ("belaegning", "sikrede"):
        for path in (landing / folder).iterdir():
            lines = path.read_bytes().splitlines(keepends=True)
            path.write_bytes(b"".join(line for line in lines if not late.search(line)))
    outcome = run_pipeline(settings, progress=lambda _m: None)
    assert outcome.published, outcome.reason
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        for view in ("belaegning_tilbud", "sikrede_institutioner"):
            assert one(con, f"select max(sidste_maaned) from cockpit.{view} where aar = 2024")[0] == date(2024, 3, 1)
    return settings


def test_a_three_month_backfill_says_which_months(three_months, tmp_path):
    doc, memo = check_report(three_months.published_db, tmp_path, 2024)
    assert doc.periods["belaegning"] == "Periode: januar–marts 2024 (ikke hele 2024)."
    assert doc.periods["sikrede"] == "Periode: januar–marts 2024 (ikke hele 2024)."
    first = memo.split("\n\n")[1]
    assert first.startswith("Styringscockpittet er opdateret med data for 2024, men året er ikke komplet:")
    assert "belægning januar–marts 2024" in first and "sikrede institutioner januar–marts 2024" in first


@pytest.fixture(scope="module")
def independent(independent_published):
    """A landing dir from the independent generator (tests/conftest.py), through the real pipeline."""
    _, _, settings, result = independent_published
    assert result.returncode == 0, result.stderr[-3000:]
    return settings


def test_a_report_of_data_the_project_has_never_seen_reads_back(independent, tmp_path):
    from report.build import data_years
    from report.warehouse import Warehouse

    with Warehouse(independent.published_db) as wh:
        years = sorted(data_years(wh))
    for year in years[-2:]:
        check_report(independent.published_db, tmp_path / str(year), year)


def test_the_read_back_catches_a_wrong_figure(published_sample, tmp_path):
    """The check can fail: a warehouse whose 5.38 function rows no longer add up to the headline
    (one function's amount doubled in a copy) is caught."""
    settings, _, _ = published_sample
    copy = tmp_path / "styringscockpit.duckdb"
    shutil.copyfile(settings.published_db, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(
            "create table main.f as select * replace (case when funktion = '5.38.50' then 2 * nettodriftsudgifter_kr "
            "else nettodriftsudgifter_kr end as nettodriftsudgifter_kr) from cockpit.udgifter_kommune_funktion"
        )
        con.execute("create or replace view cockpit.udgifter_kommune_funktion as select * from main.f")
    with pytest.raises(AssertionError):
        check_report(copy, tmp_path / "out", 2024)
