"""Writing a landing directory and its manifest of planted cases.

A planted case is a row marked in its frame (column `_plant`, an id into `Plants`); when the
frame is written, the row's position gives its physical line, so the manifest points at the
line a reader will report — computed on the whole frame at once, not row by row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

PLANT = "_plant"


@dataclass(frozen=True)
class Plant:
    """One planted registration (`rule`, `kind` positive | near_miss), an unparseable value
    (`rule` None, `column` and `raw` set) or a CPR-like value (`cpr` True)."""

    rule: str | None
    kind: str = "positive"
    note: str = ""
    kommunekode: str | None = None
    tilbudsnr: int | None = None
    periode: str | None = None
    column: str | None = None
    raw: str | None = None
    cpr: bool = False


class Plants:
    """Plants by id; several plants may share a row (a list per id)."""

    def __init__(self) -> None:
        self.by_id: dict[int, list[Plant]] = {}

    def new(self, *plants: Plant) -> int:
        pid = len(self.by_id) + 1
        self.by_id[pid] = list(plants)
        return pid

    def add(self, pid: int, plant: Plant) -> None:
        self.by_id[pid].append(plant)


class Landing:
    """Files under `out` with their SHA-256, and the manifest entries of their planted rows."""

    def __init__(self, out: Path, plants: Plants):
        self.out, self.plants = Path(out), plants
        self.files: dict[str, str] = {}
        self.planted: list[dict] = []
        self.unparseable: list[dict] = []
        self.cpr_like: list[dict] = []
        self.rows: dict[str, int] = {}  # data rows per source folder

    def write(self, rel: str, data: bytes) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files[rel] = hashlib.sha256(data).hexdigest()

    def record(self, rel: str, frame: pl.DataFrame, first_line: int) -> None:
        """Manifest entries for the rows of `frame` with a plant id; row i of the frame is on
        physical line `first_line + i`. Also counts the rows of the file's source."""
        source = rel.split("/")[0]
        self.rows[source] = self.rows.get(source, 0) + frame.height
        if PLANT not in frame.columns:
            return
        marked = frame.with_row_index("_i").filter(pl.col(PLANT).is_not_null()).select("_i", PLANT)
        for i, pid in marked.iter_rows():  # a loop over the few planted rows, not the file
            for p in self.plants.by_id[pid]:
                self._entry(rel, first_line + i, p)

    def record_line(self, rel: str, line: int, pid: int) -> None:
        for p in self.plants.by_id[pid]:
            self._entry(rel, line, p)

    def _entry(self, rel: str, line: int, p: Plant) -> None:
        if p.cpr:
            self.cpr_like.append({"file": rel, "line": line, "column": p.column})
        elif p.rule is None:
            self.unparseable.append({"file": rel, "line": line, "column": p.column, "raw_value": p.raw})
        else:
            self.planted.append({"rule": p.rule, "kind": p.kind, "source": rel.split("/")[0], "file": rel,
                                 "line": line, "kommunekode": p.kommunekode, "tilbudsnr": p.tilbudsnr,
                                 "periode": p.periode, "note": p.note})

    def manifest(self, **head) -> dict:
        manifest = {
            **head,
            "files": dict(sorted(self.files.items())),
            "rows": dict(sorted(self.rows.items())),
            "planted": sorted(self.planted, key=lambda e: (e["rule"], e["kind"], e["file"], e["line"],
                                                          e["periode"] or "")),
            "unparseable": sorted(self.unparseable, key=lambda e: (e["file"], e["line"], e["column"])),
            "cpr_like": sorted(self.cpr_like, key=lambda e: (e["file"], e["line"])),
        }
        text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (self.out / "_manifest.json").write_text(text, encoding="utf-8")
        return manifest
