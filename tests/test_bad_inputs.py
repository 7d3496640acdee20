"""The bad-input corpus (tests/bad_inputs/<source folder>/<case>): every broken file gives a
clear contract error naming file (and column/line where there is one) or a quarantined value
with its line — never a traceback, never a silent drop."""

from pathlib import Path

import pytest

from ingest.errors import ContractError
from ingest.sources import SOURCES, read_file

CORPUS = Path(__file__).parent / "bad_inputs"

ERRORS = {  # file → (words in the reason, column, line)
    "belaegning/empty.csv": ("tom", None, 1),
    "belaegning/missing_column.csv": ("påkrævet kolonne mangler", "Pladser i drift", 1),
    "belaegning/wrong_delimiter.csv": (
        "forkert skilletegn",
        "Tilbudsnr, Måned, Normerede pladser, Pladser i drift, Belagte døgn",
        1,
    ),
    "posteringer/binary_named.csv": ("binær", None, 1),  # the first damaged line
    "posteringer/mixed_encodings.csv": ("blandet kodning", None, 202),
    "takstbilag/no_takster_sheet.xlsx": ("arket 'Takster' findes ikke (ark i filen: Ark1)", None, None),
}
QUARANTINED = {  # file → (rows loaded, [(line, column, raw value)])
    "belaegning/truncated_last_line.csv": (200, [(202, "(hele linjen)", "1001;2024-11;1")]),
    "belaegning/duplicated_header.csv": (
        400,
        [(202, c, c) for c in ("Belagte døgn", "Måned", "Normerede pladser", "Pladser i drift", "Tilbudsnr")],
    ),
    "belaegning/month_2023_13.csv": (200, [(202, "Måned", "2023-13")]),
    "posteringer/unknown_municipality.csv": (200, [(202, "Kommunenr", "999")]),
    "posteringer/date_31_02_2023.csv": (200, [(202, "Bogføringsdato", "31-02-2023")]),
    "posteringer/amount_12_34_5.csv": (200, [(202, "Beløb", "12,34,5")]),
}


def _read(rel: str):
    folder = rel.split("/")[0]
    (source,) = [s for s in SOURCES.values() if s.landing_folder == folder]
    return read_file(source, CORPUS / rel, CORPUS, "corpus")


# A header without rows is an export of a period without postings: nothing to load, said once.
EMPTY = {"belaegning/header_only.csv": "filen har kun overskriften, ingen datarækker"}


def test_corpus_is_fully_covered():
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()}
    assert on_disk == set(ERRORS) | set(QUARANTINED) | set(EMPTY)


@pytest.mark.parametrize("rel", sorted(EMPTY))
def test_header_only_file_loads_nothing_and_says_so(rel):
    parsed = _read(rel)
    assert (parsed.rows.height, parsed.rejected.height, parsed.findings) == (0, 0, (EMPTY[rel],))


@pytest.mark.parametrize("rel", sorted(ERRORS))
def test_contract_errors_name_file_column_and_line(rel):
    words, column, line = ERRORS[rel]
    with pytest.raises(ContractError) as err:
        _read(rel)
    assert words in err.value.reason
    assert (err.value.file, err.value.column, err.value.line) == (rel, column, line)


@pytest.mark.parametrize("rel", sorted(QUARANTINED))
def test_bad_values_are_quarantined_with_their_line(rel):
    rows, rejected = QUARANTINED[rel]
    parsed = _read(rel)
    assert parsed.rows.height == rows
    assert parsed.rejected.select("kildelinje", "kolonne", "raavaerdi").rows() == rejected
    assert set(parsed.rejected["kildefil"]) == {rel}
