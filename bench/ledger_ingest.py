"""Benchmark (not a test): the ledger ingest of one file vs DuckDB's own CSV reader, same run.

    .venv/bin/python bench/ledger_ingest.py [--rows 1000000] [--encoding utf-8|cp1252]

Writes a `posteringer` file of N postings in the real format (Danish amounts with thousands
dots, dd-mm-yyyy dates, `;`), then times, on this machine and in this process:

- ours: `load_source` into a fresh DuckDB file — decode, CPR guard, parse, lineage, quarantine
  and the load into `raw.posteringer`, the same code path a run uses;
- reference: DuckDB's native typed `read_csv` of the same bytes into a table of a fresh DuckDB
  file (`create table … as select * from read_csv(…)` with the Danish decimal and date formats).

and prints both and their ratio (issue 15's goal: ≤ 1,5×). DuckDB cannot read cp1252 without
an extension download (shared/TOOLCHAIN.md), so the reference always reads a UTF-8 copy.

Where ours goes, each stage beside a floor measured in the same run (issue 23):

- read: `read_csv_text` (decode, split, lineage) vs DuckDB's `read_csv` with every column
  VARCHAR handed to polars through Arrow — what "DuckDB scans the bytes" would give the parser;
- parse: `fields.parse` (CPR guard, Danish numbers and dates, rejected rows) of that text frame;
- the whole ingest vs `SQL_SKETCH`: DuckDB reads every column as VARCHAR and runs the CPR guard
  and the Danish parsing as SQL into a table of a fresh file, the text never leaving DuckDB. A
  sketch of that design for this file's formats (no rejected rows, no reasons), not our parser.

The load average (1 minute) is printed before and after: the goal is judged at load ≤ 1.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl
from common import load_seconds

from ingest.cpr import _PATTERN as CPR_PATTERN
from ingest.fields import parse
from ingest.sources import POSTERINGER, read_file
from ingest.textfile import read_csv_text
from warehouse.raw_loader import load_source


def _danish_amount(oere: pl.Expr) -> pl.Expr:
    kr = oere.abs() // 100
    groups = [(kr // 1_000_000), (kr // 1000) % 1000, kr % 1000]
    text = (
        pl.when(kr >= 1_000_000)
        .then(
            pl.format(
                "{}.{}.{}", groups[0], groups[1].cast(pl.String).str.zfill(3), groups[2].cast(pl.String).str.zfill(3)
            )
        )
        .when(kr >= 1000)
        .then(pl.format("{}.{}", kr // 1000, groups[2].cast(pl.String).str.zfill(3)))
        .otherwise(kr.cast(pl.String))
    )
    sign = pl.when(oere < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, text, pl.lit(","), (oere.abs() % 100).cast(pl.String).str.zfill(2))


def write_ledger(path: Path, rows: int, encoding: str, *, year: int = 2024, first_voucher: int = 0) -> None:
    """N postings of municipality 851 in `year`, in the contract's format. Posting n (counted
    from `first_voucher`) has its own voucher, amount and so R02 key: files written with
    disjoint ranges hold no copies of each other's postings (with the same range every posting
    of the second file was a copy: 2 M R02 flags in the benchmark's 3 M extra postings)."""
    i = pl.int_range(first_voucher, first_voucher + rows, eager=True)
    day = (i % 28 + 1).cast(pl.String).str.zfill(2)
    month = (i // 28 % 12 + 1).cast(pl.String).str.zfill(2)
    frame = pl.DataFrame({"i": i}).select(
        pl.lit("851").alias("Kommunenr"),
        (pl.col("i") + 20_000_000).cast(pl.String).alias("Bilagsnr"),
        pl.format("{}-{}-{}", day, month, pl.lit(year)).alias("Bogføringsdato"),
        pl.lit("5.38.50").alias("Funktion"),
        pl.lit("1").alias("Dranst"),
        pl.lit("4.8").alias("Art"),
        _danish_amount((pl.col("i") * 7919) % 250_000_000 - 10_000_000).alias("Beløb"),
        (pl.col("i") % 40 + 1001).cast(pl.String).alias("Tilbudsnr"),
        pl.lit("40055433").alias("Leverandør CVR"),
        pl.format("B-{}", (pl.col("i") % 50_000).cast(pl.String).str.zfill(6)).alias("Borgerreference"),
        pl.format("01-{}-{}", month, pl.lit(year)).alias("Periode fra"),
        pl.format("28-{}-{}", month, pl.lit(year)).alias("Periode til"),
        pl.lit("28").alias("Antal døgn"),
        pl.format("Døgnophold, Bostedet Åbakken, {}-{}", month, pl.lit(year)).alias("Tekst"),
    )
    text = frame.write_csv(separator=";", line_terminator="\r\n")
    path.write_bytes(text.encode(encoding))


NATIVE = """
create table posteringer as select * from read_csv(?, delim=';', header=true, decimal_separator=',',
    thousands='.', dateformat='%d-%m-%Y', all_varchar=false,
    types={'Kommunenr': 'VARCHAR', 'Bilagsnr': 'VARCHAR', 'Beløb': 'DECIMAL(18,2)', 'Leverandør CVR': 'VARCHAR'})
"""


TEXT_COLUMNS = ["Kommunenr", "Bilagsnr", "Funktion", "Art", "Leverandør CVR", "Borgerreference", "Tekst"]
# RE2 has the same syntax as polars' regex for the CPR pattern (no look-around in either).
_MASKED = "regexp_replace(regexp_replace({c}, '{p}', '\\1XXXXXX-XXXX\\2', 'g'), '{p}', '\\1XXXXXX-XXXX\\2', 'g')"


def _guarded(column: str) -> str:
    c = f'"{column}"'
    return f"case when regexp_matches({c}, '{CPR_PATTERN}') then {_MASKED.format(c=c, p=CPR_PATTERN)} else {c} end"


def _present(column: str) -> str:
    return f"nullif(nullif(nullif(trim({_guarded(column)}), ''), '..'), '-')"


def _danish(column: str, pattern: str, dtype: str) -> str:
    value = _present(column)
    return (
        f"case when regexp_full_match({value}, '{pattern}') "
        f"then cast(replace(replace({value}, '.', ''), ',', '.') as {dtype}) end"
    )


def _date(column: str) -> str:
    return f"cast(try_strptime({_present(column)}, ['%d-%m-%Y', '%d.%m.%Y', '%Y-%m-%d', '%Y%m%d']) as date)"


_INT = r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)"
_DECIMAL = _INT + r"(?:,\d{1,2})?"
SQL_SKETCH = f"""
create table posteringer as select
    {", ".join(f'{_present(c)} as "{c}"' for c in TEXT_COLUMNS)},
    {_date("Bogføringsdato")} as bogfoeringsdato, {_date("Periode fra")} as periode_fra,
    {_date("Periode til")} as periode_til, {_danish("Dranst", _INT, "bigint")} as dranst,
    {_danish("Tilbudsnr", _INT, "bigint")} as tilbudsnr, {_danish("Antal døgn", _INT, "bigint")} as antal_doegn,
    {_danish("Beløb", _DECIMAL, "decimal(18,2)")} as beloeb
from read_csv(?, delim=';', header=true, all_varchar=true, quote='', escape='')
"""


def _timed(action) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = action()
    return time.perf_counter() - t0, result


def duckdb_scan(csv_path: Path) -> pl.DataFrame:
    """The file read by DuckDB's `read_csv`, every column VARCHAR, as a polars frame (via Arrow)."""
    with duckdb.connect() as con:
        return pl.from_arrow(
            con.execute(
                "select * from read_csv(?, delim=';', header=true, all_varchar=true, quote='', escape='')",
                [str(csv_path)],
            ).to_arrow_table()
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--encoding", default="utf-8", choices=["cp1252", "utf-8"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        path = landing / "posteringer" / "851_2024.csv"
        path.parent.mkdir(parents=True)
        write_ledger(path, args.rows, args.encoding)
        utf8 = Path(tmp) / "native.csv"
        utf8.write_bytes(path.read_bytes().decode(args.encoding).encode("utf-8"))
        print(f"{args.rows:,} postings, {path.stat().st_size / 1e6:.0f} MB ({args.encoding})")

        load_before = os.getloadavg()[0]
        read_s, text = _timed(lambda: read_csv_text(path, "bench"))
        scan_s, scanned = _timed(lambda: duckdb_scan(utf8))
        assert scanned.height == text.frame.height == args.rows
        fields_s, _ = _timed(lambda: parse(text, POSTERINGER.fields, source="posteringer", file="f", load_id="b"))
        parse_s, parsed = _timed(lambda: read_file(POSTERINGER, path, landing, "bench"))
        assert parsed.rows.height == args.rows and parsed.rejected.height == 0

        with duckdb.connect(str(Path(tmp) / "build.duckdb")) as con:
            t0 = time.perf_counter()
            stats = load_source(con, POSTERINGER, landing, "bench")
            con.execute("checkpoint")
            ours_s = time.perf_counter() - t0
            assert stats.rows_loaded == args.rows
        native_s = load_seconds(NATIVE, str(utf8), Path(tmp) / "native.duckdb")
        sketch_s = load_seconds(SQL_SKETCH, str(utf8), Path(tmp) / "sketch.duckdb")
        for db in ("native", "sketch"):
            with duckdb.connect(str(Path(tmp) / f"{db}.duckdb"), read_only=True) as con:
                assert con.execute("select count(*) from posteringer").fetchone()[0] == args.rows
        with duckdb.connect(str(Path(tmp) / "sketch.duckdb"), read_only=True) as con:
            assert con.execute("select sum(beloeb) from posteringer").fetchone()[0] == parsed.rows["beloeb"].sum()
        print(
            f"ours: read (decode, split, lineage)         {read_s:6.2f}s   floor: DuckDB read_csv VARCHAR → polars {scan_s:6.2f}s"
        )
        print(f"ours: parse (CPR guard, Danish, rejects)    {fields_s:6.2f}s")
        print(f"ours: read_file (read + parse)              {parse_s:6.2f}s  {args.rows / parse_s:>10,.0f} rows/s")
        print(f"ours: … + lineage + load into the build DB  {ours_s:6.2f}s  {args.rows / ours_s:>10,.0f} rows/s")
        print(f"DuckDB read_csv → table (same file, UTF-8)  {native_s:6.2f}s  {args.rows / native_s:>10,.0f} rows/s")
        print(f"DuckDB VARCHAR + CPR guard + parse in SQL   {sketch_s:6.2f}s  (SQL_SKETCH → table)")
        print(
            f"ratio ours / DuckDB: {ours_s / native_s:.1f}x   (goal <= 1.5x); SQL sketch / DuckDB: {sketch_s / native_s:.1f}x"
        )
        print(f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after (goal judged at <= 1)")


if __name__ == "__main__":
    main()
