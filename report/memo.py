"""The one-page memo (notat) for DAS: generated Danish sentences that state the year's main
movements with their numbers, taken from the same section facts the report shows."""

from __future__ import annotations

import re

from ingest.danish_format import (
    MISSING,
    SUPPRESSION_LIMIT,
    aendring_pct,
    antal,
    dato,
    kr,
    mio_kr,
    pct,
    procentpoint,
    tal,
)

# A total the published warehouse does not have because a municipality's figure is suppressed
# (docs/disclosure.md): said in words rather than as "–".
HIDDEN = "vises ikke samlet, fordi enkelte tal er skjult af diskretionshensyn"


def memo_points(year: int, sections: dict) -> list[str]:
    """The memo's points, one Danish sentence group per subject, Markdown (`**Emne:** …`).
    `sections` maps section id → Section (report.sections); a section without facts is listed
    as missing instead."""
    bullets = []
    u = sections["udgifter"].facts
    if u:
        text = (
            f"**Udgifter:** De 11 kommuner brugte {mio_kr(u['total'])} (løbende priser) på tilbud til voksne med "
            f"særlige behov (5.38), {kr(u['region_pr_18_64'])} pr. 18–64-årig."
        )
        if "land" in u:
            text += " " + country_sentence(u["land"])
        if "up" in u:
            text += " " + movement_sentence(u["up"], u["down"], year)
        bullets.append(text)
    si = sections["sikrede"].facts
    if si:
        # The target is measured on normed + flex places (issue 22); without flex places that is the normed.
        measured = si.get("belaegning_kapacitet_pct") or si["belaegning_normeret_pct"]
        over = measured is not None and measured > si["maal_belaegning_pct"]
        bullets.append(
            f"**Sikrede institutioner{_months(si)}:** Belægningen var {pct(si['belaegning_normeret_pct'])} af de "
            f"normerede pladser og {pct(si['belaegning_faktisk_pct'])} af pladserne i drift på {si['omfang']} — "
            f"{'over' if over else 'under'} målet på {pct(si['maal_belaegning_pct'], 0)}; "
            + (
                f"{antal(si['afviste'])} anmodninger blev afvist for mangel på plads."
                if si["afviste"] is not None
                else f"antallet af afviste anmodninger {HIDDEN}."
            )
        )
    t = sections["takster"].facts
    if t:
        bullets.append(
            f"**Takster:** {antal(t['kraever'])} af {antal(t['takster'])} takster kræver begrundelse "
            f"(belægning under {pct(t['min_belaegning_pct'], None)} eller ændring over "
            f"{pct(t['maks_aendring_pct'], None)}), heraf mangler {antal(t['mangler'])} en "
            f"begrundelse; {antal(t['afviger'])} afviger fra den beregnede døgntakst."
        )
    b = sections["belaegning"].facts
    if b:
        bullets.append(
            f"**Belægning{_months(b)}:** {antal(b['under_budget'])} af {antal(b['med_budget'])} tilbud med takstbilag "
            f"lå under den budgetterede belægning; de manglende belagte døgn svarer til en udækket tompladsudgift på "
            f"{kr(b['udaekket_tompladsudgift'])} (brutto {tal(b['tomme_doegn'])} tomme døgn, "
            f"{kr(b['tompladsudgift_brutto'])} ved laveste døgntakst)."
        )
    d = sections["dyre-enkeltsager"].facts
    if d:
        n1 = d["over_1"]
        # n1 is None when a municipality's group is suppressed (docs/disclosure.md).
        amount = kr(d["refusion"]) if n1 is not None and (n1 == 0 or n1 >= SUPPRESSION_LIMIT) else MISSING
        bullets.append(
            (
                f"**Særligt dyre enkeltsager:** {antal(n1, SUPPRESSION_LIMIT)} sager over refusionsgrænse 1 i "
                f"{antal(d['kommuner'])} kommuner med posteringer; forventet statsrefusion {amount}"
                if n1 is not None
                else f"**Særligt dyre enkeltsager:** antallet af sager over refusionsgrænse 1 i "
                f"{antal(d['kommuner'])} kommuner med posteringer og den samlede refusion {HIDDEN}"
            )
            + ("." if d["bekraeftet"] else " (grænserne for året er ikke bekræftede).")
        )
    k = sections["koeb"].facts
    if k:
        bullets.append(
            (
                f"**Køb hos private:** {pct(k['andel_privat'])} af kommunernes køb af pladser var hos private "
                f"leverandører"
                if k["andel_privat"] is not None
                else f"**Køb hos private:** andelen af kommunernes køb hos private leverandører {HIDDEN}"
            )
            + (f" ({procentpoint(k['aendring'])} fra {year - 1})" if k["aendring"] is not None else "")
            + f"; {antal(k['kommuner'])} kommuner har leveret posteringer."
        )
    h = sections["sundhedstjek"].facts
    if h:
        bullets.append(
            f"**Sundhedstjek{_months(h)}:** {antal(h['antal'])} sundhedstjek på botilbud"
            + (f" (delvis periode, {h['maaneder']} måneder)" if h["delvis"] else "")
            + (f", {tal(h['pr_100'], 1)} pr. 100 i målgruppen" if h["pr_100"] is not None else "")
            + "; ydelser, ikke personer."
        )
    q = sections["datakvalitet"].facts
    if q:
        bullets.append(
            f"**Datakvalitet:** For {year} {antal(q['fejl_aar'])} fejl, {antal(q['advarsel_aar'])} advarsler og "
            f"{antal(q['info_aar'])} info-flag i registreringerne; den åbne arbejdsliste (alle år) har "
            f"{antal(q['fejl_arbejdsliste'])} fejl, {antal(q['advarsel_arbejdsliste'])} advarsler og "
            f"{antal(q['info_arbejdsliste'])} info-flag; {antal(q['afviste'])} værdier i karantæne"
            + (
                f"; siden {year - 1} {antal(q['rettet_siden'])} rettet, {antal(q['nye_siden'])} nye, "
                f"{antal(q['accepterede'])} accepteret."
                if "rettet_siden" in q
                else "."
            )
        )
    missing = [s.title for s in sections.values() if not s.facts and s.id not in ("fordelingsnoegler", "udbud")]
    if missing:
        bullets.append("**Mangler:** " + ", ".join(missing) + f" — ingen data for {year} i lageret.")
    return [one_period(b) for b in bullets]


def _months(facts: dict) -> str:
    """`, januar–marts 2024` after a subject whose data does not cover the whole year."""
    return f", {facts['periode']}" if facts.get("periode") else ""


def partial_sources(sections: dict) -> list[str]:
    """`belægning januar–marts 2024`, … for every section whose data does not cover the whole year."""
    return [f"{s.title.lower()} {s.periode}" for s in sections.values() if s.periode]


def one_period(text: str) -> str:
    """A sentence ending in an abbreviation (`kr.`) takes no second full stop."""
    return re.sub(r"\.\.(?=\s|$)", ".", text)


def country_sentence(land: dict) -> str:
    """One Danish sentence: the 11 together against the whole country per 18–64-year-old, only
    with figures the report's tables show (`report.sections._against_country`): the deviation
    (footer of the municipality table) and, with a P/L index, the fixed-price figures and index of
    the table *Nordjylland og hele landet i faste priser*."""
    deviation = land["afvigelse_pct"]
    side = "over" if deviation > 0 else "under" if deviation < 0 else "på niveau med"
    amount = f"{pct(abs(deviation))} " if deviation else ""
    if "nsa_fpl" not in land:
        return f"Det er {amount}{side} hele landet."
    return (
        f"Det er {amount}{side} hele landet; i faste {land['prisniveau_aar']}-priser "
        f"{kr(land['nsa_fpl'])} mod {kr(land['land_fpl'])} pr. 18–64-årig, og med {land['foerste_aar']} = 100 "
        f"står de 11 i indeks {tal(land['nsa_indeks'], 1)} og hele landet i {tal(land['land_indeks'], 1)}."
    )


def movement_sentence(up: dict, down: dict, year: int) -> str:
    """Which municipalities moved most in expenditure per 18–64-year-old (rows of
    cockpit.udgifter_kommune with `aendring_pr_18_64_pct`): the largest rise and the largest
    fall, or the smallest rise when every municipality rose (and vice versa)."""

    def change(row):
        return f"{row['kommunenavn']} ({aendring_pct(row['aendring_pr_18_64_pct'])})"

    first = (
        f"Fra {year - 1} steg udgiften pr. 18–64-årig mest i {change(up)}"
        if up["aendring_pr_18_64_pct"] > 0
        else f"Fra {year - 1} faldt udgiften pr. 18–64-årig mindst i {change(up)}"
    )
    second = f"faldt mest i {change(down)}" if down["aendring_pr_18_64_pct"] < 0 else f"steg mindst i {change(down)}"
    return f"{first} og {second}."


def memo_markdown(year: int, sections: dict, run: dict | None) -> str:
    """Markdown text of the memo; `run` is the newest row of cockpit.koersler (or None)."""
    lines = [f"# Notat: Styringscockpit KKR Nordjylland – {year}", ""]
    partial = partial_sources(sections)
    status = (
        f"Styringscockpittet er opdateret med data for {year}, men året er ikke komplet: "
        + ", ".join(partial)
        + ". Tallene for disse kilder dækker kun de nævnte måneder."
        if partial
        else f"Styringscockpittet er opdateret med data for hele {year}."
    )
    lines += [status, ""]
    if run:
        lines += [
            f"Tallene er hentet fra det publicerede datalager {dato(run['publiceret'])} "
            f"({antal(run['filer'])} kildefiler). Beløb er i løbende priser.",
            "",
        ]
    lines += [f"- {b}" for b in memo_points(year, sections)]
    lines += [
        "",
        "Indstilling: at DAS tager orienteringen til efterretning og godkender, at styringscockpittet er "
        f"opdateret med data for {year}" + (" (delvis periode, se ovenfor)." if partial else "."),
        "",
    ]
    return "\n".join(lines)
