"""The report's sections: each reads `cockpit.*` views for one year and returns what a person
sees — a Danish lead text with the year's numbers, charts and compact tables, each naming the
view it comes from — and the key figures the memo states.

A section whose view is missing or has no rows for the year says so in its text instead of
failing (the warehouse may lack a source, e.g. no health-check extract yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from ingest.danish_format import (
    MISSING,
    MONTHS,
    SUPPRESSION_LIMIT,
    aendring_pct,
    antal,
    kr,
    mio_kr,
    pct,
    periode,
    tal,
)
from report import charts
from report.memo import HIDDEN, country_sentence, movement_sentence
from report.warehouse import Warehouse

# A cell hidden because its group is too small (docs/disclosure.md)
SMALL = f"< {SUPPRESSION_LIMIT}"


@dataclass
class Table:
    """A compact table: cells are formatted Danish text; `numeric` are right-aligned columns."""

    id: str
    caption: str
    columns: list[str]
    rows: list[list[str]]
    source: str
    numeric: set[int] = field(default_factory=set)
    footer: list[str] | None = None


@dataclass
class Note:
    text: str
    kind: str = "info"  # "info" | "caveat" | "missing"


@dataclass
class Section:
    id: str
    title: str
    lead: str
    blocks: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)  # key figures for the memo
    # The months the section's data covers when not the whole report year ("januar–marts 2024").
    periode: str | None = None


# Who a figure or table is credited to, per cockpit view: named under every chart and table
# (Danmarks Statistik's licence, CC BY 4.0, asks for the source to be named), with the view
# name beside it in small print for the data engineers.
KILDER = {
    "cockpit.udgifter_kommune": "Danmarks Statistik, REGK31 og FOLK1A",
    "cockpit.udgifter_kommune_funktion": "Danmarks Statistik, REGK31",
    "cockpit.udgifter_omraade": "Danmarks Statistik, REGK31 og FOLK1A; KL's pris- og lønudvikling (P/L)",
    "cockpit.fordelingsnoegler": "Danmarks Statistik, FOLK1A",
    "cockpit.belaegning_tilbud": "driftsherrernes belægningsindberetninger og takstbilag",
    "cockpit.sikrede_institutioner": "de sikrede institutioners månedlige indberetninger",
    "cockpit.takster": "driftsherrernes takstbilag",
    "cockpit.sundhedstjek": "Region Nordjyllands udtræk af sundhedstjek på botilbud (ydelse 0123) og kommunernes "
    "opgørelse af målgruppen",
    "cockpit.dyre_enkeltsager_kommune": "kommunernes posteringer og refusionsgrænserne (SEL § 176)",
    "cockpit.koeb_driftsherretype": "kommunernes posteringer og Tilbudsportalen",
    "cockpit.koeb_driftsherre": "kommunernes posteringer og Tilbudsportalen",
    "cockpit.udbud_efterspoergsel": "Tilbudsportalen, belægningsindberetninger, de sikrede institutioners "
    "indberetninger og kommunernes posteringer",
    "cockpit.datakvalitet": "styringscockpittets registreringsregler R01–R17",
    "cockpit.datakvalitet_historik": "styringscockpittets registreringsregler R01–R17 og datastewardernes beslutninger",
    "cockpit.afviste_raekker": "styringscockpittets indlæsning af kildefilerne",
}


def _floats(df: pl.DataFrame) -> pl.DataFrame:
    """Charts take floats; tables keep the Decimals (exact Danish text)."""
    return df.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


def _missing(section: Section, view: str, year: int, what: str) -> Section:
    section.lead = (
        f"Der er ingen {what} for {year} i det publicerede lager ({view}); afsnittet udfyldes, når kilden er indlæst."
    )
    section.blocks = [Note(section.lead, "missing")]
    return section


# ------------------------------------------------------------------------------------- udgifter
def udgifter(wh: Warehouse, year: int) -> Section:
    """Udgifter from cockpit.udgifter_kommune (the 11, years up to `year`) and
    cockpit.udgifter_kommune_funktion: per 18–64-year-old against the 11 together, index, change,
    per function. The headline total is Σ nettodriftsudgifter_kr of the 11 in `year` (5.38 only);
    the function table's 5.38 block adds up to it, and 5.28 is a block of its own."""
    s = Section("udgifter", "Udgifter", "")
    view = "cockpit.udgifter_kommune"
    if not wh.has("udgifter_kommune"):
        return _missing(s, view, year, "udgifter")
    df = wh.frame(
        f"select * from {view} where nordjysk_socialaftale and aar <= ? order by aar, kommunenavn collate da", [year]
    )
    cur = df.filter(pl.col("aar") == year)
    if cur.is_empty():
        return _missing(s, view, year, "udgifter")
    prev = df.filter(pl.col("aar") == year - 1).select(
        "kommunekode", pl.col("udgift_pr_18_64_kr").alias("forrige_pr_18_64_kr")
    )
    cur = (
        cur.with_row_index("_raekke")
        .join(prev, on="kommunekode", how="left")
        .sort("_raekke")
        .with_columns(
            (
                (pl.col("udgift_pr_18_64_kr").cast(pl.Float64) / pl.col("forrige_pr_18_64_kr").cast(pl.Float64) - 1)
                * 100
            ).alias("aendring_pr_18_64_pct")
        )
    )
    region = cur["region_pr_18_64_kr"][0]
    total = sum(cur["nettodriftsudgifter_kr"])
    first = df["aar"].min()
    hi = cur.sort("udgift_pr_18_64_kr", descending=True).row(0, named=True)
    lo = cur.sort("udgift_pr_18_64_kr").row(0, named=True)
    moved = cur.filter(pl.col("aendring_pr_18_64_pct").is_not_null()).sort("aendring_pr_18_64_pct")
    s.lead = (
        f"De 11 kommuner havde i {year} nettodriftsudgifter på {mio_kr(total)} (løbende priser) til tilbud til "
        f"voksne med særlige behov (hovedfunktion 5.38), svarende til {kr(region)} pr. 18–64-årig. Højest pr. "
        f"18–64-årig ligger {hi['kommunenavn']} med {kr(hi['udgift_pr_18_64_kr'])} "
        f"({aendring_pct(hi['afvigelse_fra_region_pct'])} i forhold til de 11 samlet), lavest {lo['kommunenavn']} "
        f"med {kr(lo['udgift_pr_18_64_kr'])}."
    )
    s.facts = {"total": total, "region_pr_18_64": region, "year": year}
    land = _against_country(wh, year)
    if land:
        s.facts["land"] = land
        s.lead += " " + country_sentence(land)
    if moved.height:
        up, down = moved.row(-1, named=True), moved.row(0, named=True)
        s.facts.update(up=up, down=down)
        s.lead += " " + movement_sentence(up, down, year)
    s.blocks.append(
        charts.render(
            charts.bars_with_reference(
                _floats(cur),
                category="kommunenavn",
                value="udgift_pr_18_64_kr",
                reference=float(region),
                reference_label=f"De 11 samlet: {kr(region)}",
                title=f"Nettodriftsudgift pr. 18–64-årig, {year}",
                subtitle="Hovedfunktion 5.38, kroner pr. indbygger 18–64 år pr. 1. januar, løbende priser",
                x_title="Kr. pr. 18–64-årig",
            ),
            title=f"Nettodriftsudgift pr. 18–64-årig, {year}",
            alt_text=f"Søjlediagram over de 11 kommuners nettodriftsudgift pr. 18–64-årig i {year}, fra "
            f"{hi['kommunenavn']} ({kr(hi['udgift_pr_18_64_kr'])}) til {lo['kommunenavn']} "
            f"({kr(lo['udgift_pr_18_64_kr'])}); de 11 samlet {kr(region)}.",
            source=view,
        )
    )
    s.blocks.append(
        charts.render(
            charts.small_multiples(
                _floats(df),
                x="aar",
                y="indeks",
                facet="kommunenavn",
                title=f"Udgiftsindeks {first}–{year}",
                subtitle=f"Nettodriftsudgifter, {first} = 100 (løbende priser)",
                y_title="Indeks",
                rule=100,
            ),
            title=f"Udgiftsindeks {first}–{year} (løbende priser)",
            alt_text=f"Elleve små kurver, én pr. kommune, med nettodriftsudgiften som indeks ({first} = 100) "
            f"for årene {first} til {year}.",
            source=view,
        )
    )
    rows = [
        [
            r["kommunenavn"],
            mio_kr(r["nettodriftsudgifter_kr"]),
            kr(r["udgift_pr_18_64_kr"]),
            aendring_pct(r["afvigelse_fra_region_pct"]),
            aendring_pct(r["afvigelse_fra_land_pct"]),
            aendring_pct(r["aendring_pct"]),
            aendring_pct(r["aendring_pr_18_64_pct"]),
            tal(r["indeks"], 1),
            mio_kr(r["budget_kr"]),
            aendring_pct(r["afvigelse_budget_pct"]),
        ]
        for r in cur.iter_rows(named=True)
    ]
    budgets = cur["budget_kr"]
    budget_total = sum(budgets) if budgets.null_count() == 0 else None
    s.blocks.append(
        Table(
            "tabel-udgifter",
            f"Udgifter pr. kommune, {year} (løbende priser)",
            [
                "Kommune",
                "Nettodriftsudgifter",
                "Kr. pr. 18–64-årig",
                "Afvigelse fra de 11",
                "Afvigelse fra hele landet",
                f"Ændring i udgift fra {year - 1}",
                f"Ændring pr. 18–64-årig fra {year - 1}",
                f"Indeks ({first} = 100)",
                "Budget",
                "Regnskab mod budget",
            ],
            rows,
            view,
            numeric={1, 2, 3, 4, 5, 6, 7, 8, 9},
            footer=[
                "De 11 kommuner",
                mio_kr(total),
                kr(region),
                "",
                aendring_pct(land["afvigelse_pct"]) if land else "",
                "",
                "",
                "",
                mio_kr(budget_total),
                aendring_pct(_pct_change(total, budget_total)),
            ],
        )
    )
    s.blocks.extend(_areas(wh, year))
    s.blocks.extend(_functions(wh, year, total))
    return s


def _pct_change(value, base) -> Decimal | None:
    """(value − base) / base × 100, half-up to 2 decimals as the cockpit's columns; None without a base."""
    if value is None or not base:
        return None
    return (Decimal(value - base) * 100 / Decimal(base)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _against_country(wh: Warehouse, year: int) -> dict | None:
    """The 11 together (NSA) against Hele landet (000) per 18–64-year-old in `year`, from
    cockpit.udgifter_omraade: `afvigelse_pct`, the deviation from the unrounded sums (percent, 2
    decimals half-up; the same in any prices, as both areas are deflated by one index); and, when
    the table *Nordjylland og hele landet i faste priser* has the year, what it shows — both
    areas' kr. per 18–64-year-old in fixed prices (`nsa_fpl`, `land_fpl`), their index (`nsa_indeks`,
    `land_indeks`), its first year (`foerste_aar`) and the price level (`prisniveau_aar`); else
    those keys are absent. None when the warehouse has no national figure for the year."""
    if not wh.has("udgifter_omraade"):
        return None
    rows = {
        r["omraadekode"]: r
        for r in wh.frame(
            "select omraadekode, nettodriftsudgifter_kr, indbyggere_18_64, udgift_pr_18_64_kr, "
            "udgift_pr_18_64_fpl_kr, indeks_fpl, prisniveau_aar "
            "from cockpit.udgifter_omraade where aar = ? and omraadekode in ('NSA', '000')",
            [year],
        ).iter_rows(named=True)
    }
    nsa, land = rows.get("NSA"), rows.get("000")
    if not nsa or not land or None in (land["udgift_pr_18_64_kr"], nsa["udgift_pr_18_64_kr"]):
        return None
    own = Decimal(nsa["nettodriftsudgifter_kr"]) * land["indbyggere_18_64"]
    country = Decimal(land["nettodriftsudgifter_kr"]) * nsa["indbyggere_18_64"]
    facts = {"afvigelse_pct": _pct_change(own, country)}
    shown = (nsa["indeks_fpl"], land["indeks_fpl"], nsa["udgift_pr_18_64_fpl_kr"], land["udgift_pr_18_64_fpl_kr"])
    if None not in shown:
        # the table's first year: the earliest with an index of the areas it shows (`_areas`)
        first = wh.frame(
            "select min(aar) as aar from cockpit.udgifter_omraade where omraadekode in ('NSA', '081', '000') "
            "and aar <= ? and indeks_fpl is not null",
            [year],
        )["aar"][0]
        facts.update(
            nsa_indeks=shown[0],
            land_indeks=shown[1],
            nsa_fpl=shown[2],
            land_fpl=shown[3],
            foerste_aar=first,
            prisniveau_aar=nsa["prisniveau_aar"],
        )
    return facts


AREA_ORDER = {"NSA": 0, "081": 1, "000": 2}


def _areas(wh: Warehouse, year: int) -> list:
    """North Jutland against the whole country over the years, in fixed prices (cockpit.udgifter_omraade):
    the 11 together, Region Nordjylland as DST reports it and Hele landet, per 18–64-year-old in
    the prices of the P/L index's newest year and the net expenditure as an index (first year =
    100), as a line chart and a table with the same figures. [Note] without an index, [] without
    the view."""
    view = "cockpit.udgifter_omraade"
    if not wh.has("udgifter_omraade"):
        return []
    df = wh.frame(
        f"select * from {view} where omraadekode in ('NSA', '081', '000') and aar <= ? "
        "and indeks_fpl is not null order by aar",
        [year],
    )
    if df.is_empty():
        return [
            Note(
                f"Faste priser: ingen P/L-indeks for årene (prisindeks/); {view} har ingen beløb i faste priser.",
                "missing",
            )
        ]
    price_year = df["prisniveau_aar"].max()
    years = sorted(df["aar"].unique().to_list())
    first = years[0]
    codes = sorted(df["omraadekode"].unique().to_list(), key=AREA_ORDER.get)
    names = [df.filter(pl.col("omraadekode") == c)["omraadenavn"][0] for c in codes]
    title = f"Nettodriftsudgifter i faste {price_year}-priser, indeks {first} = 100"
    chart = charts.render(
        charts.lines(
            _floats(df.select("aar", "omraadenavn", "indeks_fpl")),
            x="aar",
            y="indeks_fpl",
            series="omraadenavn",
            title=title,
            subtitle=f"Hovedfunktion 5.38, omregnet med P/L-indekset til {price_year}-prisniveau",
            y_title="Indeks",
            y_format=",.1f",
            rule=100,
            rule_label=f"{first} = 100",
            order=names,
        ),
        title=title,
        alt_text=f"Kurver for {', '.join(names)} med nettodriftsudgifterne i faste {price_year}-priser som "
        f"indeks ({first} = 100) for årene {first} til {years[-1]}; tallene står i tabellen nedenfor.",
        source=view,
    )
    rows = []
    for code in codes:
        area = df.filter(pl.col("omraadekode") == code)
        by_year = {r["aar"]: r for r in area.iter_rows(named=True)}
        last = by_year.get(year)
        rows.append(
            [area["omraadenavn"][0]]
            + [tal(by_year[y]["indeks_fpl"], 1) if y in by_year else MISSING for y in years]
            + [kr(last["udgift_pr_18_64_fpl_kr"]) if last else MISSING]
        )
    return [
        chart,
        Table(
            "tabel-omraader",
            f"Nordjylland og hele landet i faste {price_year}-priser (P/L), indeks {first} = 100",
            ["Område", *[str(y) for y in years], f"Kr. pr. 18–64-årig {year} ({price_year}-priser)"],
            rows,
            view,
            numeric=set(range(1, len(years) + 2)),
        ),
    ]


def _function_rows(df: pl.DataFrame) -> list[list[str]]:
    return [
        [
            r["funktion"],
            r["funktionsnavn"],
            mio_kr(r["nu"]),
            mio_kr(r["foer"]),
            aendring_pct(None if not r["foer"] else (Decimal(r["nu"]) / Decimal(r["foer"]) - 1) * 100),
        ]
        for r in df.iter_rows(named=True)
    ]


def _function_total(label: str, df: pl.DataFrame) -> list[str]:
    now, before = sum(df["nu"]), sum(v for v in df["foer"] if v is not None)
    change = (Decimal(now) / Decimal(before) - 1) * 100 if before else None
    return [label, "", mio_kr(now), mio_kr(before) if before else MISSING, aendring_pct(change)]


def _functions(wh: Warehouse, year: int, headline_total) -> list:
    """The 11 together per function: the 5.38 functions with their own total (= the section's
    headline, Σ cockpit.udgifter_kommune), then the 5.28 interfaces as a separate block with a
    total of their own — they are not part of the adult expenditure and never inside its sum."""
    view = "cockpit.udgifter_kommune_funktion"
    if not wh.has("udgifter_kommune_funktion"):
        return [Note(f"Fordeling på funktioner mangler ({view} findes ikke).", "missing")]
    df = wh.frame(
        f"""select hovedfunktion, funktion, any_value(funktionsnavn) as funktionsnavn,
                   sum(nettodriftsudgifter_kr) filter (where aar = ?) as nu,
                   sum(nettodriftsudgifter_kr) filter (where aar = ? - 1) as foer
            from {view} where nordjysk_socialaftale and aar in (?, ? - 1)
            group by hovedfunktion, funktion order by funktion""",
        [year, year, year, year],
    )
    df = df.filter(pl.col("nu").is_not_null())
    adult = df.filter(pl.col("hovedfunktion") == "5.38")
    children = df.filter(pl.col("hovedfunktion") == "5.28")
    if adult.is_empty():
        return [Note(f"Ingen udgifter pr. funktion under 5.38 for {year} ({view}).", "missing")]
    chart_df = _floats(adult).with_columns(
        (pl.col("funktion") + " " + pl.col("funktionsnavn").str.slice(0, 38)).alias("label"),
        (pl.col("nu") / 1_000_000).alias("mio"),
    )
    blocks = [
        charts.render(
            charts.bars_with_reference(
                chart_df,
                category="label",
                value="mio",
                reference=None,
                reference_label="",
                title=f"De 11 kommuners nettodriftsudgifter pr. funktion, {year}",
                subtitle="Hovedfunktion 5.38, mio. kr., løbende priser",
                x_title="Mio. kr.",
                value_format=",.0f",
            ),
            title=f"Nettodriftsudgifter pr. funktion, {year}",
            alt_text="Søjlediagram over de 11 kommuners samlede nettodriftsudgifter pr. funktion under 5.38 i "
            f"{year}, i mio. kr.",
            source=view,
        ),
        Table(
            "tabel-funktioner",
            f"Voksne med særlige behov (hovedfunktion 5.38) pr. funktion, de 11 kommuner, {year} og {year - 1} "
            "(løbende priser)",
            ["Funktion", "Navn", str(year), str(year - 1), "Ændring"],
            _function_rows(adult),
            view,
            numeric={2, 3, 4},
            footer=_function_total("I alt 5.38", adult),
        ),
    ]
    if children.height:
        blocks.append(
            Note(
                "Snitflader til børne- og ungeområdet (hovedfunktion 5.28) vises for sig, fordi mange borgere går "
                "fra et børnetilbud til et voksentilbud omkring 18 år, og udgifterne på de to områder derfor "
                f"hænger sammen. De indgår ikke i 5.38-udgiften på {mio_kr(headline_total)} ovenfor eller i "
                "udgiften pr. 18–64-årig.",
                "info",
            )
        )
        blocks.append(
            Table(
                "tabel-funktioner-528",
                f"Snitflader: børn og unge (hovedfunktion 5.28) pr. funktion, de 11 kommuner, {year} og {year - 1} "
                "(løbende priser)",
                ["Funktion", "Navn", str(year), str(year - 1), "Ændring"],
                _function_rows(children),
                view,
                numeric={2, 3, 4},
                footer=_function_total("I alt 5.28", children),
            )
        )
    return blocks


# ------------------------------------------------------------------------------------ belaegning
def belaegning(wh: Warehouse, year: int) -> Section:
    """Belægning from cockpit.belaegning_tilbud for `year`: normed and actual occupancy per tilbud
    against the budgeted occupancy. "Under budget" is the view's `under_budget` (occupied days
    below normed days × budgeted occupancy); the headline cost is `udaekket_tompladsudgift_kr`
    (the days under budget at the tilbud's rate for an unused place), gross empty days and their
    cost at the lowest rate are shown beside it, named as gross."""
    s = Section("belaegning", "Belægning", "")
    view = "cockpit.belaegning_tilbud"
    if not wh.has("belaegning_tilbud"):
        return _missing(s, view, year, "belægningsindberetninger")
    df = wh.frame(
        f"select * from {view} where aar = ? and {wh.in_agreement('belaegning_tilbud')} "
        "order by tilbudsnavn collate da, tilbudsnr",
        [year],
    )
    if df.is_empty():
        return _missing(s, view, year, "belægningsindberetninger")
    s.periode = periode(df["foerste_maaned"].min(), df["sidste_maaned"].max(), year)
    when = s.periode or str(year)
    budgeted = df.filter(pl.col("under_budget").is_not_null())
    below = df.filter(pl.col("under_budget").fill_null(False))
    uncovered = sum(v for v in df["udaekket_tompladsudgift_kr"] if v is not None)
    days_under = sum(v for v in df["doegn_under_budget"] if v is not None)
    gross_days = int(df["tomme_doegn"].sum())
    gross_cost = sum(v for v in df["tompladsudgift_kr"] if v is not None)
    s.lead = (
        f"{df.height} tilbud har indberettet belægning for {when}"
        + (" (ikke hele året)" if s.periode else "")
        + f". {below.height} af de {budgeted.height} tilbud med takstbilag lå under den budgetterede belægning "
        "(færre belagte døgn end normerede døgn × budgetteret belægning). De manglende "
        f"{tal(days_under, None)} belagte døgn svarer til en udækket tompladsudgift på {kr(uncovered)} ved "
        "tilbuddenes takst for en ubenyttet plads: den del af de tomme pladser, som taksterne ikke dækker. "
        f"Brutto var der {tal(gross_days)} tomme døgn på pladser i drift ({kr(gross_cost)} ved laveste "
        "døgntakst); tomgangen ned til den budgetterede belægning er allerede regnet med i taksten."
    )
    s.facts = {
        "tilbud": df.height,
        "med_budget": budgeted.height,
        "under_budget": below.height,
        "doegn_under_budget": days_under,
        "udaekket_tompladsudgift": uncovered,
        "tomme_doegn": gross_days,
        "tompladsudgift_brutto": gross_cost,
        "periode": s.periode,
    }
    long = (
        _floats(df)
        .unpivot(
            index=["tilbudsnavn", "budgetteret_belaegning_pct"],
            on=["belaegning_normeret_pct", "belaegning_faktisk_pct"],
            variable_name="maal",
            value_name="pct",
        )
        .with_columns(
            pl.col("maal").replace(
                {
                    "belaegning_normeret_pct": "Normeret belægning",
                    "belaegning_faktisk_pct": "Faktisk belægning (pladser i drift)",
                }
            )
        )
    )
    s.blocks.append(
        charts.render(
            charts.dots(
                long,
                category="tilbudsnavn",
                value="pct",
                group="maal",
                order=["Normeret belægning", "Faktisk belægning (pladser i drift)"],
                title=f"Belægning pr. tilbud, {when}",
                subtitle="Belagte døgn i % af normerede døgn og af døgn i drift; lodret streg = budgetteret belægning",
                x_title="Belægning, %",
                tick="budgetteret_belaegning_pct",
                tick_label="Budgetteret belægning",
            ),
            title=f"Belægning pr. tilbud, {when}",
            alt_text=f"Prikdiagram med normeret og faktisk belægning for {df.height} tilbud, {when}; en lodret streg "
            "pr. tilbud viser den budgetterede belægning fra takstbilaget.",
            source=view,
        )
    )
    # Months per tilbud only when they differ between tilbud: otherwise the period line says it
    # and the table keeps to the page width.
    months_column = df["maaneder_med_data"].n_unique() > 1
    rows = [
        [
            r["tilbudsnavn"],
            r["driftsherre"] or MISSING,
            *([antal(r["maaneder_med_data"])] if months_column else []),
            pct(r["belaegning_normeret_pct"], 2),
            pct(r["budgetteret_belaegning_pct"], 2),
            tal(r["doegn_under_budget"], None),
            kr(r["udaekket_tompladsudgift_kr"]),
            pct(r["belaegning_faktisk_pct"], 2),
            tal(r["tomme_doegn"]),
            kr(r["tompladsudgift_kr"]),
        ]
        for r in df.iter_rows(named=True)
    ]
    columns = [
        "Tilbud",
        "Driftsherre",
        *(["Måneder"] if months_column else []),
        "Normeret",
        "Budgetteret",
        "Døgn under budget",
        "Udækket tompladsudgift",
        "Faktisk (i drift)",
        "Tomme døgn, brutto",
        "Tompladsudgift, brutto",
    ]
    footer = ["I alt", "", *([""] if months_column else []), "", "", tal(days_under, None), kr(uncovered), ""]
    s.blocks.append(
        Table(
            "tabel-belaegning",
            f"Belægning og tomme pladser, {when}",
            columns,
            rows,
            view,
            numeric=set(range(2, len(columns))),
            footer=[*footer, tal(gross_days), kr(gross_cost)],
        )
    )
    s.blocks.append(
        Note(
            "Under budget: belagte døgn under normerede døgn × den budgetterede belægning fra takstbilaget. "
            "Udækket tompladsudgift: døgnene under budget × taksten for en ubenyttet plads (laveste døgntakst, "
            "eller tilbuddets egen sats for ubenyttede pladser, når takstbilaget angiver en). Bruttotallene tæller "
            "alle tomme døgn på pladser i drift ved laveste døgntakst, også den tomgang taksten allerede dækker.",
            "info",
        )
    )
    return s


# ------------------------------------------------------------------------------------- sikrede
def _capacity(t: dict) -> str:
    """The occupancy the target (`maal_belaegning_pct`) is measured on: of normed + flex places (issue 22, the seeds'
    "95 ud af de 106 pladser … inkl. flekspladser"), named when flex places were in use."""
    if not t.get("fleksible_pladser") or t.get("belaegning_kapacitet_pct") is None:
        return ""
    return (
        f" og {pct(t['belaegning_kapacitet_pct'])} af de normerede og fleksible pladser "
        f"(gennemsnitligt {tal(t['fleksible_pladser'], 2)} fleksible)"
    )


def sikrede(wh: Warehouse, year: int) -> Section:
    """Sikrede institutioner from cockpit.sikrede_institutioner: occupancy of `I alt` per year against
    the target (`maal_belaegning_pct`), and per institution for `year` (social share, refusals, waiting list).
    `I alt` is the institutions in the data (antal_institutioner of antal_institutioner_i_landet),
    and says so; refusals are afviste_sociale + afviste_retlige of that row, everywhere."""
    s = Section("sikrede", "Sikrede institutioner", "")
    view = "cockpit.sikrede_institutioner"
    if not wh.has("sikrede_institutioner"):
        return _missing(s, view, year, "data om sikrede institutioner")
    df = wh.frame(
        f"select * from {view} where aar <= ? order by aar, institution = 'I alt', institution collate da", [year]
    )
    cur = df.filter(pl.col("aar") == year)
    total = cur.filter(pl.col("institution") == "I alt")
    if total.is_empty():
        return _missing(s, view, year, "data om sikrede institutioner")
    t = total.row(0, named=True)
    s.periode = periode(t["foerste_maaned"], t["sidste_maaned"], year)
    # A figure hidden by disclosure control (NULL, docs/disclosure.md) makes the sum unknown, not 0.
    refused = (
        None
        if t.get("maskeret") and (t["afviste_sociale"] is None or t["afviste_retlige"] is None)
        else (t["afviste_sociale"] or 0) + (t["afviste_retlige"] or 0)
    )
    covered = t["antal_institutioner"]
    country = t["antal_institutioner_i_landet"]
    scope = (f"de {covered} sikrede institutioner i data" if covered != 1 else "den ene sikrede institution i data") + (
        f" (af {country} i landet)" if country and covered < country else ""
    )
    total_label = f"I alt, {covered} af {country} institutioner" if country else "I alt"
    s.lead = (
        f"I {s.periode or year} var belægningen på {scope} i alt {pct(t['belaegning_normeret_pct'])} af de "
        f"normerede pladser og {pct(t['belaegning_faktisk_pct'])} af pladserne i drift"
        + _capacity(t)
        + f", mod målet på {pct(t['maal_belaegning_pct'], 0)}. Sociale anbringelser udgjorde {pct(t['andel_sociale_pct'])} af de "
        f"belagte døgn; "
        + (
            f"{antal(refused)} anmodninger blev afvist for mangel på plads "
            f"({antal(t['afviste_sociale'])} sociale, {antal(t['afviste_retlige'])} retlige)."
            if refused is not None
            else f"antallet af anmodninger, der blev afvist for mangel på plads, {HIDDEN}."
        )
        + (" Tallene dækker kun de institutioner, der har indberettet, ikke hele landet." if covered < country else "")
    )
    s.facts = dict(t, afviste=refused, omfang=scope, periode=s.periode)
    hist = (
        _floats(df.filter(pl.col("institution") == "I alt"))
        .unpivot(
            index="aar",
            on=["belaegning_normeret_pct", "belaegning_faktisk_pct"],
            variable_name="maal",
            value_name="pct",
        )
        .with_columns(
            pl.col("maal").replace(
                {"belaegning_normeret_pct": "Normerede pladser", "belaegning_faktisk_pct": "Pladser i drift"}
            )
        )
    )
    s.blocks.append(
        charts.render(
            charts.lines(
                hist,
                x="aar",
                y="pct",
                series="maal",
                title="Belægning på de sikrede institutioner i data, i alt",
                subtitle="Belagte døgn i % af normerede døgn og af døgn i drift; stiplet linje = målet på "
                f"{pct(t['maal_belaegning_pct'], None)}",
                y_title="Belægning, %",
                rule=float(t["maal_belaegning_pct"]),
                rule_label=f"Mål {pct(t['maal_belaegning_pct'], None)}",
                order=["Normerede pladser", "Pladser i drift"],
            ),
            title="Belægning på de sikrede institutioner i data, i alt",
            alt_text=f"Kurver over belægningen på normerede pladser og på pladser i drift, {df['aar'].min()}–{year}, "
            f"med målet på {pct(t['maal_belaegning_pct'], None)} som vandret linje; {year}: {pct(t['belaegning_normeret_pct'])} og "
            f"{pct(t['belaegning_faktisk_pct'])}.",
            source=view,
        )
    )
    rows = [
        [
            total_label if r["institution"] == "I alt" else r["institution"],
            pct(r["belaegning_normeret_pct"]),
            pct(r["belaegning_faktisk_pct"]),
            pct(r["andel_sociale_pct"]),
            antal(r["afviste_sociale"]),
            antal(r["afviste_retlige"]),
            tal(r["venteliste_gns"], 1),
        ]
        for r in cur.iter_rows(named=True)
    ]
    s.blocks.append(
        Table(
            "tabel-sikrede",
            f"Sikrede institutioner, {s.periode or year}",
            [
                "Institution",
                "Belægning, normeret",
                "Belægning, i drift",
                "Andel sociale",
                "Afviste sociale",
                "Afviste retlige",
                "Venteliste, gns.",
            ],
            rows,
            view,
            numeric={1, 2, 3, 4, 5, 6},
        )
    )

    note = disclosure_note(cur, name="institution")
    if note:
        s.blocks.append(note)
    return s


# -------------------------------------------------------------------------------------- takster
def takster(wh: Warehouse, year: int) -> Section:
    """Takster from cockpit.takster for `year`: rates that need a justification, the largest
    changes, and rates whose stated and computed day rate differ (with file and Excel row). The
    thresholds named (R08's lowest occupancy, R09's largest change) are the view's
    `min_belaegning_pct` and `maks_aendring_pct`: the dbt vars the build applied."""
    s = Section("takster", "Takster", "")
    view = "cockpit.takster"
    if not wh.has("takster"):
        return _missing(s, view, year, "takstbilag")
    df = wh.frame(
        f"select * from {view} where aar = ? and {wh.in_agreement('takster')} "
        "order by tilbudsnavn collate da, ydelse collate da",
        [year],
    )
    if df.is_empty():
        return _missing(s, view, year, "takstbilag")
    need = df.filter(pl.col("kraever_begrundelse"))
    unjustified = need.filter(pl.col("begrundelse").is_null() | (pl.col("begrundelse").str.strip_chars() == ""))
    differ = df.filter(pl.col("afvigelse_kr") != 0)
    min_occupancy, max_change = df["min_belaegning_pct"][0], df["maks_aendring_pct"][0]
    s.lead = (
        f"Takstbilagene for {year} har {df.height} takster. {need.height} kræver begrundelse (budgetteret belægning "
        f"under {pct(min_occupancy, None)} eller en ændring på mere end {pct(max_change, None)} fra {year - 1}); "
        f"{unjustified.height} af dem mangler en begrundelse. {differ.height} takster afviger fra den beregnede "
        "døgntakst (omkostninger / (pladser × 365 × belægning))."
    )
    s.facts = {
        "takster": df.height,
        "kraever": need.height,
        "mangler": unjustified.height,
        "afviger": differ.height,
        "min_belaegning_pct": min_occupancy,
        "maks_aendring_pct": max_change,
    }
    changed = (
        df.filter(pl.col("aendring_pct").is_not_null())
        .with_columns(pl.col("aendring_pct").abs().alias("_abs"))
        .sort("_abs", descending=True)
        .head(10)
        .with_columns((pl.col("tilbudsnavn") + ", " + pl.col("ydelse")).alias("label"))
    )
    if changed.height:
        s.blocks.append(
            charts.render(
                charts.bars_with_reference(
                    _floats(changed),
                    category="label",
                    value="aendring_pct",
                    reference=float(max_change),
                    reference_label=pct(max_change, None),
                    title=f"Største takstændringer, {year}",
                    subtitle=f"Ændring i døgntakst fra {year - 1}, %, løbende priser; over {pct(max_change, None)} "
                    "skal begrundes",
                    x_title=f"Ændring fra {year - 1}, %",
                    value_format=",.1f",
                ),
                title=f"Største takstændringer, {year}",
                alt_text=f"Søjlediagram over de {changed.height} største ændringer i døgntakst fra {year - 1} til {year}; "
                f"størst: {changed['label'][0]} med {aendring_pct(changed['aendring_pct'][0])}.",
                source=view,
            )
        )
    rows = [
        [
            r["tilbudsnavn"],
            r["ydelse"],
            pct(r["belaegning_pct"]),
            kr(r["doegntakst_kr"], 2),
            aendring_pct(r["aendring_pct"]),
            r["begrundelse"] or "mangler",
        ]
        for r in need.iter_rows(named=True)
    ]
    s.blocks.append(
        Table(
            "tabel-takster-begrundelse",
            f"Takster der kræver begrundelse, {year} (løbende priser)",
            ["Tilbud", "Ydelse", "Belægning", "Døgntakst", f"Ændring fra {year - 1}", "Begrundelse"],
            rows,
            view,
            numeric={2, 3, 4},
        )
    )
    if differ.height:
        rows = [
            [
                r["tilbudsnavn"],
                r["ydelse"],
                kr(r["doegntakst_kr"], 2),
                kr(r["beregnet_doegntakst_kr"], 2),
                kr(r["afvigelse_kr"], 2),
                f"{r['kildefil']}, række {r['kildelinje']}",
            ]
            for r in differ.iter_rows(named=True)
        ]
        s.blocks.append(
            Table(
                "tabel-takster-afvigelse",
                f"Takster hvor angivet og beregnet døgntakst afviger, {year}",
                ["Tilbud", "Ydelse", "Angivet", "Beregnet", "Afvigelse", "Kilde"],
                rows,
                view,
                numeric={2, 3, 4},
            )
        )
    return s


# ---------------------------------------------------------------------------------- sundhedstjek
def sundhedstjek(wh: Warehouse, year: int) -> Section:
    """Sundhedstjek from cockpit.sundhedstjek for `year`: services per 100 in the target group in
    the year and over 24 months. Both count services (GP claims), not people, and are labelled so;
    DAS's "ca. 40 % af målgruppen" is a share of people the extract cannot give (no person key).
    The months covered are said in the lead, the chart and a note."""
    s = Section("sundhedstjek", "Sundhedstjek på botilbud", "")
    view = "cockpit.sundhedstjek"
    if not wh.has("sundhedstjek"):
        return _missing(s, view, year, "sundhedstjek-data")
    df = wh.frame(
        f"select * from {view} where aar = ? and {wh.in_agreement('sundhedstjek')} order by kommunenavn collate da",
        [year],
    )
    if df.is_empty() or df["antal_sundhedstjek"].drop_nulls().is_empty():
        return _missing(s, view, year, "sundhedstjek-data")
    months = int(df["maaneder_med_data"].max())
    partial = bool(df["delvis_periode"].any())
    first, last = df["foerste_maaned"].min(), df["sidste_maaned"].max()
    s.periode = periode(first, last, year) or (f"januar–december {year}" if partial else None)
    until = df["daekning_til_maaned"].drop_nulls()
    incomplete = (
        f"; {MONTHS[last.month - 1]} er ufuldstændig i udtrækket"
        if partial and until.len() and until.max() < last
        else ""
    )
    caveat = f"Delvis periode: {s.periode}, {months} måneder med data{incomplete}." if partial else f"Hele {year}."
    total = sum(df["antal_sundhedstjek"].drop_nulls())
    target = sum(df["borgere_i_maalgruppe"].drop_nulls())
    per_100 = Decimal(total) * 100 / target if target else None
    s.lead = (
        f"Der blev registreret {tal(total)} sundhedstjek på botilbud i de 11 kommuner i "
        f"{s.periode if partial else year}"
        f" ({'delvis periode: ' + str(months) + ' måneder' + incomplete if partial else 'hele året'}), "
        f"{tal(per_100, 1) if per_100 is not None else MISSING} sundhedstjek pr. 100 borgere i målgruppen. "
        "Tallene er ydelser efter lægepraksissens kommune, ikke personer: en borger kan have fået flere "
        "sundhedstjek, og en praksis kan ligge i en anden kommune end borgeren. Derfor kan udtrækket ikke give "
        "DAS' mål, andelen af målgruppen der har fået et sundhedstjek (ca. 40 %); det kræver en opgørelse "
        "af unikke personer."
    )
    s.facts = {"antal": total, "delvis": partial, "maaneder": months, "pr_100": per_100, "periode": s.periode}
    s.blocks.append(
        charts.render(
            charts.bars_with_reference(
                _floats(df),
                category="kommunenavn",
                value="sundhedstjek_pr_100_i_maalgruppe",
                reference=None,
                reference_label="",
                title=f"Sundhedstjek pr. 100 i målgruppen, {s.periode if partial else year}",
                subtitle=caveat + " Ydelser, ikke personer.",
                x_title="Sundhedstjek (ydelser) pr. 100 borgere i målgruppen",
                value_format=",.0f",
            ),
            title=f"Sundhedstjek pr. 100 i målgruppen, {s.periode if partial else year}",
            alt_text=f"Søjlediagram over sundhedstjek pr. 100 borgere i målgruppen pr. kommune i {year}. {caveat}",
            source=view,
        )
    )
    rows = [
        [
            r["kommunenavn"],
            antal(r["antal_sundhedstjek"]),
            antal(r["maaneder_med_data"]),
            antal(r["borgere_i_maalgruppe"]),
            tal(r["sundhedstjek_pr_100_i_maalgruppe"], 1),
            tal(r["daekning_24_mdr_pct"], 1),
        ]
        for r in df.iter_rows(named=True)
    ]
    s.blocks.append(
        Table(
            "tabel-sundhedstjek",
            f"Sundhedstjek pr. kommune, {s.periode if partial else year}",
            [
                "Kommune",
                "Sundhedstjek",
                "Måneder",
                "Borgere i målgruppen",
                "Pr. 100 i målgruppen",
                "Pr. 100 i målgruppen, 24 mdr.",
            ],
            rows,
            view,
            numeric={1, 2, 3, 4, 5},
            footer=[
                "I alt",
                antal(total),
                "",
                antal(target),
                tal(per_100, 1) if per_100 is not None else MISSING,
                "",
            ],
        )
    )
    s.blocks.append(
        Note(
            "Sundhedstjek tælles som ydelser (ydelse 0123) efter lægepraksissens kommune, ikke som personer. "
            '"Pr. 100 i målgruppen, 24 mdr." er ydelserne i de 24 måneder til og med årets sidste hele måned '
            "pr. 100 borgere i målgruppen: et loft over andelen af borgere, der har fået et sundhedstjek, ikke "
            "selve andelen.",
            "info",
        )
    )
    return s


# ----------------------------------------------------------------------------- fordelingsnoegler
def fordelingsnoegler(wh: Warehouse, year: int) -> Section:
    """Fordelingsnøgler from cockpit.fordelingsnoegler: population keys at 1 January of `year`."""
    s = Section("fordelingsnoegler", "Fordelingsnøgler", "")
    view = "cockpit.fordelingsnoegler"
    if not wh.has("fordelingsnoegler"):
        return _missing(s, view, year, "befolkningstal")
    df = wh.frame(f"select * from {view} where aar = ? order by kommunenavn collate da", [year])
    if df.is_empty():
        return _missing(s, view, year, "befolkningstal")
    s.lead = (
        f"Nøglerne til fordeling af fælles udgifter (objektiv finansiering, underskudsdækning) efter "
        f"befolkningen pr. 1. januar {year}: i alt {tal(sum(df['indbyggere']))} indbyggere i de 11 kommuner. "
        f"Objektiv finansiering af {year + 1} bruger nøglen pr. 1. januar {year}."
    )
    rows = [
        [
            r["kommunenavn"],
            tal(r["indbyggere"]),
            pct(r["andel_indbyggere_pct"], 2),
            tal(r["unge_14_23"]),
            pct(r["andel_unge_14_23_pct"], 2),
            tal(r["unge_15_17"]),
            pct(r["andel_unge_15_17_pct"], 2),
            tal(r["indbyggere_18_64"]),
            pct(r["andel_indbyggere_18_64_pct"], 2),
        ]
        for r in df.iter_rows(named=True)
    ]
    s.blocks.append(
        Table(
            "tabel-fordelingsnoegler",
            f"Fordelingsnøgler pr. 1. januar {year}",
            ["Kommune", "Indbyggere", "Andel", "14–23 år", "Andel", "15–17 år", "Andel", "18–64 år", "Andel"],
            rows,
            view,
            numeric=set(range(1, 9)),
            footer=[
                "I alt",
                tal(sum(df["indbyggere"])),
                "100,00 %",
                tal(sum(df["unge_14_23"])),
                "100,00 %",
                tal(sum(df["unge_15_17"])),
                "100,00 %",
                tal(sum(df["indbyggere_18_64"])),
                "100,00 %",
            ],
        )
    )
    return s


def disclosure_note(df: pl.DataFrame, name: str = "kommunenavn") -> Note | None:
    """The footnote saying which rows have suppressed cells and why (cockpit column
    `maskeringsaarsag`, docs/disclosure.md), or None when nothing is suppressed."""
    if "maskeret" not in df.columns or not df["maskeret"].any():
        return None
    rows = df.filter(pl.col("maskeret")).select(name, "maskeringsaarsag").unique(maintain_order=True)
    why = "; ".join(f"{r[name]}: {r['maskeringsaarsag']}" for r in rows.iter_rows(named=True))
    return Note(
        f'"{MISSING}" og "{SMALL}": tal skjult af diskretionshensyn, så ingen enkelt borger kan genkendes '
        f"(grupper med færre end {SUPPRESSION_LIMIT} personer eller sager, beløb domineret af én borger, og tal, "
        f"der ellers kunne regnes ud fra totaler og de andre tal). I alt vises kun, når intet tal i kolonnen er "
        f"skjult. Skjult her — {why}.",
        "caveat",
    )
