"""Fuzzing the running system through the gateway: every operation of clients/candidate.graphql
with generated variables, and every mutation of the API schema generated whole
(hypothesis-graphql), as an anonymous caller, a candidate and district staff.

Whatever comes in — any Unicode, NUL, huge strings, numbers past 32 bits, junk enum values,
wrong types, ID numbers and ticket numbers that nearly pass — the answer is never a 5xx, every
error carries a code and none is an unexpected one (`internal`: an exception the service did
not mean), and a request that is refused (an error, or a typed problem as the answer) changes
nothing: row counts and a checksum of every table of the three services are the same before
and after it.

Inputs reach past validation: variables named like the domain's (`idNumber`, `ticketNumber`,
`courseCode`, `sitting`, `regionCode`…) are drawn mostly from the project's own strategies of
well-formed values (`tests/fuzzing.py`), the rest from anything of their GraphQL type.

ZIKAO_FUZZ_EXAMPLES sets the examples per operation (default 10; `make test` runs them).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import asyncpg
import httpx
import pytest
from contract import client_operations
from e2e import RunningSystem
from fuzzing import (
    API_SCHEMA,
    callers,
    is_refusal,
    staff_mutations,
    unexpected_errors,
    variables_for,
)
from graphql import OperationDefinitionNode, print_ast
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("ZIKAO_FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same inputs on every run: a failure can be run again
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
OPERATIONS = {o.name: o for o in client_operations()}
CHECKSUMS = """
SELECT format('SELECT %L AS name, count(*) AS n, md5(coalesce(string_agg(md5(t::text), '''' ORDER
  BY md5(t::text)), '''')) AS sum FROM %I.%I t', table_schema || '.' || table_name, table_schema,
  table_name)
FROM information_schema.tables
WHERE table_schema IN ('identity', 'records', 'documents') AND table_type = 'BASE TABLE'
ORDER BY 1
"""


class Tables:
    """Row counts and checksums of every table of the three services."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url.replace("postgresql+asyncpg://", "postgresql://")
        self._query: str | None = None

    def snapshot(self) -> dict[str, tuple[int, str]]:
        return asyncio.run(self._snapshot())

    async def _snapshot(self) -> dict[str, tuple[int, str]]:
        connection = await asyncpg.connect(self.url)
        try:
            if self._query is None:
                parts = [row[0] for row in await connection.fetch(CHECKSUMS)]
                self._query = " UNION ALL ".join(parts)
            rows = await connection.fetch(self._query)
        finally:
            await connection.close()
        return {row["name"]: (row["n"], row["sum"]) for row in rows}


@pytest.fixture(scope="module")
def tables(zikao: RunningSystem) -> Tables:
    return Tables(zikao.database_url)


def post(zikao: RunningSystem, query: str, variables: dict[str, Any], token: str | None) -> Any:
    headers = {"accept": "application/graphql-response+json, application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    with httpx.Client(timeout=30) as client:
        answer = client.post(
            zikao.url, json={"query": query, "variables": variables}, headers=headers
        )
    assert answer.status_code < 500, (answer.status_code, answer.text[:500])
    body = answer.json()
    assert isinstance(body, dict), body
    return body


def check(
    zikao: RunningSystem,
    tables: Tables,
    query: str,
    variables: dict[str, Any],
    token: str | None,
    *,
    mutation: bool,
) -> None:
    before = tables.snapshot() if mutation else None
    body = post(zikao, query, variables, token)
    assert not unexpected_errors(body), (query, variables, body)
    if mutation and is_refusal(body):
        after = tables.snapshot()
        changed = {name for name in after if after[name] != (before or {}).get(name)}
        assert not changed, (changed, query, variables, body)


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_contract_operations_with_any_variables(
    zikao: RunningSystem, tables: Tables, name: str
) -> None:
    operation = OPERATIONS[name]
    definition = next(
        d for d in operation.document.definitions if isinstance(d, OperationDefinitionNode)
    )
    text = print_ast(operation.document)
    mutation = operation.root_type == "Mutation"

    @FUZZ
    @given(
        variables=variables_for(definition), token=st.sampled_from(list(callers(zikao).values()))
    )
    def fuzz(variables: dict[str, Any], token: str | None) -> None:
        check(zikao, tables, text, variables, token, mutation=mutation)

    fuzz()


@pytest.mark.parametrize("caller", ["staff", "candidate", "anonymous"])
def test_every_mutation_generated_whole(zikao: RunningSystem, tables: Tables, caller: str) -> None:
    token = callers(zikao)[caller]

    @settings(FUZZ, max_examples=EXAMPLES * 8)
    @given(query=staff_mutations())
    def fuzz(query: str) -> None:
        check(zikao, tables, query, {}, token, mutation=True)

    fuzz()


def test_the_checks_see_a_change_and_a_problem(zikao: RunningSystem, tables: Tables) -> None:
    """The checks above can fail: a done mutation changes a checksum, a refused one is told."""
    admin = callers(zikao)["admin"]
    save = """mutation ($c: CourseInput!) { saveCourse(input: $c) { __typename
      ... on Problem { code } } }"""
    course = {"code": "09871", "name": "模糊测试", "credits": 3, "kind": "THEORY"}
    before = tables.snapshot()
    done = post(zikao, save, {"c": course}, admin)
    assert not is_refusal(done), done
    after = tables.snapshot()
    assert {name for name in after if after[name] != before.get(name)} >= {"records.course"}
    refused = post(zikao, save, {"c": course}, None)
    assert is_refusal(refused), refused


def test_the_api_schema_is_the_gateways() -> None:
    """The generated mutations are written against the schema clients see."""
    assert API_SCHEMA.mutation_type is not None
    assert "publishScores" in API_SCHEMA.mutation_type.fields
