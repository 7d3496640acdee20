"""Build the yearly report: `styringscockpit_<Y>.html` (self-contained: inline SVG and CSS,
nothing fetched), `styringscockpit_<Y>.pdf` (A4, page numbers, the data line on every page)
and `notat_<Y>.md` (the one-page memo) from the published warehouse.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ingest.danish_format import MISSING, SUPPRESSION_LIMIT, antal, dato
from report.memo import one_period
from report.warehouse import ReportError, Warehouse

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class ReportFiles:
    """Where the report of `year` was written, and its memo text (Markdown)."""

    year: int
    html: Path
    pdf: Path
    memo: Path
    memo_text: str
    pages: int
    seconds: float


def report_paths(out_dir: Path, year: int) -> tuple[Path, Path, Path]:
    """The report of `year` in `out_dir`: (HTML, PDF, memo)."""
    return (
        out_dir / f"styringscockpit_{year}.html",
        out_dir / f"styringscockpit_{year}.pdf",
        out_dir / f"notat_{year}.md",
    )


def _section_builders():
    from report import analyses, sections

    return [
        sections.udgifter,
        sections.belaegning,
        sections.sikrede,
        sections.takster,
        sections.sundhedstjek,
        sections.fordelingsnoegler,
        analyses.dyre_enkeltsager,
        analyses.koeb,
        analyses.udbud,
        analyses.datakvalitet,
    ]


def _markdown_strong(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text, quote=False))


def data_years(wh: Warehouse) -> set[int]:
    """Years any yearly cockpit view has rows for (a report of such a year can be made)."""
    found: set[int] = set()
    for view in (
        "udgifter_kommune",
        "takster",
        "belaegning_tilbud",
        "sikrede_institutioner",
        "sundhedstjek",
        "dyre_enkeltsager_kommune",
        "fordelingsnoegler",
    ):
        if wh.has(view):
            found |= {y for (y,) in wh.con.execute(f"select distinct aar from cockpit.{view}").fetchall()}
    return found


def build_report(
    published_db: Path, out_dir: Path, year: int | None = None, *, progress: Callable[[str], None] = lambda _m: None
) -> ReportFiles:
    """Write the report of `year` (default: the newest complete year) to `out_dir`.

    Reads only `cockpit.*` views of `published_db` and its seed of the 11 municipalities
    (`reference.kommuner`, the report's scope: `Warehouse.in_agreement`), opened read-only.
    Raises ReportError when the file is missing or unreadable, or no cockpit view has data for
    the year. A section whose source is missing renders a sentence saying so. Files are
    replaced atomically, so a reader never sees half a report.
    """
    t0 = time.perf_counter()
    import jinja2

    with Warehouse(published_db) as wh:
        if year is None:
            year = wh.newest_complete_year()
            progress(f"rapport: år {year} (nyeste komplette år i {published_db.name})")
        elif year not in data_years(wh):
            have = ", ".join(map(str, sorted(data_years(wh)))) or "ingen"
            raise ReportError(f"ingen data for {year} i {published_db} (år med data: {have})")
        sections = []
        for build in _section_builders():
            t = time.perf_counter()
            section = build(wh, year)
            section.lead = one_period(section.lead)
            sections.append(section)
            progress(
                f"  afsnit {section.title}: {sum(1 for b in section.blocks if hasattr(b, 'svg'))} figurer, "
                f"{sum(1 for b in section.blocks if hasattr(b, 'columns'))} tabeller ({time.perf_counter() - t:.1f}s)"
            )
        run = (
            wh.frame("select * from cockpit.koersler order by publiceret desc limit 1").row(0, named=True)
            if wh.has("koersler") and wh.con.execute("select count(*) from cockpit.koersler").fetchone()[0]
            else None
        )

    from report.memo import memo_markdown, memo_points, partial_sources
    from report.sections import KILDER

    by_id = {s.id: s for s in sections}
    footer = {
        "publiceret": dato(run["publiceret"]) if run else MISSING,
        "run_id": run["run_id"] if run else MISSING,
        "filer": antal(run["filer"]) if run else MISSING,
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    page = env.get_template("report.html.j2").render(
        year=year,
        sections=sections,
        footer=footer,
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
        points=[_markdown_strong(p) for p in memo_points(year, by_id)],
        db_name=Path(published_db).name,
        suppression=SUPPRESSION_LIMIT,
        kilder=KILDER,
        partial=partial_sources(by_id),
    )
    memo = memo_markdown(year, by_id, run)

    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path, memo_path = report_paths(out_dir, year)
    _write_atomic(html_path, page.encode("utf-8"))
    _write_atomic(memo_path, memo.encode("utf-8"))
    progress(f"  html og notat skrevet ({time.perf_counter() - t0:.1f}s)")
    pages = _write_pdf(page, html_path, pdf_path)
    progress(f"  pdf: {pages} sider ({time.perf_counter() - t0:.1f}s)")
    return ReportFiles(year, html_path, pdf_path, memo_path, memo, pages, time.perf_counter() - t0)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _write_pdf(page: str, html_path: Path, pdf_path: Path) -> int:
    import logging

    import weasyprint

    # WeasyPrint logs every CSS property it ignores (e.g. screen-only ones) as a warning.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = weasyprint.HTML(string=page, base_url=str(html_path.parent)).render()
    tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
    document.write_pdf(tmp)
    tmp.replace(pdf_path)
    return len(document.pages)
