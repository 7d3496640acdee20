"""One expectation suite per raw source: the contract a parsed frame must meet to be loaded.

Suites are functions returning GX expectation objects, so `great_expectations` is imported
only when a suite runs. `prepare` adds derived columns for row-wise bounds that GX cannot
express directly (e.g. occupied days ≤ 62 × places).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import polars as pl


@dataclass(frozen=True)
class Suite:
    keys: list[str]
    expectations: Callable[[], list]
    prepare: Callable[[pl.DataFrame], pl.DataFrame] | None = None


def _not_null(gxe, *columns: str) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _at_least_zero(gxe, *columns: str) -> list:
    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in columns]


def _tilbud() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(gxe, "tilbudsnr", "tilbudsnavn", "driftsherre", "driftsherretype", "beliggenhedskommune", "paragraf"),
        gxe.ExpectColumnValuesToBeUnique(column="tilbudsnr"),
        gxe.ExpectColumnValuesToBeInSet(column="driftsherretype", value_set=["kommune", "region", "privat"]),
        gxe.ExpectColumnValuesToMatchRegex(column="beliggenhedskommune", regex=r"^\d{3}$"),
        *_at_least_zero(gxe, "normerede_pladser"),
    ]


def _takstbilag() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(gxe, "aar", "tilbudsnr", "ydelse", "pladser", "dage", "belaegningsprocent",
                   "antal_doegn", "omkostninger", "doegntakst"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["aar", "tilbudsnr", "ydelse"]),
        gxe.ExpectColumnValuesToBeBetween(column="aar", min_value=2000, max_value=2100),
        gxe.ExpectColumnValuesToBeBetween(column="pladser", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="dage", min_value=365, max_value=366),
        gxe.ExpectColumnValuesToBeBetween(column="belaegningsprocent", min_value=0.5, max_value=1.2),
        *_at_least_zero(gxe, "antal_doegn", "omkostninger", "doegntakst"),
    ]


def _belaegning() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(gxe, "tilbudsnr", "maaned", "normerede_pladser", "pladser_i_drift", "belagte_doegn"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["tilbudsnr", "maaned"]),
        *_at_least_zero(gxe, "normerede_pladser", "pladser_i_drift", "belagte_doegn"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="_max_belagte_doegn", column_B="belagte_doegn", or_equal=True, ignore_row_if="either_value_is_missing"
        ),
    ]


def _belaegning_prepare(frame: pl.DataFrame) -> pl.DataFrame:
    # More than two occupants per place every day of a 31-day month is not a registration
    # slip but a broken file (units, swapped columns).
    return frame.with_columns((pl.col("normerede_pladser") * 31 * 2).alias("_max_belagte_doegn"))


SUITES: dict[str, Suite] = {
    "tilbud": Suite(["tilbudsnr"], _tilbud),
    "takstbilag": Suite(["aar", "tilbudsnr", "ydelse"], _takstbilag),
    "belaegning": Suite(["tilbudsnr", "maaned"], _belaegning, _belaegning_prepare),
}
