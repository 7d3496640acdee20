"""North Jutland against the whole country (issue 21, contracts/cockpit-schema.md): hand-written
StatBank files the sample generator never wrote, in both presentations, and the published
comparison columns against values computed here from what was written.

2023 is a download of all 98 municipalities in the Code presentation without a national row (the
country is then the sum of the 98); 2024 is a Value-presentation download of the 11 with DST's
own `Hele landet` and `Region Nordjylland` rows, which must never count as municipalities."""

import shutil
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb

from ingest.reference import kommuner
from orchestration.runner import run_pipeline

NJ = ["773", "787", "810", "813", "820", "825", "840", "846", "849", "851", "860"]
AGES = range(100)
HEADER_REGK31 = "OMRÅDE;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD"


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode())


def _q(value: Decimal, places: str = "0.01") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _people(code: str, year: int, age: int) -> int:
    return int(code) % 50 + 10 + age % 7 + (year - 2023) * 2


def _thousands_2023(code: str) -> dict[str, Decimal]:
    """1.000 kr. per function: two 5.38 functions and a 5.28 one that never counts."""
    return {"53850": Decimal(int(code) * 3) + Decimal("0.5"), "53852": Decimal(int(code) + 100), "52820": Decimal(999)}


# 2024, Value presentation: 1.000 kr. on 5.38.50 and 5.38.52 per area label.
COUNTRY_2024 = {"5.38.50": Decimal("3456789.1"), "5.38.52": Decimal("400000.0")}
REGION_2024 = {"5.38.50": Decimal("345678.9"), "5.38.52": Decimal("40000.0")}
COUNTRY_AGE_2024, REGION_AGE_2024 = 60_000, 6_000  # people per single age


PL_INDEKS = {2022: Decimal("110.4"), 2023: Decimal("115.3"), 2024: Decimal("118.45")}
BUDGET_851 = {"5.38.50": Decimal("3500.0"), "5.38.52": Decimal("800.5"), "5.28.20": Decimal("50000.0")}


def _municipality_2024(code: str) -> dict[str, Decimal]:
    return {"5.38.50": Decimal(int(code) * 4) + Decimal("0.3"), "5.38.52": Decimal(int(code))}


def _danish(value: Decimal) -> str:
    whole, _, frac = f"{value:.1f}".partition(".")
    return f"{int(whole):,}".replace(",", ".") + "," + frac


def _landing(landing: Path) -> Path:
    """`landing` (a copy of the sample's) with its accounts, population, budget and P/L index
    replaced by the files of this module."""
    for folder in ("regnskab", "befolkning", "budget", "prisindeks"):
        shutil.rmtree(landing / folder, ignore_errors=True)
    names = dict(kommuner().select("kommunekode", "kommunenavn").rows())
    lines = [HEADER_REGK31]
    for code in names:
        for fn, amount in _thousands_2023(code).items():
            lines.append(f"{code};{fn};1;TOT;LOBM;2023;{str(amount).replace('.', ',')}")
    lines.append("411;53850;1;TOT;LOBM;2023;7,0")  # Christiansø: no municipality, dropped
    _write(landing / "regnskab" / "regk31_98_kode.csv", lines)

    lines = [HEADER_REGK31]
    areas = [("Hele landet", COUNTRY_2024), ("Region Nordjylland", REGION_2024)]
    for label, by_fn in areas + [(names[c], _municipality_2024(c)) for c in NJ]:
        for fn, amount in by_fn.items():
            lines.append(
                f"{label};{fn} Botilbud;Driftskonti;I alt (netto);Løbende priser (1.000 kr.);2024;{_danish(amount)}"
            )
    _write(landing / "regnskab" / "regk31_2024_vaerdi.csv", lines)

    lines = ["OMRÅDE;KØN;ALDER;TID;INDHOLD"]
    for code in names:
        lines.append(f"{code};TOT;IALT;2023M01;{sum(_people(code, 2023, a) for a in AGES)}")
        lines += [f"{code};TOT;{a};2023M01;{_people(code, 2023, a)}" for a in AGES]
    _write(landing / "befolkning" / "folk1am_98_kode.csv", lines)

    lines = ["OMRÅDE;KØN;ALDER;TID;INDHOLD"]
    per_age = [("Hele landet", lambda a: COUNTRY_AGE_2024), ("Region Nordjylland", lambda a: REGION_AGE_2024)]
    per_age += [(names[c], lambda a, c=c: _people(c, 2024, a)) for c in NJ]
    for label, people in per_age:
        lines.append(f"{label};I alt;Alder i alt;2024M01;{sum(people(a) for a in AGES)}")
        lines += [f"{label};I alt;{a} år;2024M01;{people(a)}" for a in AGES]
    _write(landing / "befolkning" / "folk1am_2024_vaerdi.csv", lines)

    # BUDK32 in the Value presentation, its area variable under an id of its own; 2024 only.
    lines = ["Kommune;FUNKTION;DRANST;ART;PRISENHED;TID;INDHOLD"]
    for label, by_fn in (("Aalborg", BUDGET_851), ("Hele landet", {"5.38.50": Decimal("9999999.0")})):
        for fn, amount in by_fn.items():
            lines.append(
                f"{label};{fn} Botilbud;Driftskonti;I alt (netto);Løbende priser (1.000 kr.);2024;{_danish(amount)}"
            )
    lines.append("Læsø;5.38.50 Botilbud;Driftskonti;I alt (netto);Løbende priser (1.000 kr.);2024;..")
    _write(landing / "budget" / "budk32_2024.csv", lines)

    # The P/L index as an index of another base year (2015 = 100), cp1252 and LF.
    pl_text = "År;PL-indeks\n" + "".join(f"{y};{str(v).replace('.', ',')}\n" for y, v in PL_INDEKS.items())
    (landing / "prisindeks").mkdir(exist_ok=True)
    (landing / "prisindeks" / "pl.csv").write_bytes(pl_text.encode("cp1252"))
    return landing


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_country_per_18_64_and_the_deviation_from_it_in_both_presentations(warehouse_copy):
    # A copy of the session's refresh with these sources replaced, on purpose (the sample's files
    # are gone: --tillad-fjernelse): the refresh loads and builds what they feed (test_incremental:
    # that publishes what a refresh from scratch does).
    settings = replace(warehouse_copy, allow_removal=True)
    _landing(settings.landing_dir)
    outcome = run_pipeline(settings)
    assert outcome.published, outcome.reason
    db = settings.published_db
    codes = kommuner()["kommunekode"].to_list()

    def p18_64(code, year):
        return sum(_people(code, year, a) for a in range(18, 65))

    def netto_2023(code):
        t = _thousands_2023(code)
        return (t["53850"] + t["53852"]) * 1000

    # 2023: no national row, all 98 municipalities: the country is their sum.
    land_kr, land_pop = sum(netto_2023(c) for c in codes), sum(p18_64(c, 2023) for c in codes)
    aalborg = netto_2023("851") / p18_64("851", 2023)
    want_2023 = (_q(land_kr / land_pop), _q((aalborg / (land_kr / land_pop) - 1) * 100))
    # 2024: DST's own Hele landet row.
    land24_kr, land24_pop = sum(COUNTRY_2024.values()) * 1000, COUNTRY_AGE_2024 * 47
    aalborg24 = sum(_municipality_2024("851").values()) * 1000 / p18_64("851", 2024)
    want_2024 = (_q(land24_kr / land24_pop), _q((aalborg24 / (land24_kr / land24_pop) - 1) * 100))
    got = _query(
        db,
        "select aar, land_pr_18_64_kr, afvigelse_fra_land_pct from cockpit.udgifter_kommune "
        "where kommunekode = '851' order by aar",
    )
    assert got == [(2023, *want_2023), (2024, *want_2024)]

    # The areas are never municipalities: 98 rows in 2023, the 11 in 2024.
    assert _query(db, "select aar, count(*) from cockpit.udgifter_kommune group by aar order by aar") == [
        (2023, 98),
        (2024, 11),
    ]
    assert _query(db, "select count(*) from cockpit.udgifter_kommune where kommunekode in ('000', '081')") == [(0,)]

    # Per function: 5.38.52 against the country's 5.38.52.
    f_land = COUNTRY_2024["5.38.52"] * 1000 / land24_pop
    f_own = _municipality_2024("851")["5.38.52"] * 1000 / p18_64("851", 2024)
    assert _query(
        db,
        "select land_pr_18_64_kr, afvigelse_fra_land_pct from cockpit.udgifter_kommune_funktion "
        "where kommunekode = '851' and funktion = '5.38.52' and aar = 2024",
    ) == [(_q(f_land), _q((f_own / f_land - 1) * 100))]

    # udgifter_omraade 2024: Region Nordjylland as DST reports it beside the 11 together.
    nj_kr = sum(sum(_municipality_2024(c).values()) * 1000 for c in NJ)
    nj_pop = sum(p18_64(c, 2024) for c in NJ)
    region_kr, region_pop = sum(REGION_2024.values()) * 1000, REGION_AGE_2024 * 47
    got = _query(
        db,
        "select omraadekode, omraadenavn, nettodriftsudgifter_kr, indbyggere_18_64, udgift_pr_18_64_kr "
        "from cockpit.udgifter_omraade where aar = 2024 and omraadekode in ('000', '081', 'NSA') order by 1",
    )
    assert got == [
        ("000", "Hele landet", _q(land24_kr), land24_pop, _q(land24_kr / land24_pop)),
        ("081", "Region Nordjylland", _q(region_kr), region_pop, _q(region_kr / region_pop)),
        ("NSA", "De 11 kommuner", _q(nj_kr), nj_pop, _q(nj_kr / nj_pop)),
    ]
    # 2023 had no region row: no sum stands in for DST's region; the country is the 98's sum.
    got = _query(
        db,
        "select omraadekode, indeks from cockpit.udgifter_omraade where aar = 2023 and omraadekode in ('000', '081')",
    )
    assert got == [("000", Decimal("100.00"))]
    assert _query(db, "select indeks from cockpit.udgifter_omraade where aar = 2024 and omraadekode = '000'") == [
        (_q(100 * land24_kr / land_kr),)
    ]

    # Budgets: Aalborg's 5.38 budget against its accounts; no budget (2023, Læsø's `..`, the
    # others) is NULL with a line in the run summary, never 0 and never a failed refresh.
    budget = (BUDGET_851["5.38.50"] + BUDGET_851["5.38.52"]) * 1000
    accounts = sum(_municipality_2024("851").values()) * 1000
    got = _query(
        db,
        "select kommunekode, aar, budget_kr, afvigelse_budget_pct from cockpit.udgifter_kommune "
        "where kommunekode in ('825', '851') order by all",
    )
    assert got == [
        ("825", 2023, None, None),
        ("825", 2024, None, None),
        ("851", 2023, None, None),
        ("851", 2024, _q(budget), _q((accounts - budget) / budget * 100)),
    ]
    assert _query(
        db,
        "select budget_kr, afvigelse_budget_pct from cockpit.udgifter_kommune_funktion "
        "where kommunekode = '851' and funktion = '5.38.52' and aar = 2024",
    ) == [(Decimal("800500.00"), _q((_municipality_2024("851")["5.38.52"] * 1000 - 800500) / 800500 * 100))]
    assert (
        "budget mangler for 2023–2024 (budget/, BUDK32): budget_kr og afvigelse_budget_pct er tomme; "
        "læg BUDK32 for årene i budget/"
    ) in outcome.summary.splitlines()

    # Fixed prices of 2024, the newest year of the index: amount × I(2024) / I(year).
    i23, i24 = PL_INDEKS[2023], PL_INDEKS[2024]
    fpl_2023, fpl_2024 = netto_2023("851") * i24 / i23, accounts
    got = _query(
        db,
        "select aar, prisniveau_aar, nettodriftsudgifter_fpl_kr, udgift_pr_18_64_fpl_kr, indeks_fpl "
        "from cockpit.udgifter_kommune where kommunekode = '851' order by aar",
    )
    assert got == [
        (2023, 2024, _q(fpl_2023), _q(fpl_2023 / p18_64("851", 2023)), Decimal("100.00")),
        (2024, 2024, _q(fpl_2024), _q(fpl_2024 / p18_64("851", 2024)), _q(100 * fpl_2024 / fpl_2023)),
    ]
    land_fpl_2023 = land_kr * i24 / i23
    assert _query(
        db,
        "select aar, prisniveau_aar, nettodriftsudgifter_fpl_kr, udgift_pr_18_64_fpl_kr, indeks_fpl "
        "from cockpit.udgifter_omraade where omraadekode = '000' order by aar",
    ) == [
        (2023, 2024, _q(land_fpl_2023), _q(land_fpl_2023 / land_pop), Decimal("100.00")),
        (2024, 2024, _q(land24_kr), _q(land24_kr / land24_pop), _q(100 * land24_kr / land_fpl_2023)),
    ]

    # The national key of 2024: the 15–17-year-olds at 1 January 2023 against the country's,
    # which is the sum of the 98 (no national row in the 2023 file).
    def unge(code):
        return sum(_people(code, 2023, a) for a in (15, 16, 17))

    land_unge = sum(unge(c) for c in codes)
    assert _query(
        db,
        "select unge_15_17_aaret_foer, land_unge_15_17_aaret_foer, andel_land_unge_15_17_pct "
        "from cockpit.fordelingsnoegler where kommunekode = '851' and aar = 2024",
    ) == [(unge("851"), land_unge, _q(100 * Decimal(unge("851")) / land_unge, "0.0001"))]
