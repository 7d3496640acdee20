"""Rate appendices (`takstbilag/`, one xlsx workbook per operator and year, rates as formulas
with cached values), with the planted rate rules' cases (R06-R09)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from rules.rounding import half_up
from sampledata.contract import BASE_RATE, TAKSTBILAG_HEADER
from sampledata.nordjylland.common import D, Landing, Tag, source_rng
from sampledata.nordjylland.tilbud import OPERATORS, TILBUD, Tilbud
from sampledata.workbook import Formula, xlsx_bytes


@dataclass
class Takst:
    year: int
    tilbud: Tilbud
    ydelse: str
    pladser: int | Decimal  # a Decimal for year-average places
    belaegning: Decimal
    omkostninger: int
    doegntakst: Decimal
    antal_doegn: int
    begrundelse: str = ""
    tags: list = field(default_factory=list)


# A capacity change during the year: the rate is computed on the year-average places (landing-zone §4).
YEAR_AVERAGE_PLACES = {(1003, "Døgnophold", 2024): D("23.5")}
REAL_2021 = {"Takst 1": 618526, "Takst 2": 373086, "Takst 3": 5157018, "Takst 4": 11496118}
RATE_JUMP = {(1018, 2023): "0.14", (1022, 2022): "0.12", (1028, 2024): "0.095"}  # R09 plants
BEGRUNDELSE = {
    "Akutplads": "Akutplads: budgetteret belægning 90 % godkendt af DAS",
    "Sikret døgnophold": "Sikret institution: budgetteret belægning 85 % jf. styringsaftalen",
}


def _takst(year, t, ydelse, places, frac, omk) -> Takst:
    denom = D(places) * 365 * frac  # rates are computed on 365 days, also in leap years
    return Takst(
        year,
        t,
        ydelse,
        places,
        frac,
        omk,
        half_up(omk / denom, "0.01"),
        int(half_up(denom)),
        BEGRUNDELSE.get(ydelse, ""),
    )


def draw_takster(seed: int, years: range) -> dict[tuple[int, str, int], Takst]:
    """Every approved rate per (tilbud, ydelse, year); rates move 2-5 % a year."""
    rng = source_rng(seed, "takstbilag")
    out = {}
    for t in (t for t in TILBUD if t.residential):
        lo, hi = BASE_RATE[t.paragraf]
        base = D(rng.randint(lo * 100, hi * 100)) / 100
        for k, (ydelse, places, frac) in enumerate(t.ydelser):
            target = {2021: base * D("1.3") ** k}  # levels ~30 % apart: R04 never matches a neighbour
            if t.nr == 1001:
                target[2021] = REAL_2021[ydelse] / (places * 365 * frac)
            for y in range(2022, years[-1] + 1):
                growth = D(rng.randint(200, 500)) / 10000  # drawn always: plants do not shift the rest
                target[y] = target[y - 1] * (1 + D(RATE_JUMP.get((t.nr, y), growth)))
            for y in range(2020, years[0] - 1, -1):
                target[y] = target[y + 1] / (1 + D(rng.randint(200, 500)) / 10000)
            for y in years:
                f = D("0.92") if (t.nr, y) == (1027, 2022) else frac
                p = YEAR_AVERAGE_PLACES.get((t.nr, ydelse, y), places)
                omk = REAL_2021[ydelse] if (t.nr, y) == (1001, 2021) else int(half_up(target[y] * p * 365 * f))
                out[t.nr, ydelse, y] = _takst(y, t, ydelse, p, f, omk)
    _plant_takster(out)
    return out


def _plant_takster(out: dict) -> None:
    def tag(key, rule, kind, note):
        out[key].tags.append(Tag(rule, kind, note, None, key[0], str(key[2])))

    real = out[1001, "Takst 1", 2021]
    assert (real.antal_doegn, real.doegntakst) == (694, D("891.89")), "real 2021 appendix"
    # R06: Døgntakst 1,00 kr. too high; near miss 0,01 kr. above the correctly rounded rate,
    # with Omkostninger chosen so the exact quotient is < 0,01 kr. away (rounding went down).
    out[1008, "Takst 1", 2022].doegntakst += D("1.00")
    tag((1008, "Takst 1", 2022), "R06", "positive", "Døgntakst 1,00 kr. above Omkostninger / døgn")
    row = out[1012, "Takst 1", 2023]
    denom = row.pladser * 365 * row.belaegning
    while not D("0.001") <= row.omkostninger / denom - half_up(row.omkostninger / denom, "0.01") <= D("0.004"):
        row.omkostninger += 1
    row.doegntakst = half_up(row.omkostninger / denom, "0.01") + D("0.01")
    tag(
        (1012, "Takst 1", 2023),
        "R06",
        "near_miss",
        "Døgntakst 0,01 kr. above the rounded rate, < 0,01 from the exact quotient",
    )
    # R07: Antal døgn computed on 366 days in the leap year; near miss 1 x 365 x 0,90 = 328,5 -> 329
    row = out[1015, "Døgnophold", 2024]
    row.antal_doegn = int(half_up(D(row.pladser * 366) * row.belaegning))
    tag((1015, "Døgnophold", 2024), "R07", "positive", "Antal døgn computed on 366 days")
    tag((1020, "Akutplads", 2023), "R07", "near_miss", "1 x 365 x 90 % = 328,5 -> 329 (half-up)")
    # R08: 92 % without Begrundelse; near misses below 95 % with Begrundelse
    tag((1027, "Døgnophold", 2022), "R08", "positive", "belægning 92 % and no Begrundelse")
    tag((1020, "Akutplads", 2023), "R08", "near_miss", "belægning 90 % with Begrundelse")
    tag((1021, "Sikret døgnophold", 2024), "R08", "near_miss", "belægning 85 % with Begrundelse")
    # R09: +14 % without Begrundelse; +12 % with; +9,5 % without
    tag((1018, "Døgnophold", 2023), "R09", "positive", "Døgntakst +14 % vs last year, no Begrundelse")
    out[1022, "Døgnophold", 2022].begrundelse = "Ny normering med vågen nattevagt, godkendt af DAS"
    tag((1022, "Døgnophold", 2022), "R09", "near_miss", "Døgntakst +12 % with Begrundelse")
    tag((1028, "Døgnophold", 2024), "R09", "near_miss", "Døgntakst +9,5 % (not > 10 %)")


def _slug(name: str) -> str:
    s = name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    return "-".join("".join(c if c.isalnum() else " " for c in s).split())


def _rate_formulas(tk: Takst) -> tuple:
    """Antal døgn and Døgntakst as the formulas operators use, with Excel's cached results: the
    rate unrounded (shown with two decimals, stored with all of them), as in real appendices."""
    exact = float(D(tk.omkostninger) / (D(tk.pladser) * 365 * tk.belaegning))
    if half_up(D(repr(exact)), "0.01") != tk.doegntakst:  # a double at a rounding tie: keep the value
        return tk.antal_doegn, tk.doegntakst
    return Formula("ROUND(G{r}*H{r}*I{r},0)", tk.antal_doegn), Formula("K{r}/(G{r}*H{r}*I{r})", exact)


def write_takstbilag(landing: Landing, years: range, takster: dict) -> None:
    header = TAKSTBILAG_HEADER
    for y in years:
        for i, operator in enumerate(OPERATORS):
            style = (i + y) % 4  # Belægningsprocent: 0.95 | 95 | "95 %" | "95%" across workbooks
            rows, rel = [], f"takstbilag/takstbilag_{y}_{_slug(operator)}.xlsx"
            for tk in (v for (_, _, yy), v in takster.items() if yy == y and v.tilbud.driftsherre == operator):
                pct = (tk.belaegning * 100).normalize()
                pct = int(pct) if pct == int(pct) else pct
                occupancy = [tk.belaegning, pct, f"{pct} %", f"{pct}%"][style]
                days, rate = tk.antal_doegn, tk.doegntakst
                if style == 0 and not {t.rule for t in tk.tags} & {"R06", "R07"}:
                    days, rate = _rate_formulas(tk)
                rows.append(
                    [
                        y,
                        tk.tilbud.nr,
                        tk.tilbud.navn,
                        operator,
                        tk.tilbud.paragraf,
                        tk.ydelse,
                        tk.pladser,
                        365,
                        occupancy,
                        days,
                        tk.omkostninger,
                        rate,
                        tk.begrundelse,
                    ]
                )
                landing.record(rel, 3 + len(rows), tk.tags)
            formats = {
                "Omkostninger": "#,##0",
                "Døgntakst": "#,##0.00",
                "Belægningsprocent": "0%" if style == 0 else "0",
            }
            rows = [[float(v) if isinstance(v, Decimal) else v for v in row] for row in rows]
            landing.write(rel, xlsx_bytes("Takster", [f"Takstbilag {y} – {operator}"], header, rows, formats))
