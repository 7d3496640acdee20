"""The three analyses DAS asked for in November 2024 (særligt dyre enkeltsager, purchases from
private providers, supply and demand) and the data-quality section, as report sections.

Counts of people are never shown below SUPPRESSION_LIMIT: a group of 1–4 cases reads "< 5" and
its amounts are left out, so no single person's cost can be read off the report. The warehouse
itself keeps the exact figures (pseudonymous keys only).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl

from ingest.danish_format import (
    MISSING,
    SUPPRESSION_LIMIT,
    antal,
    dansk_noegle,
    dansk_sorteret,
    dato,
    kr,
    mio_kr,
    pct,
    procentpoint,
    tal,
)
from report import charts
from report.memo import HIDDEN
from report.sections import SMALL, Note, Section, Table, _floats, _missing, disclosure_note
from report.warehouse import Warehouse

# Udbud og efterspørgsel names the groups whose actual occupancy is at least this, percent: the
# report's own reading of "full", not a rule threshold (R08's minimum is for the budgeted
# occupancy of a rate, cockpit.takster.min_belaegning_pct).
FULL_OCCUPANCY_PCT = 95

KOEBSTYPER = {
    "egen_kommune": "Egen kommune",
    "anden_kommune": "Anden kommune",
    "region": "Region",
    "privat": "Privat",
    "ukendt": "Ukendt tilbud",
}


def _group_amount(count: int | None, amount) -> str:
    """An amount of a group of cases: shown only when the group has 0 or ≥ 5 cases; a group the
    warehouse suppressed (count NULL, docs/disclosure.md) reads `–`."""
    if count is None:
        return MISSING
    return kr(amount or 0) if count == 0 or count >= SUPPRESSION_LIMIT else MISSING


def _count_cell(value: int | None, reason: str | None, group: str) -> str:
    """A count of cases: the number (1–4 as "< 5"); a count the warehouse suppressed reads "< 5"
    when `group`'s reason in `maskeringsaarsag` is a small group, else `–`."""
    if value is not None:
        return antal(value, SUPPRESSION_LIMIT)
    return SMALL if reason and f"{group}: færre end" in reason else MISSING


def _disclosed_total(values: pl.Series):
    """Σ of a column over the municipalities, or None when a cell of it is suppressed (NULL in
    the published view): a sum over the shown cells only would be read as the total, and the
    total is not published, so a suppressed cell cannot be worked out from it."""
    return None if values.null_count() else sum(values)


def _raw_value(row: dict) -> str:
    """A rejected value as the report shows it: a posting's is not published (it may be a case key,
    free text or one citizen's amount, docs/disclosure.md), so it reads as left out, not `None`."""
    if row["raavaerdi"] is None:
        return "(udeladt: se kommunens arbejdsliste)" if row["kilde"] == "posteringer" else ""
    return row["raavaerdi"]


# ---------------------------------------------------------------------------- dyre enkeltsager
def dyre_enkeltsager(wh: Warehouse, year: int) -> Section:
    """Særligt dyre enkeltsager from cockpit.dyre_enkeltsager_kommune (counts, cost, refund, top 5 %)
    and the thresholds of `year` from cockpit.dyre_enkeltsager; small groups suppressed."""
    s = Section("dyre-enkeltsager", "Særligt dyre enkeltsager", "")
    view = "cockpit.dyre_enkeltsager_kommune"
    if not wh.has("dyre_enkeltsager_kommune"):
        return _missing(s, view, year, "analyser af særligt dyre enkeltsager")
    df = wh.frame(
        f"select * from {view} where aar = ? and {wh.in_agreement('dyre_enkeltsager_kommune')} "
        "order by kommunenavn collate da",
        [year],
    )
    if df.is_empty():
        return _missing(s, view, year, "posteringer med sagsnøgle (Borgerreference)")
    # The thresholds are reference data (the published file holds no row per case).
    limits = wh.frame(
        "select graense_1_kr, graense_2_kr, graense_3_kr, sats_1_pct, sats_2_pct, sats_3_pct, "
        "bekraeftet as graenser_bekraeftet "
        "from reference.refusionsgraenser where aar = ? and ordning = 'SEL § 176' and graense_1_kr is not null",
        [year],
    )
    n1, n2, n3 = (_disclosed_total(df[f"antal_over_graense_{i}"]) for i in (1, 2, 3))
    cost1 = _disclosed_total(df["udgift_over_graense_1_kr"])
    refund = None if n1 is None else sum(v for v in df["refusion_kr"] if v is not None)
    n_cases = _disclosed_total(df["antal_sager"])
    confirmed = bool(limits["graenser_bekraeftet"].all()) if limits.height else None
    rates_text = ""
    if limits.height:
        lim = limits.row(0, named=True)
        # The refund rates are the seed's, per tier the year has (2019 and 2020 had two tiers).
        rates = [
            f"{pct(lim[f'sats_{i}_pct'], None)} over grænse {i}"
            for i in (1, 2, 3)
            if lim[f"graense_{i}_kr"] is not None and lim[f"sats_{i}_pct"] is not None
        ]
        rates_text = f" ({', '.join(rates)})" if rates else ""
        grænser = " / ".join(tal(lim[f"graense_{i}_kr"]) for i in (1, 2, 3) if lim[f"graense_{i}_kr"] is not None)
        threshold_text = f"Refusionsgrænserne for {year} er {grænser} kr. pr. person pr. år" + (
            "."
            if confirmed
            else " — de er et skøn, ikke bekræftede beløb (seed refusionsgraenser), så refusionen er vejledende."
        )
    else:
        threshold_text = f"Der er ingen refusionsgrænser for {year} i lageret, så refusionen er ikke beregnet."
    cases_text = (
        f"giver for {year} {antal(n_cases)} sager (pseudonyme sagsnøgler)."
        if n_cases is not None
        else f"har sager for {year} (pseudonyme sagsnøgler); deres samlede antal {HIDDEN}."
    )
    over_text = (
        f"{antal(n1, SUPPRESSION_LIMIT)} sager lå over grænse 1 med en samlet helårsudgift på "
        f"{_group_amount(n1, cost1)} og en forventet statsrefusion på {_group_amount(n1, refund)}{rates_text}."
        if n1 is not None
        else f"Antallet af sager over grænse 1, deres helårsudgift og refusion {HIDDEN}."
    )
    s.lead = f"Posteringerne fra {df.height} kommuner {cases_text} {over_text} {threshold_text}"
    s.facts = {
        "over_1": n1,
        "over_2": n2,
        "over_3": n3,
        "udgift_over_1": cost1,
        "refusion": refund,
        "bekraeftet": confirmed,
        "kommuner": df.height,
    }
    shares = df.filter(pl.col("antal_sager") >= SUPPRESSION_LIMIT).filter(
        pl.col("andel_top5_af_sager_pct").is_not_null()
    )
    if shares.height:
        s.blocks.append(
            charts.render(
                charts.bars_with_reference(
                    _floats(shares),
                    category="kommunenavn",
                    value="andel_top5_af_sager_pct",
                    reference=None,
                    reference_label="",
                    title=f"De dyreste 5 % af sagerne: andel af udgiften til sager, {year}",
                    subtitle="Helårsudgift pr. sag fra posteringerne; kommuner med mindst 5 sager",
                    x_title="Andel af udgiften til sager, %",
                    value_format=",.0f",
                ),
                title=f"De dyreste 5 % af sagerne, {year}",
                alt_text=f"Søjlediagram: for hver kommune med mindst 5 sager den andel af udgiften til sager i {year}, "
                "der går til de dyreste 5 % af sagerne.",
                source=view,
            )
        )
    rows = []
    for r in df.iter_rows(named=True):
        big = r["antal_sager"] is not None and r["antal_sager"] >= SUPPRESSION_LIMIT
        rows.append(
            [
                r["kommunenavn"],
                _count_cell(r["antal_sager"], r.get("maskeringsaarsag"), "sager"),
                _count_cell(r["antal_over_graense_1"], r.get("maskeringsaarsag"), "over grænse 1"),
                antal(r["antal_over_graense_2"], SUPPRESSION_LIMIT),
                antal(r["antal_over_graense_3"], SUPPRESSION_LIMIT),
                _group_amount(r["antal_over_graense_1"], r["udgift_over_graense_1_kr"]),
                _group_amount(r["antal_over_graense_1"], r["refusion_kr"]),
                _group_amount(r["antal_over_graense_1"], r["nettoudgift_over_graense_1_kr"]),
                pct(r["andel_top5_af_sager_pct"]) if big else MISSING,
            ]
        )
    s.blocks.append(
        Table(
            "tabel-dyre-enkeltsager",
            f"Sager over refusionsgrænserne pr. kommune, {year}",
            [
                "Kommune",
                "Sager",
                "Over grænse 1",
                "Over grænse 2",
                "Over grænse 3",
                "Helårsudgift, sager over grænse 1",
                "Forventet refusion",
                "Nettoudgift",
                "Andel til de dyreste 5 %",
            ],
            rows,
            view,
            numeric=set(range(1, 9)),
            footer=[
                "I alt",
                antal(n_cases, SUPPRESSION_LIMIT),
                antal(n1, SUPPRESSION_LIMIT),
                antal(n2, SUPPRESSION_LIMIT),
                antal(n3, SUPPRESSION_LIMIT),
                _group_amount(n1, cost1),
                _group_amount(n1, refund),
                _group_amount(n1, None if cost1 is None or refund is None else cost1 - refund),
                "",
            ],
        )
    )
    s.blocks.append(
        Note(
            f'Grupper med færre end {SUPPRESSION_LIMIT} sager vises som "{SMALL}", og deres beløb udelades. Helårsudgiften '
            "er summen af sagens driftsposteringer (Dranst 1, indtægter modregnet) i bogføringsåret; aldersgrænsen på "
            "67 år, søskende som én sag og objektivt finansierede udgifter kan ikke ses i posteringerne. "
            "Kun kommuner, der har leveret posteringer, indgår.",
            "caveat",
        )
    )
    note = disclosure_note(df)
    if note:
        s.blocks.append(note)
    masked = _disclosed_total(df["udgift_maskeret_noegle_kr"])
    if masked:
        s.blocks.append(
            Note(
                f"{kr(masked)} er bogført med en sagsnøgle, der lignede et CPR-nummer og blev maskeret "
                "(regel R15); beløbet kan ikke henføres til en sag og indgår ikke ovenfor.",
                "caveat",
            )
        )
    return s


# --------------------------------------------------------------------------------------- koeb
def koeb(wh: Warehouse, year: int) -> Section:
    """Køb hos private leverandører from cockpit.koeb_driftsherretype (shares per kind of operator,
    the private share over the years) and cockpit.koeb_driftsherre (largest operators)."""
    s = Section("koeb", "Køb hos private leverandører", "")
    view = "cockpit.koeb_driftsherretype"
    if not wh.has("koeb_driftsherretype"):
        return _missing(s, view, year, "købsanalyser")
    df = wh.frame(
        f"select * from {view} where aar <= ? and {wh.in_agreement('koeb_driftsherretype')} "
        "order by aar, kommunenavn collate da, sortering",
        [year],
    )
    cur = df.filter(pl.col("aar") == year)
    if cur.is_empty():
        return _missing(s, view, year, "posteringer med køb af pladser")
    wide = cur.pivot(on="koebstype", index=["kommunenavn", "koeb_i_alt_kr"], values="koeb_kr")
    priv = cur.filter(pl.col("koebstype") == "privat").select("kommunenavn", "andel_pct", "aendring_andel_procentpoint")
    wide = wide.join(priv, on="kommunenavn").sort(
        pl.col("kommunenavn").map_elements(dansk_noegle, return_dtype=pl.String)
    )
    total = _disclosed_total(wide["koeb_i_alt_kr"])
    total_priv = _disclosed_total(wide["privat"])
    share = Decimal(total_priv) * 100 / Decimal(total) if total and total_priv is not None else None
    prev = df.filter((pl.col("aar") == year - 1) & pl.col("kommunekode").is_in(cur["kommunekode"].unique().implode()))
    prev_total = _disclosed_total(prev.filter(pl.col("koebstype") == "privat")["koeb_kr"]) if prev.height else None
    prev_all = _disclosed_total(prev["koeb_kr"]) if prev.height else None
    prev_share = Decimal(prev_total) * 100 / Decimal(prev_all) if prev_all and prev_total is not None else None
    change = share - prev_share if share is not None and prev_share is not None else None
    s.lead = (
        f"{wide.height} kommuner har leveret posteringer for {year} med køb af pladser"
        + (f" for i alt {mio_kr(total)}. " if total is not None else f"; det samlede køb {HIDDEN}. ")
        + (
            f"{pct(share)} af købene var hos private leverandører"
            + (f" ({procentpoint(change)} fra {year - 1})" if change is not None else "")
            if share is not None
            else f"Andelen hos private leverandører {HIDDEN}"
        )
        + ". Købene er fordelt "
        "efter driftsherren i Tilbudsportalen: egen kommune, anden kommune, region eller privat."
    )
    s.facts = {"andel_privat": share, "aendring": change, "kommuner": wide.height, "koeb": total}
    long = _floats(cur).with_columns(pl.col("koebstype").replace(KOEBSTYPER).alias("type"))
    s.blocks.append(
        charts.render(
            charts.stacked_shares(
                long,
                category="kommunenavn",
                value="andel_pct",
                group="type",
                order=list(KOEBSTYPER.values()),
                title=f"Køb af pladser efter driftsherre, {year}",
                subtitle="Andel af kommunens køb (Dranst 1-posteringer med tilbudsnummer)",
            ),
            title=f"Køb af pladser efter driftsherre, {year}",
            alt_text=f"Stablede søjler, én pr. kommune, med andelen af køb i {year} hos egen kommune, anden kommune, "
            f"region, private og ukendte tilbud; i alt {pct(share)} hos private.",
            source=view,
        )
    )
    trend = _floats(df.filter(pl.col("koebstype") == "privat"))
    if trend["aar"].n_unique() > 1:
        towns = dansk_sorteret(trend["kommunenavn"].unique())
        chart = (
            charts.lines(
                trend,
                x="aar",
                y="andel_pct",
                series="kommunenavn",
                order=towns,
                title="Andel af køb hos private leverandører",
                subtitle="Procent af kommunens køb af pladser",
                y_title="Andel privat, %",
                y_format=",.0f",
            )
            if len(towns) <= len(charts.SERIES)
            else charts.small_multiples(
                trend,
                x="aar",
                y="andel_pct",
                facet="kommunenavn",
                title="Andel af køb hos private leverandører",
                subtitle="Procent af køb",
                y_title="Andel privat, %",
            )
        )
        s.blocks.append(
            charts.render(
                chart,
                title="Andel af køb hos private leverandører",
                alt_text=f"Kurver over andelen af køb hos private leverandører pr. kommune, "
                f"{int(trend['aar'].min())}–{year}.",
                source=view,
            )
        )
    kinds = [k for k in KOEBSTYPER if k != "ukendt" or any(wide[k])]  # unknown tilbud only when there are some
    rows = [
        [
            r["kommunenavn"],
            kr(r["koeb_i_alt_kr"]),
            *(kr(r[k]) for k in kinds),
            pct(r["andel_pct"]),
            procentpoint(r["aendring_andel_procentpoint"]),
        ]
        for r in wide.iter_rows(named=True)
    ]
    s.blocks.append(
        Table(
            "tabel-koeb",
            f"Køb af pladser pr. kommune og driftsherre, {year}",
            ["Kommune", "Køb i alt", *(KOEBSTYPER[k] for k in kinds), "Andel privat", f"Ændring fra {year - 1}"],
            rows,
            view,
            numeric=set(range(1, len(kinds) + 4)),
            footer=[
                "I alt",
                kr(total),
                *(kr(_disclosed_total(wide[k])) for k in kinds),
                pct(share),
                procentpoint(change),
            ],
        )
    )
    note = disclosure_note(cur)
    if note:
        s.blocks.append(note)
    if wh.has("koeb_driftsherre"):
        # An operator with a suppressed cell is left out: its sum over the shown cells would be
        # read as its purchases.
        ops = wh.frame(
            f"""select driftsherre, any_value(driftsherretype) as driftsherretype, sum(koeb_kr) as koeb_kr,
                                 count(distinct kommunekode) as kommuner
                          from cockpit.koeb_driftsherre where aar = ? and {wh.in_agreement("koeb_driftsherre")}
                          group by driftsherre
                          having not bool_or(maskeret)
                          order by koeb_kr desc, driftsherre collate da limit 10""",
            [year],
        )
        s.blocks.append(
            Table(
                "tabel-driftsherrer",
                f"De største driftsherrer målt på køb, {year}",
                ["Driftsherre", "Type", "Køb", "Købende kommuner"],
                [
                    [r["driftsherre"], r["driftsherretype"], kr(r["koeb_kr"]), antal(r["kommuner"])]
                    for r in ops.iter_rows(named=True)
                ],
                "cockpit.koeb_driftsherre",
                numeric={2, 3},
            )
        )
    return s


# -------------------------------------------------------------------------------------- udbud
def udbud(wh: Warehouse, year: int) -> Section:
    """Udbud og efterspørgsel from cockpit.udbud_efterspoergsel for `year`: places, occupancy,
    refusals and waiting lists, and purchases per paragraph × target group."""
    s = Section("udbud", "Udbud og efterspørgsel", "")
    view = "cockpit.udbud_efterspoergsel"
    if not wh.has("udbud_efterspoergsel"):
        return _missing(s, view, year, "data om udbud og efterspørgsel")
    df = wh.frame(f"select * from {view} where aar = ? order by paragraf, maalgruppe collate da", [year])
    if df.is_empty():
        return _missing(s, view, year, "data om udbud og efterspørgsel")
    days = 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365
    df = df.with_columns((pl.col("paragraf") + " · " + pl.col("maalgruppe")).alias("gruppe"))
    busy = df.filter(pl.col("belaegning_faktisk_pct") >= FULL_OCCUPANCY_PCT).sort(
        "belaegning_faktisk_pct", descending=True
    )
    # Refusals are only summed when no group's figure is hidden (docs/disclosure.md).
    hidden = "maskeringsaarsag" in df.columns and df["maskeringsaarsag"].str.contains("afviste:").any()
    refused = pl.Series([], dtype=pl.Int64) if hidden else df["afviste"].drop_nulls()
    s.lead = (
        f"Kapacitet og efterspørgsel for {year} side om side pr. paragraf og målgruppe: {tal(sum(df['antal_tilbud']))} "
        f"godkendte tilbud med {tal(sum(df['pladser_tilbudsportalen']))} pladser i Tilbudsportalen, belægningen "
        f"fra indberetningerne og de døgn kommunerne har købt. {busy.height} grupper havde en faktisk belægning "
        f"på mindst {pct(FULL_OCCUPANCY_PCT, None)}"
        + (f" (højest {busy['gruppe'][0]}: {pct(busy['belaegning_faktisk_pct'][0])})" if busy.height else "")
        + ". Afviste anmodninger og ventelister registreres kun for de sikrede institutioner, og her indgår kun "
        "de sikrede institutioner, der står i tilbudsregistret"
        + (f" ({antal(int(refused.sum()))} afviste anmodninger i {year})" if refused.len() else "")
        + "; afsnittet Sikrede institutioner har alle institutioner i data."
    )
    s.facts = {"fulde": busy.height, "afviste_i_registret": int(refused.sum()) if refused.len() else None}
    chart_df = (
        _floats(df.filter((pl.col("pladser_tilbudsportalen") > 0) | (pl.col("koebte_doegn") > 0)))
        .with_columns(
            (pl.col("koebte_doegn") / days).alias("Købte pladser, gns."),
            pl.col("gns_belagte_pladser").alias("Belagte pladser, gns."),
            pl.col("pladser_tilbudsportalen").cast(pl.Float64).alias("Pladser i Tilbudsportalen"),
        )
        .unpivot(
            index="gruppe",
            on=["Pladser i Tilbudsportalen", "Belagte pladser, gns.", "Købte pladser, gns."],
            variable_name="maal",
            value_name="pladser",
        )
    )
    s.blocks.append(
        charts.render(
            charts.grouped_bars(
                chart_df,
                category="gruppe",
                value="pladser",
                group="maal",
                order=["Pladser i Tilbudsportalen", "Belagte pladser, gns.", "Købte pladser, gns."],
                title=f"Pladser, belægning og køb pr. paragraf og målgruppe, {year}",
                subtitle=f"Gennemsnit pr. dag: belagte døgn / {days} og købte døgn / {days}",
                x_title="Pladser",
                value_format=",.0f",
            ),
            title=f"Pladser, belægning og køb pr. paragraf og målgruppe, {year}",
            alt_text="Grupperede søjler pr. paragraf og målgruppe: pladser i Tilbudsportalen, gennemsnitligt belagte "
            f"pladser og gennemsnitligt købte pladser i {year}.",
            source=view,
        )
    )
    rows = [
        [
            r["paragraf"],
            r["maalgruppe"],
            antal(r["antal_tilbud"]),
            antal(r["pladser_tilbudsportalen"]),
            pct(r["belaegning_normeret_pct"]),
            pct(r["belaegning_faktisk_pct"]),
            tal(r["gns_belagte_pladser"], 1),
            tal(r["koebte_doegn"]),
            kr(r["koeb_kr"]),
            antal(r["afviste"]),
            tal(r["venteliste_gns"], 1),
        ]
        for r in df.iter_rows(named=True)
    ]
    s.blocks.append(
        Table(
            "tabel-udbud",
            f"Udbud og efterspørgsel pr. paragraf og målgruppe, {year}",
            [
                "Paragraf",
                "Målgruppe",
                "Tilbud",
                "Pladser",
                "Belægning, normeret",
                "Belægning, i drift",
                "Belagte pladser, gns.",
                "Købte døgn",
                "Køb",
                "Afviste",
                "Venteliste, gns.",
            ],
            rows,
            view,
            numeric=set(range(2, 11)),
        )
    )
    note = disclosure_note(df, "gruppe")  # df has the `gruppe` label of the table's rows
    if note:
        s.blocks.append(note)
    return s


# -------------------------------------------------------------------------------- datakvalitet
SEVERITY = {"fejl": 1, "advarsel": 2, "info": 3}
HISTORY_VIEW = "cockpit.datakvalitet_historik"
_SEVERITY_ORDER = "case alvorlighed when 'fejl' then 1 when 'advarsel' then 2 else 3 end"


def _history(wh: Warehouse, year: int, s: Section) -> dict:
    """The flags' history (issue 22) as tables of section `s`: corrected since the previous
    report year (`rettet_fundet` on or after 1 January of `year`), new since then
    (`foerst_fundet` likewise), the open work list by municipality, the accepted flags with
    their reasons. Returns the counts for the lead and the memo."""
    since = date(year, 1, 1)
    corrected = wh.frame(
        f"""select regel, alvorlighed, kildefil, kildelinje, periode, rettet_fundet from {HISTORY_VIEW}
            where status = 'rettet' and rettet_fundet >= ?
            order by {_SEVERITY_ORDER}, regel, kildefil, kildelinje""",
        [since],
    )
    new = wh.frame(
        f"""select regel, any_value(regel_navn) as regel_navn, count(*) as antal from {HISTORY_VIEW}
            where foerst_fundet >= ? group by regel order by regel""",
        [since],
    )
    by_kommune = wh.frame(
        """select coalesce(kommunekode, '') as kode,
                   count(*) filter (where alvorlighed = 'fejl') as fejl,
                   count(*) filter (where alvorlighed = 'advarsel') as advarsel,
                   count(*) filter (where alvorlighed = 'info') as info
            from cockpit.datakvalitet where status <> 'accepteret'
            group by 1 order by kode = '', kode"""
    )
    accepted = wh.frame(
        f"""select regel, kildefil, kildelinje, periode, begrundelse, besluttet_dato
            from cockpit.datakvalitet where status = 'accepteret'
            order by {_SEVERITY_ORDER}, regel, kildefil, kildelinje"""
    )
    s.blocks.append(
        Table(
            "tabel-rettet",
            f"Flag rettet siden {year - 1} (registreringen er ikke længere fundet; højst 20 vist)",
            ["Regel", "Alvorlighed", "Fil", "Linje", "Periode", "Rettet fundet"],
            [
                [
                    r["regel"],
                    r["alvorlighed"],
                    r["kildefil"] or MISSING,
                    _line(r["kildelinje"]),
                    r["periode"] or MISSING,
                    dato(r["rettet_fundet"]),
                ]
                for r in corrected.head(20).iter_rows(named=True)
            ],
            HISTORY_VIEW,
            numeric={3},
        )
    )
    s.blocks.append(
        Table(
            "tabel-nye-flag",
            f"Nye flag siden {year - 1} pr. regel",
            ["Regel", "Navn", "Nye flag"],
            [[r["regel"], r["regel_navn"], antal(r["antal"])] for r in new.iter_rows(named=True)],
            HISTORY_VIEW,
            numeric={2},
            footer=["I alt", "", antal(int(new["antal"].sum()) if new.height else 0)],
        )
    )
    s.blocks.append(
        Table(
            "tabel-arbejdsliste-kommune",
            "Den åbne arbejdsliste pr. kommune (takstbilagets flag hos den kommunale driftsherre)",
            ["Kommune", "Fejl", "Advarsler", "Info"],
            [
                [
                    r["kode"] or "Uden kommune (regioner, private, institutioner)",
                    antal(r["fejl"]),
                    antal(r["advarsel"]),
                    antal(r["info"]),
                ]
                for r in by_kommune.iter_rows(named=True)
            ],
            "cockpit.datakvalitet",
            numeric={1, 2, 3},
        )
    )
    s.blocks.append(
        Table(
            "tabel-accepterede",
            "Flag accepteret af datastewarderne, med begrundelse",
            ["Regel", "Fil", "Linje", "Periode", "Begrundelse", "Dato"],
            [
                [
                    r["regel"],
                    r["kildefil"] or MISSING,
                    _line(r["kildelinje"]),
                    r["periode"] or MISSING,
                    r["begrundelse"] or MISSING,
                    dato(r["besluttet_dato"]) if r["besluttet_dato"] else MISSING,
                ]
                for r in accepted.iter_rows(named=True)
            ],
            "cockpit.datakvalitet",
            numeric={2},
        )
    )
    return {
        "rettet_siden": corrected.height,
        "nye_siden": int(new["antal"].sum()) if new.height else 0,
        "accepterede": accepted.height,
    }


def _line(number: int | None) -> str:
    """A line number is an address, not a quantity: no thousands dots."""
    return MISSING if number is None else str(number)


def datakvalitet(wh: Warehouse, year: int) -> Section:
    """Datakvalitet from cockpit.datakvalitet, cockpit.afviste_raekker and cockpit.koersler: flags
    per rule and severity, change since the previous run, the 20 most important flags, quarantine."""
    s = Section("datakvalitet", "Datakvalitet", "")
    view = "cockpit.datakvalitet"
    if not wh.has("datakvalitet"):
        return _missing(s, view, year, "registreringsflag")
    # Two counts, each named: the report year's flags (periode_aar = year) and the stewards' open
    # work list (every flag of every year not accepted by a steward).
    has_status = "status" in wh.frame(f"select * from {view} limit 0").columns
    open_filter = "coalesce(status, '') <> 'accepteret'" if has_status else "true"
    counts = wh.frame(
        f"""select regel, any_value(regel_navn) as regel_navn, alvorlighed,
                   count(*) filter (where {open_filter}) as antal,
                   count(*) filter (where periode_aar = ?) as antal_aar
            from {view} group by regel, alvorlighed
            order by regel, {_SEVERITY_ORDER}""",
        [year],
    )
    per_sev = {k: int(counts.filter(pl.col("alvorlighed") == k)["antal"].sum()) for k in SEVERITY}
    per_sev_year = {k: int(counts.filter(pl.col("alvorlighed") == k)["antal_aar"].sum()) for k in SEVERITY}
    runs = (
        wh.frame("select * from cockpit.koersler order by publiceret desc limit 2")
        if wh.has("koersler")
        else pl.DataFrame()
    )
    rejected = (
        wh.frame("select kilde, count(*) as antal from cockpit.afviste_raekker group by kilde order by kilde")
        if wh.has("afviste_raekker")
        else pl.DataFrame({"kilde": [], "antal": []})
    )
    n_rejected = int(rejected["antal"].sum()) if rejected.height else 0
    development = ""
    if runs.height == 2:
        now, before = runs.row(0, named=True), runs.row(1, named=True)
        d_err, d_warn = now["flag_fejl"] - before["flag_fejl"], now["flag_advarsel"] - before["flag_advarsel"]
        development = (
            f" Siden forrige kørsel ({dato(before['publiceret'])}) er antallet af fejl i arbejdslisten ændret med "
            f"{'+' if d_err > 0 else ''}{tal(d_err)} og advarsler med {'+' if d_warn > 0 else ''}{tal(d_warn)}."
        )
    elif runs.height == 1:
        development = " Der er ingen tidligere kørsel at sammenligne med."
    s.lead = (
        f"For {year} (registreringer med periode i {year}) har registreringsreglerne R01–R17 markeret "
        f"{tal(per_sev_year['fejl'])} fejl, {tal(per_sev_year['advarsel'])} advarsler og "
        f"{tal(per_sev_year['info'])} info-flag. Datastewardernes åbne arbejdsliste rummer alle år: "
        f"{tal(per_sev['fejl'])} fejl, {tal(per_sev['advarsel'])} advarsler og {tal(per_sev['info'])} info-flag, "
        "hver med fil og linje, så registreringen kan rettes ved kilden. "
        f"{tal(n_rejected)} værdier kunne ikke læses og ligger i karantæne.{development}"
    )
    s.facts = {
        **{f"{k}_aar": v for k, v in per_sev_year.items()},
        **{f"{k}_arbejdsliste": v for k, v in per_sev.items()},
        "afviste": n_rejected,
    }
    s.blocks.append(
        Table(
            "tabel-regler",
            f"Flag pr. regel og alvorlighed: arbejdslisten (alle år) og {year}",
            ["Regel", "Navn", "Alvorlighed", "Arbejdslisten, alle år", f"Periode i {year}"],
            [
                [r["regel"], r["regel_navn"], r["alvorlighed"], antal(r["antal"]), antal(r["antal_aar"])]
                for r in counts.iter_rows(named=True)
            ],
            view,
            numeric={3, 4},
            footer=["I alt", "", "", antal(sum(per_sev.values())), antal(sum(per_sev_year.values()))],
        )
    )
    top = wh.frame(f"""select regel, alvorlighed, kildefil, kildelinje, periode, beskrivelse from {view}
                       where {open_filter}
                       order by {_SEVERITY_ORDER},
                                periode desc nulls last, regel, kildefil, kildelinje limit 20""")
    s.blocks.append(
        Table(
            "tabel-flag",
            "De 20 vigtigste flag i arbejdslisten (fejl før advarsler, nyeste periode først)",
            ["Regel", "Alvorlighed", "Fil", "Linje", "Periode", "Beskrivelse"],
            [
                [
                    r["regel"],
                    r["alvorlighed"],
                    r["kildefil"] or MISSING,
                    _line(r["kildelinje"]),
                    r["periode"] or MISSING,
                    r["beskrivelse"],
                ]
                for r in top.iter_rows(named=True)
            ],
            view,
            numeric={3},
        )
    )
    if wh.has("datakvalitet_historik"):
        history_facts = _history(wh, year, s)
        s.facts.update(history_facts)
        s.lead += (
            f" Siden {year - 1} er {tal(history_facts['rettet_siden'])} flag rettet (registreringen er ikke længere "
            f"fundet) og {tal(history_facts['nye_siden'])} nye fundet; {tal(history_facts['accepterede'])} flag er "
            "accepteret af datastewarderne med en begrundelse og tæller ikke i arbejdslisten."
        )
    if n_rejected:
        values = wh.frame(
            "select kilde, kildefil, kildelinje, kolonne, raavaerdi, aarsag from cockpit.afviste_raekker "
            "order by kilde, kildefil, kildelinje limit 20"
        )
        s.blocks.append(
            Table(
                "tabel-karantaene",
                "Værdier i karantæne (kunne ikke læses)",
                ["Kilde", "Fil", "Linje", "Kolonne", "Værdi", "Årsag"],
                [
                    [r["kilde"], r["kildefil"], _line(r["kildelinje"]), r["kolonne"], _raw_value(r), r["aarsag"]]
                    for r in values.iter_rows(named=True)
                ],
                "cockpit.afviste_raekker",
                numeric={2},
            )
        )
    return s
