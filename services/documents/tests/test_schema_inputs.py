"""Arbitrary text in every string argument of documents' schema: an answer with a stable code
(or null for an entity reference), never a masked internal error, and nothing written."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLScalarType
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import func, select

from zikao_documents.inputs import maybe_id
from zikao_documents.models import AuditEntry, DocumentRequest
from zikao_documents.schema import schema
from zikao_documents.settings import DocumentsSettings
from zikao_documents.testing import WANZHOU, YUZHONG, MakeRequest
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context

TEXT_SCALARS = ("String", "ID")
NASTY = [
    "\u202eevil\u202c",  # right-to-left override
    "\u200b" * 50,  # zero-width spaces
    "１２３４５６７８-１２３４-１２３４-１２３４-１２３４５６７８９０１２",  # a full-width UUID
    "考" * 10_000,
    "😀" * 300,
    "\ud800",  # a lone surrogate (the HTTP guard refuses it first; the schema must cope too)
    "a\x00b",
]
hostile_text = st.text(max_size=300) | st.sampled_from(NASTY)
CALLERS = [
    Principal(subject=str(uuid.uuid4()), role=Role.CANDIDATE, region_code=WANZHOU),
    Principal(subject="staff-yuzhong", role=Role.STAFF, region_code=YUZHONG),
    Principal(subject="admin-1", role=Role.ADMIN),
    Principal(subject="records", role=Role.SERVICE),
]


@dataclass(frozen=True)
class Target:
    """One string argument of a root field, as an operation with the text in `$text`."""

    name: str
    document: str
    entity: bool = False

    def variables(self, text: str) -> dict[str, Any]:
        if self.entity:
            return {"text": [{"__typename": "Candidate", "id": text}]}
        return {"text": text}


def _string_arguments() -> Iterator[Target]:
    query = schema._schema.query_type
    for field_name, field in query.fields.items():
        for arg_name, arg in field.args.items():
            kind = arg.type.of_type if isinstance(arg.type, GraphQLNonNull) else arg.type
            if field_name == "_entities":
                continue  # representations: the entity's id, below
            if not isinstance(kind, GraphQLScalarType) or kind.name not in TEXT_SCALARS:
                raise LookupError(f"{field_name}({arg_name}: {arg.type}): add it to this test")
            document = (
                f"query($text: {arg.type}) {{ {field_name}({arg_name}: $text) {{ __typename }} }}"
            )
            yield Target(f"{field_name}.{arg_name}", document)
    yield Target(
        "_entities.Candidate.id",
        "query($text: [_Any!]!) { _entities(representations: $text) {"
        " ... on Candidate { id documents { id downloadUrl } } } }",
        entity=True,
    )


TARGETS = list(_string_arguments())


async def _rows(db: Sessionmaker) -> tuple[int | None, int | None]:
    async with db() as session:
        requests = await session.scalar(select(func.count()).select_from(DocumentRequest))
        entries = await session.scalar(select(func.count()).select_from(AuditEntry))
    return requests, entries


def test_every_string_argument_is_a_target() -> None:
    assert {t.name for t in TARGETS} == {
        "document.id",
        "ticketBatch.id",
        "verifyDocument.code",
        "_entities.Candidate.id",
    }


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_text, caller=st.sampled_from(CALLERS))
@example(text=NASTY[2], caller=CALLERS[2])
@example(text=NASTY[3], caller=CALLERS[1])
async def test_any_text_is_answered_with_a_stable_code_and_changes_nothing(
    db: Sessionmaker,
    redis: Redis,
    settings: DocumentsSettings,
    make_request: MakeRequest,
    target: Target,
    text: str,
    caller: Principal,
) -> None:
    await make_request(uuid.UUID(caller.subject) if caller.role is Role.CANDIDATE else None)
    before = await _rows(db)
    context = make_context(db, redis, settings, caller)
    result = await schema.execute(
        target.document, variable_values=target.variables(text), context_value=context
    )
    codes = [(error.extensions or {}).get("code") for error in result.errors or []]
    assert "internal" not in codes, result.errors
    assert None not in codes, result.errors
    if target.name == "verifyDocument.code":
        answered = result.data["verifyDocument"]["__typename"] if result.data else None
        assert answered in {"InvalidInput", "NotFound", "RateLimited"}, result.errors
    elif maybe_id(text) is None:
        field = target.name.split(".")[0]
        expected = {"_entities": [None]} if target.entity else {field: None}
        assert result.data == expected
        assert codes == ([] if target.entity else ["invalid_id"])
    assert await _rows(db) == before
