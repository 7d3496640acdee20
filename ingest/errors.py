"""The one error a reader raises when a file breaks its contract."""

from __future__ import annotations

import unicodedata

from ingest.cpr import mask_text


def printable(text: str) -> str:
    """`text` with control, format and line-separator characters escaped (`\\n`, `\\x1b`,
    `\\u202e`): a file name with a line break must not forge a line in a log, an escape
    sequence must not reach a terminal, a right-to-left mark must not reverse a name."""
    return "".join(
        c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c
        for c in text
    )


class ContractError(Exception):
    """A file cannot be trusted at all: undecodable, a required column missing, too many
    rejected rows. The run stops before publishing; the message names file, column and line.

    Every part of the message passes the CPR mask here (rule R15, "also in error messages"):
    a reason may quote a value, and texts of polars, openpyxl or DuckDB errors may too. The
    message is one line: a steward reads it in a terminal, the UI shows it as the step's error.
    """

    def __init__(self, file: str, reason: str, *, column: str | None = None, line: int | None = None):
        reason = printable(" ".join(mask_text(str(reason)).split()))
        column = printable(mask_text(column)) if column is not None else None
        file = printable(mask_text(file))
        self.file, self.reason, self.column, self.line = file, reason, column, line
        where = file
        if line is not None:
            where += f", linje {line}"
        if column is not None:
            where += f", kolonne '{column}'"
        super().__init__(f"{where}: {reason}")
