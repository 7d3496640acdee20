"""The one-page memo (notat) for DAS: generated Danish sentences that state the year's main
movements with their numbers, taken from the same section facts the report shows."""

from __future__ import annotations

import re

from report.danish_format import MISSING, SUPPRESSION_LIMIT, aendring_pct, antal, dato, kr, mio_kr, pct, procentpoint

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
            f"**Udgifter:** De 11 kommuner brugte {mio_kr(u['total'])} på tilbud til voksne med særlige behov "
            f"(5.38), {kr(u['region_pr_18_64'])} pr. 18–64-årig."
        )
        if "up" in u:
            text += " " + movement_sentence(u["up"], u["down"], year)
        bullets.append(text)
    si = sections["sikrede"].facts
    if si:
        over = si["belaegning_normeret_pct"] is not None and si["belaegning_normeret_pct"] > si["maal_belaegning_pct"]
        bullets.append(
            f"**Sikrede institutioner:** Belægningen var {pct(si['belaegning_normeret_pct'])} af de normerede "
            f"pladser og {pct(si['belaegning_faktisk_pct'])} af pladserne i drift — "
            f"{'over' if over else 'under'} målet på {pct(si['maal_belaegning_pct'], 0)}; "
            + (
                f"{antal(si['afviste'])} anmodninger blev afvist."
                if si["afviste"] is not None
                else f"antallet af afviste anmodninger {HIDDEN}."
            )
        )
    t = sections["takster"].facts
    if t:
        bullets.append(
            f"**Takster:** {antal(t['kraever'])} af {antal(t['takster'])} takster kræver begrundelse "
            f"(belægning under 95 % eller ændring over 10 %), heraf mangler {antal(t['mangler'])} en "
            f"begrundelse; {antal(t['afviger'])} afviger fra den beregnede døgntakst."
        )
    b = sections["belaegning"].facts
    if b:
        bullets.append(
            f"**Belægning:** {antal(b['under_budget'])} af {antal(b['tilbud'])} tilbud lå under den "
            f"budgetterede belægning; tomme pladser svarer til {kr(b['tompladsudgift'])}."
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
            f"**Sundhedstjek:** {antal(h['antal'])} sundhedstjek på botilbud"
            + (f" (delvis periode, {h['maaneder']} måneder)." if h["delvis"] else ".")
        )
    q = sections["datakvalitet"].facts
    if q:
        bullets.append(
            f"**Datakvalitet:** {antal(q['fejl'])} fejl, {antal(q['advarsel'])} advarsler og "
            f"{antal(q['info'])} info-flag i registreringerne; {antal(q['afviste'])} værdier i karantæne."
        )
    missing = [s.title for s in sections.values() if not s.facts and s.id not in ("fordelingsnoegler", "udbud")]
    if missing:
        bullets.append("**Mangler:** " + ", ".join(missing) + f" — ingen data for {year} i lageret.")
    return [one_period(b) for b in bullets]


def one_period(text: str) -> str:
    """A sentence ending in an abbreviation (`kr.`) takes no second full stop."""
    return re.sub(r"\.\.(?=\s|$)", ".", text)


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
    if run:
        lines += [
            f"Styringscockpittet er opdateret med data for {year}. Tallene er hentet fra det publicerede "
            f"datalager {dato(run['publiceret'])} (kørsel {run['run_id'][:8]}, {antal(run['filer'])} kildefiler).",
            "",
        ]
    lines += [f"- {b}" for b in memo_points(year, sections)]
    lines += [
        "",
        "Indstilling: at DAS tager orienteringen til efterretning og godkender, at styringscockpittet er "
        f"opdateret med data for {year}.",
        "",
    ]
    return "\n".join(lines)
