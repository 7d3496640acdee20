"""Benchmark (not a test): decode + parse + load of a ledger extract of N postings.

    .venv/bin/python tests/benchmark_ingest.py [--rows 1000000] [--encoding cp1252]

Writes a `posteringer` file in the real format (Danish amounts with thousands dots, dd-mm-yyyy
dates, `;`), then times the same code path a run uses: `read_file` (decode, CPR mask, parse,
lineage) and `load_source` into a DuckDB file. Prints rows per second for each part.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl

from ingest.sources import POSTERINGER, read_file
from orchestration.raw_loader import load_source


def _danish_amount(oere: pl.Expr) -> pl.Expr:
    kr = oere.abs() // 100
    groups = [(kr // 1_000_000), (kr // 1000) % 1000, kr % 1000]
    text = (
        pl.when(kr >= 1_000_000)
        .then(pl.format("{}.{}.{}", groups[0], groups[1].cast(pl.String).str.zfill(3), groups[2].cast(pl.String).str.zfill(3)))
        .when(kr >= 1000)
        .then(pl.format("{}.{}", kr // 1000, groups[2].cast(pl.String).str.zfill(3)))
        .otherwise(kr.cast(pl.String))
    )
    sign = pl.when(oere < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, text, pl.lit(","), (oere.abs() % 100).cast(pl.String).str.zfill(2))


def write_ledger(path: Path, rows: int, encoding: str) -> None:
    i = pl.int_range(0, rows, eager=True)
    day = (i % 28 + 1).cast(pl.String).str.zfill(2)
    month = (i // 28 % 12 + 1).cast(pl.String).str.zfill(2)
    frame = pl.DataFrame({"i": i}).select(
        pl.lit("851").alias("Kommunenr"),
        (pl.col("i") + 2_400_000).cast(pl.String).alias("Bilagsnr"),
        pl.format("{}-{}-2024", day, month).alias("Bogføringsdato"),
        pl.lit("5.38.50").alias("Funktion"),
        pl.lit("1").alias("Dranst"),
        pl.lit("4.8").alias("Art"),
        _danish_amount((pl.col("i") * 7919) % 250_000_000 - 10_000_000).alias("Beløb"),
        (pl.col("i") % 40 + 1001).cast(pl.String).alias("Tilbudsnr"),
        pl.lit("40055433").alias("Leverandør CVR"),
        pl.format("B-{}", (pl.col("i") % 50_000).cast(pl.String).str.zfill(6)).alias("Borgerreference"),
        pl.format("01-{}-2024", month).alias("Periode fra"),
        pl.format("28-{}-2024", month).alias("Periode til"),
        pl.lit("28").alias("Antal døgn"),
        pl.format("Døgnophold, Bostedet Åbakken, {}-2024", month).alias("Tekst"),
    )
    text = frame.write_csv(separator=";", line_terminator="\r\n")
    path.write_bytes(text.encode(encoding))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--encoding", default="cp1252", choices=["cp1252", "utf-8", "utf-8-sig"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        path = landing / "posteringer" / "851_2024.csv"
        path.parent.mkdir(parents=True)
        t0 = time.perf_counter()
        write_ledger(path, args.rows, args.encoding)
        print(f"generated {args.rows:,} postings, {path.stat().st_size / 1e6:.0f} MB ({args.encoding}) "
              f"in {time.perf_counter() - t0:.1f}s")

        t0 = time.perf_counter()
        parsed = read_file(POSTERINGER, path, landing, "bench")
        parse_s = time.perf_counter() - t0
        assert parsed.rows.height == args.rows and parsed.rejected.height == 0

        with duckdb.connect(str(Path(tmp) / "build.duckdb")) as con:
            t0 = time.perf_counter()
            stats = load_source(con, POSTERINGER, landing, "bench")
            total_s = time.perf_counter() - t0  # load_source decodes and parses again, then loads
            assert stats.rows_loaded == args.rows
        print(f"decode + parse:          {parse_s:6.2f}s  {args.rows / parse_s:>12,.0f} rows/s")
        print(f"decode + parse + load:   {total_s:6.2f}s  {args.rows / total_s:>12,.0f} rows/s")


if __name__ == "__main__":
    main()
