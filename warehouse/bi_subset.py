"""What the published file holds: the BI subset of the audited build DB, and its fingerprint.

Two files, two audiences (docs/disclosure.md). The build DB keeps everything for the data
engineers (row-level raw data with lineage, quarantine, marts, flags with full text). The
published file is what every BI user in the 12 organisations opens and what the public report is
made from, so it holds only:

- every view of schema `cockpit` but the row-level ones (`WITHHELD_VIEWS`), copied as a table
  `publicering.<view>` with a view `cockpit.<view>` over it, so BI tools and the report read the
  same `cockpit.<view>` names as before, with every column description;
- where dbt's schema `publicering` has a view of the same name (flags and rejected values with
  the text of postings left out), that view instead of the cockpit one;
- the seeds (schema `reference`, reference data BI needs) and the run log `meta.koersler`.

No relation copied may have a column of a forbidden kind (`FORBIDDEN_COLUMNS`: a citizen key,
posting free text, a voucher number): writing refuses before anything is written. The
fingerprint is computed over the same subset on both sides: over the selects in the audited
build, and over the tables of the published file as a reader sees them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.dbt_manifest import load_manifest
from warehouse.sql_names import attach_read_only, literal

DATA_SCHEMA = "publicering"  # dbt's redacted views in the build; the copied tables in the published file
WITHHELD_VIEWS = frozenset({"dyre_enkeltsager"})  # one row per citizen with the case key: work lists only
# Column names of the forbidden kinds: citizen key, posting free text, voucher number (landing
# contract §8 and the names the models give them), and the CPR-like finds of R15.
FORBIDDEN_COLUMNS = frozenset({"borgerreference", "borger", "tekst", "bilagsnr", "cpr", "cpr_nummer", "cprnr"})
RUN_LOG = ("meta", "koersler")  # holds the fingerprint, so it is compared apart from it
RUN_LOG_VIEW = "koersler"  # cockpit.koersler, the view over the run log


# The landing sources with person-level data: postings carry the citizen key, the secure
# institutions' reports count refused persons and the waiting list.
# The quarantine holds rejected raw values and CPR findings of the same files.
PERSON_SOURCES = frozenset(
    {
        "source.cockpit.raw.posteringer",
        "source.cockpit.raw.sikrede",
        "source.cockpit.quarantine.afviste_raekker",
        "source.cockpit.quarantine.cpr_fund",
    }
)
DISCLOSURE_COLUMN = "maskeret"  # the marker of a view that went through disclosure control


class ForbiddenColumn(RuntimeError):
    """A relation of the BI subset has a column of a forbidden kind, or a cockpit view built on
    person-level data has not been through disclosure control; nothing was published."""


@dataclass(frozen=True)
class PublishedRelation:
    """One relation of the published file: `target` (`schema.name` there, a table), `source`
    (`schema.name` in the build DB it is copied from), `view` (the cockpit view over it, or None)."""

    target: str
    source: str
    view: str | None


@dataclass(frozen=True)
class SubsetFingerprint:
    """Content of the BI subset: per published relation its row count and an order-independent
    checksum (sum of DuckDB's row hashes), its columns with types, and the cockpit views.
    `digest` is a SHA-256 over all of it but the run log, whose row for this run holds the digest
    itself; `run_log` is the run log's own (count, checksum)."""

    relations: dict[str, tuple[int, int]]
    columns: tuple[tuple[str, str], ...]
    views: tuple[str, ...]
    run_log: tuple[int, int]

    @property
    def digest(self) -> str:
        lines = [f"{name} {n} {checksum}" for name, (n, checksum) in sorted(self.relations.items())]
        lines += [f"{name}\t{cols}" for name, cols in self.columns]
        lines += [f"view cockpit.{v}" for v in self.views]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def differences(self, other: SubsetFingerprint) -> list[str]:
        """What `other` (the published file) has that differs from self (the audited subset), in Danish."""
        out = []
        for name in sorted(set(self.relations) | set(other.relations)):
            mine, theirs = self.relations.get(name), other.relations.get(name)
            if mine is None:
                out.append(f"{name} findes kun i den publicerede fil")
            elif theirs is None:
                out.append(f"{name} mangler i den publicerede fil")
            elif mine != theirs:
                out.append(
                    f"{name}: {theirs[0]} rækker (build: {mine[0]})"
                    if mine[0] != theirs[0]
                    else f"{name}: andet indhold med samme antal rækker ({mine[0]})"
                )
        if not out and (self.columns != other.columns or self.views != other.views):
            out.append("kolonner eller views afviger")
        if self.run_log != other.run_log:
            out.append(f"{'.'.join(RUN_LOG)}: {other.run_log[0]} rækker (build: {self.run_log[0]})")
        return out


def bi_subset(con: duckdb.DuckDBPyConnection, catalog: str) -> list[PublishedRelation]:
    """The relations of build DB `catalog` (attached to `con`) that the published file holds,
    sorted by target: see the module docstring. Reads the catalog only."""
    cockpit = [
        name
        for (name,) in con.execute(
            """select view_name from duckdb_views() where database_name = ? and schema_name = 'cockpit'
               union select table_name from duckdb_tables() where database_name = ? and schema_name = 'cockpit'""",
            [catalog, catalog],
        ).fetchall()
        if name not in WITHHELD_VIEWS
    ]
    redacted = {
        name
        for (name,) in con.execute(
            "select view_name from duckdb_views() where database_name = ? and schema_name = ?", [catalog, DATA_SCHEMA]
        ).fetchall()
    }
    out = [
        PublishedRelation(f"{DATA_SCHEMA}.{name}", f"{DATA_SCHEMA if name in redacted else 'cockpit'}.{name}", name)
        for name in cockpit
    ]
    out += [
        PublishedRelation(f"reference.{name}", f"reference.{name}", None)
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = 'reference'", [catalog]
        ).fetchall()
    ]
    has_log = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = ? and table_name = ?",
        [catalog, *RUN_LOG],
    ).fetchone()[0]
    if has_log:
        out.append(PublishedRelation(".".join(RUN_LOG), ".".join(RUN_LOG), None))
    return sorted(out, key=lambda r: r.target)


def forbidden_columns(con: duckdb.DuckDBPyConnection, catalog: str, subset: list[PublishedRelation]) -> list[str]:
    """`schema.name.column` of every column of a forbidden kind in the subset's sources (case-insensitive)."""
    found = []
    for r in subset:
        for (col,) in con.execute(
            f"select column_name from (describe select * from {_qualified(catalog, r.source)})"
        ).fetchall():
            if col.lower() in FORBIDDEN_COLUMNS:
                found.append(f"{r.source}.{col}")
    return found


def undisclosed_person_views(
    con: duckdb.DuckDBPyConnection, catalog: str, subset: list[PublishedRelation], manifest: dict
) -> list[str]:
    """The cockpit views of `subset` built (through any number of models) on a person-level
    source (`PERSON_SOURCES`, from the dbt manifest's lineage) that are published as they are:
    neither replaced by a redacted `publicering` view nor carrying the column `maskeret` of
    disclosure control. A new view on postings that skips the policy is caught here, before it
    reaches a reader."""
    nodes = manifest["nodes"]
    upstream: dict[str, frozenset[str]] = {}

    def sources_of(node_id: str) -> frozenset[str]:
        if node_id not in upstream:
            upstream[node_id] = frozenset()  # a cycle cannot occur in dbt; this only guards recursion
            found = set()
            for dep in nodes.get(node_id, {}).get("depends_on", {}).get("nodes", []):
                found |= {dep} if dep.startswith("source.") else sources_of(dep)
            upstream[node_id] = frozenset(found)
        return upstream[node_id]

    by_view = {
        n["alias"] or n["name"]: node_id
        for node_id, n in nodes.items()
        if n["resource_type"] == "model" and n["schema"] == "cockpit"
    }
    out = []
    for r in subset:
        if not r.view or not r.source.startswith("cockpit.") or r.view == RUN_LOG_VIEW:
            continue
        if r.view not in by_view:  # made outside dbt (or a stale manifest): its lineage is unknown
            out.append(f"cockpit.{r.view} (ikke i dbt-manifestet)")
            continue
        if not sources_of(by_view[r.view]) & PERSON_SOURCES:
            continue
        cols = {
            c.lower()
            for (c,) in con.execute(
                f"select column_name from (describe select * from {_qualified(catalog, r.source)})"
            ).fetchall()
        }
        if DISCLOSURE_COLUMN not in cols:
            out.append(f"cockpit.{r.view}")
    return out


def write_bi_subset(build_db: Path, target: Path, manifest: dict | None = None) -> list[PublishedRelation]:
    """Write the BI subset of the closed, checkpointed `build_db` into the new DuckDB file `target`
    (which must not exist): tables under their targets, the cockpit views over them, the table,
    view and column descriptions of the build. Returns the subset. Raises `ForbiddenColumn`
    (naming every offending column or view) before writing anything when a relation has a
    column of a forbidden kind or a view on person-level data skipped disclosure control
    (`undisclosed_person_views`, lineage from `manifest`, default: the dbt project's)."""
    with duckdb.connect(str(target)) as con:
        con.execute(f"attach {literal(str(build_db))} as build (read_only)")
        subset = bi_subset(con, "build")
        bad = forbidden_columns(con, "build", subset)
        if bad:
            raise ForbiddenColumn(
                "den publicerede fil må ikke have borgernøgle, fritekst eller bilagsnummer: " + ", ".join(bad)
            )
        unchecked = undisclosed_person_views(con, "build", subset, manifest or load_manifest())
        if unchecked:
            raise ForbiddenColumn(
                "view bygget på persondata uden diskretionering (kolonnen maskeret mangler, docs/disclosure.md): "
                + ", ".join(unchecked)
            )
        # One transaction: each of the ~400 statements committed alone cost a WAL write each.
        con.execute("begin transaction")
        for schema in sorted({r.target.split(".")[0] for r in subset} | {"cockpit"}):
            con.execute(f'create schema if not exists "{schema}"')
        for r in subset:
            con.execute(f"create table {_qualified(None, r.target)} as select * from {_qualified('build', r.source)}")
            if r.view:
                con.execute(f'create view cockpit."{r.view}" as select * from {_qualified(None, r.target)}')
        _copy_descriptions(con, subset)
        con.execute("commit")
        con.execute("detach build")
        con.execute("checkpoint")
    return subset


def _copy_descriptions(con: duckdb.DuckDBPyConnection, subset: list[PublishedRelation]) -> None:
    # A BI user reads what a column means in duckdb_columns().comment (README): the cockpit
    # views' descriptions go onto the views, the seeds' onto their tables. The build's comments
    # are read in two queries and written in one batch (one statement each cost ~0,5 ms).
    relation_comments = {
        (schema, name): text
        for schema, name, text in con.execute(
            """select schema_name, table_name, comment from duckdb_tables() where database_name = 'build'
               and comment <> '' union all select schema_name, view_name, comment from duckdb_views()
               where database_name = 'build' and comment <> ''"""
        ).fetchall()
    }
    column_comments: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, name, column, text in con.execute(
        """select schema_name, table_name, column_name, comment from duckdb_columns()
           where database_name = 'build' and comment <> '' order by schema_name, table_name, column_index"""
    ).fetchall():
        column_comments.setdefault((schema, name), []).append((column, text))
    statements = []
    for r in subset:
        schema, name = r.source.split(".")
        at = f'cockpit."{r.view}"' if r.view else _qualified(None, r.target)
        # a redacted view (DATA_SCHEMA) carries the cockpit view's own description, not the redaction's
        described = ("cockpit", name) if r.view and schema == DATA_SCHEMA else (schema, name)
        if comment := relation_comments.get(described):
            statements.append(f"comment on {'view' if r.view else 'table'} {at} is '{_sql_text(comment)}'")
        for column, text in column_comments.get(("cockpit", name) if r.view else (schema, name), []):
            statements.append(f"comment on column {at}.\"{column}\" is '{_sql_text(text)}'")
    if statements:
        con.execute(";\n".join(statements))


def subset_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, *, published: bool) -> SubsetFingerprint:
    """The fingerprint of the BI subset of `catalog` attached to (or current in) `con`: of the
    build's sources when `published` is False, of the published file's tables when True. One
    aggregate query per relation (~0.1 s on the sample)."""
    if published:
        relations = [
            (f"{s}.{t}", f"{s}.{t}")
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = ? and not internal",
                [catalog],
            ).fetchall()
        ]
        views = tuple(
            v
            for (v,) in con.execute(
                "select view_name from duckdb_views() where database_name = ? and schema_name = 'cockpit' "
                "and not internal order by 1",
                [catalog],
            ).fetchall()
        )
    else:
        subset = bi_subset(con, catalog)
        relations = [(r.target, r.source) for r in subset]
        views = tuple(sorted(r.view for r in subset if r.view))
    checksums, columns, run_log = {}, [], (0, 0)
    for target, source in sorted(relations):
        n, checksum = con.execute(
            f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {_qualified(catalog, source)} t"
        ).fetchone()
        if target == ".".join(RUN_LOG):
            run_log = (int(n), int(checksum))
            continue
        cols = con.execute(
            f"select column_name, column_type from (describe select * from {_qualified(catalog, source)})"
        )
        columns.append((target, ", ".join(f"{c} {t}" for c, t in cols.fetchall())))
        if target != f"{DATA_SCHEMA}.{RUN_LOG_VIEW}":  # the copy of the run log, compared as the run log
            checksums[target] = (int(n), int(checksum))
    return SubsetFingerprint(checksums, tuple(columns), views, run_log)


def subset_fingerprint_file(db: Path) -> SubsetFingerprint:
    """Open the published file `db` read-only, as a BI tool should, and fingerprint what a reader sees."""

    with duckdb.connect() as con:
        attach_read_only(con, db, "published")
        return subset_fingerprint(con, "published", published=True)


def build_subset_fingerprint_file(db: Path) -> SubsetFingerprint:
    """Open the build DB `db` read-only and fingerprint its BI subset (what publishing it would write)."""

    with duckdb.connect() as con:
        attach_read_only(con, db, "build")
        return subset_fingerprint(con, "build", published=False)


def build_subset_fingerprint(con: duckdb.DuckDBPyConnection) -> SubsetFingerprint:
    """The fingerprint of the BI subset of `con`'s current database (the audited build)."""
    return subset_fingerprint(con, con.execute("select current_database()").fetchone()[0], published=False)


def _qualified(catalog: str | None, relation: str) -> str:
    schema, name = relation.split(".")
    return (f'"{catalog}".' if catalog else "") + f'"{schema}"."{name}"'


def _sql_text(text: str) -> str:
    return text.replace("'", "''")
