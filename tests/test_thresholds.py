"""A rule threshold has one owner: its dbt var (dbt_project.yml `vars:`).

The rules, mart_takster's `kraever_begrundelse` and the thresholds it publishes
(`min_belaegning_pct`, `maks_aendring_pct`), and through those the report's sentences all follow
the var: built with other values, all of them change together. A second copy of a threshold in
the SQL, the column docs or the report fails the fast test below.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import duckdb
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DBT = ROOT / "dbt_project"
VARS = yaml.safe_load((DBT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
# The thresholds a mart publishes and the report names in its sentences.
NAMED = ["dq_r08_min_occupancy_pct", "dq_r09_max_change_pct", "sikrede_maal_belaegning_pct"]


def _spellings(value: int) -> re.Pattern:
    """How a whole-percent threshold would be written again: `95 %`, `95%`, a share `0.95` /
    `0,95`, a float `95.0`, or a bare number in a comparison (`< 95`, `95 >`)."""
    v = str(value)
    share = f"{value / 100:.2f}".split(".")[1]
    return re.compile(
        rf"(?<![\d.,]){v}\s?%"
        rf"|(?<![\d.,])0[.,]{share}0*(?![\d])"
        rf"|(?<![\d.,]){v}\.0+(?![\d])"
        rf"|[<>]=?\s*{v}(?![\d.,])"
        rf"|(?<![\d.,]){v}\s*[<>]"
    )


def _descriptions(node, inside_unit_tests: bool = False):
    """Every `description` string of a dbt YAML file outside `unit_tests:` (their rows are data)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "unit_tests":
                continue
            if key == "description" and isinstance(value, str):
                yield value
            else:
                yield from _descriptions(value)
    elif isinstance(node, list):
        for item in node:
            yield from _descriptions(item)


@cache
def _texts() -> dict[str, str]:
    """{file: text} of what states a threshold to a reader or applies it: the dbt SQL and macros,
    the column docs, the YAML descriptions, the report and the CLI."""
    files = [
        *DBT.glob("models/**/*.sql"),
        *DBT.glob("macros/**/*.sql"),
        *DBT.glob("tests/**/*.sql"),
        *DBT.glob("models/**/*.md"),
        *(ROOT / "report").rglob("*.py"),
        *(ROOT / "report" / "templates").rglob("*"),
        *(ROOT / "cli").rglob("*.py"),
    ]
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in files if p.is_file()}
    for p in DBT.glob("models/**/*.yml"):
        texts[str(p.relative_to(ROOT))] = "\n".join(_descriptions(yaml.safe_load(p.read_text(encoding="utf-8"))))
    return texts


@pytest.mark.parametrize("var", NAMED)
def test_a_named_threshold_is_written_only_as_its_var(var):
    value = VARS[var]
    assert isinstance(value, int) and value > 1, (var, value)
    pattern = _spellings(value)
    found = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()!r}"
        for name, text in _texts().items()
        for m in pattern.finditer(text)
    ]
    assert found == [], f"{var} = {value} is written again (use var('{var}') or the published column): {found}"
    # The var is read where it is applied (a macro or a mart), not only declared.
    assert any(f"var('{var}')" in text for text in _texts().values()), var


def test_the_spellings_would_catch_the_copies_there_were():
    """The search above must be able to fail: the copies this module replaced are found."""
    r08, r09, target = (_spellings(VARS[v]) for v in NAMED)
    assert r08.search("belaegning_andel < 0.95") and r08.search("under 95 % eller")
    assert r09.search("> 0.10 * forrige_doegntakst_kr") and r09.search("reference=10.0,") and r09.search("over 10 %")
    assert target.search('rule_label="Mål 85 %"')
    assert not r08.search("1.075,95") and not r09.search("head(10)") and not r09.search("100 %")


# ------------------------------------------------------------------ built with other thresholds
TAKSTER = [
    # (aar, tilbudsnr, ydelse, belægning, døgntakst): tilbud 1 rises 8 % from 2023, tilbud 2 budgets 93 %.
    (2023, 1, "Takst 1", "0.95", "1000.00"),
    (2024, 1, "Takst 1", "0.95", "1080.00"),
    (2024, 2, "Døgnophold", "0.93", "500.00"),
]


def _build(tmp_path: Path, overrides: dict | None) -> Path:
    """A scratch build DB with the three rates in raw.takstbilag and the takster models, the two
    rules and cockpit.takster built by dbt with `overrides` as --vars."""
    from warehouse.raw_loader import ensure_raw_tables

    tmp_path.mkdir(parents=True)
    db = tmp_path / "skrab.duckdb"
    with duckdb.connect(str(db)) as con:
        ensure_raw_tables(con)
        for line, (aar, tilbud, ydelse, share, rate) in enumerate(TAKSTER, start=2):
            pladser, dage = Decimal(10), 365
            doegn = round(pladser * dage * Decimal(share))
            con.execute(
                """insert into raw.takstbilag (aar, tilbudsnr, tilbudsnavn, driftsherre, paragraf, ydelse, pladser,
                   dage, belaegningsprocent, antal_doegn, omkostninger, doegntakst, _source_line, _source_file,
                   _file_sha256, _load_id, _loaded_at)
                   values (?, ?, ?, 'Region Nordjylland', 'SEL § 108', ?, ?, ?, ?, ?, ?, ?, ?, 'takster.xlsx', 'x',
                   'L1', ?)""",
                [aar, tilbud, f"Tilbud {tilbud}", ydelse, pladser, dage, Decimal(share), doegn,
                 Decimal(rate) * doegn, Decimal(rate), line, datetime(2025, 1, 1)],
            )  # fmt: skip
    env = {**os.environ, "COCKPIT_BUILD_DB": str(db), "COCKPIT_DUCKDB_TEMP_DIR": str(tmp_path / "tmp")}
    args = [
        str(Path(sys.executable).parent / "dbt"),
        "build",
        "--select",
        # cockpit.takster says whether each tilbud lies in one of the 11: the tilbud and
        # municipality dimensions (empty register here: every rate kept, as the report does)
        "stg_takstbilag__takster mart_takster takster dq_r08_lav_belaegning dq_r09_takstaendring"
        " kommuner dim_kommune stg_tilbud__tilbud dim_tilbud",
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
        "--profiles-dir",
        ".",
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
        "--quiet",
    ]
    if overrides:
        args += ["--vars", yaml.safe_dump(overrides, default_flow_style=True).strip()]
    done = subprocess.run(args, cwd=DBT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return db


def _outcome(db: Path) -> tuple:
    """(tilbud whose 2024 rate needs a Begrundelse, the published thresholds, R08's and R09's
    flags, and the report's takster lead, chart text and memo line) of a scratch build."""
    from report.memo import memo_points
    from report.sections import Section, takster
    from report.warehouse import Warehouse

    with duckdb.connect(str(db), read_only=True) as con:
        need = con.execute(
            "select tilbudsnr from cockpit.takster where aar = 2024 and kraever_begrundelse order by 1"
        ).fetchall()
        thresholds = con.execute(
            "select distinct min_belaegning_pct, maks_aendring_pct from cockpit.takster"
        ).fetchall()
        flags = con.execute(
            "select 'R08', tilbudsnr, forventet from quality.dq_r08_lav_belaegning "
            "union all select 'R09', tilbudsnr, forventet from quality.dq_r09_takstaendring order by 1"
        ).fetchall()
    with Warehouse(db) as wh:
        section = takster(wh, 2024)
    chart = next(b for b in section.blocks if getattr(b, "title", "").startswith("Største takstændringer"))
    others = defaultdict(lambda: Section("andet", "Andet", ""))  # sections without facts: listed as missing
    others["takster"] = section
    memo = next(line for line in memo_points(2024, others) if line.startswith("**Takster:**"))
    return need, thresholds, flags, section.lead, chart.svg, memo


@pytest.mark.pipeline
def test_the_var_moves_flag_mart_and_report_together(tmp_path):
    need, thresholds, flags, lead, chart, memo = _outcome(_build(tmp_path / "standard", None))
    assert need == [(2,)]  # 93 % < 95 %; +8 % is not more than 10 %
    assert thresholds == [(Decimal("95.00"), Decimal("10.00"))]
    assert flags == [("R08", 2, "mindst 95 % eller en begrundelse")]
    assert "1 kræver begrundelse (budgetteret belægning under 95 % eller en ændring på mere end 10 % fra 2023)" in lead
    assert "over 10 % skal begrundes" in chart
    assert "(belægning under 95 % eller ændring over 10 %)" in memo

    need, thresholds, flags, lead, chart, memo = _outcome(
        _build(tmp_path / "andre", {"dq_r08_min_occupancy_pct": 90, "dq_r09_max_change_pct": 5})
    )
    assert need == [(1,)]  # 93 % is not under 90 %; +8 % is more than 5 %
    assert thresholds == [(Decimal("90.00"), Decimal("5.00"))]
    assert flags == [("R09", 1, "højst 5 % fra 1.000,00 kr, eller en begrundelse")]
    assert "1 kræver begrundelse (budgetteret belægning under 90 % eller en ændring på mere end 5 % fra 2023)" in lead
    assert "over 5 % skal begrundes" in chart and "10 %" not in chart
    assert "(belægning under 90 % eller ændring over 5 %)" in memo
