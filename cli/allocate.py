"""`cockpit allocate`: split an amount between the 11 municipalities by a key read from the
published view `cockpit.fordelingsnoegler` (population, the 14–23-, 15–17- or 18–64-year-olds at
1 January of the year). The arithmetic, half-up or largest remainder, is `rules/allocation.py`;
this module reads the key, parses the amount and prints the result.

`--scope land` (issue 21): a nationally financed amount (the secure institutions' rate, paid by
all 98 municipalities) by the 15–17-year-olds at 1 January of the year before, each of the 11's
part of the whole country's; the parts are the 11's portion, not the amount.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl

from ingest.danish_format import tal
from rules.allocation import allocate
from warehouse.settings import Settings

KEYS = ("indbyggere", "unge_14_23", "unge_15_17", "indbyggere_18_64")
MUNICIPALITIES = 11
VIEW = "cockpit.fordelingsnoegler"


# ---------------------------------------------------------------------------------------------
# Danish number text


def parse_amount(text: str) -> Decimal:
    """`4.275.000`, `4275000`, `4.275.000,50`, `-1.234,5` → Decimal, by the rules of
    `ingest.danish.danish_decimal` (thousands dots only in groups of three, at most 2 decimals
    after a comma). Raises ValueError otherwise."""
    from ingest.danish import danish_decimal

    value = pl.select(danish_decimal(pl.lit(str(text), dtype=pl.String), 2)).item()
    if value is None:
        raise ValueError(f"beløbet {text!r} kan ikke læses — skriv fx 4.275.000, 4275000 eller 4.275.000,50")
    return Decimal(value)


def format_table(result: pl.DataFrame, key: str) -> str:
    head = ["kommunekode", "kommunenavn", key, "andel_pct", "beloeb_kr"]
    rows = [
        [r["kommunekode"], r["kommunenavn"], tal(r["noegle"], None), tal(r["andel_pct"], 4), tal(r["beloeb_kr"], None)]
        for r in result.iter_rows(named=True)
    ]
    total = ["", "i alt", tal(int(result["noegle"].sum()), None), "", tal(int(result["beloeb_kr"].sum()), None)]
    widths = [max(len(line[i]) for line in [head, *rows, total]) for i in range(len(head))]
    right = [False, False, True, True, True]

    def fmt(line: list[str]) -> str:
        cells = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(line, widths, right)]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(head), rule, *map(fmt, rows), rule, fmt(total)]) + "\n"


# ---------------------------------------------------------------------------------------------
# CLI


class AllocateError(Exception):
    def __init__(self, reason: str, code: int = 1):
        super().__init__(reason)
        self.code = code


LAND_KEY = "unge_15_17"  # the key of nationally financed rates (cockpit-schema.md, fordelingsnoegler)


def read_keys(db: Path, key: str, year: int, scope: str = "de11") -> tuple[pl.DataFrame, int | None]:
    """kommunekode, kommunenavn, noegle for `year` from the published DB, opened read-only, and
    for `scope` "land" the whole country's key (None for "de11"): the 15–17-year-olds at
    1 January of `year` − 1. Raises AllocateError (Danish, one line) when it cannot be read."""
    import duckdb

    from warehouse.schemas import clashing_name

    if key not in KEYS:
        raise AllocateError(f"ukendt nøgle {key!r} (brug {', '.join(KEYS)})", 2)
    if scope == "land" and key != LAND_KEY:
        raise AllocateError(f"--scope land fordeler efter {LAND_KEY} året før (brug --key {LAND_KEY})", 2)
    column = f'"{key}"' if scope != "land" else "unge_15_17_aaret_foer"
    land = "null" if scope != "land" else "land_unge_15_17_aaret_foer"
    if not db.is_file():
        raise AllocateError(
            f"den publicerede database {db} findes ikke (kør 'cockpit run' eller angiv --published-db)", 2
        )
    if clashing_name(db):
        raise AllocateError(
            f"{db}: en DuckDB-fil må ikke hedde som et skema ({db.stem}) — {VIEW} ville være tvetydig", 2
        )
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise AllocateError(f"kan ikke åbne {db}: {str(exc).splitlines()[0]}", 2) from exc
    try:
        rows = con.execute(
            f"select kommunekode, kommunenavn, {column} as noegle, {land} as land from {VIEW} where aar = ? "
            "order by kommunekode",
            [year],
        ).fetchall()
        years = [] if rows else [y for (y,) in con.execute(f"select distinct aar from {VIEW} order by aar").fetchall()]
    except duckdb.Error as exc:
        raise AllocateError(f"kan ikke læse {VIEW} i {db}: {str(exc).splitlines()[0]}", 2) from exc
    finally:
        con.close()
    if not rows:
        have = f"år i data: {', '.join(map(str, years))}" if years else "viewet er tomt"
        raise AllocateError(f"ingen fordelingsnøgler for {year} i {VIEW} ({have})")
    keys = pl.DataFrame(
        rows,
        schema={"kommunekode": pl.String, "kommunenavn": pl.String, "noegle": pl.Int64, "land": pl.Int64},
        orient="row",
    )
    if keys.height != MUNICIPALITIES:
        raise AllocateError(
            f"{VIEW} har {keys.height} kommuner for {year}, ventede {MUNICIPALITIES} — fordeler ikke et beløb på et ufuldstændigt grundlag"
        )
    if scope != "land":
        return keys.drop("land"), None
    total = keys["land"].max()
    if total is None:
        raise AllocateError(
            f"landets 15–17-årige pr. 1. januar {year - 1} mangler i {VIEW} (land_unge_15_17_aaret_foer): "
            f"læg FOLK1A med Hele landet for {year - 1} i befolkning/"
        )
    return keys.drop("land"), int(total)


def run_allocate(args: argparse.Namespace, settings: Settings, progress: Callable[[str], None] | None = None) -> int:
    """`cockpit allocate`: the split of the published file of `settings` (`--published-db`
    included); result (csv or table) on stdout, progress and the sum line on stderr."""
    say = progress or (lambda msg: print(msg, file=sys.stderr, flush=True))
    t0 = time.perf_counter()
    try:
        try:
            amount = parse_amount(args.amount)
        except ValueError as exc:
            raise AllocateError(str(exc), 2) from exc
        db = settings.published_db
        scope = getattr(args, "scope", "de11")
        keys, land = read_keys(db, args.key, args.year, scope)
        try:
            result = allocate(keys, amount, args.method, total=land)
        except ValueError as exc:
            raise AllocateError(f"{exc} ({args.key}, {args.year})") from exc
    except AllocateError as exc:
        say(f"fejl: {exc}")
        return exc.code

    total_key = int(result["noegle"].sum())
    if land is None:
        say(
            f"allocate: {tal(amount, None)} kr fordelt på {result.height} kommuner efter {args.key} "
            f"pr. 1. januar {args.year} (i alt {tal(total_key, None)}) fra {db} "
            f"({time.perf_counter() - t0:.1f}s)"
        )
    else:
        say(
            f"allocate: de {result.height} kommuners andel af {tal(amount, None)} kr finansieret af hele landet "
            f"efter {args.key} pr. 1. januar {args.year - 1} ({tal(total_key, None)} af landets "
            f"{tal(land, None)}) fra {db} ({time.perf_counter() - t0:.1f}s)"
        )
    if args.format == "table":
        sys.stdout.write(format_table(result, args.key))
    else:
        sys.stdout.write(result.write_csv())
    sys.stdout.flush()
    parts = int(result["beloeb_kr"].sum())
    if land is None:
        say(f"sum {tal(parts, None)} kr, afrundingsdifference {tal(Decimal(parts) - amount, None)} kr ({args.method})")
    else:
        exact = (amount * total_key / land).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        say(
            f"sum {tal(parts, None)} kr for de {result.height} (eksakt {tal(exact, 2)} kr af {tal(amount, None)} kr), "
            f"afrundingsdifference {tal(Decimal(parts) - exact, 2)} kr ({args.method})"
        )
    return 0
