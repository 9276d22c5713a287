"""The frontends' contract: every operation of clients/candidate.graphql must validate against the
composed API schema, the committed supergraph must be what composition gives today, and the
clients' file must be the shared one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from contract import (
    CLIENTS,
    ROOT,
    SHARED_CLIENTS,
    SUPERGRAPH,
    Operation,
    api_schema,
    client_operations,
)
from graphql import GraphQLSchema, OperationType, validate

OPERATIONS = client_operations()


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return api_schema()


def test_clients_file_is_the_shared_contract() -> None:
    if not SHARED_CLIENTS.exists():
        pytest.skip("the shared contract is not beside this checkout")
    assert CLIENTS.read_text(encoding="utf-8") == SHARED_CLIENTS.read_text(encoding="utf-8")


def test_committed_supergraph_is_fresh(tmp_path: Path) -> None:
    out = tmp_path / "supergraph.graphql"
    completed = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "compose",
            f"SUPERGRAPH={out}",
            f"SUBGRAPH_DIR={tmp_path}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=dict(os.environ),
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert out.read_text(encoding="utf-8") == SUPERGRAPH.read_text(encoding="utf-8"), (
        "gateway/supergraph.graphql is stale: run `make compose` and commit it"
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=[o.name for o in OPERATIONS])
def test_operation_validates(operation: Operation, schema: GraphQLSchema) -> None:
    root = schema.get_root_type(OperationType(operation.root_type.lower()))
    if root is None or not any(f in root.fields for f in operation.root_fields):
        pytest.skip("not yet served")
    errors = validate(schema, operation.document)
    assert not errors, "\n".join(e.message for e in errors)
