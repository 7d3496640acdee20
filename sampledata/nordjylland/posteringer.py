"""Ledger postings per municipality (`posteringer/`), each municipality exporting in its own
financial system's dialect (landing-zone.md's freedoms), with the planted R01-R05 and R15 cases."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rules.rounding import half_up
from sampledata.contract import POSTING_HEADER, POSTING_HEADER_SYSTEM_ORDER
from sampledata.domain import PARAGRAPH_FUNCTION
from sampledata.nordjylland.common import (
    ADULT_FUNCTIONS,
    POSTING_YEARS,
    SEL_RESIDENTIAL,
    Bad,
    Cpr,
    D,
    Landing,
    Tag,
    dk,
    month_end,
    source_rng,
    split,
)
from sampledata.nordjylland.regnskab import R16_FACTOR
from sampledata.nordjylland.tilbud import BY_NR, OPERATORS, TILBUD, Tilbud


@dataclass
class Posting:
    bogf: date
    funktion: str
    dranst: int
    art: str
    beloeb: Decimal
    tilbudsnr: int | None = None
    cvr: str = ""
    borger: str = ""
    fra: date | None = None
    til: date | None = None
    doegn: int | None = None
    tekst: str = ""
    tags: list = field(default_factory=list)
    raw: dict = field(default_factory=dict)  # column -> raw text replacing the formatted value


POSTING_FORMAT = {  # each municipality's financial system exports differently (landing-zone.md's freedoms)
    "851": dict(encoding="utf-8", bom=False, eol="\r\n", thousands=True, columns=POSTING_HEADER),
    "860": dict(encoding="cp1252", bom=False, eol="\r\n", thousands=False, columns=POSTING_HEADER, dates="%Y%m%d"),
    "825": dict(
        encoding="cp1252",
        bom=False,
        eol="\n",
        thousands=False,
        columns=POSTING_HEADER,
        header=lambda name: f" {name.lower()} ",
    ),
    "787": dict(
        encoding="utf-8",
        bom=True,
        eol="\n",
        thousands=False,
        columns=POSTING_HEADER_SYSTEM_ORDER,
    ),
}
# placements the planted cases hang on: kommune -> [(tilbud, ydelse)], running 2023-2024
FORCED_PLACEMENTS = {
    "851": [(1001, "Takst 3"), (1002, "Døgnophold"), (1022, "Døgnophold")],
    "860": [(1008, "Takst 2"), (1009, "Døgnophold"), (1010, "Døgnophold")],
    "787": [(1015, "Døgnophold"), (1015, "Døgnophold"), (1016, "Døgnophold")],
    "825": [(1001, "Takst 2")],
}
EXTRA_PLACEMENTS = {"851": 14, "860": 8, "787": 4, "825": 1}
CPR_LIKE = "250386-0000"  # fake: valid ddmmyy, fails the modulus-11 check, serial 0000


def _cvr(operator: str) -> str:
    return str(40_000_000 + 7919 * (OPERATORS.index(operator) + 1))  # fictional CVR numbers


def _purchase_art(t: Tilbud) -> str:
    return {"kommune": "4.7", "region": "4.8", "privat": "4.9"}[t.driftsherretype]


def _placements(rng: random.Random, code: str, takster: dict, amounts: dict) -> list[tuple]:
    """(borger, tilbud, ydelse, start, end): forced ones first, then random ones within budget
    (day-based purchases use at most 55 % of a function's net amount, so the rest stays positive)."""
    budget = {fn: min(amounts[code, fn, y][0] for y in POSTING_YEARS) * 100 * D("0.55") for fn in ADULT_FUNCTIONS}
    candidates = [(t.nr, y[0]) for t in TILBUD if t.paragraf in SEL_RESIDENTIAL for y in t.ydelser]
    out, base = [], int(code) * 100

    def add(nr, ydelse, start, end):
        fn, cost = PARAGRAPH_FUNCTION[BY_NR[nr].paragraf], takster[nr, ydelse, 2024].doegntakst * 366
        if cost > budget[fn]:
            return False
        budget[fn] -= cost
        out.append((f"B-{base + len(out) + 1:06d}", BY_NR[nr], ydelse, start, end))
        return True

    for nr, ydelse in FORCED_PLACEMENTS[code]:
        assert add(nr, ydelse, date(2023, 1, 1), date(2024, 12, 31)), (code, nr)
    wanted = len(out) + EXTRA_PLACEMENTS[code]
    for _ in range(200):
        if len(out) == wanted:
            break
        nr, ydelse = rng.choice(candidates)
        start, end = date(2023, 1, 1), date(2024, 12, 31)
        if rng.random() < 0.25:  # moved in later; day 1-28 so February never starts after the 28th
            start = date(2023 + rng.randint(0, 1), rng.randint(1, 12), rng.randint(1, 28))
        if rng.random() < 0.2:
            end = month_end(2023 + rng.randint(0, 1), rng.randint(1, 12))
        if (end - start).days > 60:
            add(nr, ydelse, start, end)
    return out


def _day_postings(rng, placements, takster) -> list[Posting]:
    """One posting per placement and month; February 2024 is billed without the leap day."""
    posts = []
    for borger, t, ydelse, start, end in placements:
        for y in POSTING_YEARS:
            for m in range(1, 13):
                fra, til = max(start, date(y, m, 1)), min(end, month_end(y, m), date(y, m, 28) if m == 2 else end)
                if fra > til:
                    continue
                days, rate = (til - fra).days + 1, takster[t.nr, ydelse, y].doegntakst
                posts.append(
                    Posting(
                        date(y, m, rng.randint(3, 12)),
                        PARAGRAPH_FUNCTION[t.paragraf],
                        1,
                        _purchase_art(t),
                        rate * days,
                        t.nr,
                        _cvr(t.driftsherre),
                        borger,
                        fra,
                        til,
                        days,
                        f"{ydelse}, {t.navn}, {m:02d}-{y}",
                    )
                )
    return posts


def _plant_postings(code: str, posts: list[Posting], placements: list, takster: dict) -> None:
    forced = [p[0] for p in placements[: len(FORCED_PLACEMENTS[code])]]

    def find(borger, y, m):
        return next(p for p in posts if p.borger == borger and p.fra and (p.fra.year, p.fra.month) == (y, m))

    def tag(p, rule, kind, note):
        p.tags.append(Tag(rule, kind, note, code, p.tilbudsnr, p.fra.strftime("%Y-%m") if p.fra else None))

    def rate(p):
        return takster[p.tilbudsnr, next(pl[2] for pl in placements if pl[0] == p.borger), p.fra.year].doegntakst

    if code == "851":
        p = find(forced[0], 2023, 5)
        p.funktion = "5.38.52"
        tag(p, "R01", "positive", "§ 108 tilbud booked on 5.38.52 (should be 5.38.50)")
        tag(find(forced[0], 2023, 1), "R03", "near_miss", "31 days billed for a 31-day period")
        tag(find(forced[0], 2024, 2), "R05", "near_miss", "February 2024 billed 01-02..28-02, no leap day")
        p = find(forced[1], 2024, 4)
        p.doegn, p.beloeb = 31, rate(p) * 31
        tag(p, "R03", "positive", "31 days billed for 01-04..30-04 (30 days)")
        p = find(forced[2], 2024, 3)
        p.beloeb = half_up(rate(p) * D("1.004"), "0.01") * p.doegn
        tag(p, "R04", "near_miss", "billed day rate 0,4 % above the approved rate")
        p = Posting(
            date(2024, 6, 10),
            "5.38.38",
            1,
            "4.9",
            D("8450.00"),
            1007,
            "",
            "B-085190",
            tekst="Servicearealer, Bofællesskabet Hasseris",
        )
        p.tags.append(
            Tag("R01", "near_miss", "ABL § 105 tilbud: paragraph not in the R01 mapping", code, 1007, "2024-06")
        )
        posts.append(p)
    if code == "860":
        orig = find(forced[0], 2023, 3)
        copy = Posting(**{**orig.__dict__, "bogf": date(2023, 4, 20), "tags": [], "raw": {}})
        tag(copy, "R02", "positive", "same kommune, tilbud, borger, period and amount booked again")
        posts.append(copy)
        p = find(forced[1], 2024, 9)
        p.fra, p.til = date(2024, 9, 30), date(2024, 9, 1)
        tag(p, "R03", "positive", "Periode til (01-09-2024) before Periode fra (30-09-2024)")
        p = find(forced[2], 2024, 2)
        p.til, p.doegn, p.beloeb = date(2024, 2, 29), 29, rate(p) * 29
        tag(p, "R05", "positive", "service period contains 29-02-2024 (29 days billed)")
    if code == "787":
        tag(find(forced[1], 2024, 6), "R02", "near_miss", "same tilbud, period and amount as another borger")
        p = find(forced[0], 2023, 8)
        p.borger = CPR_LIKE
        p.tags.append(Cpr("Borgerreference"))
        tag(p, "R15", "positive", "CPR-like Borgerreference (ddmmyy-xxxx)")
        p = find(forced[2], 2023, 10)
        p.beloeb = half_up(rate(p) * D("1.02"), "0.01") * p.doegn
        tag(p, "R04", "positive", "billed day rate 2 % above the approved rate")


def _distinct_split(rng, total: int, n: int, used: set) -> list[int]:
    """Split øre into n noisy parts, none equal to each other or to an amount already used:
    non-day postings share the empty tilbud/borger/period key, so equal amounts would be R02 copies."""
    while True:
        parts = split(total, [rng.randint(900_000, 1_100_000) for _ in range(n)])
        if len(set(parts)) == n and not used & set(parts):
            used.update(parts)
            return parts


def _fill_postings(rng, code: str, posts: list[Posting], amounts: dict) -> None:
    """Non-day-based postings so that Dranst 1 per function and booking year sums exactly to
    REGK31 TOT x 1.000 (times the planted R16 factor); amounts in øre."""
    used = {int(p.beloeb * 100) for p in posts}
    for y in POSTING_YEARS:
        for fn in ADULT_FUNCTIONS:
            tot, _, inc = amounts[code, fn, y]
            factor, _ = R16_FACTOR.get((code, fn, y), (D(1), None))
            target = int(tot * 10000 * factor)  # tenths of 1.000 kr. -> øre
            spent = sum(int(p.beloeb * 100) for p in posts if p.dranst == 1 and p.funktion == fn and p.bogf.year == y)
            expense = target + inc * 10000 - spent
            assert expense > 0, (code, fn, y)
            for m, ore in enumerate(_distinct_split(rng, expense, 12, used), start=1):
                art, text = ("1.1", "Lønudgifter, egne tilbud") if m % 2 else ("4.9", "Øvrige tjenesteydelser")
                posts.append(Posting(date(y, m, 25), fn, 1, art, D(ore) / 100, tekst=f"{text}, {fn}"))
            # monthly credits too: with the forced placements every file has >= 200 rows, so one
            # unparseable value stays within 0.5 % of a file's rows
            for m, ore in enumerate(_distinct_split(rng, -inc * 10000, 12, used), start=1):
                posts.append(
                    Posting(
                        date(y, m, 28), fn, 1, "7.7", D(ore) / 100, tekst=f"Salg af pladser til andre kommuner, {fn}"
                    )
                )
        refusion = amounts[code, "5.38.50", y][0] * rng.randint(50, 200)  # 0.5-2 % of TOT, in øre
        for q, ore in enumerate(_distinct_split(rng, -refusion, 4, used)):
            posts.append(
                Posting(
                    date(y, 3 * q + 2, 15),
                    "5.38.50",
                    2,
                    "8.6",
                    D(ore) / 100,
                    tekst="Statsrefusion, særligt dyre enkeltsager",
                )
            )


def _plant_bad_postings(code: str, posts: list[Posting]) -> None:
    """Unparseable values and the R15 near miss, on rows that carry no planted rule."""
    refusion = [p for p in posts if p.dranst == 2]  # not in R16's Dranst 1 sums
    if code == "851":
        p = next(p for p in refusion if p.bogf.year == 2024)
        p.raw["Beløb"] = "12,34,5"
        p.tags.append(Bad("Beløb", "12,34,5"))
    if code == "860":
        p = next(p for p in refusion if p.bogf.year == 2023)
        p.raw["Bogføringsdato"] = "31-02-2023"
        p.tags.append(Bad("Bogføringsdato", "31-02-2023"))
        p = next(p for p in posts if p.bogf.year == 2023 and p.art == "4.9" and p.tilbudsnr is None)
        p.tekst = "Faktura 3213991234, kørsel"
    if code == "851":  # free texts as people type them: a `;` (the field is quoted) and a stray quote
        texts = [p for p in posts if p.tilbudsnr is None and not p.tags]
        texts[0].tekst = 'Kursus; "Recovery" for personale'
        texts[1].tekst = 'Skærm 24" til fælles stue'
        p.tags.append(
            Tag(
                "R15",
                "near_miss",
                "ten-digit number that is not a valid ddmmyy date",
                code,
                None,
                p.bogf.strftime("%Y-%m"),
            )
        )


def write_posteringer(landing: Landing, seed: int, takster: dict, amounts: dict) -> None:
    for code, fmt in POSTING_FORMAT.items():
        rng = source_rng(seed, f"posteringer-{code}")
        placements = _placements(rng, code, takster, amounts)
        posts = _day_postings(rng, placements, takster)
        _plant_postings(code, posts, placements, takster)
        _fill_postings(rng, code, posts, amounts)
        _plant_bad_postings(code, posts)
        for y in POSTING_YEARS:
            year_posts = sorted((p for p in posts if p.bogf.year == y), key=lambda p: p.bogf)  # stable
            rows = []

            def day(d: date | None) -> str:
                return d.strftime(fmt.get("dates", "%d-%m-%Y")) if d else ""

            for seq, p in enumerate(year_posts, start=1):
                values = {
                    "Kommunenr": code,
                    "Bilagsnr": f"{y % 100}{seq:05d}",
                    "Bogføringsdato": day(p.bogf),
                    "Funktion": p.funktion,
                    "Dranst": str(p.dranst),
                    "Art": p.art,
                    "Beløb": dk(p.beloeb, 2, fmt["thousands"]),
                    "Tilbudsnr": str(p.tilbudsnr or ""),
                    "Leverandør CVR": p.cvr,
                    "Borgerreference": p.borger,
                    "Periode fra": day(p.fra),
                    "Periode til": day(p.til),
                    "Antal døgn": "" if p.doegn is None else str(p.doegn),
                    "Tekst": p.tekst,
                    **p.raw,
                }
                rows.append(([values[c] for c in fmt["columns"]], p.tags))
            header = [fmt.get("header", str)(c) for c in fmt["columns"]]
            landing.csv(
                f"posteringer/{code}_{y}.csv", header, rows, encoding=fmt["encoding"], bom=fmt["bom"], eol=fmt["eol"]
            )
