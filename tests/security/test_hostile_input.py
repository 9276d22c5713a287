"""Every string argument of every contract operation and every mutation, fed hostile text
through the gateway: no 500, no masked internal error, and a refused request changes nothing
(the row count of every table of every service is the same before and after)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from contract import api_schema, client_operations
from e2e import RunningSystem
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    print_ast,
    type_from_ast,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from zikao_kit.auth import Role

SCHEMAS = ("identity", "records", "documents")
SCALARS: dict[str, Any] = {
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2031-04-12T09:00:00+08:00",
    "Date": "2031-04-12",
}
TEXT_SCALARS = ("String", "ID")
NASTY = [
    "\ud800",  # a lone surrogate
    "a\x00b",  # NUL
    "\u202eevil\u202c",  # right-to-left override
    "５００１０３１９９００１０１１２３４",  # full-width digits
    "\u200b" * 50,  # zero-width spaces
    "考" * 10_000,  # 10,000 characters
    "😀" * 300,
]
hostile_text = st.text(max_size=300) | st.sampled_from(NASTY)
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Target:
    """One string leaf of one operation's variables."""

    name: str
    document: str
    variables: dict[str, Any]
    path: Path
    staff: bool

    def with_text(self, text: str) -> dict[str, Any]:
        variables: Any = json.loads(json.dumps(self.variables))
        holder = variables
        for step in self.path[:-1]:
            holder = holder[step]
        holder[self.path[-1]] = text
        return dict(variables)


def _unwrap(kind: Any) -> Any:
    while isinstance(kind, GraphQLNonNull | GraphQLList):
        kind = kind.of_type
    return kind


def _value(kind: GraphQLInputType, depth: int = 0) -> Any:
    """A plausible value of an input type (strings are `x`, to be replaced one at a time)."""
    if isinstance(kind, GraphQLNonNull):
        return _value(kind.of_type, depth)
    if isinstance(kind, GraphQLList):
        return [_value(kind.of_type, depth)]
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        if depth > 3:
            return None
        return {name: _value(f.type, depth + 1) for name, f in kind.fields.items()}
    assert isinstance(kind, GraphQLScalarType)
    if kind.name in TEXT_SCALARS:
        return "x"
    if kind.name not in SCALARS:
        raise LookupError(kind.name)
    return SCALARS[kind.name]


def _text_paths(value: Any, kind: GraphQLInputType, path: Path) -> Iterator[Path]:
    if isinstance(kind, GraphQLNonNull):
        yield from _text_paths(value, kind.of_type, path)
    elif isinstance(kind, GraphQLList):
        yield from _text_paths(value[0], kind.of_type, (*path, 0))
    elif isinstance(kind, GraphQLInputObjectType) and isinstance(value, dict):
        for name, inner in kind.fields.items():
            yield from _text_paths(value[name], inner.type, (*path, name))
    elif isinstance(kind, GraphQLScalarType) and kind.name in TEXT_SCALARS:
        yield path


def _selection(field: GraphQLField) -> str:
    kind = _unwrap(field.type)
    if isinstance(kind, GraphQLUnionType):
        return " { __typename ... on Problem { code } }"
    if isinstance(kind, GraphQLObjectType):
        return " { __typename }"
    return ""


def _mutation_targets(schema: GraphQLSchema) -> Iterator[Target]:
    mutation = schema.mutation_type
    assert mutation is not None
    for name, field in mutation.fields.items():
        try:
            variables = {arg: _value(a.type) for arg, a in field.args.items()}
        except LookupError:
            continue
        declared = ", ".join(f"${arg}: {a.type}" for arg, a in field.args.items())
        passed = ", ".join(f"{arg}: ${arg}" for arg in field.args)
        head = f"mutation Fuzz({declared})" if declared else "mutation Fuzz"
        call = f"{name}({passed})" if passed else name
        document = f"{head} {{ {call}{_selection(field)} }}"
        for arg, a in field.args.items():
            for path in _text_paths(variables[arg], a.type, (arg,)):
                yield Target(f"{name}:{'.'.join(map(str, path))}", document, variables, path, True)


def _contract_targets(schema: GraphQLSchema) -> Iterator[Target]:
    for operation in client_operations():
        definition = operation.document.definitions[0]
        variables: dict[str, Any] = {}
        kinds: dict[str, GraphQLInputType] = {}
        try:
            for declared in getattr(definition, "variable_definitions", ()) or ():
                kind = type_from_ast(schema, declared.type)
                assert kind is not None
                kinds[declared.variable.name.value] = kind  # type: ignore[assignment]
                variables[declared.variable.name.value] = _value(kind)  # type: ignore[arg-type]
        except LookupError:
            continue
        document = print_ast(operation.document)
        for name, kind in kinds.items():
            for path in _text_paths(variables[name], kind, (name,)):
                label = f"{operation.name}:{'.'.join(map(str, path))}"
                yield Target(label, document, variables, path, False)


def _targets() -> list[Target]:
    schema = api_schema()
    contract = list(_contract_targets(schema))
    covered = {field for o in client_operations() for field in o.root_fields}
    staff = [t for t in _mutation_targets(schema) if t.name.split(":")[0] not in covered]
    return contract + staff


TARGETS = _targets()


async def _row_counts(database_url: str) -> dict[str, int]:
    connection = await asyncpg.connect(database_url)
    try:
        tables = await connection.fetch(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY($1::text[])"
            " AND tablename <> 'alembic_version'",
            list(SCHEMAS),
        )
        parts = [f'(SELECT count(*) FROM "{t["schemaname"]}"."{t["tablename"]}")' for t in tables]
        row = await connection.fetchrow("SELECT " + ", ".join(parts))
        assert row is not None
        return {f"{t['schemaname']}.{t['tablename']}": row[i] for i, t in enumerate(tables)}
    finally:
        await connection.close()


def _refused(body: Any) -> bool:
    if not isinstance(body, dict) or body.get("errors"):
        return True
    data = body.get("data") or {}
    return any(isinstance(v, dict) and "code" in v for v in data.values())


def _internal_errors(body: Any) -> list[Any]:
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    return [e for e in errors if (e.get("extensions") or {}).get("code") == "internal"]


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_text)
@example(text=NASTY[0])
@example(text=NASTY[1])
@example(text=NASTY[2])
@example(text=NASTY[5])
async def test_hostile_text_is_refused_cleanly_and_changes_nothing(
    zikao: RunningSystem, client: httpx.AsyncClient, target: Target, text: str
) -> None:
    role = Role.ADMIN if target.staff else Role.CANDIDATE
    token = zikao.token(str(uuid.uuid4()), role, None if target.staff else "0103")
    # ensure_ascii: a lone surrogate travels as the escape `\ud800`, as a hostile client sends it
    body = json.dumps({"query": target.document, "variables": target.with_text(text)})
    before = await _row_counts(zikao.database_url)
    response = await client.post(
        zikao.url,
        content=body.encode(),
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    assert response.status_code < 500, response.text[:500]
    answer = response.json()
    assert _internal_errors(answer) == [], answer
    if _refused(answer):
        assert await _row_counts(zikao.database_url) == before
