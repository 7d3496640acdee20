"""`cockpit check`: validate landing files without loading them (what a data steward runs
before dropping files in the landing dir). Per file: the shape detected (StatBank layout and
presentation, the ledger mapping applied), rows accepted / rejected / out of scope, the
rejected values and the findings (derived or missing totals, a file without ages)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from ingest.errors import ContractError, printable
from ingest.sources import FOLDERS, SOURCES, Source, periods_of, read_file, unread_paths
from ingest.statbank_file import DERIVED
from ingest.textfile import sha256_file
from warehouse.periods import period_range


def _targets(path: Path) -> tuple[list[tuple[Source, Path, Path]], dict[str, str]]:
    """The files to check under `path` as (source, file, landing dir), and the files there that
    no source reads ({relative path: why}). `path` is a landing dir, one source folder, a folder
    inside one, or a file (also in a sub-folder of a source folder, as the run reads them)."""
    # Absolute, not resolved: a symlink given here is judged where it lies (a link out of the
    # landing dir is refused, never followed to read the file it points at).
    path = Path(os.path.abspath(path))
    folders = {f.casefold() for f in FOLDERS}
    inside = next((p for p in [path, *path.parents] if p.name.casefold() in folders), None)
    landing = inside.parent if inside is not None else (path if path.is_dir() else path.parent)
    wanted = None if path.is_dir() else [path]

    def under(p: Path) -> bool:
        return p == path if wanted else (p == path or path in p.parents)

    found = [(s, f, landing) for s in SOURCES.values() for f in s.files(landing) if under(f)]
    unread = {printable(p.relative_to(landing).as_posix()): why for p, why in unread_paths(landing).items() if under(p)}
    return sorted(found, key=lambda t: t[1]), unread


def outside_partitions(source: Source, rows) -> str:
    """One line when rows of a file belong to no partition (a period before the first year or
    after the current one, or none), else "". They load with their file, but re-running a
    partition does not touch them (docs/operating.md, Partitions)."""
    bounds = period_range(source.grain)
    if bounds is None or rows.height == 0:
        return ""
    first, last = bounds
    periods = periods_of(rows, source)
    outside = periods.filter(pl.col("periode").is_null() | ~pl.col("periode").is_between(pl.lit(first), pl.lit(last)))
    if outside.height == 0:
        return ""
    shown = ", ".join(sorted(p or "uden periode" for p in outside["periode"].to_list())[:6])
    return (
        f"{outside['n'].sum()} rækker uden for partitionerne {first}…{last} (periode {shown}): de indlæses "
        f"med filen, men hører ikke til nogen partition"
    )


def check_paths(
    paths: list[Path], *, progress: Callable[[str], None] = lambda _m: None, known_flags: set[str] | None = None
) -> tuple[str, bool]:
    """Validate files or landing dirs as a run would, without loading: each file is read by its
    source's reader, then every source's files together go through the same Great Expectations
    suite the run's blocking check applies to the raw table (required values, value sets, unique
    keys, ranges), so `check` refuses what the run would refuse. Returns the report (one block
    per file: verdict, shape, counts, findings, rejected values, failed expectations with lines)
    and whether every file passed. `known_flags`: the flag ids a refresh has found
    (`warehouse.flag_history.known_flag_ids` of the build DB); a decision line on another id
    fails its file. None: no build DB to look them up in, said in the decisions files' blocks."""
    blocks: dict[str, list[str]] = {}  # file → its lines; the first is the verdict
    parsed_by_source: dict[str, list] = {}
    ok = True
    for given in paths:
        if not given.exists():
            blocks[str(given)] = [f"{printable(str(given))}: FEJL findes ikke"]
            ok = False
            continue
        targets, unread = _targets(given)
        for rel, why in unread.items():  # the run skips these without loading them: each a mistake
            blocks[rel] = [f"{rel}: FEJL {why}"]
            ok = False
        if not targets and not unread:
            blocks[str(given)] = [
                f"{printable(str(given))}: FEJL ingen landingsfiler her (mapperne hedder {', '.join(FOLDERS)})"
            ]
            ok = False
        copies = same_content(targets)
        for source, file, landing in targets:
            rel = printable(file.relative_to(landing).as_posix())
            copy_of = copies.get(file.relative_to(landing).as_posix())
            if copy_of:  # the run loads it once: checking it twice would double its keys
                blocks[rel] = [f"{rel}: BEMÆRK [{source.name}] {copy_of}"]
                continue
            try:
                parsed = read_file(source, file, landing, "check")
            except ContractError as exc:
                blocks[rel] = [
                    f"{rel}: FEJL [{source.name}] {exc.reason}"
                    + (f" (kolonne {exc.column})" if exc.column else "")
                    + (f" (linje {exc.line})" if exc.line else "")
                ]
                ok = False
                continue
            blocks[rel] = _file_block(rel, source, parsed)
            parsed_by_source.setdefault(source.name, []).append((rel, parsed))
            progress(f"check: {rel}")
    for rel, line in _posting_overlaps(parsed_by_source.get("posteringer", [])):
        blocks[rel].append(f"    fund: {line}")
    for rel, parsed in parsed_by_source.get("beslutninger", []):
        if known_flags is None:
            blocks[rel].append(
                "    bemærk: ingen build-DB at slå Flag-id op i (kør 'cockpit run' eller angiv --build-db)"
            )
            continue
        unknown = _unknown_decisions(rel, parsed.rows, known_flags)
        if unknown:
            blocks[rel][0] = blocks[rel][0].replace(": OK [", ": FEJL [", 1)
            blocks[rel] += [f"    {line}" for line in unknown]
            ok = False
    for source_name, files in parsed_by_source.items():
        for rel, problems in _contract_checks(source_name, files).items():
            blocks[rel][0] = blocks[rel][0].replace(": OK [", ": FEJL [", 1)
            blocks[rel] += problems
            ok = False
    return "\n".join(line for block in blocks.values() for line in block), ok


def _unknown_decisions(rel: str, rows: pl.DataFrame, known: set[str]) -> list[str]:
    from warehouse.flag_history import unknown_decision_lines

    decided = rows.filter(pl.col("beslutning").is_not_null() & (pl.col("flag_id").str.strip_chars() != ""))
    unknown = decided.filter(~pl.col("flag_id").str.strip_chars().is_in(list(known)))
    return unknown_decision_lines(
        [(rel, line, flag_id.strip()) for line, flag_id in unknown.select("_source_line", "flag_id").iter_rows()]
    )


def same_content(targets: list[tuple[Source, Path, Path]]) -> dict[str, str]:
    """{copy: what to say} for byte-identical files (same SHA-256) of one source in one landing
    dir, as the run loads them (warehouse/raw_loader.py): the shortest name, then the first
    by name, is loaded; every other copy is not (issue 24 §3: a second browser download)."""
    from warehouse.raw_loader import DUPLICATE, shown

    by_content: dict[tuple[str, Path, str], list[str]] = {}
    for source, file, landing in targets:
        rel = file.relative_to(landing).as_posix()
        by_content.setdefault((source.name, landing, sha256_file(file)), []).append(rel)
    copies = {}
    for rels in by_content.values():
        first, *rest = sorted(rels, key=lambda r: (len(r), r))
        copies.update({copy: f"{DUPLICATE}{shown(first)}: indlæses ikke (slet kopien)" for copy in rest})
    return copies


def _posting_overlaps(files: list) -> list[tuple[str, str]]:
    """(file, line) for postings with the same key in two checked ledger files of the same
    municipality and year (warehouse/raw_loader.py `posting_overlaps`, as the run finds them)."""
    from warehouse.raw_loader import posting_overlaps
    from warehouse.sql_names import ident

    if len(files) < 2:
        return []
    frame = pl.concat(
        [p.rows.with_columns(pl.lit(rel).alias("_source_file")) for rel, p in files], how="diagonal_relaxed"
    )
    with duckdb.connect() as con:
        con.register("checked_postings", frame)
        return [(copy, text) for copy, text, _, _ in posting_overlaps(con, ident("checked_postings"))]


def _file_block(rel: str, source: Source, parsed) -> list[str]:
    from_file = parsed.rows.filter(pl.col(DERIVED).is_null()) if DERIVED in parsed.rows.columns else parsed.rows
    lines = [
        f"{rel}: OK [{source.name}] "
        + (f"{parsed.shape}: " if parsed.shape else "")
        + f"{from_file.height} rækker godkendt, {parsed.rejected.height} værdier afvist"
        + (f", {parsed.dropped} rækker uden for kommuner og sammenligningsområder udeladt" if parsed.dropped else "")
    ]
    lines += [f"    fund: {printable(finding)}" for finding in parsed.findings]
    outside = outside_partitions(source, from_file)
    if outside:
        lines.append(f"    {outside}")
    for r in parsed.cpr.iter_rows(named=True):
        lines.append(
            f"    linje {r['kildelinje']}, kolonne '{printable(r['kolonne'])}': CPR-lignende værdi maskeret (R15)"
        )
    for r in parsed.rejected.iter_rows(named=True):  # the few rejected values, for the steward
        # A value is the file's text: a line break or an escape sequence in it must not forge output.
        value, column = printable(r["raavaerdi"] or ""), printable(r["kolonne"])
        lines.append(f"    linje {r['kildelinje']}, kolonne '{column}': '{value}' — {printable(r['aarsag'])}")
    return lines


def _contract_checks(source_name: str, files: list) -> dict[str, list[str]]:
    """The source's GX suite (expectations/suites.py) on the rows of all its checked files, as
    the run's blocking check sees the raw table; per file the expectations its rows fail."""
    from expectations.runner import validate

    frame = pl.concat(
        [p.rows.with_columns(pl.lit(rel).alias("_source_file")) for rel, p in files], how="diagonal_relaxed"
    )
    problems: dict[str, list[str]] = {}
    for failure in validate(source_name, frame, max_examples=1000).failures:
        by_file: dict[str, list[int]] = {}
        for example in failure.examples:
            by_file.setdefault(example.get("_source_file"), []).append(example.get("_source_line"))
        if not by_file:  # an expectation without row examples: it concerns every file of the source
            by_file = {rel: [] for rel, _ in files}
        for rel, lines in by_file.items():
            shown = ", ".join(str(n) for n in sorted(set(lines))[:10])
            problems.setdefault(rel, []).append(
                f"    kontrol {failure.expectation}({failure.column}): {failure.unexpected_count} rækker i kilden"
                + (f", her linje {shown}" if shown else "")
                + " — kørslen ville standse her"
            )
    return problems


def loaded_findings(con: duckdb.DuckDBPyConnection) -> list[str]:
    """One line per finding of the loaded files (`quarantine.fund`: a population file without
    ages, totals derived or missing), for the run summary; empty before the first load."""
    has_table = con.execute("""select count(*) from duckdb_tables()
                               where schema_name = 'quarantine' and table_name = 'fund'""").fetchone()[0]
    if not has_table:
        return []
    rows = con.execute("select kildefil, fund from quarantine.fund order by kildefil, fund").fetchall()
    return [f"fund: {file}: {finding}" for file, finding in rows]
