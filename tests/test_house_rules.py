"""House rules a reviewer would otherwise have to remember, as small AST checks over the
source of the services, the gateway and kit (STYLE.md: polar keeps such scripts)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    [
        *ROOT.glob("services/*/src/**/*.py"),
        *ROOT.glob("gateway/src/**/*.py"),
        *ROOT.glob("libs/kit/src/**/*.py"),
    ]
)
ACCESS_RULE = ROOT / "libs/kit/src/zikao_kit/access.py"
PERSONAL = frozenset(
    {"id_number", "idnumber", "phone", "email", "password", "token", "security_answer"}
)
# `name` alone is every other thing's name (a subgraph's, a queue's): a person's only on these
PEOPLE = frozenset({"candidate", "data", "staff", "account", "person", "new", "found"})
LOG_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical"})


def _trees() -> Iterator[tuple[Path, ast.AST]]:
    for path in SOURCES:
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def test_only_kit_decides_whose_district_a_principal_may_read() -> None:
    """A principal's region is compared in `zikao_kit.access` only: a service that compares it
    itself has a read rule of its own."""
    found = []
    for path, tree in _trees():
        if path == ACCESS_RULE:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Attribute) and s.attr == "region_code" for s in sides):
                    names = {
                        s.value.id
                        for s in sides
                        if isinstance(s, ast.Attribute) and isinstance(s.value, ast.Name)
                    }
                    if names & {"principal", "actor", "caller", "context"}:
                        found.append(_where(path, node))
    assert found == []


def test_no_commit_outside_the_transaction_owner() -> None:
    """Resolvers and jobs own transactions with `async with ….begin()`: nothing calls commit."""
    found = [
        _where(path, node)
        for path, tree in _trees()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]
    assert found == []


def _personal_in(node: ast.AST) -> set[str]:
    words = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            words.add(inner.id.lower())
        elif isinstance(inner, ast.Attribute):
            words.add(inner.attr.lower())
            owner = inner.value
            if inner.attr == "name" and isinstance(owner, ast.Name) and owner.id in PEOPLE:
                words.add("a person's name")
        elif isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            words.add(inner.value.lower())
    return words & (PERSONAL | {"a person's name"})


def test_no_personal_field_in_a_log_call() -> None:
    """A log call names no personal field: not as an argument, a formatted value or an
    `extra` key (ids, codes and counts only)."""
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in LOG_METHODS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("logger", "log", "logging")
            ):
                continue
            parts: list[ast.AST] = list(node.args[1:])
            parts += [k.value for k in node.keywords]
            if node.args and isinstance(node.args[0], ast.JoinedStr):
                parts.append(node.args[0])
            personal = set().union(*(_personal_in(p) for p in parts)) if parts else set()
            if personal:
                found.append(f"{_where(path, node)} {sorted(personal)}")
    assert found == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_services_do_not_import_each_other(path: Path) -> None:
    parts = path.relative_to(ROOT).parts
    own = f"zikao_{parts[1]}" if parts[0] == "services" else None
    if own is None:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    others = {f"zikao_{s}" for s in ("identity", "records", "documents", "gateway")} - {own}
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported & others == set()
