"""What every source module of the regional sample shares: the 11 municipalities' names and the
functions (their facts in `sampledata/domain.py`, shared with the national sample), Danish text
of numbers and dates, seeded draws, and the manifest plumbing (`Landing` records every written
file and every planted case with its physical line)."""

from __future__ import annotations

import calendar
import hashlib
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ingest.danish_format import tal
from sampledata.domain import FUNCTION_LABELS, FUNCTION_SHARES, MUNICIPALITIES

D = Decimal
HEALTH_TOTALS = {2022: 381, 2023: 458, 2024: 602}  # domain/README.md, 2024 = Jan-25 Oct
POSTING_YEARS = (2023, 2024)

NAME = {code: name for code, name, _ in MUNICIPALITIES}
REGION, NATIONAL = ("081", "Region Nordjylland"), ("000", "Hele landet")

# function, label, share (sampledata/domain.py)
FUNCTIONS = [(fn, FUNCTION_LABELS[fn], share) for fn, share in FUNCTION_SHARES.items()]
ADULT_FUNCTIONS = [fn for fn in FUNCTION_SHARES if fn.startswith("5.38")]
SEL_RESIDENTIAL = ("SEL § 107", "SEL § 108", "SEL §§ 109-110")


def dk(x: Decimal, decimals: int, thousands: bool = False) -> str:
    """Danish number (ingest/danish_format.py), with or without thousands dots as systems differ."""
    text = tal(x, decimals)
    return text if thousands else text.replace(".", "")


def dkdate(d: date) -> str:
    return d.strftime("%d-%m-%Y")


def month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def split(total: int, weights: list[int]) -> list[int]:
    """Largest-remainder split of an integer total (ties to the first); parts sum exactly."""
    sign, total, w_sum = (-1 if total < 0 else 1), abs(total), sum(weights)
    parts = [total * w // w_sum for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % w_sum), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]


def source_rng(seed: int, source: str) -> random.Random:
    return random.Random(f"{seed}:{source}")  # str seeds hash with sha512: stable across runs


@dataclass
class Tag:
    """A planted registration on the row it is attached to."""

    rule: str
    kind: str  # "positive" | "near_miss"
    note: str
    kommunekode: str | None = None
    tilbudsnr: int | None = None
    periode: str | None = None


@dataclass
class Bad:
    """An unparseable raw value on the row it is attached to."""

    column: str
    raw: str


@dataclass
class Cpr:
    column: str


class Landing:
    """Writes files under `out`, hashes them and records the tags of each written line."""

    def __init__(self, out: Path):
        self.out, self.files = out, {}
        self.planted, self.unparseable, self.cpr_like = [], [], []

    def write(self, rel: str, data: bytes) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[rel] = hashlib.sha256(data).hexdigest()

    def record(self, rel: str, line: int, tags: list) -> None:
        for t in tags:
            if isinstance(t, Bad):
                self.unparseable.append({"file": rel, "line": line, "column": t.column, "raw_value": t.raw})
            elif isinstance(t, Cpr):
                self.cpr_like.append({"file": rel, "line": line, "column": t.column})
            else:
                self.planted.append(
                    {
                        "rule": t.rule,
                        "kind": t.kind,
                        "source": rel.split("/")[0],
                        "file": rel,
                        "line": line,
                        "kommunekode": t.kommunekode,
                        "tilbudsnr": t.tilbudsnr,
                        "periode": t.periode,
                        "note": t.note,
                    }
                )

    def csv(
        self,
        rel: str,
        header: list[str],
        rows: list[tuple[list[str], list]],
        *,
        encoding: str = "utf-8",
        bom: bool = False,
        eol: str = "\r\n",
        preamble: tuple[str, ...] = (),
    ) -> None:
        lines = [*preamble, ";".join(header)]
        for cells, tags in rows:
            lines.append(";".join(_csv_cell(c) for c in cells))
            self.record(rel, len(lines), tags)
        # the brief's limit: unparseable values are never more than 0.5 % of a file's rows
        assert sum(isinstance(t, Bad) for _, tags in rows for t in tags) * 200 <= len(rows), rel
        data = (eol.join(lines) + eol).encode(encoding)
        self.write(rel, (b"\xef\xbb\xbf" if bom else b"") + data)


def _csv_cell(text: str) -> str:
    """Quoted as Excel quotes: only a cell holding `;` (or starting with `"`) needs it."""
    return '"' + text.replace('"', '""') + '"' if ";" in text or text.startswith('"') else text
