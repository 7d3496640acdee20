"""One expectation suite per raw source: the contract a parsed frame must meet to be loaded.

Suites are functions returning GX expectation objects, so `great_expectations` is imported
only when a suite runs. `prepare` adds derived columns for row-wise bounds that GX cannot
express directly (e.g. occupied days ≤ 62 × places).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from ingest.reference import known_codes


@dataclass(frozen=True)
class Suite:
    keys: list[str]
    expectations: Callable[[], list]
    prepare: Callable[[pl.DataFrame], pl.DataFrame] | None = None


def _not_null(gxe, *columns: str) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _at_least_zero(gxe, *columns: str) -> list:
    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in columns]


def _known_area(gxe, column: str) -> list:
    return [gxe.ExpectColumnValuesToBeInSet(column=column, value_set=known_codes())]


def _regnskab() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(gxe, "omraade_kode", "funktion", "dranst", "art", "prisenhed", "aar"),
        *_known_area(gxe, "omraade_kode"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["omraade_kode", "funktion", "dranst", "art", "prisenhed", "aar"]
        ),
        gxe.ExpectColumnValuesToMatchRegex(column="funktion", regex=r"^\d\.\d{2}\.\d{2}$"),
        gxe.ExpectColumnValuesToBeBetween(column="aar", min_value=2007, max_value=2100),
    ]


def _befolkning() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(gxe, "omraade_kode", "koen", "alder", "periode_start", "indhold"),
        *_known_area(gxe, "omraade_kode"),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["omraade_kode", "koen", "alder", "civilstand", "periode_start"]
        ),
        gxe.ExpectColumnValuesToBeBetween(column="alder", min_value=-1, max_value=125),
        *_at_least_zero(gxe, "indhold"),
    ]


def _tilbud() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(
            gxe, "tilbudsnr", "tilbudsnavn", "driftsherre", "driftsherretype", "beliggenhedskommune", "paragraf"
        ),
        gxe.ExpectColumnValuesToBeUnique(column="tilbudsnr"),
        gxe.ExpectColumnValuesToBeInSet(column="driftsherretype", value_set=["kommune", "region", "privat"]),
        *_known_area(gxe, "beliggenhedskommune"),
        *_at_least_zero(gxe, "normerede_pladser"),
    ]


def _takstbilag() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(
            gxe,
            "aar",
            "tilbudsnr",
            "ydelse",
            "pladser",
            "dage",
            "belaegningsprocent",
            "antal_doegn",
            "omkostninger",
            "doegntakst",
        ),
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
            column_A="_max_belagte_doegn",
            column_B="belagte_doegn",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def _sikrede() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(
            gxe,
            "institution",
            "maaned",
            "normerede_pladser",
            "pladser_i_drift",
            "belagte_doegn_sociale",
            "belagte_doegn_retlige",
        ),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["institution", "maaned"]),
        *_at_least_zero(
            gxe,
            "normerede_pladser",
            "pladser_i_drift",
            "belagte_doegn_sociale",
            "belagte_doegn_retlige",
            "afviste_sociale",
            "afviste_retlige",
            "venteliste_ultimo",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="_max_belagte_doegn",
            column_B="_belagte_doegn",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def _sikrede_prepare(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        (pl.col("normerede_pladser") * 31 * 2).alias("_max_belagte_doegn"),
        (pl.col("belagte_doegn_sociale") + pl.col("belagte_doegn_retlige")).alias("_belagte_doegn"),
    )


def _sundhedstjek() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(gxe, "kommunekode", "maaned", "udtraeksdato"),
        *_known_area(gxe, "kommunekode"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["kommunekode", "maaned", "udtraeksdato"]),
        *_at_least_zero(gxe, "antal"),
    ]


def _maalgruppe() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(gxe, "kommunekode", "aar", "borgere_i_maalgruppen"),
        *_known_area(gxe, "kommunekode"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["kommunekode", "aar"]),
        *_at_least_zero(gxe, "borgere_i_maalgruppen"),
    ]


def _posteringer() -> list:
    import great_expectations.expectations as gxe

    return [
        *_not_null(gxe, "kommunenr", "bogfoeringsdato", "funktion", "dranst", "beloeb"),
        *_known_area(gxe, "kommunenr"),
        gxe.ExpectColumnValuesToMatchRegex(column="funktion", regex=r"^\d\.\d{2}\.\d{2}$"),
        gxe.ExpectColumnValuesToBeInSet(column="dranst", value_set=[1, 2, 3]),
        *_at_least_zero(gxe, "antal_doegn"),
        # The CPR guard masks before load; this proves it on what is about to be stored.
        gxe.ExpectColumnValuesToNotMatchRegex(column="borgerreference", regex=r"(^|[^0-9])\d{6}-?\d{4}([^0-9]|$)"),
    ]


def _beslutninger() -> list:
    import great_expectations.expectations as gxe

    # A work list saved as CSV is a decisions file: its rows without a decision are no error
    # (staging reads only rows with one), and several decisions on one flag are allowed (the
    # newest counts: stg_beslutninger__beslutninger).
    return [*_not_null(gxe, "flag_id")]


def _belaegning_prepare(frame: pl.DataFrame) -> pl.DataFrame:
    # More than two occupants per place every day of a 31-day month is not a registration
    # slip but a broken file (units, swapped columns).
    return frame.with_columns((pl.col("normerede_pladser") * 31 * 2).alias("_max_belagte_doegn"))


SUITES: dict[str, Suite] = {
    "regnskab": Suite(["omraade_kode", "funktion", "art", "aar"], _regnskab),
    "befolkning": Suite(["omraade_kode", "koen", "alder", "periode_start"], _befolkning),
    "tilbud": Suite(["tilbudsnr"], _tilbud),
    "takstbilag": Suite(["aar", "tilbudsnr", "ydelse"], _takstbilag),
    "belaegning": Suite(["tilbudsnr", "maaned"], _belaegning, _belaegning_prepare),
    "sikrede": Suite(["institution", "maaned"], _sikrede, _sikrede_prepare),
    "sundhedstjek": Suite(["kommunekode", "maaned"], _sundhedstjek),
    "sundhedstjek_maalgruppe": Suite(["kommunekode", "aar"], _maalgruppe),
    "posteringer": Suite(["kommunenr", "bilagsnr"], _posteringer),
    "beslutninger": Suite(["flag_id"], _beslutninger),
}
