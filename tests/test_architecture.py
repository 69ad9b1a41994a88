"""The shape of the code: one import package, no import cycle, nothing imported by its old top-level name."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
OLD_TOP_LEVEL = {"schemas", "extract", "evals", "prompts", "text"}


def _cycle(graph: grimp.ImportGraph) -> list[str] | None:
    """One import cycle among eightk's modules, if there is any (depth-first search)."""
    modules = sorted(m for m in graph.modules if m != "eightk")
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported == "eightk":
                continue
            if state.get(imported) == 1:
                return [*path[path.index(imported) :], imported]
            if imported not in state and (found := visit(imported)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in modules:
        if module not in state and (found := visit(module)):
            return found
    return None


def test_the_import_graph_has_no_cycle() -> None:
    graph = grimp.build_graph("eightk")
    assert len(graph.modules) > 30
    assert _cycle(graph) is None


def test_no_code_imports_a_folder_by_its_old_top_level_name() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        if {".venv", ".venv-peer", "build"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] in OLD_TOP_LEVEL]
    assert offenders == []
