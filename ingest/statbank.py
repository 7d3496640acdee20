"""StatBank values in either presentation: `851 Aalborg` (CodeAndValue) or `Aalborg` (Value).

Each function turns a text column into the code the warehouse keys on; a value that is neither
a known code nor a known label comes out null and is rejected with its line.
"""

from __future__ import annotations

import polars as pl

from ingest import reference


def _leading(text: pl.Expr, pattern: str) -> pl.Expr:
    return text.str.strip_chars().str.extract(rf"^({pattern})(?:\s|$)", 1)


def _label(text: pl.Expr, pattern: str) -> pl.Expr:
    return text.str.strip_chars().str.replace(rf"^(?:{pattern})\s+", "")


def area_code(text: pl.Expr) -> pl.Expr:
    """OMRÅDE / Kommune: a 3-digit code (`851`, `851 Aalborg`) or a DST name (`Aalborg`)."""
    code = _leading(text, r"\d{3}")
    by_name = reference.code_from_name(text)
    return pl.when(code.is_in(reference.known_codes())).then(code).otherwise(pl.when(code.is_null()).then(by_name))


def area_name(text: pl.Expr) -> pl.Expr:
    return _label(text, r"\d{3}")


def function_dotted(text: pl.Expr) -> pl.Expr:
    """FUNKTION: `53850 Botilbud …` or `5.38.50 Botilbud …` → `5.38.50`."""
    code = _leading(text, r"\d{5}")
    dotted = _leading(text, r"\d\.\d{2}\.\d{2}")
    from_code = pl.concat_str(code.str.slice(0, 1), pl.lit("."), code.str.slice(1, 2), pl.lit("."), code.str.slice(3, 2))
    return pl.coalesce(dotted, from_code)


def function_name(text: pl.Expr) -> pl.Expr:
    return _label(text, r"\d{5}|\d\.\d{2}\.\d{2}")


def _code_or_label(text: pl.Expr, codes: list[str], labels: dict[str, str]) -> pl.Expr:
    # The whole label first: `I alt (netto)` is the label of TOT, not code `I` + text.
    label = text.str.strip_chars().str.to_lowercase().replace_strict(
        {k.lower(): v for k, v in labels.items()}, default=None, return_dtype=pl.String)
    code = _leading(text, "|".join(codes))
    return pl.coalesce(label, code)


def dranst(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["1", "2", "3"], {"Driftskonti": "1", "Statsrefusion": "2", "Anlægskonti": "3"})


def art(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["TOT", "UE", "I"], {"I alt (netto)": "TOT", "Bruttoudgifter": "UE", "Indtægter": "I"})


def prisenhed(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["LOBM", "INDL"], {
        "Løbende priser (1.000 kr.)": "LOBM", "Kr. pr. indbygger": "INDL", "Kroner pr. indbygger": "INDL"})


def koen(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["TOT", "1", "2"], {"I alt": "TOT", "Mænd": "1", "Kvinder": "2"})


def civilstand(text: pl.Expr) -> pl.Expr:
    return _code_or_label(text, ["TOT", "U", "G", "E", "F"], {
        "I alt": "TOT", "Ugift": "U", "Gift/separeret": "G", "Enke/enkemand": "E", "Fraskilt": "F"})


def alder(text: pl.Expr) -> pl.Expr:
    """ALDER: `IALT` / `Alder i alt` → -1 (all ages), `17`, `17 17 år`, `17 år` → 17."""
    t = text.str.strip_chars()
    total = t.str.to_uppercase().str.starts_with("IALT") | (t.str.to_lowercase() == "alder i alt")
    years = t.str.extract(r"^(\d{1,3})(?:\s|$)", 1).cast(pl.Int64, strict=False)
    return pl.when(total).then(pl.lit(-1, dtype=pl.Int64)).otherwise(years)


def period_start(text: pl.Expr) -> pl.Expr:
    """TID: `2024K1` (quarter), `2024M01` (month) or `2024` (year) → first day of the period."""
    t = text.str.strip_chars()
    year = t.str.extract(r"^(\d{4})", 1)
    quarter_month = (t.str.extract(r"^\d{4}K([1-4])$", 1).cast(pl.Int64, strict=False) - 1) * 3 + 1
    month = t.str.extract(r"^\d{4}M(0[1-9]|1[0-2])$", 1).cast(pl.Int64, strict=False)
    only_year = pl.when(t.str.contains(r"^\d{4}$")).then(pl.lit(1, dtype=pl.Int64))
    first_month = pl.coalesce(quarter_month, month, only_year)
    return pl.date(year.cast(pl.Int64, strict=False), first_month, 1)
