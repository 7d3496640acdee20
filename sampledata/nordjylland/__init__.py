"""The regional sample: a deterministic landing directory for the 11 North Jutland municipalities.

`write_sample` writes every source of contracts/landing-zone.md, in its real file format, for
the 11 North Jutland municipalities. For every registration rule R01-R17 of
contracts/data-quality-rules.md it plants at least one *positive* (must be flagged) and one
*near miss* (looks alike, must not be flagged); it also plants a few unparseable values and one
CPR-like case key. `_manifest.json` lists each with its file and physical line, so tests can
assert the pipeline finds exactly these and nothing else: everything not planted is clean.

Determinism: every draw comes from `random.Random` seeded with the seed and the source name
(so sources do not shift each other), money is `Decimal` rounded half-up, and the xlsx files
get fixed document and zip timestamps.
"""

from __future__ import annotations

import json
from pathlib import Path

from sampledata.nordjylland.befolkning import draw_population, write_befolkning
from sampledata.nordjylland.belaegning import write_belaegning
from sampledata.nordjylland.beslutninger import write_beslutninger
from sampledata.nordjylland.budget import write_budget
from sampledata.nordjylland.common import Landing
from sampledata.nordjylland.posteringer import write_posteringer
from sampledata.nordjylland.prisindeks import write_prisindeks
from sampledata.nordjylland.regnskab import draw_regnskab, write_regnskab
from sampledata.nordjylland.sikrede import write_sikrede
from sampledata.nordjylland.sundhedstjek import write_sundhedstjek
from sampledata.nordjylland.takstbilag import draw_takster, write_takstbilag
from sampledata.nordjylland.tilbud import write_tilbud


def write_sample(
    out: Path, seed: int = 2024, years: tuple[int, int] = (2019, 2024), scale: str = "nordjylland"
) -> dict:
    """Write a sample landing directory to `out` and return its manifest (also written to
    `out/_manifest.json`). Same seed -> byte-identical files."""
    if scale == "national":  # 98 municipalities at a realistic volume
        from sampledata.national import write_national

        return write_national(Path(out), seed=seed, years=years)
    if scale != "nordjylland":
        raise ValueError(f"unknown scale {scale!r}")
    if not (2010 <= years[0] <= 2019 and years[1] == 2024):
        # the planted cases and the real figures sit in 2020-2024; the health-check extract is 2024
        raise ValueError("years must start in 2010-2019 and end in 2024")
    span = range(years[0], years[1] + 1)
    landing = Landing(Path(out))
    total, ages = draw_population(seed, span)
    amounts, regnskab_tags = draw_regnskab(seed, span)
    takster = draw_takster(seed, span)
    write_regnskab(landing, span, amounts, regnskab_tags)
    write_budget(landing, seed, span, amounts)
    write_prisindeks(landing, span)
    write_befolkning(landing, span, total, ages)
    write_tilbud(landing)
    write_takstbilag(landing, span, takster)
    write_belaegning(landing, seed, span)
    write_sikrede(landing, seed, span)
    write_sundhedstjek(landing, seed, total)
    write_posteringer(landing, seed, takster, amounts)
    write_beslutninger(landing)
    manifest = {
        "seed": seed,
        "years": list(years),
        "files": dict(sorted(landing.files.items())),
        "planted": sorted(
            landing.planted, key=lambda e: (e["rule"], e["kind"], e["file"], e["line"], e["periode"] or "")
        ),
        "unparseable": landing.unparseable,
        "cpr_like": landing.cpr_like,
    }
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (Path(out) / "_manifest.json").write_text(text, encoding="utf-8")
    return manifest
