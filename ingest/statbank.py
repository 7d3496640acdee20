"""StatBank values in every presentation: Code (`851`), CodeAndValue (`851 Aalborg`), Value
(`Aalborg`), with Danish or English labels (`I alt`/`Total`, `Mænd`/`Men`, `2024K1`/`2024Q1`).

Each function turns a text column into the code the warehouse keys on; a value that is neither
a known code nor a known label comes out null and is rejected with its line. The Danish labels
and FOLK1A's English ones are StatBank's (shared/cases/statbank); the English REGK31 labels
are our reading of StatBank's English pages and are extended when a download shows others.
"""

from __future__ import annotations

import polars as pl

from ingest import danish, reference


def _leading(text: pl.Expr, pattern: str) -> pl.Expr:
    return text.str.strip_chars().str.extract(rf"^({pattern})(?:\s|$)", 1)


def _label(text: pl.Expr, pattern: str) -> pl.Expr:
    return text.str.strip_chars().str.replace(rf"^(?:{pattern})\s+", "")


def area_code(text: pl.Expr) -> pl.Expr:
    """OMRÅDE / Kommune: a 3-digit code (`851`, `851 Aalborg`) or a DST name (`Aalborg`)."""
    code = _leading(text, r"\d{3}")
    by_name = reference.code_from_name(text)
    return pl.when(code.is_in(reference.known_codes())).then(code).otherwise(pl.when(code.is_null()).then(by_name))


# Areas StatBank lists beside the 98 municipalities. They are recognised (so they are dropped
# and counted, not rejected as unknown); only the comparison areas are loaded: see `KEPT_LEVELS`.
CHRISTIANSOE = "411"
UOPLYST = "999"
_OTHER_AREA_NAMES = {
    "christiansø": CHRISTIANSOE,
    "ertholmene": CHRISTIANSOE,
    "all denmark": "000",
    "denmark": "000",
    "hele landet": "000",
    "copenhagen": "101",  # the only municipality whose English label differs
    "capital region of denmark": "084",
    "region zealand": "085",
    "region of southern denmark": "083",
    "central denmark region": "082",
    "north denmark region": "081",
}
_OTHER_AREA_PREFIX = r"^(?:uoplyst|unknown|udlandet|abroad|landsdel|province|region)\b"


def statbank_area(text: pl.Expr) -> pl.Expr:
    """OMRÅDE of a StatBank table: `area_code`, plus Christiansø (411) and areas that are no
    municipality (`Uoplyst …`, `Landsdel …`, a region by any label → their code or 999).
    Null only for a value that names no area at all."""
    t = text.str.strip_chars()
    lower = _label(t, r"\d{3}").str.to_lowercase()
    code = _leading(t, r"\d{1,3}")
    other_code = pl.when(code.is_in([CHRISTIANSOE, UOPLYST])).then(code)
    other_name = lower.replace_strict(_OTHER_AREA_NAMES, default=None, return_dtype=pl.String)
    other_kind = pl.when(lower.str.contains(_OTHER_AREA_PREFIX)).then(pl.lit(UOPLYST))
    return pl.coalesce(area_code(t), other_code, other_name, other_kind)


# landing-zone §1/§2: keep municipalities and the comparison areas (the whole country `000` and
# the five regions `081`–`085`), which dbt keeps apart (models/marts/dim_omraade.sql) and never
# counts as municipalities. The one place this is decided for every StatBank source; the other
# levels (landsdele, Christiansø, Uoplyst) are dropped on load and counted (`Parsed.dropped`).
HELE_LANDET = "000"
COMPARISON_AREAS = (HELE_LANDET, "081", "082", "083", "084", "085")
MUNICIPALITY_LEVEL = pl.col("omraade_kode").is_in(reference.kommuner()["kommunekode"].to_list())
KEPT_LEVELS = MUNICIPALITY_LEVEL | pl.col("omraade_kode").is_in(COMPARISON_AREAS)


def area_name(text: pl.Expr) -> pl.Expr:
    return _label(text, r"\d{3}")


def function_dotted(text: pl.Expr) -> pl.Expr:
    """FUNKTION: `53850 Botilbud …` or `5.38.50 Botilbud …` → `5.38.50`."""
    code = _leading(text, r"\d{5}")
    dotted = _leading(text, r"\d\.\d{2}\.\d{2}")
    from_code = pl.concat_str(
        code.str.slice(0, 1), pl.lit("."), code.str.slice(1, 2), pl.lit("."), code.str.slice(3, 2)
    )
    return pl.coalesce(dotted, from_code)


def function_name(text: pl.Expr) -> pl.Expr:
    return _label(text, r"\d{5}|\d\.\d{2}\.\d{2}")


def _code_or_label(text: pl.Expr, codes: list[str], labels: dict[str, str]) -> pl.Expr:
    # The whole label first: `I alt (netto)` is the label of TOT, not code `I` + text.
    label = (
        text.str.strip_chars()
        .str.to_lowercase()
        .replace_strict({k.lower(): v for k, v in labels.items()}, default=None, return_dtype=pl.String)
    )
    code = _leading(text, "|".join(codes))
    return pl.coalesce(label, code)


DRANST_LABELS = {
    "Driftskonti": "1",
    "Statsrefusion": "2",
    "Anlægskonti": "3",
    "Operating accounts": "1",
    "State reimbursement": "2",
    "Capital accounts": "3",
}
ART_LABELS = {
    "I alt (netto)": "TOT",
    "Bruttoudgifter": "UE",
    "Indtægter": "I",
    "Total (net)": "TOT",
    "Gross expenditure": "UE",
    "Revenue": "I",
    "Income": "I",
}
PRISENHED_LABELS = {
    "Løbende priser (1.000 kr.)": "LOBM",
    "Kr. pr. indbygger": "INDL",
    "Kroner pr. indbygger": "INDL",
    "Current prices (DKK 1,000)": "LOBM",
    "DKK per inhabitant": "INDL",
}
KOEN_LABELS = {"I alt": "TOT", "Mænd": "1", "Kvinder": "2", "Total": "TOT", "Men": "1", "Women": "2"}
CIVILSTAND_LABELS = {
    "I alt": "TOT",
    "Ugift": "U",
    "Gift/separeret": "G",
    "Enke/enkemand": "E",
    "Fraskilt": "F",
    "Total": "TOT",
    "Never married": "U",
    "Married/separated": "G",
    "Widowed": "E",
    "Divorced": "F",
}


def dranst(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["1", "2", "3"], DRANST_LABELS)


def art(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["TOT", "UE", "I"], ART_LABELS)


def prisenhed(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["LOBM", "INDL"], PRISENHED_LABELS)


def koen(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["TOT", "1", "2"], KOEN_LABELS)


def civilstand(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["TOT", "U", "G", "E", "F"], CIVILSTAND_LABELS)


ALL_AGES = -1


def alder(text: pl.Expr) -> pl.Expr:
    """ALDER: `IALT` / `Alder i alt` / `Age, total` → -1 (all ages); `17`, `17 17 år`, `17 år`,
    `17 years` → 17."""
    t = text.str.strip_chars()
    total = t.str.to_uppercase().str.starts_with("IALT") | t.str.to_lowercase().is_in(
        ["alder i alt", "age, total", "total"]
    )
    years = t.str.extract(r"^(\d{1,3})(?:\s|$)", 1).cast(pl.Int64, strict=False)
    return pl.when(total).then(pl.lit(ALL_AGES, dtype=pl.Int64)).otherwise(years)


def period_start(text: pl.Expr) -> pl.Expr:
    """TID: `2024K1` / `2024Q1` (quarter), `2024M01` (month) or `2024` (year) → first day;
    a period before 1970 or after next year → null (ingest/danish.py: plausible periods)."""
    t = text.str.strip_chars().str.to_uppercase()
    year = t.str.extract(r"^(\d{4})", 1)
    quarter_month = (t.str.extract(r"^\d{4}[KQ]([1-4])$", 1).cast(pl.Int64, strict=False) - 1) * 3 + 1
    month = t.str.extract(r"^\d{4}M(0[1-9]|1[0-2])$", 1).cast(pl.Int64, strict=False)
    only_year = pl.when(t.str.contains(r"^\d{4}$")).then(pl.lit(1, dtype=pl.Int64))
    first_month = pl.coalesce(quarter_month, month, only_year)
    start = pl.date(year.cast(pl.Int64, strict=False), first_month, 1)
    return pl.when(danish.plausible(start)).then(start)  # 0024K1 is no period of a StatBank table
