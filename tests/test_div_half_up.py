"""The `div_half_up` macro (dbt_project/macros/div_half_up.sql): its BIGINT path for integer
inputs gives exactly what its DECIMAL(38, 10)/HUGEINT path gives, and both are half-up (away
from zero) as an exact fraction says — the contract's rounding for every percentage.

The macro is plain Jinja (no dbt context), so it is rendered here from the project's own file
and run in DuckDB over whole tables of inputs."""

from fractions import Fraction
from math import floor
from pathlib import Path

import duckdb
import jinja2
import polars as pl
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

MACRO = Path(__file__).resolve().parents[1] / "dbt_project" / "macros" / "div_half_up.sql"
div_half_up = jinja2.Environment().from_string(MACRO.read_text()).module.div_half_up


def half_up(n: int, d: int, scale: int) -> Fraction | None:
    if d == 0:
        return None
    x = Fraction(n, d) * 10**scale
    sign = -1 if x < 0 else 1
    return Fraction(sign * floor(abs(x) + Fraction(1, 2)), 10**scale)


def both_paths(pairs: list[tuple[int | None, int | None]], scale: int) -> list[tuple]:
    frame = pl.DataFrame(pairs, schema={"n": pl.Int64(), "d": pl.Int32()}, orient="row")
    con = duckdb.connect()
    con.register("pairs", frame)
    return con.execute(
        f"""select {div_half_up("100 * n", "d", scale)}, {div_half_up("100 * n", "d", scale, integers=True)},
                   typeof({div_half_up("100 * n", "d", scale)}), typeof({div_half_up("100 * n", "d", scale, integers=True)})
            from pairs"""
    ).fetchall()


def test_ties_and_signs_round_away_from_zero():
    # 100·1/8 = 12.5 %, 100·3/8 = 37.5 % … at scale 0; 100·1/3 = 33.33 %; d = 0 and NULL give NULL
    pairs = [(1, 8), (3, 8), (-1, 8), (1, -8), (-3, -8), (1, 3), (2, 3), (0, 5), (7, 0), (None, 5), (5, None)]
    got = both_paths(pairs, 0)
    assert [g[1] for g in got] == [13, 38, -13, -13, 38, 33, 67, 0, None, None, None]
    assert all(g[0] == g[1] for g in got)
    assert {(g[2], g[3]) for g in got} == {("DECIMAL(38,0)", "DECIMAL(38,0)")}


@settings(max_examples=examples(60), deadline=None)
@given(
    pairs=st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(-(10**12), 10**12)),
            st.one_of(st.none(), st.integers(-(10**6), 10**6)),
        ),
        min_size=1,
        max_size=40,
    ),
    scale=st.integers(0, 4),
)
def test_the_bigint_path_gives_the_decimal_paths_result(pairs, scale):
    got = both_paths(pairs, scale)
    for (n, d), (via_decimal, via_bigint, type_decimal, type_bigint) in zip(pairs, got, strict=True):
        expected = None if n is None or d is None else half_up(100 * n, d, scale)
        assert via_bigint == via_decimal
        assert (None if via_bigint is None else Fraction(via_bigint)) == expected
        assert type_bigint == type_decimal == f"DECIMAL(38,{scale})"
