"""The house's layout holds: the import graph (read with ast) has no cycles, the core imports no
edge, renderers never see the pipeline, and every module has its test file."""

import ast
from pathlib import Path

import pytest

import levekar

PACKAGE = Path(levekar.__file__).resolve().parent
# The analysis: pure functions over frames and small dataclasses.
CORE = {
    "access",
    "areas",
    "catalogue",
    "codes",
    "counterfactual",
    "crosswalk",
    "index",
    "indicators",
    "presets",
    "neighbours",
    "reselection",
    "selection",
    "sensitivity",
    "spatial",
    "targets",
    "uncertainty",
}
EDGES = (
    "levekar.io",
    "levekar.render",
    "levekar.cli",
    "levekar.study",
    "levekar.demo",
    "levekar.fetch",
    "levekar.pipeline",
    "levekar.publish",
)
DRAWING = ("folium", "branca", "matplotlib", "jinja2", "openpyxl", "typer", "rich", "httpx")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports (at any depth, TYPE_CHECKING blocks excepted), absolute."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            # "from . import x" / "from .render import maps": the submodules themselves
            for a in node.names:
                out.add(f"{mod}.{a.name}")
    return out


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        graph[name] = {m for m in _imports(path) if m in files and m != name}
    return graph


GRAPH = _graph()


def test_the_graph_sees_the_package():
    assert "levekar.pipeline" in GRAPH and "levekar.render.maps" in GRAPH
    assert "levekar.uncertainty" in GRAPH["levekar.pipeline"]


def test_no_import_cycles():
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                cycle.extend(stack[stack.index(nxt) :] + [nxt])
                return True
            if state.get(nxt) is None and visit(nxt, [*stack, nxt]):
                return True
        state[node] = 2
        return False

    for node in sorted(GRAPH):
        if state.get(node) is None and visit(node, [node]):
            break
    assert not cycle, " → ".join(cycle)


@pytest.mark.parametrize("module", sorted(CORE))
def test_core_imports_no_edge_and_no_drawing_library(module):
    path = PACKAGE / f"{module}.py"
    imported = _imports(path)
    edges = sorted(m for m in imported if m.startswith(EDGES))
    drawing = sorted(m for m in imported if m.split(".")[0] in DRAWING)
    assert edges == [] and drawing == [], f"levekar.{module} imports {edges + drawing}"


def test_nothing_under_render_imports_the_pipeline():
    for path in (PACKAGE / "render").rglob("*.py"):
        bad = sorted(
            m for m in _imports(path) if m.startswith(("levekar.pipeline", "levekar.publish"))
        )
        assert bad == [], f"{path.name} imports {bad}"


def test_the_public_surface_is_listed():
    assert set(dir(levekar)) == set(levekar.__all__)
    for name in levekar.__all__:
        assert getattr(levekar, name) is not None
    assert issubclass(levekar.DataError, levekar.LevekarError)


@pytest.mark.parametrize("module", sorted(CORE))
def test_every_core_module_has_a_test_file(module):
    tests = Path(__file__).resolve().parent
    assert (tests / f"test_{module}.py").exists(), f"tests/test_{module}.py is missing"
