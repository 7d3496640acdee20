"""The tilbud register (`tilbud/`): fictional tilbud, operators and approvals; tilbud 1001's
2021 rates are the real appendix of domain/README.md."""

from __future__ import annotations

from dataclasses import dataclass

from sampledata.contract import SECURE
from sampledata.nordjylland.common import D, Landing


@dataclass(frozen=True)
class Tilbud:
    nr: int
    navn: str
    driftsherre: str
    kommune: str  # Beliggenhedskommune
    paragraf: str
    maalgruppe: str
    pladser: int
    ydelser: tuple = ()  # (ydelse, pladser, budgeted occupancy) for residential tilbud
    godkendt_fra: str = "01-01-2012"
    godkendt_til: str = ""

    @property
    def driftsherretype(self) -> str:
        return "kommune" if "Kommune" in self.driftsherre else "region" if "Region" in self.driftsherre else "privat"

    @property
    def residential(self) -> bool:
        return bool(self.ydelser)


def _t(nr, navn, herre, kom, par, maal, pladser, ydelser=(), fra="01-01-2012", til=""):
    full = tuple((y[0], y[1], D(y[2]) if len(y) > 2 else D("0.95")) for y in ydelser)
    return Tilbud(nr, navn, herre, kom, par, maal, pladser, full, fra, til)


AAL, HJO, FRH, THI = "Aalborg Kommune", "Hjørring Kommune", "Frederikshavn Kommune", "Thisted Kommune"
MAF, BRS, JAM, RN = "Mariagerfjord Kommune", "Brønderslev Kommune", "Jammerbugt Kommune", "Region Nordjylland"
KILDEVANG, NORDLYS, HAVBLIK = "Kildevang Bosteder ApS", "Nordlys Omsorg A/S", "Havblik Socialfond"
TILBUD = [  # fictional names; 1001's 2021 rates are the real appendix of domain/README.md
    _t(
        1001,
        "Botilbuddet Lindholm",
        AAL,
        "851",
        "SEL § 108",
        "Udviklingshæmning",
        31,
        (("Takst 1", 2), ("Takst 2", 1), ("Takst 3", 11), ("Takst 4", 17)),
        "01-08-2008",
    ),
    _t(1002, "Bostedet Vestergården", AAL, "851", "SEL § 107", "Sindslidelse", 12, (("Døgnophold", 12),)),
    _t(1003, "Herberget Nørresundby", AAL, "851", "SEL §§ 109-110", "Hjemløshed", 24, (("Døgnophold", 24),)),
    _t(1004, "Aktivitetscentret Skalborg", AAL, "851", "SEL § 104", "Udviklingshæmning", 40),
    _t(1005, "Værkstedet Østerå", AAL, "851", "SEL § 103", "Sindslidelse", 30),
    _t(1006, "Bostøtten Vejgaard", AAL, "851", "SEL § 85", "Sindslidelse", 60),
    _t(1007, "Bofællesskabet Hasseris", AAL, "851", "ABL § 105", "Udviklingshæmning", 16),
    _t(
        1008,
        "Botilbuddet Nordstjernen",
        HJO,
        "860",
        "SEL § 108",
        "Erhvervet hjerneskade",
        18,
        (("Takst 1", 10), ("Takst 2", 8)),
    ),
    _t(1009, "Bostedet Sindal", HJO, "860", "SEL § 107", "Sindslidelse", 8, (("Døgnophold", 8),)),
    _t(
        1010, "Krisecentret Vendsyssel", HJO, "860", "SEL §§ 109-110", "Voldsudsatte kvinder", 10, (("Døgnophold", 10),)
    ),
    _t(1011, "Dagcentret Hjørring", HJO, "860", "SEL § 104", "Udviklingshæmning", 25),
    _t(
        1012,
        "Botilbuddet Skovbrynet",
        FRH,
        "813",
        "SEL § 108",
        "Udviklingshæmning",
        20,
        (("Takst 1", 12), ("Takst 2", 8)),
    ),
    _t(1013, "Bostedet Kilden", FRH, "813", "SEL § 107", "Sindslidelse", 6, (("Døgnophold", 6),)),
    _t(1014, "Værkstedet Havnen", FRH, "813", "SEL § 103", "Sindslidelse", 20, til="31-12-2022"),
    _t(1015, "Botilbuddet Vestervig", THI, "787", "SEL § 108", "Autisme", 14, (("Døgnophold", 14),)),
    _t(1016, "Forsorgshjemmet Thy", THI, "787", "SEL §§ 109-110", "Hjemløshed", 15, (("Døgnophold", 15),)),
    _t(1017, "Bostøtten Thy", THI, "787", "SEL § 85", "Sindslidelse", 40),
    _t(1018, "Botilbuddet Hobro", MAF, "846", "SEL § 108", "Erhvervet hjerneskade", 16, (("Døgnophold", 16),)),
    _t(1019, "Aktivitetshuset Mariagerfjord", MAF, "846", "SEL § 104", "Udviklingshæmning", 20),
    _t(
        1020,
        "Bostedet Brønderslev",
        BRS,
        "810",
        "SEL § 107",
        "Sindslidelse",
        9,
        (("Døgnophold", 8), ("Akutplads", 1, "0.90")),
    ),
    _t(
        1021,
        "Kompasset",
        RN,
        "810",
        SECURE,
        "Sikret institution for unge",
        10,
        (("Sikret døgnophold", 10, "0.85"),),
        "01-01-2009",
    ),
    _t(1022, "Bostedet Bakkehuset", RN, "851", "SEL § 108", "Autisme", 24, (("Døgnophold", 24),)),
    _t(1023, "Bostedet Nordkysten", RN, "813", "SEL § 107", "Sindslidelse", 12, (("Takst 1", 8), ("Takst 2", 4))),
    _t(
        1024,
        "Specialcenter Hjerneskade",
        RN,
        "846",
        "SEL § 108",
        "Erhvervet hjerneskade",
        20,
        (("Takst 1", 14), ("Takst 2", 6)),
    ),
    _t(1025, "Værkstedet Nordvest", RN, "860", "SEL § 103", "Sindslidelse", 18),
    _t(1026, "Bostedet Kildevang", KILDEVANG, "849", "SEL § 107", "Sindslidelse", 8, (("Døgnophold", 8),)),
    _t(
        1027,
        "Botilbuddet Kildevang Have",
        KILDEVANG,
        "849",
        "SEL § 108",
        "Udviklingshæmning",
        10,
        (("Døgnophold", 10),),
    ),
    _t(1028, "Nordlys Bosted", NORDLYS, "840", "SEL § 108", "Autisme", 12, (("Døgnophold", 12),), "01-03-2016"),
    _t(1029, "Nordlys Aktivitetshus", NORDLYS, "840", "SEL § 104", "Autisme", 15, fra="01-03-2016"),
    _t(1030, "Havblik", HAVBLIK, "820", "SEL § 107", "Sindslidelse", 6, (("Takst 1", 4), ("Takst 2", 2))),
    _t(1031, "Havblik Boliger", HAVBLIK, "820", "ABL § 105", "Sindslidelse", 12),
    _t(1032, "Bostøtten Rebild", "Rebild Kommune", "840", "SEL § 85", "Sindslidelse", 30),
    _t(1033, "Dagtilbuddet Jammerbugt", JAM, "849", "SEL § 104", "Udviklingshæmning", 20),
    _t(
        1034,
        "Beskyttet Værksted Vesthimmerland",
        "Vesthimmerlands Kommune",
        "820",
        "SEL § 103",
        "Udviklingshæmning",
        25,
    ),
    _t(1035, "Bostøtten Mors", "Morsø Kommune", "773", "SEL § 85", "Sindslidelse", 20),
    _t(1036, "Bostøtten Læsø", "Læsø Kommune", "825", "SEL § 85", "Sindslidelse", 4),
    _t(
        1037,
        "Kvindekrisecentret Aalborg",
        AAL,
        "851",
        "SEL §§ 109-110",
        "Voldsudsatte kvinder",
        12,
        (("Døgnophold", 12),),
    ),
    _t(1038, "Botilbuddet Aabybro", JAM, "849", "SEL § 108", "Udviklingshæmning", 10, (("Døgnophold", 10),)),
    _t(1039, "Bostedet Hadsund", MAF, "846", "SEL § 107", "Sindslidelse", 7, (("Døgnophold", 7),)),
    _t(1040, "Bofællesskabet Frederikshavn", FRH, "813", "ABL § 105", "Udviklingshæmning", 10),
]
BY_NR = {t.nr: t for t in TILBUD}
OPERATORS = list(dict.fromkeys(t.driftsherre for t in TILBUD if t.residential))


def write_tilbud(landing: Landing) -> None:
    header = [
        "Tilbudsnr",
        "Tilbudsnavn",
        "Driftsherre",
        "Driftsherretype",
        "Beliggenhedskommune",
        "Paragraf",
        "Målgruppe",
        "Normerede pladser",
        "Godkendt fra",
        "Godkendt til",
    ]
    rows = [
        (
            [
                str(t.nr),
                t.navn,
                t.driftsherre,
                t.driftsherretype,
                t.kommune,
                t.paragraf,
                t.maalgruppe,
                str(t.pladser),
                t.godkendt_fra,
                t.godkendt_til,
            ],
            [],
        )
        for t in TILBUD
    ]
    landing.csv("tilbud/tilbudsportalen.csv", header, rows, eol="\n")
