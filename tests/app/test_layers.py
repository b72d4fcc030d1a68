"""The rings of DESIGN.md hold: the core and the use cases know no channel and no SQL.

Read from the source (every module's AST), so an import hidden in a function or
behind ``TYPE_CHECKING`` counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("telegram", "sqlite3", "aiosqlite")
PURE = ("bot/core", "bot/app")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules() -> list[Path]:
    return sorted(p for package in PURE for p in (ROOT / package).rglob("*.py"))


def test_there_are_modules_to_check():
    assert len(_modules()) > 20


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_telegram_and_no_sql_driver_in_the_core_and_the_use_cases(path: Path):
    bad = sorted(
        name
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
        or name.startswith("bot.telegram")
        or name in ("bot.storage.sqlite", "bot.storage.connection")
    )
    assert bad == [], f"{path.relative_to(ROOT)} imports {bad}"


def test_the_checker_sees_an_import_inside_a_function(tmp_path: Path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from telegram import Bot\n    import sqlite3\n")
    assert {"telegram", "sqlite3"} <= _imports(sample)


def _module_graph() -> dict[str, set[str]]:
    """Module → the bot modules it imports (anywhere in it, relative imports resolved)."""
    files = {}
    for path in (ROOT / "bot").rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        files[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and ast.unparse(block.test).endswith("TYPE_CHECKING")
            for stmt in block.body
            for inner in ast.walk(stmt)
        }  # imports for the type checker only: never run, so never a cycle at import
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join([*parts, *([module] if module else [])])
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        for nxt in graph[current]:
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return False


@pytest.mark.parametrize(
    "package",
    [
        "bot.core", "bot.app", "bot.telegram", "bot.chat", "bot.web", "bot.export",
        "bot.storage", "bot.delivery", "bot.cluster", "bot.ops", "bot.admin",
    ],
)  # fmt: skip
def test_no_import_cycles_between_modules(package: str):
    graph = _module_graph()
    mine = [m for m in graph if m == package or m.startswith(package + ".")]
    assert mine
    cycles = [m for m in mine if _reaches(graph, m, m)]
    assert cycles == [], f"modules in an import cycle: {cycles}"
