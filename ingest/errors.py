"""The one error a reader raises when a file breaks its contract."""

from __future__ import annotations


class ContractError(Exception):
    """A file cannot be trusted at all: undecodable, a required column missing, too many
    rejected rows. The run stops before publishing; the message names file, column and line."""

    def __init__(self, file: str, reason: str, *, column: str | None = None, line: int | None = None):
        self.file, self.reason, self.column, self.line = file, reason, column, line
        where = file
        if line is not None:
            where += f", linje {line}"
        if column is not None:
            where += f", kolonne '{column}'"
        super().__init__(f"{where}: {reason}")
