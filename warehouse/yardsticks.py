"""What the run summary says about the cockpit's yardsticks: the years whose budget, P/L index or
national figure is missing, so a NULL comparison column is explained, not silent (issue 21: a missing
budget gives NULL and a line, never a failed refresh)."""

from __future__ import annotations

import duckdb


def _years(years: list[int]) -> str:
    """[2019, 2020, 2021, 2023] → '2019–2021, 2023'."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


# (column that is NULL, Danish line naming the columns left empty and what to deliver)
_YARDSTICKS = (
    (
        "budget_kr",
        "budget mangler for {years} (budget/, BUDK32): budget_kr og afvigelse_budget_pct er tomme; "
        "læg BUDK32 for årene i budget/",
    ),
    (
        "nettodriftsudgifter_fpl_kr",
        "P/L-indeks mangler for {years} (prisindeks/): nettodriftsudgifter_fpl_kr, udgift_pr_18_64_fpl_kr og "
        "indeks_fpl er tomme; læg KL's P/L-indeks for årene i prisindeks/",
    ),
    (
        "land_pr_18_64_kr",
        "landstal mangler for {years} (regnskab/ og befolkning/ uden Hele landet eller alle 98 kommuner): "
        "land_pr_18_64_kr og afvigelse_fra_land_pct er tomme; hent REGK31 og FOLK1A med Hele landet",
    ),
)


def missing_yardsticks(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One Danish line per yardstick of `cockpit.udgifter_kommune` that is NULL for any of the 11
    municipalities in some year, naming the years; [] when every year has them (or the view is
    absent). `con`: the published or build DB."""
    present = con.execute(
        "select count(*) from duckdb_views() where schema_name = 'cockpit' and view_name = 'udgifter_kommune'"
    ).fetchone()[0]
    if not present:
        return []
    lines = []
    for column, line in _YARDSTICKS:
        years = [
            y
            for (y,) in con.execute(
                f"select aar from cockpit.udgifter_kommune where nordjysk_socialaftale "  # column: _YARDSTICKS
                f"group by aar having count({column}) < count(*) order by aar"
            ).fetchall()
        ]
        if years:
            lines.append(line.format(years=_years(years)))
    return lines
