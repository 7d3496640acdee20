"""The CPR pattern of rule R15 (ingest/cpr.py) directly, with its near misses: six digits forming
a valid ddmmyy date, an optional `-`, four digits, not part of a longer number.

No real CPR number anywhere: the planted CPR-like values have the serial 0000, which is never
issued (as in the other fixtures), and the near misses fail the date or the shape."""

import polars as pl
import pytest

from ingest.cpr import MASK, contains_cpr, mask_cpr, mask_frame, mask_text

CPR_LIKE = [  # (text, masked)
    ("010190-0000", MASK),
    ("0101900000", MASK),  # ten digits, no separator
    ("Borger 010190-0000 ringede", f"Borger {MASK} ringede"),
    ("Ref010190-0000x", f"Ref{MASK}x"),  # letters are edges, not digits
    ("(311299-0000)", f"({MASK})"),  # 31 December
    ("290200-0000", MASK),  # 29 February in a year divisible by four
    ("290296-0000", MASK),
    ("300490-0000", MASK),  # 30 April exists
    ("010190-0000;020290-0000", f"{MASK};{MASK}"),  # two numbers sharing one edge character
    ("010190-0000,020290-0000 og 030390-0000", f"{MASK},{MASK} og {MASK}"),
    ("tlf.010190-0000\n", f"tlf.{MASK}\n"),
]

NEAR_MISSES = [
    "3213991234",  # the sample's near miss: 32nd day of month 13
    "320190-0000",  # day 32
    "000190-0000",  # day 0
    "011390-0000",  # month 13
    "010090-0000",  # month 0
    "310490-0000",  # 31 April
    "300290-0000",  # 30 February
    "290201-0000",  # 29 February, 2001 not a leap year
    "290290-0000",  # 29 February, 1990 not a leap year
    "01019000001",  # eleven digits: part of a longer number
    "010190000",  # nine digits
    "1010190-0000",  # seven digits before the separator
    "010190-00000",  # five digits after it
    "010190-000",  # three digits after it
    "12345010190-0000",  # embedded in a longer number
    "010190-00001",
    "010190 0000",  # a space is not the separator
    "010190/0000",
    "010190--0000",
    "01.01.90-0000",
    "01-01-90-0000",
    "0101 900000",
    "DK 0101.9000.00",
    "1.010.190.000",  # an amount with thousands dots
    "2024-01-01",
    "",
]


@pytest.mark.parametrize("text, masked", CPR_LIKE)
def test_cpr_like_numbers_are_found_and_masked_leaving_nothing_of_the_digits(text, masked):
    assert mask_text(text) == masked
    series = pl.Series("t", [text])
    assert series.to_frame().select(contains_cpr(pl.col("t"))).item() is True
    assert series.to_frame().select(mask_cpr(pl.col("t"))).item() == masked
    assert not any(run in mask_text(text) for run in ("0101", "0000", "2902", "3112"))


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_left_as_they_are(text):
    assert mask_text(text) == text
    frame = pl.DataFrame({"t": [text]})
    assert frame.select(contains_cpr(pl.col("t"))).item() is False
    assert frame.select(mask_cpr(pl.col("t"))).item() == text


def test_mask_frame_reports_each_hit_with_line_and_column_and_spares_exempt_cells():
    frame = pl.DataFrame(
        {
            "_source_line": [2, 3, 4],
            "Tekst": ["Ref 010190-0000", "Faktura 3213991234, kørsel", None],
            "Beløb": ["100,00", "0101900000", "2570.0101901234"],
        }
    )
    exempt = pl.DataFrame({"Tekst": [False, False, False], "Beløb": [False, False, True]})
    masked, hits = mask_frame(frame, "_source_line", exempt)
    assert masked["Tekst"].to_list() == [f"Ref {MASK}", "Faktura 3213991234, kørsel", None]
    assert masked["Beløb"].to_list() == ["100,00", MASK, "2570.0101901234"]  # a stored double's fraction
    assert hits.rows() == [(2, "Tekst", f"Ref {MASK}"), (3, "Beløb", MASK)]
