"""The import graph of tpbis/, flows/ and transforms/ has no cycle, lazy imports included.

Every module is parsed with `ast`; every Import / ImportFrom anywhere in it counts (at the
top, inside a function, under `if TYPE_CHECKING`), because an import inside a function still
runs, and a circle that only closes at run time is still a circle a reader has to untangle.
`from pkg import name` counts as an import of `pkg.name` when that is a module, else of `pkg`.
"""
from __future__ import annotations

import ast
from pathlib import Path

from tpbis.settings import PROJECT_ROOT

PACKAGES = ("tpbis", "flows", "transforms")


def project_modules(root: Path = PROJECT_ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every .py of the project's packages."""
    modules = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module an ImportFrom names, relative levels resolved against `module`."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[:len(base) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules that `module` imports, anywhere in its file."""
    found = set()

    def add(name: str) -> None:
        # `import a.b.c` runs a, a.b and a.b.c; the edge that matters is the deepest project module
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, path.name == "__init__.py")
            for alias in node.names:
                add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return found


def import_graph(root: Path = PROJECT_ROOT) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None (depth-first search, white/grey/black)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_project_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_a_lazy_import_closing_a_circle_is_found(tmp_path):
    """The checker itself: a cycle closed by an import inside a function, through a third
    module and a `from pkg import module`, is reported; the same files without it are not."""
    pkg = tmp_path / "tpbis"
    (pkg / "inner").mkdir(parents=True)
    (tmp_path / "flows").mkdir()
    (tmp_path / "transforms").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "inner" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from tpbis.inner import b\n")
    (pkg / "inner" / "b.py").write_text("from . import c\n")
    (pkg / "inner" / "c.py").write_text("def f():\n    from tpbis import a\n    return a\n")
    assert find_cycle(import_graph(tmp_path)) == ["tpbis.a", "tpbis.inner.b", "tpbis.inner.c", "tpbis.a"]
    (pkg / "inner" / "c.py").write_text("def f():\n    import json\n    from tpbis import errors\n")
    assert find_cycle(import_graph(tmp_path)) is None


def test_layers_point_one_way():
    """transforms <- google / warehouse <- sync <- flows / cli / portal: no module imports from
    a layer above its own."""
    above = {
        "transforms": ("tpbis", "flows"),
        "tpbis.warehouse": ("tpbis.sync", "flows", "tpbis.cli", "tpbis.portal"),
        "tpbis.google": ("tpbis.sync", "flows", "tpbis.cli", "tpbis.portal"),
        "tpbis.sync": ("flows", "tpbis.cli", "tpbis.portal"),
    }
    wrong = [f"{module} imports {target}"
             for module, targets in import_graph().items()
             for layer, forbidden in above.items() if module == layer or module.startswith(layer + ".")
             for target in targets if any(target == f or target.startswith(f + ".") for f in forbidden)]
    assert wrong == []
