"""Helpers for the contract tests: the composed API schema and the clients' operations."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    parse,
)

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "clients" / "candidate.graphql"
SHARED_CLIENTS = ROOT.parent / "shared" / "clients" / "candidate.graphql"
SUPERGRAPH = ROOT / "gateway" / "supergraph.graphql"


@dataclass(frozen=True)
class Operation:
    name: str
    document: DocumentNode
    root_type: str
    root_fields: tuple[str, ...]


def client_operations(path: Path = CLIENTS) -> list[Operation]:
    """Each operation of the clients' file as a document of its own (with its fragments)."""
    document = parse(path.read_text(encoding="utf-8"))
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    operations = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.name is None:
            continue
        fields = tuple(
            s.name.value for s in definition.selection_set.selections if hasattr(s, "name")
        )
        operations.append(
            Operation(
                name=definition.name.value,
                document=DocumentNode(definitions=(definition, *fragments)),
                root_type=definition.operation.value.capitalize(),
                root_fields=fields,
            )
        )
    return operations


def node(script: str, *args: str) -> str:
    """Runs one of gateway/'s Node scripts and returns what it prints."""
    completed = subprocess.run(
        ["node", str(ROOT / "gateway" / script), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"node {script} failed:\n{completed.stderr}")
    return completed.stdout


def api_schema(supergraph: Path = SUPERGRAPH) -> GraphQLSchema:
    """The client-facing schema of the supergraph, as the composer derives it."""
    return build_schema(node("api-schema.mjs", str(supergraph)))
