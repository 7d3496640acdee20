"""Ledger mappings: how a financial system's export becomes the postings of landing-zone §8.

A mapping is data (YAML), declared per municipality or financial system and versioned:
shipped ones in `ingest/mappings/`, a steward's own beside the landing files in `posteringer/`
(see docs/mappings.md for the format). A file whose header has every contract column needs no
mapping. Otherwise the mapping whose `signature` columns are all in the header (and whose
`files` patterns, if any, match the file's path) turns the text columns into contract columns;
the rows then go through exactly the same parsing, CPR guard, quarantine and rules as any
posting, each still carrying the physical line of the original file.

A row a mapping cannot transform (an account string that does not fit the pattern, a
debit/credit marker that is neither) is rejected whole with its line and the reason, like a
ragged line, and counts towards the 1 % limit.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl
import yaml

from ingest.errors import ContractError
from ingest.textfile import LINE, RAGGED_SCHEMA, TextFrame

SHIPPED = Path(__file__).resolve().parent / "mappings"
DOCS = "docs/mappings.md"
RULE_KEYS = {"from", "constant", "pattern", "template", "date_format", "sign", "when"}
DATE_FORMATS = {  # the date formats a mapping may name: (regex guard, strptime format)
    "yyyymmdd": (r"^\d{8}$", "%Y%m%d"),
    "dd-mm-yyyy": (r"^\d{2}-\d{2}-\d{4}$", "%d-%m-%Y"),
    "dd.mm.yyyy": (r"^\d{2}\.\d{2}\.\d{4}$", "%d.%m.%Y"),
    "dd/mm/yyyy": (r"^\d{2}/\d{2}/\d{4}$", "%d/%m/%Y"),
    "yyyy-mm-dd": (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
}


@dataclass(frozen=True)
class Mapping:
    name: str
    version: int
    path: Path
    signature: tuple[str, ...]  # header columns that identify the export
    files: tuple[str, ...]  # glob patterns on the path inside the source folder; empty: any file
    columns: dict[str, dict]  # target column → rule

    @property
    def label(self) -> str:
        return f"mapping: {self.name} v{self.version}"


def _fail(path: Path, reason: str) -> ContractError:
    return ContractError(path.name, f"mappingen kan ikke bruges: {reason} (se {DOCS})")


def load(path: Path) -> Mapping:
    """Read and validate one mapping file; ContractError naming the file when it is malformed."""
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _fail(path, f"ikke gyldig YAML: {str(exc).splitlines()[0]}") from exc
    if not isinstance(spec, dict):
        raise _fail(path, "filen skal være et YAML-objekt med name, version, signature og columns")
    missing = [k for k in ("name", "version", "signature", "columns") if k not in spec]
    if missing:
        raise _fail(path, f"mangler {', '.join(missing)}")
    columns = spec["columns"]
    if not isinstance(columns, dict) or not columns:
        raise _fail(path, "columns skal give mindst én kolonne")
    normalised = {}
    for target, rule in columns.items():
        rule = {"from": rule} if isinstance(rule, str) else rule
        if not isinstance(rule, dict) or set(rule) - RULE_KEYS or ("from" in rule) == ("constant" in rule):
            raise _fail(path, f"kolonnen '{target}' skal have enten from eller constant "
                              f"(og evt. {', '.join(sorted(RULE_KEYS - {'from', 'constant'}))})")
        if "pattern" in rule:
            try:
                re.compile(rule["pattern"])
            except re.error as exc:
                raise _fail(path, f"kolonnen '{target}': ugyldigt mønster: {exc}") from exc
        if "date_format" in rule and rule["date_format"] not in DATE_FORMATS:
            raise _fail(path, f"kolonnen '{target}': date_format skal være en af {', '.join(DATE_FORMATS)}")
        normalised[str(target)] = rule
    if not isinstance(spec["version"], int) or isinstance(spec["version"], bool):
        raise _fail(path, f"version skal være et heltal (1, 2, …), ikke '{spec['version']}'")
    return Mapping(str(spec["name"]), spec["version"], path, _strings(spec["signature"]),
                   _strings(spec.get("files") or ()), normalised)


def _strings(value) -> tuple[str, ...]:
    """A YAML list of strings, or one string written without a list (`files: '860_*.csv'`)."""
    return (str(value),) if isinstance(value, str) else tuple(map(str, value))


@cache
def _shipped() -> tuple[Mapping, ...]:
    return tuple(load(p) for p in sorted(SHIPPED.glob("*.y*ml")))


def mappings_for(folder: Path) -> list[Mapping]:
    """The shipped mappings and a steward's own in `folder` (the source's landing folder); a
    landing mapping replaces a shipped one of the same name."""
    local = [load(p) for p in sorted(folder.rglob("*")) if p.suffix.lower() in (".yaml", ".yml")] if folder.is_dir() else []
    names = {m.name for m in local}
    return local + [m for m in _shipped() if m.name not in names]


def choose(header: list[str], rel_in_folder: str, candidates: list[Mapping], file: str) -> Mapping | None:
    """The mapping for a file with this header, or None. More than one fitting mapping is an
    error: give each a `files` pattern."""
    have = {h.strip().casefold() for h in header}
    fitting = [m for m in candidates if {s.casefold() for s in m.signature} <= have
               and (not m.files or any(fnmatch.fnmatch(rel_in_folder, f) for f in m.files))]
    specific = [m for m in fitting if m.files]
    fitting = specific or fitting
    if len(fitting) > 1:
        raise ContractError(file, f"flere mappings passer til filen ({', '.join(m.name for m in fitting)}): "
                                  f"giv dem hver et files-mønster (se {DOCS})", line=1)
    return fitting[0] if fitting else None


def apply(text: TextFrame, mapping: Mapping, file: str) -> TextFrame:
    """The text frame in the mapping's target columns (text, as the contract would have them),
    plus `_source_line`. Rows a rule cannot transform move to `ragged` (rejected whole)."""
    by_key = {c.strip().casefold(): c for c in text.frame.columns if c != LINE}

    def source(column: str) -> pl.Expr:
        key = column.strip().casefold()
        if key not in by_key:
            raise ContractError(file, f"kolonnen '{column}' fra {mapping.label} findes ikke i filen",
                                column=column, line=text.header_line)
        return pl.col(by_key[key]).str.strip_chars()

    values, problems = [], []
    for target, rule in mapping.columns.items():
        value, problem = _rule(rule, source, target)
        values.append(value.alias(target))
        if problem is not None:
            problems.append(problem)
    bad = pl.coalesce(problems) if problems else pl.lit(None, dtype=pl.String)
    out = text.frame.with_columns(bad.alias("_problem"))
    failed = out.filter(pl.col("_problem").is_not_null()).select(
        pl.col(LINE), pl.col("_problem").alias("text"), pl.lit("mappingen kan ikke omsætte værdien").alias("reason"))
    # Unknown columns of the export stay in raw, as for any file (landing-zone: kept, ignored
    # downstream); one named like a target column it does not feed keeps its name with "(fil)".
    used = {by_key[k] for k in (c.strip().casefold() for c in _sources(mapping)) if k in by_key}
    targets = {t.casefold() for t in mapping.columns}
    extra = [pl.col(c).alias(f"{c} (fil)" if c.strip().casefold() in targets else c)
             for c in text.frame.columns if c != LINE and c not in used]
    good = out.filter(pl.col("_problem").is_null()).select(*values, *extra, pl.col(LINE))
    ragged = pl.concat([text.ragged, failed.select(list(RAGGED_SCHEMA))]).cast(RAGGED_SCHEMA).sort(LINE)
    return TextFrame(good, text.header_line, ragged, text.preamble)


def _sources(mapping: Mapping) -> list[str]:
    """Every export column a mapping reads: values, signs and conditions."""
    names = []
    for rule in mapping.columns.values():
        names += [rule["from"]] if "from" in rule else []
        names += [rule["sign"]["from"]] if "sign" in rule else []
        names += [rule["when"]["column"]] if "when" in rule else []
    return names


def _rule(rule: dict, source, target: str) -> tuple[pl.Expr, pl.Expr | None]:
    """(value, problem): the target's text, and a description of the row's problem or null."""
    if "constant" in rule:
        return pl.lit(str(rule["constant"])), None
    raw = source(rule["from"])
    value, problem = raw, None
    blank = raw.is_null() | (raw == "")
    if "pattern" in rule:
        groups = raw.str.extract_groups(rule["pattern"])
        n = re.compile(rule["pattern"]).groups
        template = str(rule.get("template", "".join(f"{{{i}}}" for i in range(1, n + 1))))
        pieces = [pl.lit(p) if i % 2 == 0 else groups.struct.field(p)
                  for i, p in enumerate(re.split(r"\{(\d+)\}", template)) if p or i % 2]
        value = pl.concat_str(pieces)
        problem = pl.when(~blank & value.is_null()).then(
            pl.format(f"{rule['from']} '{{}}' passer ikke til mønsteret for {target}", raw))
    if "date_format" in rule:
        guard, fmt = DATE_FORMATS[rule["date_format"]]
        parsed = pl.when(value.str.contains(guard)).then(value).str.strptime(pl.Date, fmt, strict=False)
        value = pl.coalesce(parsed.dt.strftime("%d-%m-%Y"), value)  # unreadable: the parser rejects it as it is
    if "sign" in rule:
        sign = rule["sign"]
        marker = source(sign["from"]).str.to_lowercase()
        negative = [str(v).lower() for v in sign.get("negative", [])]
        positive = [str(v).lower() for v in sign.get("positive", [])]
        value = pl.when(blank).then(value).when(marker.is_in(negative)).then(pl.concat_str(pl.lit("-"), value)) \
            .when(marker.is_in(positive)).then(value)
        problem = pl.when(~blank & value.is_null()).then(
            pl.format(f"{sign['from']} '{{}}' er hverken {' eller '.join(sign.get('negative', []) + sign.get('positive', []))}",
                      source(sign["from"])))
    if "when" in rule:
        condition = rule["when"]
        allowed = [str(v).lower() for v in condition.get("in", [])]
        value = pl.when(source(condition["column"]).str.to_lowercase().is_in(allowed)).then(value)
    return value, problem
