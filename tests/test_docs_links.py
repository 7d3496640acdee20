"""Every relative link of README.md and docs/*.md points at a file that exists, and a link with
`#anchor` into a Markdown file at one of its headings (as GitHub makes anchors), so moving a
section between docs cannot strand a reader."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^```.*?^```", re.DOTALL | re.MULTILINE)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)


def links(text: str) -> list[str]:
    """The targets of the inline links and images of a Markdown text, outside code."""
    return LINK.findall(CODE_SPAN.sub("", FENCE.sub("", text)))


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of every heading of a Markdown file (headings inside code fences are none)."""
    return {anchor(h) for h in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8")))}


def test_anchor_follows_github():
    assert anchor("What `make run` prints") == "what-make-run-prints"
    assert anchor("Where the time and the memory go (issue 15)") == "where-the-time-and-the-memory-go-issue-15"
    assert anchor("Totals: derived, never added twice") == "totals-derived-never-added-twice"
    assert anchor("Data quality and the stewards' work list") == "data-quality-and-the-stewards-work-list"


def test_links_skip_code():
    text = "see [a](a.md) and `[b](b.md)`\n```\n[c](c.md)\n```\n![d](d.png)"
    assert links(text) == ["a.md", "d.png"]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path):
    broken = []
    for target in links(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, fragment = target.partition("#")
        path = (doc.parent / file_part).resolve() if file_part else doc
        if not path.exists():
            broken.append(f"{target}: no file {path.relative_to(ROOT)}")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            broken.append(f"{target}: no heading #{fragment} in {path.relative_to(ROOT)}")
    assert broken == []


def test_readme_is_short_and_links_every_doc():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    linked = {(ROOT / t.partition("#")[0]).resolve() for t in links(readme)}
    assert [p.name for p in DOCS[1:] if p not in linked] == []
