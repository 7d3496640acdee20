"""Names and text put into SQL by the code, quoted so a value can never end the statement.

The rule (docs/sql-safety.md): a value is bound with `?`; only what cannot be bound — a
catalog, schema, table or column name, and the path of `ATTACH` — is spliced into SQL text, and
then through `ident` or `literal`, never as it is. Names taken from a file (a header, a sheet)
are not spliced at all: the loader keeps unknown columns as data (`raw.<source>.ekstra`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb


def ident(name: str) -> str:
    """`name` as a DuckDB identifier: in double quotes, every `"` doubled (SQL's own escape).

    Raises ValueError for a NUL character, which DuckDB's parser reads as the end of the text."""
    if "\0" in name:
        raise ValueError("an SQL identifier cannot hold a NUL character")
    return '"' + name.replace('"', '""') + '"'


def qualified(*parts: str) -> str:
    """`catalog.schema.table` (any number of parts), each part quoted by `ident`."""
    return ".".join(ident(p) for p in parts)


def literal(text: str) -> str:
    """`text` as a DuckDB string literal, every `'` doubled: for the few places that take no
    parameter (`ATTACH '<path>'`). Raises ValueError for a NUL character."""
    if "\0" in text:
        raise ValueError("an SQL string literal cannot hold a NUL character")
    return "'" + text.replace("'", "''") + "'"


def attach_read_only(con: duckdb.DuckDBPyConnection, db: Path, name: str) -> None:
    """Attach `db` to `con` as catalog `name`, read-only (ATTACH takes no parameter)."""
    con.execute(f"attach {literal(str(db))} as {ident(name)} (read_only)")
