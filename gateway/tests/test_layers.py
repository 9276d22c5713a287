"""The package reads one way: parse → plan → execute → shape, never back (see __init__.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import zikao_gateway

PACKAGE = Path(zikao_gateway.__file__).parent

# Ground first: a module may import only modules above it in this list.
ORDER = [
    "operation",
    "supergraph",
    "api_schema",
    "authorization",
    "cache",
    "kept",
    "sizing",
    "limits",
    "subgraphs",
    "metrics",
    "plan",
    "routes",
    "printing",
    "planner",
    "executor",
    "shaping",
    "auth",
    "gateway",
    "trusted",
    "ratelimit",
    "edge",
    "schema",
    "observe",
    "settings",
    "hardening",
    "app",
    "testing",
]


def imported(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    prefix = "zikao_gateway."
    return {n.removeprefix(prefix).split(".")[0] for n in names if n.startswith(prefix)}


def test_every_module_is_placed() -> None:
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(ORDER)


def test_imports_run_one_way() -> None:
    backwards = {
        (module, target)
        for position, module in enumerate(ORDER)
        for target in imported(module)
        if target not in ORDER[:position]
    }
    assert backwards == set()
