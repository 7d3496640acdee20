"""The house's import graph (docs/orchestration.md, Rooms; issue 26): zero import cycles, arrows
only down the layers, Dagster only in `orchestration/` and in every module there.

Imports inside functions count: a cycle through a lazy import is still a cycle (it only moves
the failure from import time to the first call).
"""

from __future__ import annotations

import ast
from pathlib import Path

from warehouse.paths import PROJECT_ROOT

# Bottom to top: a package may import only packages before it.
LAYERS = ["rules", "ingest", "expectations", "sampledata", "report", "warehouse", "orchestration", "cli"]


def _modules() -> dict[str, Path]:
    mods = {}
    for package in LAYERS:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")
            mods[name] = path
    return mods


def _imports(path: Path) -> set[str]:
    """Every module name `path` imports, at top level or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    return {m: {n for n in _imports(p) if n in mods and n != m} for m, p in mods.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_finds_a_cycle_through_three_modules_and_none_in_a_chain():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    assert len(graph) > 70  # every module of the eight packages was read
    assert cycles(graph) == []


def test_imports_point_down_the_layers_only():
    up = sorted(
        f"{m} → {n}"
        for m, targets in _graph().items()
        for n in targets
        if LAYERS.index(n.split(".")[0]) > LAYERS.index(m.split(".")[0])
    )
    assert up == []


def test_dagster_lives_in_orchestration_and_every_module_there_uses_it():
    mods = _modules()
    uses_dagster = {m: any(n.split(".")[0] in ("dagster", "dagster_dbt") for n in _imports(p)) for m, p in mods.items()}
    outside = sorted(m for m, uses in uses_dagster.items() if uses and not m.startswith("orchestration"))
    assert outside == []
    without = sorted(
        m
        for m, uses in uses_dagster.items()
        if m.startswith("orchestration") and not uses and mods[m].read_text(encoding="utf-8").strip()
    )
    assert without == []
