"""Tests of the sample landing-dir generator (ingest/sample.py).

Besides determinism and the real figures, an independent re-implementation of the rules
R01-R17 (data-quality-rules.md) reads the written files and must flag exactly the planted
positives, none of the near misses, and find exactly the listed unparseable values.
"""
from __future__ import annotations

import calendar
import csv
import hashlib
import re
import statistics
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from ingest.sample import write_sample

D = Decimal
REAL_POP_2021 = {"851": 219573, "810": 36140, "813": 58933, "860": 64099, "849": 38166, "825": 1776,
                 "846": 41584, "773": 20078, "840": 30504, "787": 43126, "820": 36343}
NAMES = {"Aalborg": "851", "Brønderslev": "810", "Frederikshavn": "813", "Hjørring": "860", "Jammerbugt": "849",
         "Læsø": "825", "Mariagerfjord": "846", "Morsø": "773", "Rebild": "840", "Thisted": "787",
         "Vesthimmerlands": "820"}
POSTING_NAMES = {h.casefold(): h for h in (
    "Kommunenr", "Bilagsnr", "Bogføringsdato", "Funktion", "Dranst", "Art", "Beløb", "Tilbudsnr", "Leverandør CVR",
    "Borgerreference", "Periode fra", "Periode til", "Antal døgn", "Tekst")}
PARAGRAPH_FUNCTION = {"SEL § 107": "5.38.52", "SEL § 108": "5.38.50", "SEL §§ 109-110": "5.38.42",
                      "SEL §§ 101, 101 a": "5.38.45", "SEL § 103": "5.38.58", "SEL § 104": "5.38.59",
                      "SEL § 85": "5.38.38"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("landing")
    return out, write_sample(out)


def _hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _lines(path: Path) -> list[str]:
    """Physical lines (1-based index = list index + 1), decoded as the contract says."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252")
    return text.replace("\r\n", "\n").split("\n")[:-1]


def _rows(path: Path, header_line: int = 1):
    """Records as Python's csv module reads them (quoted fields), keyed by the contract's header
    names whatever their case and padding, each with its physical line (no field spans lines)."""
    lines = _lines(path)
    header = [h.strip() for h in next(csv.reader([lines[header_line - 1]], delimiter=";"))]
    if path.parent.name == "posteringer":
        header = [POSTING_NAMES.get(h.casefold(), h) for h in header]
    for i, text in enumerate(lines[header_line:], start=header_line + 1):
        yield i, dict(zip(header, next(csv.reader([text], delimiter=";"))))


def _num(s: str) -> Decimal | None:
    s = s.strip().rstrip("%").strip()
    if s in ("", "..", "-"):
        return None
    if not re.fullmatch(r"-?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?", s):
        raise ValueError(s)
    return D(s.replace(".", "").replace(",", "."))


def _date(s: str) -> date | None:
    if not s:
        return None
    if re.fullmatch(r"\d{8}", s):  # yyyymmdd, as one municipality's system exports
        return date(int(s[:4]), int(s[4:6]), int(s[6:]))
    d, m, y = s.split("-")
    return date(int(y), int(m), int(d))


def _month(s: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})(?:-|M)(\d{2})", s)
    if not m or not 1 <= int(m[2]) <= 12:
        raise ValueError(s)
    return int(m[1]), int(m[2])


def _half_up(x: Decimal, exp: str = "1") -> Decimal:
    return x.quantize(D(exp), rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------- independent rule checker
class Checker:
    """Reads a landing dir and collects flags (rule, file, line, periode) and unparseable values."""

    def __init__(self, root: Path):
        self.root, self.flags, self.bad = root, set(), set()

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def parse(self, rel, line, row, column, fn):
        try:
            return fn(row[column]), True
        except (ValueError, KeyError):
            self.bad.add((rel, line, column, row.get(column)))
            return None, False

    def run(self):
        self.tilbud = {int(r["Tilbudsnr"]): r for _, r in _rows(self.root / "tilbud/tilbudsportalen.csv")}
        self.takstbilag()
        self.occupancy()
        self.health_checks()
        tot = self.regnskab()
        self.postings(tot)
        self.cpr()
        return self

    def takstbilag(self):
        self.rates = {}  # (tilbud, ydelse, year) -> (rate, begrundelse, file, row)
        for path in sorted(self.root.glob("takstbilag/*.xlsx")):
            ws = openpyxl.load_workbook(path, data_only=True)["Takster"]  # formulas: Excel's cached results
            rows = list(ws.iter_rows(values_only=True))
            h = next(i for i, r in enumerate(rows) if "Tilbudsnr" in r)
            for excel_row, values in enumerate(rows[h + 1:], start=h + 2):
                r = dict(zip(rows[h], values))
                frac = r["Belægningsprocent"]
                frac = _num(frac) / 100 if isinstance(frac, str) else D(str(frac))
                frac = frac / 100 if frac > 1 else frac
                denom = D(str(r["Pladser"])) * r["Dage"] * frac
                rate, year = _half_up(D(str(r["Døgntakst"])), "0.01"), r["År"]
                flag = (self.rel(path), excel_row, str(year))
                if abs(rate - D(r["Omkostninger"]) / denom) > D("0.01"):
                    self.flags.add(("R06", *flag))
                if r["Antal døgn"] != int(_half_up(denom)):
                    self.flags.add(("R07", *flag))
                if frac < D("0.95") and not r["Begrundelse"]:
                    self.flags.add(("R08", *flag))
                self.rates[r["Tilbudsnr"], r["Ydelse"], year] = (rate, r["Begrundelse"], flag)
        for (nr, ydelse, year), (rate, why, flag) in self.rates.items():
            prev = self.rates.get((nr, ydelse, year - 1))
            if prev and abs(rate / prev[0] - 1) > D("0.10") and not why:
                self.flags.add(("R09", *flag))

    def occupancy(self):
        for path in sorted(self.root.glob("belaegning/*.csv")) + sorted(self.root.glob("sikrede/*.csv")):
            rel = self.rel(path)
            for line, r in _rows(path):
                month, ok1 = self.parse(rel, line, r, "Måned", _month)
                normed, ok2 = self.parse(rel, line, r, "Normerede pladser", _num)
                drift, ok3 = self.parse(rel, line, r, "Pladser i drift", _num)
                cols = ["Belagte døgn"] if "Belagte døgn" in r else ["Belagte døgn sociale", "Belagte døgn retlige"]
                occ = [self.parse(rel, line, r, c, _num) for c in cols]
                if not (ok1 and ok2 and ok3 and all(ok for _, ok in occ)):
                    continue
                periode = f"{month[0]}-{month[1]:02d}"
                if sum(v for v, _ in occ) > drift * calendar.monthrange(*month)[1]:
                    self.flags.add(("R10", rel, line, periode))
                if drift > normed:
                    self.flags.add(("R11", rel, line, periode))

    def health_checks(self):
        path = next(self.root.glob("sundhedstjek/sundhedstjek_udtraek_*.csv"))
        rel, lines = self.rel(path), _lines(path)
        extracted = _date(lines[0].split(";")[1])
        for line, r in _rows(path, header_line=3):
            months = [k for k in r if k != "Kommune"]
            values = [int(r[k]) for k in months]
            for i, k in enumerate(months):
                y, m = _month(k)
                periode = f"{y}-{m:02d}"
                if (y, m) >= (extracted.year, extracted.month):
                    self.flags.add(("R12", rel, line, periode))
                prev = values[max(0, i - 12):i]
                if len(prev) >= 6 and values[i] > 3 * statistics.median(prev) and values[i] >= 10:
                    self.flags.add(("R13", rel, line, periode))

    def regnskab(self) -> dict:
        cells = {}  # (kommune, function, year, art) -> (value, file, line)
        for path in sorted(self.root.glob("regnskab/*.csv")):
            rel = self.rel(path)
            for line, r in _rows(path):
                area, fn, art = r["OMRÅDE"], r["FUNKTION"].split(" ")[0], r["ART"]
                code = area.split(" ")[0] if area[:3].isdigit() else NAMES.get(area)
                if code not in REAL_POP_2021:
                    continue  # region and nation
                fn = fn if "." in fn else f"{fn[0]}.{fn[1:3]}.{fn[3:]}"
                art = {"I alt (netto)": "TOT", "Bruttoudgifter": "UE", "Indtægter": "I"}.get(art, art.split(" ")[0])
                cells[code, fn, int(r["TID"]), art] = (_num(r["INDHOLD"]), rel, line)
        tot = {}
        for (code, fn, y, art), (value, rel, line) in cells.items():
            if art != "TOT":
                continue
            tot[code, fn, y] = (value, rel, line)
            ue, inc = cells[code, fn, y, "UE"][0], cells[code, fn, y, "I"][0]
            if abs(value - (ue - inc)) > D("0.1"):
                self.flags.add(("R17", rel, line, str(y)))
            prev = cells.get((code, fn, y - 1, "TOT"))
            if prev and abs(value - prev[0]) > D("0.5") * abs(prev[0]) and abs(value - prev[0]) > 1000:
                self.flags.add(("R14", rel, line, str(y)))
        return tot

    def postings(self, tot: dict):
        rows = []
        for path in sorted(self.root.glob("posteringer/*.csv")):
            rel = self.rel(path)
            for line, r in _rows(path):
                parsed = {c: self.parse(rel, line, r, c, f) for c, f in [
                    ("Bogføringsdato", _date), ("Beløb", _num), ("Periode fra", _date), ("Periode til", _date),
                    ("Antal døgn", _num), ("Tilbudsnr", _num), ("Dranst", _num)]}
                if all(ok for _, ok in parsed.values()):
                    rows.append((rel, line, r, {c: v for c, (v, _) in parsed.items()}))
        seen, sums = set(), {}
        for rel, line, r, v in rows:
            nr, days, fra, til, amount = v["Tilbudsnr"], v["Antal døgn"], v["Periode fra"], v["Periode til"], v["Beløb"]
            periode = (fra or v["Bogføringsdato"]).strftime("%Y-%m")
            flag = (rel, line, periode)
            if nr and PARAGRAPH_FUNCTION.get(self.tilbud[int(nr)]["Paragraf"], r["Funktion"]) != r["Funktion"]:
                self.flags.add(("R01", *flag))
            key = (r["Kommunenr"], nr, r["Borgerreference"], fra, til, amount)
            if key in seen:
                self.flags.add(("R02", *flag))
            seen.add(key)
            if fra and til and (til < fra or (days or 0) > (til - fra).days + 1):
                self.flags.add(("R03", *flag))
            approved = [rate for (t, _, y), (rate, _, _) in self.rates.items() if nr and t == nr and y == fra.year]
            if nr and days and approved and all(abs(abs(amount) / days - a) > D("0.005") * a for a in approved):
                self.flags.add(("R04", *flag))
            if days and fra and til and any(fra <= date(y, 2, 29) <= til for y in range(fra.year, til.year + 1)
                                            if calendar.isleap(y)):
                self.flags.add(("R05", *flag))
            if v["Dranst"] == 1:
                k = (r["Kommunenr"], r["Funktion"], v["Bogføringsdato"].year)
                sums[k] = sums.get(k, 0) + amount
        self.sums, self.tot = sums, tot
        for k, total in sums.items():
            value, rel, line = tot[k]
            if abs(total - value * 1000) > D("0.02") * abs(value * 1000):
                self.flags.add(("R16", rel, line, str(k[2])))

    def cpr(self):
        pattern = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})-?\d{4}(?!\d)")
        self.cpr_hits = []
        for path in sorted(self.root.rglob("*.csv")):
            for line, text in enumerate(_lines(path), start=1):
                for m in pattern.finditer(text):
                    dd, mm, yy = int(m[1]), int(m[2]), int(m[3])
                    if any(_valid(c + yy, mm, dd) for c in (1900, 2000)):
                        self.cpr_hits.append((self.rel(path), line, m[0]))
                        self.flags.add(("R15", self.rel(path), line, None))


def _valid(y, m, d) -> bool:
    try:
        date(y, m, d)
        return True
    except ValueError:
        return False


@pytest.fixture(scope="module")
def checked(sample):
    return Checker(sample[0]).run()


# ----------------------------------------------------------------- tests
def test_same_seed_is_byte_identical_and_another_seed_differs(tmp_path, sample):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_sample(a, seed=7)
    write_sample(b, seed=7)
    write_sample(c, seed=8)
    ha, hb, hc = _hashes(a), _hashes(b), _hashes(c)
    assert len(ha) == 94 and ha == hb  # 93 data files + manifest
    assert set(ha) == set(hc)
    assert sum(ha[k] != hc[k] for k in ha) >= 90  # all but the fixed register and the like differ
    assert ha != _hashes(sample[0])
    manifest = sample[1]
    assert manifest["files"] == {k: v for k, v in _hashes(sample[0]).items() if k != "_manifest.json"}


def test_manifest_lines_point_at_matching_rows(sample):
    root, manifest = sample
    assert {e["rule"] for e in manifest["planted"] if e["kind"] == "positive"} == {f"R{i:02d}" for i in range(1, 18)}
    assert {e["rule"] for e in manifest["planted"] if e["kind"] == "near_miss"} == {f"R{i:02d}" for i in range(1, 18)}
    for e in manifest["planted"]:
        path = root / e["file"]
        assert path.exists(), e
        if path.suffix == ".xlsx":
            ws = openpyxl.load_workbook(path)["Takster"]
            assert [c.value for c in ws[3]][:2] == ["År", "Tilbudsnr"]
            assert ws.cell(e["line"], 2).value == e["tilbudsnr"], e
            assert str(ws.cell(e["line"], 1).value) == e["periode"], e
            continue
        text = _lines(path)[e["line"] - 1]
        if e["tilbudsnr"]:
            assert str(e["tilbudsnr"]) in text.split(";"), e
        if e["kommunekode"]:
            name = next(n for n, c in NAMES.items() if c == e["kommunekode"])
            assert e["kommunekode"] in text.split(";") or text.startswith((e["kommunekode"] + " ", name + ";")), e
        if e["source"] in ("regnskab",):
            assert ";TOT " in text or ";I alt (netto);" in text, e
            assert text.split(";")[5] == e["periode"], e
        if e["source"] in ("belaegning", "sikrede"):
            y, m = e["periode"].split("-")
            assert f"{y}-{m}" in text or f"{y}M{m}" in text, e
        if e["source"] == "posteringer":
            y, m = e["periode"].split("-")
            assert f"-{m}-{y}" in text or f";{y}{m}" in text, e  # dd-mm-yyyy or yyyymmdd
    for e in manifest["unparseable"]:
        assert e["raw_value"] in _lines(root / e["file"])[e["line"] - 1].split(";"), e
    for e in manifest["cpr_like"]:
        assert "250386-0000" in _lines(root / e["file"])[e["line"] - 1], e


def test_real_2021_appendix_rows(sample):
    ws = openpyxl.load_workbook(sample[0] / "takstbilag/takstbilag_2021_aalborg-kommune.xlsx", data_only=True)["Takster"]
    assert ws["A1"].value == "Takstbilag 2021 – Aalborg Kommune"
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == 1001]
    got = [(r[5], r[6], r[7], r[9], r[10], D(str(r[11]))) for r in rows]
    assert got == [("Takst 1", 2, 365, 694, 618526, D("891.89")), ("Takst 2", 1, 365, 347, 373086, D("1075.95")),
                   ("Takst 3", 11, 365, 3814, 5157018, D("1352.04")), ("Takst 4", 17, 365, 5895, 11496118, D("1950.23"))]
    occupancy = {r[8] for r in rows}
    assert len(occupancy) == 1 and str(occupancy.pop()).replace(" ", "").rstrip("%") in ("0.95", "95")


def test_population_2021_is_real_and_ages_add_up(sample):
    ialt, ages = {}, {}
    for _, r in _rows(sample[0] / "befolkning/FOLK1A_2019-2021.csv"):
        code = r["OMRÅDE"].split(" ")[0]
        if code in REAL_POP_2021 and r["TID"] == "2021K1":
            if r["ALDER"].startswith("IALT"):
                ialt[code] = int(r["INDHOLD"])
            else:
                ages[code] = ages.get(code, 0) + int(r["INDHOLD"])
    assert ialt == REAL_POP_2021 and sum(ialt.values()) == 590322
    assert ages == ialt


def test_health_check_yearly_totals(sample):
    totals = {}
    for _, r in _rows(sample[0] / "sundhedstjek/sundhedstjek_udtraek_2024-10-25.csv", header_line=3):
        assert r["Kommune"] in NAMES
        for k, v in r.items():
            if k != "Kommune":
                totals[k[:4]] = totals.get(k[:4], 0) + int(v)
    assert totals == {"2022": 381, "2023": 458, "2024": 602}


def test_cpr_like_value_appears_exactly_once(sample, checked):
    count = sum(p.read_bytes().count(b"250386-0000") for p in sample[0].rglob("*") if p.is_file()
                and p.name != "_manifest.json")
    assert count == 1
    assert [h[2] for h in checked.cpr_hits] == ["250386-0000"]


def test_rules_flag_exactly_the_planted_positives(sample, checked):
    manifest = sample[1]
    key = lambda e: (e["rule"], e["file"], e["line"], e["periode"] if e["rule"] != "R15" else None)  # noqa: E731
    positives = {key(e) for e in manifest["planted"] if e["kind"] == "positive"}
    near_misses = {key(e) for e in manifest["planted"] if e["kind"] == "near_miss"}
    assert checked.flags == positives
    assert not near_misses & checked.flags
    assert checked.bad == {(e["file"], e["line"], e["column"], e["raw_value"]) for e in manifest["unparseable"]}


def test_postings_sum_exactly_to_regnskab_except_planted_r16(checked):
    # Dranst 1 postings per kommune x function x year = REGK31 TOT x 1.000 to the øre
    ratios = {k: total / (checked.tot[k][0] * 1000) for k, total in checked.sums.items()}
    assert len(ratios) == 4 * 7 * 2
    off = {k: r for k, r in ratios.items() if r != 1}
    assert off == {("860", "5.38.59", 2024): D("1.04"), ("787", "5.38.58", 2023): D("0.985")}


def test_other_seeds_stay_clean(tmp_path):
    for seed in (1, 99):
        manifest = write_sample(tmp_path / str(seed), seed=seed)
        positives = {(e["rule"], e["file"], e["line"], e["periode"] if e["rule"] != "R15" else None)
                     for e in manifest["planted"] if e["kind"] == "positive"}
        assert Checker(tmp_path / str(seed)).run().flags == positives


def test_scale_national_dispatches_to_the_national_generator(tmp_path):
    # sampledata/national.py (tests/test_national_sample.py); its own year check answers here
    with pytest.raises(ValueError, match="end in 2024"):
        write_sample(tmp_path, scale="national", years=(2015, 2023))
