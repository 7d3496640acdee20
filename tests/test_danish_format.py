"""The project's one Danish formatting module (ingest/danish_format.py): values, not shapes."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from ingest.danish_format import (
    aendring_pct,
    antal,
    dansk_sorteret,
    dato,
    kr,
    mio_kr,
    pct,
    periode,
    procentpoint,
    tal,
)


@pytest.mark.parametrize(
    "value, decimals, text",
    [
        (1234567, 0, "1.234.567"),
        (Decimal("1234567.891"), 2, "1.234.567,89"),
        (Decimal("-1234.5"), 1, "-1.234,5"),
        (Decimal("0.125"), 2, "0,13"),  # half-up, not banker's rounding
        (0.125, 2, "0,13"),  # a float through its shortest repr, not 0.12499…
        (Decimal("-0.004"), 2, "0,00"),  # no "-0,00"
        (999.5, 0, "1.000"),
        (Decimal("1590106"), None, "1.590.106"),
        (Decimal("-0.50"), None, "-0,50"),  # amounts with øre keep two decimals
        (None, 0, "–"),
    ],
)
def test_tal(value, decimals, text):
    assert tal(value, decimals) == text


def test_units_and_signs():
    assert kr(1234567) == "1.234.567 kr."
    assert kr(Decimal("891.885"), 2) == "891,89 kr."
    assert mio_kr(Decimal("1349666576.45")) == "1.349,7 mio. kr."
    assert pct(Decimal("12.345")) == "12,3 %"
    assert pct(Decimal("88.05"), 1) == "88,1 %"
    assert aendring_pct(Decimal("4.25")) == "+4,3 %"
    assert aendring_pct(Decimal("-1")) == "-1,0 %"
    assert aendring_pct(Decimal("0.04")) == "0,0 %"
    assert procentpoint(Decimal("1.9178")) == "+1,9 procentpoint"
    assert procentpoint(Decimal("-10")) == "-10,0 procentpoint"


def test_small_groups_are_suppressed_but_zero_is_shown():
    assert [antal(n, 5) for n in (0, 1, 4, 5, 1234)] == ["0", "< 5", "< 5", "5", "1.234"]
    assert antal(3) == "3"


def test_dates():
    assert dato(date(2024, 1, 1)) == "1. januar 2024"
    assert dato(datetime(2026, 11, 29, 14, 5)) == "29. november 2026 kl. 14.05"


def test_danish_order_is_duckdbs_icu_collation():
    """Names sorted in Python (chart domains) come in the order `ORDER BY … COLLATE da` gives:
    Aa reads as Å and comes last, after Æ and Ø, as in the rate appendices."""
    import duckdb

    names = [
        "Aalborg", "Ærø", "Brønderslev", "Århus", "Aabenraa", "Assens", "Læsø", "Lemvig", "Morsø",
        "Mariagerfjord", "Vesthimmerlands", "Zealand", "Øster Hurup", "Åbybro", "Frederikshavn", "Hjørring",
    ]  # fmt: skip
    expected = [
        n for (n,) in duckdb.connect().execute("select n from unnest(?) t(n) order by n collate da", [names]).fetchall()
    ]
    assert dansk_sorteret(names) == expected
    assert expected[-6:] == ["Ærø", "Øster Hurup", "Aabenraa", "Åbybro", "Aalborg", "Århus"]


def test_a_period_names_its_months_and_a_whole_year_nothing():
    assert periode(date(2024, 1, 1), date(2024, 3, 1), 2024) == "januar–marts 2024"
    assert periode(date(2024, 2, 1), date(2024, 2, 1), 2024) == "februar 2024"
    assert periode(date(2024, 1, 1), date(2024, 12, 1), 2024) is None
    assert periode(None, date(2024, 12, 1), 2024) is None


def test_the_suppression_limit_is_dbts_disclosure_var(tmp_path):
    """One owner: the report's "< 5" is dbt's `disclosure_min_count`, read from dbt_project.yml
    when `ingest.danish_format` is imported; the reader takes what the file says (a copy of the
    project file with 7 gives 7)."""
    import yaml

    from ingest.danish_format import SUPPRESSION_LIMIT
    from ingest.dbt_vars import DBT_PROJECT_FILE, dbt_var

    text = DBT_PROJECT_FILE.read_text(encoding="utf-8")
    assert SUPPRESSION_LIMIT == yaml.safe_load(text)["vars"]["disclosure_min_count"] == 5
    changed = tmp_path / "dbt_project.yml"
    changed.write_text(text.replace("disclosure_min_count: 5", "disclosure_min_count: 7"), encoding="utf-8")
    assert dbt_var("disclosure_min_count", changed) == 7
    with pytest.raises(KeyError, match="'disclosure_min_tal' is not in"):
        dbt_var("disclosure_min_tal", changed)
