"""`cockpit worklist --kommune K --out FILE.xlsx`: one municipality's row-level work, for its steward.

The published file holds no row-level data (docs/disclosure.md); this is how row-level work
reaches the people allowed to do it. It reads the build DB read-only and writes one workbook with
one sheet per kind, holding municipality K's rows and nothing of any other:

- `Flag`: K's registration flags (cockpit.datakvalitet, full text; a rate flag is K's when K
  operates the tilbud) with their status, file, line and, for a flag on a posting, the posting
  it points at (voucher, date, amount, case key, text); the last four columns `Beslutning`,
  `Begrundelse`, `Af`, `Dato` hold the decision so far and are where the steward writes one.
  The sheet saved as CSV (semicolons, as a Danish Excel saves it) is a valid `beslutninger/`
  file: `Flag-id` and the four decision columns are the contract's header, the others are
  extra columns the reader keeps and ignores, and a row left without a decision is none;
- `Afviste rækker`: rejected values (quarantine) of the files whose loaded rows all belong to K;
- `Dyre enkeltsager`: K's expensive cases with their case keys (marts.mart_dyre_enkeltsager).

A rejected value in a file whose loaded rows name several municipalities, or none, cannot be
told apart by municipality; it is left out and counted on stderr (it is in the build DB).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ingest.sources import SOURCES
from warehouse.settings import Settings

# Excel format codes are locale-neutral: a Danish Excel shows `#,##0.00` as 1.234,56.
AMOUNT_FORMAT = "#,##0.00"
INTEGER_FORMAT = "0"  # years, lines, tilbud numbers: no thousands dot
DATE_FORMAT = "dd-mm-yyyy"
DATETIME_FORMAT = "dd-mm-yyyy hh:mm"
# The decisions file's columns (cockpit-schema.md, `beslutninger/`) but Flag-id, which comes first.
DECISION_COLUMNS = ("Beslutning", "Begrundelse", "Af", "Dato")
MAX_WIDTH = 60

FLAGS_SQL = """
select
    f.flag_id as "Flag-id", f.status as "Status", f.regel as "Regel", f.regel_navn as "Regel navn", f.alvorlighed as "Alvorlighed",
    f.kilde as "Kilde", f.kildefil as "Kildefil", f.kildelinje as "Kildelinje", f.kommunekode as "Kommunekode",
    f.tilbudsnr as "Tilbudsnr", f.periode as "Periode", f.beskrivelse as "Beskrivelse", f.vaerdi as "Værdi",
    f.forventet as "Forventet", p.bilagsnr as "Bilagsnr", p.bogfoeringsdato as "Bogføringsdato",
    cast(p.beloeb as decimal(18, 2)) as "Beløb", p.borgerreference as "Borgerreference", p.tekst as "Tekst",
    f.beslutning as "Beslutning", f.begrundelse as "Begrundelse", f.besluttet_af as "Af", f.besluttet_dato as "Dato"
from cockpit.datakvalitet as f
left join raw.posteringer as p
    on f.kilde = 'posteringer' and p._source_file = f.kildefil and p._source_line = f.kildelinje
where f.kommunekode = ?
order by f.regel, f.kildefil, f.kildelinje
"""

# Files all of whose loaded rows belong to one municipality (by the sources that name one).
FILE_OWNER_SQL = """
with rows_of_files as (
    {union}
)
select _source_file, min(kommune) as kommune
from rows_of_files
group by _source_file
having count(distinct kommune) = 1 and count(kommune) = count(*)
"""

REJECTED_SQL = """
select a.kilde as "Kilde", a.kildefil as "Kildefil", a.kildelinje as "Kildelinje", a.kolonne as "Kolonne",
       a.raavaerdi as "Rå værdi", a.aarsag as "Årsag", a.load_id as "Indlæsning"
from quarantine.afviste_raekker as a
inner join ({owners}) as o on a.kildefil = o._source_file
where o.kommune = ?
order by a.kildefil, a.kildelinje, a.kolonne
"""

CASES_SQL = """
select kommunekode as "Kommunekode", kommunenavn as "Kommune", aar as "År", borgerreference as "Borgerreference",
       antal_poster as "Posteringer", helaarsudgift_kr as "Helårsudgift kr", over_graense as "Over grænse",
       refusion_kr as "Forventet refusion kr", nettoudgift_kr as "Nettoudgift kr", rang_i_kommune as "Rang",
       i_top5 as "Blandt dyreste 5 %"
from marts.mart_dyre_enkeltsager
where kommunekode = ?
order by aar, rang_i_kommune
"""

# (raw table, its municipality column): the sources a municipality's steward delivers.
KOMMUNE_COLUMNS = tuple((s.name, s.steward_column) for s in SOURCES.values() if s.steward_column)


class WorklistError(Exception):
    """The work list cannot be made; the message (Danish, one line) says why and what to do."""


@dataclass(frozen=True)
class Worklist:
    """The sheets of one municipality's work list: sheet name → frame, and the rejected values
    left out because their file names several municipalities or none."""

    kommune: str
    sheets: dict[str, pl.DataFrame]
    unassigned_rejected: int


def read_worklist(con: duckdb.DuckDBPyConnection, kommune: str) -> Worklist:
    """Municipality `kommune`'s (3-digit DST code) rows from the build DB `con`: flags with the
    posting each points at, rejected values, expensive cases. Raises WorklistError when the
    build DB has no flags view (no build has finished)."""
    if not _has(con, "cockpit", "datakvalitet"):
        raise WorklistError("build-DB'en har ingen cockpit.datakvalitet: kør 'cockpit run' først")
    flags = con.execute(FLAGS_SQL, [kommune]).pl()
    union = " union all ".join(
        f'select _source_file, cast("{col}" as varchar) as kommune from raw."{table}"'
        for table, col in KOMMUNE_COLUMNS
        if _has(con, "raw", table)
    )
    rejected, unassigned = pl.DataFrame(), 0
    if _has(con, "quarantine", "afviste_raekker"):
        owners = FILE_OWNER_SQL.format(union=union or "select null::varchar as _source_file, null::varchar as kommune")
        rejected = con.execute(REJECTED_SQL.format(owners=owners), [kommune]).pl()
        unassigned = con.execute(
            f"select count(*) from quarantine.afviste_raekker where kildefil not in (select _source_file from ({owners}))"
        ).fetchone()[0]
    cases = con.execute(CASES_SQL, [kommune]).pl() if _has(con, "marts", "mart_dyre_enkeltsager") else pl.DataFrame()
    return Worklist(kommune, {"Flag": flags, "Afviste rækker": rejected, "Dyre enkeltsager": cases}, int(unassigned))


def write_workbook(worklist: Worklist, out: Path) -> None:
    """Write `worklist` to `out` (.xlsx): one sheet per kind, bold frozen header, autofilter,
    Danish number and date formats, column widths from the content. A sheet without rows keeps
    its header and says so in A2."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in worklist.sheets.items():
        ws = wb.create_sheet(name)
        if not frame.columns:
            ws.append(["Ingen rækker"])
            continue
        ws.append(frame.columns)
        for row in frame.iter_rows():
            ws.append(list(row))
        _as_text(ws, frame)
        if frame.height == 0:
            ws.append([f"Ingen rækker for kommune {worklist.kommune}"])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE4EE")
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(frame.height, 1) + 1}"
        for idx, (column, dtype) in enumerate(frame.schema.items(), start=1):
            fmt = _format_of(dtype)
            letter = get_column_letter(idx)
            if fmt and frame.height:
                for (cell,) in ws.iter_rows(min_row=2, max_row=frame.height + 1, min_col=idx, max_col=idx):
                    cell.number_format = fmt
            ws.column_dimensions[letter].width = _width(frame, column)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


def _as_text(ws, frame: pl.DataFrame) -> None:
    """Keep the text cells text: openpyxl stores a string that starts with `=` as a formula, so a
    posting's free text or a rejected raw value like `=HYPERLINK(…)` would run in the steward's
    Excel (formula injection). Such cells are written as strings."""
    for idx, dtype in enumerate(frame.dtypes, start=1):
        if dtype != pl.String or not frame.height:
            continue
        for (cell,) in ws.iter_rows(min_row=2, max_row=frame.height + 1, min_col=idx, max_col=idx):
            if cell.data_type == "f":
                cell.data_type = "s"


def _format_of(dtype: pl.DataType) -> str | None:
    if isinstance(dtype, pl.Decimal) or dtype in (pl.Float32, pl.Float64):
        return AMOUNT_FORMAT
    if dtype.is_integer():
        return INTEGER_FORMAT
    if dtype == pl.Date:
        return DATE_FORMAT
    if isinstance(dtype, pl.Datetime):
        return DATETIME_FORMAT
    return None


def _width(frame: pl.DataFrame, column: str) -> float:
    longest = frame.select(pl.col(column).cast(pl.String).str.len_chars().max()).item() if frame.height else 0
    return min(max(len(column), longest or 0) + 2, MAX_WIDTH)


def _has(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            """select count(*) from (select schema_name, table_name as n from duckdb_tables()
               union all select schema_name, view_name from duckdb_views()) where schema_name = ? and n = ?""",
            [schema, name],
        ).fetchone()[0]
    )


def run_worklist(args: argparse.Namespace, settings: Settings, progress: Callable[[str], None]) -> int:
    """The CLI command: read K's rows from the build DB (read-only), write the workbook, print
    its path on stdout and one line per sheet on stderr. Exit 1 with a one-line Danish reason."""
    kommune = args.kommune.strip()
    if not (len(kommune) == 3 and kommune.isdigit()):
        progress(f"fejl: --kommune {args.kommune!r} er ikke en kommunekode på 3 cifre (fx 851)")
        return 1
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        progress(f"fejl: --out {out} skal være en .xlsx-fil")
        return 1
    if not settings.build_db.is_file():
        progress(f"fejl: build-DB'en {settings.build_db} findes ikke (kør 'cockpit run' eller angiv --build-db)")
        return 1
    try:
        with settings.connect_build(read_only=True) as con:
            worklist = read_worklist(con, kommune)
    except (duckdb.Error, WorklistError) as exc:
        progress(f"fejl: {settings.build_db}: {str(exc).splitlines()[0]}")
        return 1
    write_workbook(worklist, out)
    for name, frame in worklist.sheets.items():
        progress(f"{name}: {frame.height} rækker for kommune {kommune}")
    if worklist.unassigned_rejected:
        progress(
            f"{worklist.unassigned_rejected} afviste værdier ligger i filer med flere eller ingen kommuner og står "
            f"ikke i arbejdslisten: se cockpit.afviste_raekker i {settings.build_db}"
        )
    print(out)
    return 0
