"""The house rules, checked on the source: no import cycles, dependencies point one way
(``editor -> model``, ``training -> model``), the pure core never imports Textual, and the top of
``editor/`` and ``model/`` stays small (new modules go into folders)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOPS = ("editor", "model", "training")
MAX_TOP_MODULES = 12


def _module_name(path: Path) -> str:
    parts = ["nxedit", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for top in TOPS for p in (ROOT / top).rglob("*.py")}


def _typing_only(tree: ast.AST) -> set[int]:
    """Imports under ``if TYPE_CHECKING:`` (they never run, so they make no cycle)."""
    return {
        id(node)
        for test in ast.walk(tree)
        if isinstance(test, ast.If) and "TYPE_CHECKING" in ast.unparse(test.test)
        for stmt in test.body
        for node in ast.walk(stmt)
    }


def _imported(name: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Every dotted name the import statement may load: the module and, for ``from X import y``,
    ``X.y`` (which is a module when y is one)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        base = name.split(".")
        base = base[: len(base) - node.level + (1 if path.name == "__init__.py" else 0)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    return [prefix] + [f"{prefix}.{a.name}" for a in node.names]


def _inside(name: str, target: str) -> bool:
    """The importer is the target or inside the target package: a submodule's ``from . import x``
    finds its package already being imported, so that edge makes no cycle."""
    return name == target or name.startswith(target + ".")


def import_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (at import time or inside functions alike)."""
    mods = _modules()
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _typing_only(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skip:
                graph[name].update(t for t in _imported(name, path, node) if t in mods and not _inside(name, t))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected sets of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                found.append(sorted(scc))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("low, high", [("model", "editor"), ("model", "training")])
def test_dependencies_point_one_way(low, high):
    wrong = {
        (m, t)
        for m, targets in import_graph().items()
        if m.startswith(f"nxedit.{low}")
        for t in targets
        if t.startswith(f"nxedit.{high}")
    }
    assert wrong == set()


def test_the_core_never_imports_textual():
    offenders = []
    for name, path in _modules().items():
        if not name.startswith("nxedit.model"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import) or (isinstance(node, ast.ImportFrom) and node.level == 0):
                roots = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                offenders += [name for r in roots if r.split(".")[0] in ("textual", "rich")]
    assert offenders == []


@pytest.mark.parametrize("top", ["editor", "model"])
def test_the_top_of_each_folder_stays_small(top):
    modules = [p for p in (ROOT / top).glob("*.py") if p.name != "__init__.py"]
    assert len(modules) <= MAX_TOP_MODULES, sorted(p.name for p in modules)
