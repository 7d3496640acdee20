"""`cockpit check`: validate landing files without loading them (what a data steward runs
before dropping files in the landing dir)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ingest.errors import ContractError
from ingest.sources import SOURCES, Source, read_file


def _targets(path: Path) -> list[tuple[Source | None, Path, Path]]:
    """(source, file, landing dir) for a file or a landing dir; the source is the folder name."""
    path = path.resolve()
    if path.is_dir():
        if path.name in SOURCES:
            return [(SOURCES[path.name], f, path.parent) for f in SOURCES[path.name].files(path.parent)]
        return [(s, f, path) for s in SOURCES.values() for f in s.files(path)]
    return [(SOURCES.get(path.parent.name), path, path.parent.parent)]


def check_paths(paths: list[Path], *, progress: Callable[[str], None] = lambda _m: None) -> tuple[str, bool]:
    lines, ok = [], True
    now = datetime.now()
    for given in paths:
        if not given.exists():
            lines.append(f"{given}: FEJL findes ikke")
            ok = False
            continue
        for source, file, landing in _targets(given):
            rel = file.relative_to(landing).as_posix()
            if source is None:
                lines.append(f"{rel}: FEJL ukendt kilde (mappen skal hedde en af {', '.join(SOURCES)})")
                ok = False
                continue
            try:
                parsed, _ = read_file(source, file, landing, "check", now)
            except ContractError as exc:
                lines.append(f"{rel}: FEJL [{source.name}] {exc.reason}"
                             + (f" (kolonne {exc.column})" if exc.column else "")
                             + (f" (linje {exc.line})" if exc.line else ""))
                ok = False
                continue
            lines.append(f"{rel}: OK [{source.name}] {parsed.rows.height} rækker godkendt, "
                         f"{parsed.rejected.height} værdier afvist")
            for r in parsed.rejected.iter_rows(named=True):  # the few rejected values, for the steward
                lines.append(f"    linje {r['kildelinje']}, kolonne '{r['kolonne']}': '{r['raavaerdi']}' — {r['aarsag']}")
            progress(f"check: {rel}")
    return "\n".join(lines), ok
