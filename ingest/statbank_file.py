"""A StatBank file in whatever shape a user downloaded it, read as one cube: dimensions + INDHOLD.

Two layouts are recognised from the file itself (file names carry no meaning):

- **API export** (`…/data/FOLK1AM/CSV`): a header of variable ids and `INDHOLD`, one row per
  cell. Any subset and order of the table's variables; an eliminated variable means its total.
  Code, Value or CodeAndValue presentation; Danish or English labels.
- **Web-page download** (*Gem som … semikolon-/kommasepareret*): a title block, then a header
  whose stub cells are blank and whose other cells are periods (`2022`, `2024K1`, `2024M01`),
  stub labels left blank when unchanged, `;` or `,`, usually Windows-1252. Read into the same
  long rows as an API export; each value keeps the physical line it stands on.

Anything else is refused with one line saying which export to choose instead.
`complete_totals` then makes the cube whole on the typed rows: a missing total is derived
from a complete breakdown, a gap is reported, and a total that exists is checked against its
parts, never added to them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ingest import statbank
from ingest.cpr import mask_cpr
from ingest.errors import ContractError
from ingest.textfile import LINE, RAGGED_SCHEMA, TextFrame, read_csv_text, read_text, separator_hint

VALUE = "INDHOLD"
WHICH_EXPORT = (
    "eksportér som CSV med kolonneoverskrifter fra StatBank-API'et eller gem tabellen "
    "som semikolonsepareret fil fra statistikbanken.dk"
)
_PERIOD = re.compile(r"^\d{4}(?:[KQ][1-4]|M(?:0[1-9]|1[0-2]))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Dimension:
    """A variable of a StatBank table as it appears in a file."""

    id: str  # the variable id in an API header (`OMRÅDE`)
    parser: Callable[[pl.Expr], pl.Expr]  # value → code, null when unknown (ingest/statbank.py)
    total: str | None  # the value an eliminated variable stands for; None: it cannot be eliminated
    aliases: tuple[str, ...] = ()  # other header spellings (English, without æøå)
    code: str | None = None  # a value in Code presentation; names the presentation
    in_every_table: bool = True  # False: a table of the cube lacks it (FOLK1AM has no CIVILSTAND)


@dataclass(frozen=True)
class Breakdown:
    """A variable whose total is the (signed) sum of its categories, on the typed rows."""

    column: str  # typed column in raw (`koen`)
    variable: str  # its StatBank id, for messages
    total: object  # the total's code (`TOT`, -1)
    parts: dict | None  # category → sign; None: every single year 0 … the highest in the file
    check: bool = True  # compare an existing total with its parts (ART: rule R17 does, with a tolerance)
    absent_note: str | None = None  # said once per file that has no breakdown of this variable


@dataclass(frozen=True)
class Cube:
    table: str
    dimensions: tuple[Dimension, ...]
    keys: tuple[str, ...]  # typed key columns of a cell
    breakdowns: tuple[Breakdown, ...] = ()
    why_not_eliminated: str = ""  # said when a variable that cannot be eliminated is missing

    def dimension(self, header: str) -> Dimension | None:
        wanted = header.strip().strip('"').strip().casefold()
        return next(
            (d for d in self.dimensions if wanted in {d.id.casefold(), *(a.casefold() for a in d.aliases)}), None
        )


AREA = "OMRÅDE"  # the area variable's id in REGK31 and FOLK1A; other tables may name it otherwise
AGE_KEYS_NOTE = "ingen aldersfordeling: nøglerne 18–64, 14–23 og 15–17 kan ikke beregnes"

FOLK1A = Cube(
    "FOLK1A/FOLK1AM",
    (
        Dimension("OMRÅDE", statbank.statbank_area, "000", ("OMRAADE", "OMRADE", "AREA", "REGION"), r"\d{3}"),
        Dimension("KØN", statbank.koen, "TOT", ("KOEN", "KON", "SEX"), r"TOT|1|2"),
        Dimension("ALDER", statbank.alder, "IALT", ("AGE",), r"IALT|\d{1,3}"),
        Dimension("CIVILSTAND", statbank.civilstand, "TOT", ("MARITAL STATUS",), r"TOT|[UGEF]", in_every_table=False),
        Dimension("TID", statbank.period_start, None, ("TIME",)),
    ),
    ("omraade_kode", "koen", "alder", "civilstand", "periode_start"),
    (
        Breakdown("koen", "KØN", "TOT", {"1": 1, "2": 1}),
        Breakdown("civilstand", "CIVILSTAND", "TOT", {"U": 1, "G": 1, "E": 1, "F": 1}),
        Breakdown("alder", "ALDER", statbank.ALL_AGES, None, absent_note=AGE_KEYS_NOTE),
    ),
)

REGK31 = Cube(
    "REGK31",
    (
        Dimension("OMRÅDE", statbank.statbank_area, "000", ("OMRAADE", "OMRADE", "AREA", "REGION"), r"\d{3}"),
        Dimension("FUNKTION", statbank.function_dotted, None, ("FUNCTION",), r"\d{5}"),
        Dimension("DRANST", statbank.dranst, None, ("ACCOUNT",), r"[123]"),
        Dimension("ART", statbank.art, "TOT", ("TYPE",), r"TOT|UE|I"),
        Dimension("PRISENHED", statbank.prisenhed, None, ("PRICE UNIT",), r"LOBM|INDL"),
        Dimension("TID", statbank.period_start, None, ("TIME",)),
    ),
    ("omraade_kode", "funktion", "dranst", "art", "prisenhed", "aar"),
    (Breakdown("art", "ART", "TOT", {"UE": 1, "I": -1}, check=False),),
    why_not_eliminated="cockpittet bruger driftsudgifter (DRANST 1) i løbende priser pr. funktion",
)

# Municipal budgets by function (landing-zone §9): REGK31's variables, TID the budget year. Its
# area variable has another id in DST's API; `_area_by_values` finds it by its values.
BUDK32 = Cube(
    "BUDK32",
    REGK31.dimensions,
    REGK31.keys,
    REGK31.breakdowns,
    why_not_eliminated="cockpittet bruger driftsbudgettet (DRANST 1) i løbende priser pr. funktion",
)


@dataclass(frozen=True)
class Shaped:
    text: TextFrame
    shape: str  # what was detected, for `cockpit check` ("StatBank API, Code, uden KØN/ALDER")
    notes: tuple[str, ...] = ()


def read(path: Path, name: str, cube: Cube) -> Shaped:
    """Read a StatBank file of `cube` in any shape into text columns named by the cube's
    variable ids (every variable present, eliminated ones filled with their total) + INDHOLD,
    each row with its physical line (`_source_line`). Raises ContractError when the layout is
    not one of StatBank's, or a variable that has no total is missing."""
    data = read_text(path, name)
    lines = data.decode("utf-8").splitlines()
    hint = 1 if lines and separator_hint(lines[0]) else 0  # Excel's `sep=;` line above the header
    first = next((i for i, line in enumerate(lines) if i >= hint and line.strip()), None)
    if first is None:
        raise ContractError(name, "filen er tom", line=1)
    if any(c.casefold() == VALUE.casefold() for c in _cells(lines[first], ";")):
        return _api(read_csv_text(path, name, header_line=first + 1 - hint), name, cube)
    for i, line in enumerate(lines[:40]):
        delimiter = _wide_header(line, cube)
        if delimiter:
            return _wide(data.decode("utf-8"), i + 1, delimiter, name, cube)
    raise ContractError(
        name,
        f"ikke en StatBank-fil vi kan læse (ingen overskrift med {VALUE} eller med perioder som "
        f"kolonner): {WHICH_EXPORT}",
        line=first + 1,
    )


def _cells(line: str, delimiter: str) -> list[str]:
    return [c.strip() for c in next(csv.reader([line], delimiter=delimiter), [])]


def _api(text: TextFrame, name: str, cube: Cube) -> Shaped:
    renames = {}
    for column in text.frame.columns:
        dim = cube.dimension(column)
        if dim is not None:
            renames[column] = dim.id
        elif column.strip().casefold() == VALUE.casefold():
            renames[column] = VALUE
    renames.update(_area_by_values(text.frame, renames, cube))
    frame = text.frame.rename(renames)
    _not_another_table(
        cube, [c for c in frame.columns if c not in renames.values() and c != LINE], name, text.header_line
    )
    missing = _eliminated(cube, frame.columns, name, text.header_line)
    frame = frame.with_columns(pl.lit(d.total).alias(d.id) for d in missing)
    shape = f"StatBank API, {_presentation(frame, cube, missing)}" + _language(frame, cube) + _without(missing)
    return Shaped(TextFrame(frame, text.header_line, text.ragged, text.preamble), shape)


def _area_by_values(frame: pl.DataFrame, known: dict[str, str], cube: Cube) -> dict[str, str]:
    """The area variable under an id the cube does not list (BUDK32 names it otherwise than
    REGK31, landing-zone §9): the one unknown column whose every value is an area (`851`,
    `Hele landet`, `081 Region Nordjylland`). Without it the area would count as eliminated and
    every row would become the whole country's."""
    area = next((d for d in cube.dimensions if d.id == AREA), None)
    if area is None or area.id in known.values():
        return {}
    unknown = [c for c in frame.columns if c not in known and c != LINE and c.strip().casefold() != VALUE.casefold()]
    fits = [
        c
        for c in unknown
        if frame.select(
            pl.col(c).is_not_null().any() & area.parser(pl.col(c)).is_not_null().eq(pl.col(c).is_not_null()).all()
        ).item()
    ]
    return {fits[0]: area.id} if len(fits) == 1 else {}


def _not_another_table(cube: Cube, unknown: list[str], name: str, header_line: int) -> None:
    """An unknown column that is a variable of another cube: the file is in the wrong folder
    (its cells would otherwise collapse onto this table's totals)."""
    for other, folder in ((FOLK1A, "befolkning"), (REGK31, "regnskab")):
        if other is not cube and any(other.dimension(c) and not cube.dimension(c) for c in unknown):
            raise ContractError(
                name,
                f"filen ligner {other.table} (kolonner: {', '.join(unknown)}): læg den i {folder}/",
                line=header_line,
            )


def _eliminated(cube: Cube, columns: list[str], name: str, header_line: int) -> list[Dimension]:
    missing = [d for d in cube.dimensions if d.id not in columns]
    required = [d.id for d in missing if d.total is None]
    if required:
        why = f" ({cube.why_not_eliminated})" if cube.why_not_eliminated else ""
        raise ContractError(
            name,
            f"{cube.table} uden {', '.join(required)}: vælg {'/'.join(required)} i StatBank i stedet for at "
            f"eliminere {'den' if len(required) == 1 else 'dem'}{why}",
            column=", ".join(required),
            line=header_line,
        )
    return missing


def _without(missing: list[Dimension]) -> str:
    named = [d.id for d in missing if d.in_every_table]
    return f", uden {'/'.join(named)}" if named else ""


def _presentation(frame: pl.DataFrame, cube: Cube, missing: list[Dimension]) -> str:
    """Code, CodeAndValue or Value, told from the first variable in the file that has codes."""
    for dim in cube.dimensions:
        if dim.code is None or dim in missing:
            continue
        values = frame.get_column(dim.id).drop_nulls().head(2000).str.strip_chars()
        if values.len() == 0:
            continue
        if values.str.contains(rf"^(?:{dim.code})$").all():
            return "Code"
        if values.str.contains(rf"^(?:{dim.code})\s+\S").all():
            return "CodeAndValue"
        return "Value"
    return "Value"


_ENGLISH = r"^(?:Total|Men|Women|Age, total|\d+ years?|\d{4}Q[1-4]|All Denmark|Total \(net\))$"


def _language(frame: pl.DataFrame, cube: Cube) -> str:
    columns = [d.id for d in cube.dimensions if d.id in frame.columns]
    english = frame.head(5000).select(pl.any_horizontal(pl.col(columns).str.strip_chars().str.contains(_ENGLISH)).any())
    return ", engelske etiketter" if english.item() else ""


def _wide_header(line: str, cube: Cube) -> str | None:
    """The delimiter when `line` is a web-page header: stub cells blank (or variable names),
    then one or more periods and nothing else."""
    for delimiter in (";", ","):
        cells = _cells(line, delimiter)
        first_period = next((i for i, c in enumerate(cells) if _PERIOD.match(c)), None)
        if first_period is None or len(cells) < 2:
            continue
        stub, periods = cells[:first_period], cells[first_period:]
        if all(_PERIOD.match(c) for c in periods) and all(not c or cube.dimension(c) for c in stub):
            return delimiter
    return None


def _wide(decoded: str, header_line: int, delimiter: str, name: str, cube: Cube) -> Shaped:
    reader = csv.reader(io.StringIO(decoded, newline=""), delimiter=delimiter)
    records, lines = [], []
    for record in reader:
        records.append([c.strip() for c in record])
        lines.append(reader.line_num)  # the physical line a record ends on
    header_at = next(i for i, line in enumerate(lines) if line >= header_line)
    header = records[header_at]
    n_stub = next(i for i, c in enumerate(header) if _PERIOD.match(c))
    periods = header[n_stub:]
    if len(set(periods)) != len(periods):
        raise ContractError(
            name, f"perioden står i flere kolonner i overskriften: {WHICH_EXPORT}", line=lines[header_at]
        )
    body = list(zip(lines[header_at + 1 :], records[header_at + 1 :]))
    rows, ragged, notes = [], [], []
    for line, record in body:
        if not any(record):
            continue
        if len(record) == 1:  # a footnote under the table: text without a single delimiter
            notes.append(line)
        elif len(record) != len(header):
            ragged.append(
                (line, delimiter.join(record), f"linjen har {len(record)} felter, overskriften har {len(header)}")
            )
        else:
            rows.append([line, *record])
    if not rows:
        raise ContractError(name, "tabellen har ingen datarækker under overskriften", line=lines[header_at])
    stub_names = [f"_stub{i}" for i in range(n_stub)]
    frame = pl.DataFrame(rows, schema=[LINE, *stub_names, *periods], orient="row").with_columns(
        pl.col(LINE).cast(pl.Int64)
    )
    # StatBank leaves an outer label blank while it repeats: carry the last one forward.
    frame = frame.with_columns(
        pl.when(pl.col(s) == "").then(None).otherwise(pl.col(s)).forward_fill().alias(s) for s in stub_names
    )
    assigned = _assign_stub(frame, stub_names, [header[i] for i in range(n_stub)], cube, name, lines[header_at])
    long = (
        frame.rename(assigned)
        .unpivot(index=[LINE, *assigned.values()], on=periods, variable_name="TID", value_name=VALUE)
        .sort(LINE, "TID")
    )
    missing = _eliminated(cube, long.columns, name, lines[header_at])
    long = long.with_columns(pl.lit(d.total).alias(d.id) for d in missing)
    ragged_frame = pl.DataFrame(ragged, schema=RAGGED_SCHEMA, orient="row")
    found = tuple(
        f"{len(notes)} notelinje(r) under tabellen er ikke data og indlæses ikke (linje {notes[0]})" for _ in notes[:1]
    )
    preamble = tuple(decoded.splitlines()[: header_line - 1])
    return Shaped(
        TextFrame(long, header_line, ragged_frame, preamble), "StatBank webside, bred" + _without(missing), found
    )


def _assign_stub(
    frame: pl.DataFrame, stubs: list[str], names: list[str], cube: Cube, name: str, header_line: int
) -> dict[str, str]:
    """Which variable each stub column holds: by its header when it has one, else by which
    variable's parser reads every value (ambiguous ones, like a column of only `I alt`, take the
    remaining variables in the table's order)."""
    free = [d for d in cube.dimensions if d.id != "TID"]
    assigned: dict[str, str] = {}
    for stub, header in zip(stubs, names):
        dim = cube.dimension(header) if header else None
        if dim is not None and dim in free:
            assigned[stub] = dim.id
            free.remove(dim)
    candidates = {}
    for stub in stubs:
        if stub in assigned:
            continue
        values = frame.select(pl.col(stub).unique().drop_nulls())
        candidates[stub] = [d for d in free if values.select(d.parser(pl.col(stub)).is_not_null().all()).item()]
    for unique_first in (True, False):
        for stub in stubs:
            options = [d for d in candidates.get(stub, []) if d in free]
            if stub in assigned or not options or (unique_first and len(options) > 1):
                continue
            assigned[stub] = options[0].id
            free.remove(options[0])
    unknown = [s for s in stubs if s not in assigned]
    if unknown:
        sample = frame.get_column(unknown[0]).drop_nulls().head(1).to_list()
        shown = pl.select(mask_cpr(pl.lit(sample[0] if sample else ""))).item()
        raise ContractError(
            name,
            f"forspalte {stubs.index(unknown[0]) + 1} ('{shown}') er ingen af {cube.table}s variable: {WHICH_EXPORT}",
            line=header_line,
        )
    return assigned


# --------------------------------------------------------------------------- totals
DERIVED = "afledt"  # raw column: why a row is not in the file ("sum af KØN 1, 2"), NULL for file rows


@dataclass(frozen=True)
class Completed:
    rows: pl.DataFrame
    findings: tuple[str, ...] = field(default_factory=tuple)


def complete_totals(rows: pl.DataFrame, cube: Cube) -> Completed:
    """Make the cube whole, one breakdown at a time (so totals over several variables follow):

    - a cell whose total row is missing gets one derived from its parts when the breakdown is
      complete (every category; for ages every single year 0 … the highest in the file), with
      `afledt` saying so and the line of its first part;
    - a breakdown with a gap leaves the total missing (NULL downstream, never a short sum) and
      is a finding naming what is missing;
    - where total and complete parts both exist, the total is kept and must equal the parts'
      sum, else a finding with the total's line. Parts are never added on top of a total.

    `rows` are typed rows with the cube's key columns, `indhold` and `_source_line`.
    """
    rows = rows.with_columns(pl.lit(None, dtype=pl.String).alias(DERIVED)) if DERIVED not in rows.columns else rows
    findings: list[str] = []
    for b in cube.breakdowns:
        if rows.height == 0 or b.column not in rows.columns:
            continue
        is_part = pl.col(b.column) != b.total
        if rows.filter(is_part & pl.col(b.column).is_not_null()).height == 0:
            if b.absent_note:
                findings.append(b.absent_note)
            continue
        parts = (
            b.parts
            if b.parts is not None
            else {a: 1 for a in range(0, rows.filter(is_part).get_column(b.column).max() + 1)}
        )
        others = [k for k in cube.keys if k != b.column]
        sign = pl.col(b.column).replace_strict(parts, default=0, return_dtype=pl.Int64)
        groups = (
            rows.group_by(others)
            .agg(
                pl.col("indhold").filter(~is_part).first().alias("_total"),
                pl.col(LINE).filter(~is_part).first().alias("_total_line"),
                (pl.col("indhold") * sign).filter(is_part).sum().alias("_sum"),
                # A part shown as `..` (not available) is a gap, not a zero.
                pl.col(b.column)
                .filter(is_part & pl.col(b.column).is_in(list(parts)) & pl.col("indhold").is_not_null())
                .n_unique()
                .alias("_n"),
                pl.col(LINE).filter(is_part).min().alias("_first_line"),
                is_part.any().alias("_has_parts"),
                (~is_part).any().alias("_has_total"),
                *[pl.col(c).first() for c in rows.columns if c not in (*cube.keys, "indhold", LINE, DERIVED)],
            )
            .filter(pl.col("_has_parts"))
        )
        complete = pl.col("_n") == len(parts)
        derived = groups.filter(~pl.col("_has_total") & complete)
        if derived.height:
            rows = pl.concat(
                [
                    rows,
                    derived.select(
                        *others,
                        pl.lit(b.total, dtype=rows.schema[b.column]).alias(b.column),
                        pl.col("_sum").cast(rows.schema["indhold"]).alias("indhold"),
                        pl.col("_first_line").alias(LINE),
                        pl.lit(f"sum af {b.variable} ({_list(parts)})").alias(DERIVED),
                        *[
                            c
                            for c in derived.columns
                            if c in rows.columns and c not in (*others, b.column, "indhold", LINE, DERIVED)
                        ],
                    ),
                ],
                how="diagonal_relaxed",
            )
            findings.append(
                f"{derived.height} total(er) for {b.variable} mangler i filen og er afledt som summen af "
                f"{b.variable} {_list(parts)}"
            )
        gaps = groups.filter(~pl.col("_has_total") & ~complete)
        if gaps.height:
            findings.append(_gap_finding(rows, b, parts, others, gaps))
        if b.check:
            wrong = groups.filter(pl.col("_has_total") & complete & (pl.col("_sum") != pl.col("_total"))).sort(
                "_total_line"
            )
            for r in wrong.head(5).iter_rows(named=True):
                findings.append(
                    f"linje {r['_total_line']}: {b.variable} i alt er {r['_total']}, men summen af delene er "
                    f"{r['_sum']} ({_cell(r, others)}); totalen bruges"
                )
            if wrong.height > 5:
                findings.append(f"… og {wrong.height - 5} totaler mere, der ikke stemmer med summen af {b.variable}")
    return Completed(rows.sort(LINE, nulls_last=True), tuple(findings))


def _gap_finding(rows: pl.DataFrame, b: Breakdown, parts: dict, others: list[str], gaps: pl.DataFrame) -> str:
    present = rows.join(gaps.select(others), on=others, how="semi", nulls_equal=True).filter(
        (pl.col(b.column) != b.total) & pl.col("indhold").is_not_null()
    )
    have = set(present.get_column(b.column).unique().to_list())
    missing = [p for p in parts if p not in have] or ["(nogle kombinationer)"]
    first = gaps.get_column("_first_line").min()
    what = "alder" if b.parts is None else b.variable
    return (
        f"{b.variable}: {what} {_list(missing)} mangler, så totalen kan ikke beregnes for {gaps.height} "
        f"kombination(er) (første: linje {first}); den forbliver tom"
    )


def _list(values) -> str:
    """`0, 1, 2, 5` → `0–2, 5`; codes as they are."""
    values = list(values)
    if not all(isinstance(v, int) for v in values):
        return ", ".join(str(v) for v in values)
    out, start = [], None
    for i, v in enumerate(values):
        start = v if start is None else start
        if i + 1 == len(values) or values[i + 1] != v + 1:
            out.append(f"{start}" if start == v else f"{start}–{v}")
            start = None
    return ", ".join(out)


def _cell(row: dict, others: list[str]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in others)
