"""The import graph matches the request path (docs/architecture.md): no arrow runs back against it.

Read from the source (every import, at module level or inside a function), per top-level unit
of `gateway` (a package or a module). Foundations import only foundations; a stage imports
foundations and the stages after it on the path, never one before it; `values` and `metrics`
import nothing of the gateway; the edges (blueprints, jobs, CLI, the wiring) may import stages,
but nothing on the path imports an edge; and no two units import each other, however indirectly.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GATEWAY = ROOT / "gateway"

# The request path, in order (DESIGN.md): each stage may use the ones after it.
PATH = ("headers", "auth", "keycache", "authz", "proxy", "usage")
# Beside the path: imported by anything, importing no stage and no edge.
FOUNDATIONS = frozenset(
    {
        "values", "errors", "metrics", "settings", "clock", "durations", "forks", "extensions",
        "models", "redis_failures", "leases", "validation", "body", "logs", "migrate", "database",
        "webhooks",
    }
)  # fmt: skip
LEAVES = ("values", "metrics")  # import nothing of the gateway at all


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path, module: str) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "gateway":  # `from .. import keycache`: the names are the units
                found.update(f"gateway.{a.name}" for a in node.names)
            else:
                found.add(target)
    return {m for m in found if m == "gateway" or m.startswith("gateway.")}


def unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in GATEWAY.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        src = _unit(module)
        graph.setdefault(src, set())
        for target in _imports(path, module):
            dst = _unit(target)
            if dst != src:
                graph[src].add(dst)
    return graph


GRAPH = unit_graph()


def test_the_graph_is_read_from_the_source():
    # What the checks below stand on: the path's own arrows are seen.
    assert {"keycache"} <= GRAPH["auth"] and "usage" in GRAPH["proxy"]
    assert set(PATH) <= set(GRAPH) and set(GRAPH) >= FOUNDATIONS


@pytest.mark.parametrize("leaf", LEAVES)
def test_values_and_metrics_import_nothing_of_the_gateway(leaf):
    assert GRAPH[leaf] == set()


@pytest.mark.parametrize("unit", sorted(FOUNDATIONS))
def test_a_foundation_imports_only_foundations(unit):
    assert GRAPH[unit] <= FOUNDATIONS, f"{unit} imports {sorted(GRAPH[unit] - FOUNDATIONS)}"


@pytest.mark.parametrize("stage", PATH)
def test_a_stage_imports_only_what_comes_after_it(stage):
    after = set(PATH[PATH.index(stage) + 1 :])
    wrong = GRAPH[stage] - FOUNDATIONS - after
    assert not wrong, f"{stage} imports {sorted(wrong)}: against the path, or an edge"


def test_no_circle_between_units():
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(unit: str, trail: list[str]) -> None:
        state[unit] = 1
        for nxt in sorted(GRAPH.get(unit, ())):
            if state.get(nxt) == 1:
                circle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [unit, nxt]
                pytest.fail("import circle: " + " -> ".join(circle))
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[unit] = 2

    for unit in sorted(GRAPH):
        if unit not in state:
            visit(unit, [unit])


def test_the_gateway_never_imports_the_celery_tasks():
    for path in GATEWAY.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            assert not any(n == "tasks" or n.startswith("tasks.") for n in names), path
