"""What the CLI, the publish step and the quality check share about registration flags."""

from __future__ import annotations

import duckdb

# Most severe first: the order a data steward works through the flags.
SEVERITY_ORDER = "case alvorlighed when 'fejl' then 0 when 'advarsel' then 1 else 2 end"


def has_flags_view(con: duckdb.DuckDBPyConnection) -> bool:
    """True once the quality models have built `cockpit.datakvalitet` in this database."""
    return bool(
        con.execute(
            "select count(*) from duckdb_views() where schema_name = 'cockpit' and view_name = 'datakvalitet'"
        ).fetchone()[0]
    )
