"""No import circle between the modules of the apps, not even one hidden by an
import inside a function.

An import inside a function runs late, so Python never sees the circle it
closes; the modules still depend on each other both ways. The modules are
read (`ast`), not imported: module-level imports make the graph, and an
import inside a function must not reach back to its own module through it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("imagin", "accounts", "missions", "claims")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    _module_name(path): path
    for app in APPS
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts
}


def _loaded(node: ast.Import | ast.ImportFrom, module: str) -> set[str]:
    """The modules of the apps this statement loads: `a.b.c` loads a, a.b and
    a.b.c; `from a import b` loads a, and a.b when b is a module."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if MODULES[module].name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, base] if base else package)
        names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
    loaded = set()
    for name in names:
        parts = name.split(".")
        loaded.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    return loaded & MODULES.keys()


@dataclass(frozen=True)
class LateImport:
    module: str
    line: int
    function: str
    loads: frozenset[str]


def _read() -> tuple[dict[str, set[str]], list[LateImport]]:
    graph: dict[str, set[str]] = {}
    late: list[LateImport] = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        innermost = {}
        for function in ast.walk(tree):  # outer functions first
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom):
                        innermost[node] = function.name
        late += [
            LateImport(module, node.lineno, name, frozenset(_loaded(node, module)))
            for node, name in innermost.items()
        ]
        edges = {
            loaded
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and node not in innermost
            for loaded in _loaded(node, module)
        }
        # Importing a submodule first runs its packages' __init__.
        parts = module.split(".")
        edges.update(".".join(parts[:end]) for end in range(1, len(parts)))
        graph[module] = edges - {module}
    return graph, late


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        for loaded in graph[stack.pop()] - seen:
            seen.add(loaded)
            stack.append(loaded)
    return seen


def test_no_import_inside_a_function_hides_a_circle():
    graph, late = _read()
    hidden = [
        f"{MODULES[found.module].relative_to(ROOT)}:{found.line} in "
        f"{found.function}(): {', '.join(back)} imports it back"
        for found in late
        if (
            back := sorted(
                loaded
                for loaded in found.loads
                if found.module in _reachable(graph, loaded)
            )
        )
    ]
    assert not hidden, "\n".join(hidden)


def _unit(module: str) -> str:
    """A package of an app (claims.services, claims.admin) counts as one: its
    __init__ and its submodules depend on each other by design."""
    parts = module.split(".")
    if len(parts) > 2 or (ROOT / parts[0] / parts[-1] / "__init__.py").exists():
        return ".".join(parts[:2])
    return module


def test_no_module_level_circle_between_modules_of_the_apps():
    graph, _late = _read()
    units: dict[str, set[str]] = {}
    for module, loaded in graph.items():
        units.setdefault(_unit(module), set()).update(map(_unit, loaded))
    units = {unit: loaded - {unit} for unit, loaded in units.items()}
    circles = sorted(
        (unit, loaded)
        for unit in units
        for loaded in units[unit]
        if unit in _reachable(units, loaded)
    )
    assert not circles, "\n".join(f"{a} -> {b} -> ... -> {a}" for a, b in circles)


def _unexplained(path: Path, late_lines: set[int]) -> bool:
    """Whether the late import on the first of `late_lines`' group lacks a
    comment: going up from it over the group's other imports (and blank
    lines), the first other line must be a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    line = min(late_lines) - 1  # 1-based line of the import → index above it
    while line > 0:
        text = lines[line - 1].strip()
        if text.startswith("#"):
            return False
        if text and not _is_import_text(text):
            return True
        line -= 1
    return True


def _is_import_text(text: str) -> bool:
    return (
        text.startswith(("from ", "import "))
        or text in {")", "("}
        or (text.endswith(",") and " " not in text.rstrip(","))
    )


def test_every_import_inside_a_function_says_why():
    _, late = _read()
    unexplained = [
        f"{item.module}:{item.line} in {item.function}()"
        for item in late
        if _unexplained(MODULES[item.module], {item.line})
    ]
    assert not unexplained, (
        "Imports inside a function without a comment above them saying why:\n"
        + "\n".join(unexplained)
    )
