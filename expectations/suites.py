"""One expectation suite per raw source: the contract a parsed frame must meet to be loaded.

Suites are functions of the module of expectation classes (`gxe`) returning expectation
objects: `Suite.expectations()` hands them `great_expectations.expectations` (a ~3 s import, paid
only when a suite runs on rows), `Suite.declared()` a stand-in that records each expectation's
name and arguments, which is all that choosing the columns to read and the batching needs. `prepare` adds derived columns for row-wise bounds that GX cannot
express directly (e.g. occupied days ≤ 62 × places). A suite's name and its uniqueness key are
its source's (`Source.suite`, `Source.keys` in ingest/sources.py): `_unique_key` reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from ingest.reference import known_codes
from ingest.sources import SOURCES


@dataclass(frozen=True)
class Declared:
    """One expectation of a suite as written, without GX: its class name
    (`ExpectColumnValuesToNotBeNull`) and keyword arguments."""

    name: str
    kwargs: dict

    @property
    def type(self) -> str:
        """GX's name of the expectation's type (`expect_column_values_to_not_be_null`), as a
        validation result names it."""
        # great_expectations.util.camel_to_snake's two patterns, without importing GX
        return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", self.name)).lower()


class _Declaring:
    # Stands in for `great_expectations.expectations`: every class becomes a `Declared` maker.
    def __getattr__(self, name: str) -> Callable[..., Declared]:
        return lambda **kwargs: Declared(name, kwargs)


@dataclass(frozen=True)
class Suite:
    build: Callable[..., list]  # (gxe) -> the suite's expectations, made by gxe's classes
    prepare: Callable[[pl.DataFrame], pl.DataFrame] | None = None

    def expectations(self) -> list:
        """The suite as GX expectation objects (imports GX)."""
        import great_expectations.expectations as gxe

        return self.build(gxe)

    def declared(self) -> list[Declared]:
        """The suite's expectations as `Declared` (class name, arguments), in the suite's order,
        without importing GX."""
        return self.build(_Declaring())


def _not_null(gxe, *columns: str) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _at_least_zero(gxe, *columns: str) -> list:
    return [gxe.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in columns]


def _known_area(gxe, column: str) -> list:
    return [gxe.ExpectColumnValuesToBeInSet(column=column, value_set=known_codes())]


def _unique_key(gxe, source: str) -> list:
    """The source's business key (`Source.keys`) is unique: one expectation."""
    keys = SOURCES[source].keys
    if len(keys) == 1:
        return [gxe.ExpectColumnValuesToBeUnique(column=keys[0])]
    return [gxe.ExpectCompoundColumnsToBeUnique(column_list=keys)]


def _accounts(gxe, source: str) -> list:
    """REGK31 and BUDK32: the same cube of variables (landing-zone §1, §9)."""
    return [
        *_not_null(gxe, "omraade_kode", "funktion", "dranst", "art", "prisenhed", "aar"),
        *_known_area(gxe, "omraade_kode"),
        *_unique_key(gxe, source),
        gxe.ExpectColumnValuesToMatchRegex(column="funktion", regex=r"^\d\.\d{2}\.\d{2}$"),
        gxe.ExpectColumnValuesToBeBetween(column="aar", min_value=2007, max_value=2100),
    ]


def _regnskab(gxe) -> list:
    return _accounts(gxe, "regnskab")


def _budget(gxe) -> list:
    return _accounts(gxe, "budget")


def _befolkning(gxe) -> list:
    return [
        *_not_null(gxe, "omraade_kode", "koen", "alder", "periode_start", "indhold"),
        *_known_area(gxe, "omraade_kode"),
        *_unique_key(gxe, "befolkning"),
        gxe.ExpectColumnValuesToBeBetween(column="alder", min_value=-1, max_value=125),
        *_at_least_zero(gxe, "indhold"),
    ]


def _prisindeks(gxe) -> list:
    return [
        *_not_null(gxe, "aar"),
        *_unique_key(gxe, "prisindeks"),
        # An index is positive; a yearly change below -50 % is a misplaced decimal, not a price level.
        gxe.ExpectColumnValuesToBeBetween(column="pl_indeks", min_value=0, strict_min=True),
        gxe.ExpectColumnValuesToBeBetween(column="pl_udvikling_pct", min_value=-50, max_value=100),
    ]


def _tilbud(gxe) -> list:
    return [
        *_not_null(
            gxe, "tilbudsnr", "tilbudsnavn", "driftsherre", "driftsherretype", "beliggenhedskommune", "paragraf"
        ),
        *_unique_key(gxe, "tilbud"),
        gxe.ExpectColumnValuesToBeInSet(column="driftsherretype", value_set=["kommune", "region", "privat"]),
        *_known_area(gxe, "beliggenhedskommune"),
        *_at_least_zero(gxe, "normerede_pladser"),
    ]


def _takstbilag(gxe) -> list:
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
        *_unique_key(gxe, "takstbilag"),
        gxe.ExpectColumnValuesToBeBetween(column="aar", min_value=2000, max_value=2100),
        gxe.ExpectColumnValuesToBeBetween(column="pladser", min_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="dage", min_value=365, max_value=366),
        gxe.ExpectColumnValuesToBeBetween(column="belaegningsprocent", min_value=0.5, max_value=1.2),
        *_at_least_zero(gxe, "antal_doegn", "omkostninger", "doegntakst"),
    ]


def _belaegning(gxe) -> list:
    return [
        *_not_null(gxe, "tilbudsnr", "maaned", "normerede_pladser", "pladser_i_drift", "belagte_doegn"),
        *_unique_key(gxe, "belaegning"),
        *_at_least_zero(gxe, "normerede_pladser", "pladser_i_drift", "belagte_doegn"),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="_max_belagte_doegn",
            column_B="belagte_doegn",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
    ]


def _sikrede(gxe) -> list:
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
        *_unique_key(gxe, "sikrede"),
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


def _sundhedstjek(gxe) -> list:
    return [
        *_not_null(gxe, "kommunekode", "maaned", "udtraeksdato"),
        *_known_area(gxe, "kommunekode"),
        *_unique_key(gxe, "sundhedstjek"),
        *_at_least_zero(gxe, "antal"),
    ]


def _maalgruppe(gxe) -> list:
    return [
        *_not_null(gxe, "kommunekode", "aar", "borgere_i_maalgruppen"),
        *_known_area(gxe, "kommunekode"),
        *_unique_key(gxe, "sundhedstjek_maalgruppe"),
        *_at_least_zero(gxe, "borgere_i_maalgruppen"),
    ]


def _posteringer(gxe) -> list:
    return [
        *_not_null(gxe, "kommunenr", "bogfoeringsdato", "funktion", "dranst", "beloeb"),
        *_known_area(gxe, "kommunenr"),
        gxe.ExpectColumnValuesToMatchRegex(column="funktion", regex=r"^\d\.\d{2}\.\d{2}$"),
        gxe.ExpectColumnValuesToBeInSet(column="dranst", value_set=[1, 2, 3]),
        *_at_least_zero(gxe, "antal_doegn"),
        # The CPR guard masks before load; this proves it on what is about to be stored.
        gxe.ExpectColumnValuesToNotMatchRegex(column="borgerreference", regex=r"(^|[^0-9])\d{6}-?\d{4}([^0-9]|$)"),
    ]


def _beslutninger(gxe) -> list:
    # A work list saved as CSV is a decisions file: its rows without a decision are no error
    # (staging reads only rows with one), and several decisions on one flag are allowed (the
    # newest counts: stg_beslutninger__beslutninger).
    return [*_not_null(gxe, "flag_id")]


def _belaegning_prepare(frame: pl.DataFrame) -> pl.DataFrame:
    # More than two occupants per place every day of a 31-day month is not a registration
    # slip but a broken file (units, swapped columns).
    return frame.with_columns((pl.col("normerede_pladser") * 31 * 2).alias("_max_belagte_doegn"))


# Keyed by `Source.name`; GX knows each as `Source.suite` (raw_<name>).
SUITES: dict[str, Suite] = {
    "regnskab": Suite(_regnskab),
    "budget": Suite(_budget),
    "prisindeks": Suite(_prisindeks),
    "befolkning": Suite(_befolkning),
    "tilbud": Suite(_tilbud),
    "takstbilag": Suite(_takstbilag),
    "belaegning": Suite(_belaegning, _belaegning_prepare),
    "sikrede": Suite(_sikrede, _sikrede_prepare),
    "sundhedstjek": Suite(_sundhedstjek),
    "sundhedstjek_maalgruppe": Suite(_maalgruppe),
    "posteringer": Suite(_posteringer),
    "beslutninger": Suite(_beslutninger),
}
