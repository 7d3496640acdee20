"""Benchmark (not a test): the heaviest dbt models vs one hand-written DuckDB query over the raw
tables that computes the same result, on a loaded build DB, in the same run.

    .venv/bin/python bench/heaviest.py --build-db data/bench-national/build.duckdb [--repeat 3]

For each model below: its SQL as dbt compiles it, run as `create temp table … as <sql>` (what
dbt's table materialisation does, without dbt's process start), against the hand-written
query, also into a temp table; both results are compared row for row on the key columns, and
the best of `--repeat` runs of each is printed with their ratio (issue 15's goal: <= 2x).
The models were chosen by their time in the national refresh (dbt's log of `bench/refresh.py`):
R15 (14 s), R04 (10 s) and the mart of monthly occupancy (5 s); R16 and R02 are there too.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from common import ROOT

sys.path.insert(0, str(ROOT))

HAND_WRITTEN = {
    # R15: the lines where ingest found a CPR-like value, with municipality, tilbud and period
    # looked up on those lines only
    "dq_r15_cpr_fund": (
        "kildefil, kildelinje, kommunekode, tilbudsnr, periode",
        """
        with fund as (select distinct kildefil, kildelinje from quarantine.cpr_fund),
        linjer as (
            select _source_file, _source_line, kommunenr as kommunekode, tilbudsnr,
                strftime(coalesce(periode_fra, bogfoeringsdato), '%Y-%m') as periode
            from raw.posteringer semi join fund on kildefil = _source_file and kildelinje = _source_line
            union all
            select _source_file, _source_line, null, tilbudsnr, cast(aar as varchar)
            from raw.takstbilag semi join fund on kildefil = _source_file and kildelinje = _source_line
            union all
            select _source_file, _source_line, null, tilbudsnr, strftime(maaned, '%Y-%m')
            from raw.belaegning semi join fund on kildefil = _source_file and kildelinje = _source_line
            union all
            select _source_file, _source_line, null, null, strftime(maaned, '%Y-%m')
            from raw.sikrede semi join fund on kildefil = _source_file and kildelinje = _source_line
            union all
            select _source_file, _source_line, omraade_kode, null, cast(aar as varchar)
            from raw.regnskab semi join fund on kildefil = _source_file and kildelinje = _source_line
            union all
            select _source_file, _source_line, null, tilbudsnr, null
            from raw.tilbud semi join fund on kildefil = _source_file and kildelinje = _source_line)
        select kildefil, cast(kildelinje as integer) as kildelinje, any_value(kommunekode) as kommunekode,
            cast(any_value(tilbudsnr) as integer) as tilbudsnr, any_value(periode) as periode
        from fund left join linjer on _source_file = kildefil and _source_line = kildelinje
        group by all""",
    ),
    # the heaviest mart: occupancy per tilbud and month with the register's names
    "mart_belaegning_tilbud_maaned": (
        "tilbudsnr, tilbudsnavn, maaned, normerede_doegn, doegn_i_drift, belaegning_normeret_pct, "
        "belaegning_faktisk_pct, tomme_doegn, kildefil, kildelinje",
        """
        with m as (
            select *, normerede_pladser * day(last_day(maaned)) as normerede_doegn,
                pladser_i_drift * day(last_day(maaned)) as doegn_i_drift
            from raw.belaegning)
        select cast(m.tilbudsnr as integer) as tilbudsnr, t.tilbudsnavn, m.maaned,
            cast(m.normerede_doegn as integer) as normerede_doegn, cast(m.doegn_i_drift as integer) as doegn_i_drift,
            cast(((20000 * m.belagte_doegn + m.normerede_doegn) // (2 * m.normerede_doegn)) / 100 as decimal(9, 2))
                as belaegning_normeret_pct,
            cast(((20000 * m.belagte_doegn + m.doegn_i_drift) // (2 * m.doegn_i_drift)) / 100 as decimal(9, 2))
                as belaegning_faktisk_pct,
            cast(greatest(m.doegn_i_drift - m.belagte_doegn, 0) as integer) as tomme_doegn,
            m._source_file as kildefil, cast(m._source_line as integer) as kildelinje
        from m left join raw.tilbud t on t.tilbudsnr = m.tilbudsnr""",
    ),
    # R04: billed day rate more than 0,5 % from every approved rate of the tilbud that year
    "dq_r04_takst_afviger": (
        "kildefil, kildelinje",
        """
        with p as (
            select _source_file, _source_line, tilbudsnr, antal_doegn, abs(beloeb) as beloeb, year(periode_fra) as aar
            from raw.posteringer
            where tilbudsnr is not null and antal_doegn > 0 and periode_fra is not null and beloeb is not null),
        t as (select distinct aar, tilbudsnr, doegntakst from raw.takstbilag where doegntakst is not null)
        select p._source_file as kildefil, cast(p._source_line as integer) as kildelinje
        from p join t on t.tilbudsnr = p.tilbudsnr and t.aar = p.aar
        group by all
        having not bool_or(200 * abs(beloeb - doegntakst * antal_doegn) <= doegntakst * antal_doegn)""",
    ),
    # R16: Dranst 1 postings per municipality, function and year vs REGK31 TOT x 1.000 (2 %)
    "dq_r16_posteringer_vs_regnskab": (
        "kildefil, kildelinje, periode",
        """
        with p as (
            select kommunenr, funktion, year(bogfoeringsdato) as aar, sum(beloeb) as kr
            from raw.posteringer where dranst = 1 and bogfoeringsdato is not null and beloeb is not null group by all),
        r as (
            select omraade_kode, funktion, aar, indhold * 1000 as kr, _source_file, _source_line
            from raw.regnskab where dranst = '1' and art = 'TOT' and prisenhed = 'LOBM' and indhold is not null)
        select r._source_file as kildefil, cast(r._source_line as integer) as kildelinje, cast(r.aar as varchar) as periode
        from r join p on p.kommunenr = r.omraade_kode and p.funktion = r.funktion and p.aar = r.aar
        where 100 * abs(p.kr - r.kr) > 2 * abs(r.kr)""",
    ),
    # R02: every later copy of the same municipality, tilbud, case key, period and amount
    "dq_r02_dobbeltbetaling": (
        "kildefil, kildelinje",
        """
        select _source_file as kildefil, cast(_source_line as integer) as kildelinje
        from raw.posteringer
        where borgerreference is not null and trim(borgerreference) <> '' and borgerreference not like '%XXXXXX-XXXX%'
            and periode_fra is not null and periode_til is not null and beloeb is not null
        qualify row_number() over (partition by kommunenr, tilbudsnr, trim(borgerreference), periode_fra,
                                   periode_til, beloeb order by _source_file, _source_line) > 1""",
    ),
}


def compiled_sql(model: str, build_db: Path) -> str:
    from orchestration.dbt_resources import dbt_resource
    from warehouse.settings import Settings

    settings = Settings(
        landing_dir=ROOT,
        build_db=build_db,
        published_db=build_db.with_name("unused.duckdb"),
        report_dir=ROOT / "reports",
    )
    settings.export_env()
    target = Path(tempfile.mkdtemp()) / "target"
    with contextlib.redirect_stdout(io.StringIO()):  # dbt prints the compiled SQL
        dbt_resource().cli(["compile", "--select", model], target_path=target, raise_on_error=True).wait()
    path = next(target.rglob(f"compiled/**/{model}.sql"))
    return path.read_text()


def best(con: duckdb.DuckDBPyConnection, sql: str, name: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        con.execute(f"drop table if exists {name}")
        t0 = time.perf_counter()
        con.execute(f"create temp table {name} as {sql}")
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-db", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "models", nargs="*", default=["dq_r15_cpr_fund", "dq_r04_takst_afviger", "mart_belaegning_tilbud_maaned"]
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp()) / "bench.duckdb"  # a copy: compiling must not lock the real build DB
    shutil.copyfile(args.build_db, work)
    sqls = {m: compiled_sql(m, work) for m in args.models}
    with duckdb.connect(str(work), config={"memory_limit": "4GB"}) as con:
        rows = con.execute("select count(*) from raw.posteringer").fetchone()[0]
        print(f"build DB {args.build_db}: {rows:,} postings")
        for model in args.models:
            keys, hand = HAND_WRITTEN[model]
            dbt_s = best(con, sqls[model], "via_dbt", args.repeat)
            hand_s = best(con, hand, "by_hand", args.repeat)
            differ = con.execute(
                f"select count(*) from ((select {keys} from via_dbt except all select {keys} from by_hand)"
                f" union all (select {keys} from by_hand except all select {keys} from via_dbt))"
            ).fetchone()[0]
            n = con.execute("select count(*) from via_dbt").fetchone()[0]
            assert differ == 0, f"{model}: {differ} rows differ"
            print(
                f"{model:<34} dbt model SQL {dbt_s:6.2f}s   hand-written {hand_s:6.2f}s   ratio {dbt_s / hand_s:4.1f}x"
                f"   ({n} rows, the same)"
            )
    work.unlink()


if __name__ == "__main__":
    main()
