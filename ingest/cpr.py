"""Rule R15: CPR-like numbers never reach the warehouse, the logs or the quarantine in clear.

CPR-like (contracts/data-quality-rules.md): six digits forming a valid ddmmyy date, an optional
`-`, four digits, not part of a longer number. Every cell of every file (number columns and
headers too) is masked right after reading, before parsing, so no later step can see the digits
(one exception, `fields.parse`: a workbook number cell with a non-zero fraction is a stored
double such as a computed rate, not a typed CPR number, and is left alone);
a value that was a number no longer parses and is rejected, masked, with its line. Error texts
pass `mask_text` where they are made (ingest/errors.py) and again where they are printed; a file
whose name holds such a number is refused (its name would become lineage).
"""

from __future__ import annotations

import re

import polars as pl

MASK = "XXXXXX-XXXX"

# ddmm valid in any year, then 29 February only in years divisible by four (yy).
_DDMMYY = (
    r"(?:(?:0[1-9]|1\d|2[0-8])(?:0[1-9]|1[0-2])\d\d"
    r"|(?:29|30)(?:0[13-9]|1[0-2])\d\d"
    r"|31(?:0[13578]|1[02])\d\d"
    r"|2902(?:[02468][048]|[13579][26]))"
)
# polars' regex engine has no look-around, so the "not part of a longer number" edges are
# captured and put back.
_PATTERN = rf"(^|[^0-9]){_DDMMYY}-?\d{{4}}([^0-9]|$)"


def contains_cpr(text: pl.Expr) -> pl.Expr:
    return text.str.contains(_PATTERN)


def mask_cpr(text: pl.Expr) -> pl.Expr:
    # Twice: two numbers separated by one character share that character as their edge, and
    # one pass only sees the first.
    once = text.str.replace_all(_PATTERN, f"${{1}}{MASK}${{2}}")
    return once.str.replace_all(_PATTERN, f"${{1}}{MASK}${{2}}")


_COMPILED = re.compile(_PATTERN)


def mask_text(text: str) -> str:
    """`text` with every CPR-like number replaced by the mask: for messages, logs and events.

    The same pattern as `mask_cpr`, for Python strings (error texts from polars, openpyxl,
    DuckDB or GX may quote a field's value)."""
    for _ in range(2):  # two numbers sharing one edge character: see mask_cpr
        text = _COMPILED.sub(lambda m: f"{m.group(1)}{MASK}{m.group(2)}", text)
    return text


def mask_frame(
    frame: pl.DataFrame, line_column: str, exempt: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Mask every text column; return the masked frame and where CPR-like values were found
    (line, column, masked value).

    `exempt`: optional Boolean frame of the same shape (columns named as in `frame`, without the
    line column); a True cell is neither masked nor reported — for a cell whose text is not a
    field's text but the reader's rendering of a stored number (see `fields.parse`)."""
    text_columns = [c for c, t in frame.schema.items() if t == pl.String and c != line_column]
    if not text_columns or frame.height == 0:
        return frame, _no_hits()
    exempted = [c for c in text_columns if exempt is not None and c in exempt.columns]
    if exempted:
        frame = frame.with_columns(exempt.select(pl.col(c).alias(f"_exempt_{c}") for c in exempted))

    def candidate(c: str) -> pl.Expr:
        found = contains_cpr(pl.col(c).fill_null(""))
        return found & ~pl.col(f"_exempt_{c}").fill_null(False) if c in exempted else found

    def masked(c: str) -> pl.Expr:
        if c in exempted:
            return (
                pl.when(pl.col(f"_exempt_{c}").fill_null(False)).then(pl.col(c)).otherwise(mask_cpr(pl.col(c))).alias(c)
            )
        return mask_cpr(pl.col(c))

    # Nearly every file has no CPR-like value: one query over every column says so (polars runs
    # the columns side by side), where a query per column cost a small file ~7 ms more.
    if not frame.select(pl.any_horizontal(candidate(c).any() for c in text_columns)).item():
        return frame.drop(f"_exempt_{c}" for c in exempted), _no_hits()
    hits = pl.concat(
        [
            frame.lazy()
            .filter(candidate(c))
            .select(
                pl.col(line_column).cast(pl.Int64).alias("kildelinje"),
                pl.lit(c).alias("kolonne"),
                mask_cpr(pl.col(c)).alias("maskeret_vaerdi"),
            )
            for c in text_columns
        ]
    ).collect()
    frame = frame.with_columns(masked(c) for c in text_columns)
    return frame.drop(f"_exempt_{c}" for c in exempted), hits.sort("kildelinje", "kolonne")


def _no_hits() -> pl.DataFrame:
    return pl.DataFrame(schema={"kildelinje": pl.Int64, "kolonne": pl.String, "maskeret_vaerdi": pl.String})
