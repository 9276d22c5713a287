import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from zikao_documents.links import link_is_valid
from zikao_documents.schema import schema
from zikao_documents.settings import DocumentsSettings
from zikao_documents.testing import MakeRequest
from zikao_documents.worker import WorkerDeps, render_document
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.errors import ForbiddenError, UnauthenticatedError
from zikao_kit.testing import make_context

FIELDS = "id kind status requestedAt readyAt downloadUrl sha256"
ENTITIES = f"""query($r: [_Any!]!) {{ _entities(representations: $r) {{
  ... on Candidate {{ id documents {{ {FIELDS} }} }} }} }}"""
DOCUMENT = f"query($id: ID!) {{ document(id: $id) {{ {FIELDS} }} }}"


def candidate(candidate_id: uuid.UUID) -> Principal:
    return Principal(subject=str(candidate_id), role=Role.CANDIDATE)


STAFF = Principal(subject="staff-1", role=Role.STAFF, region_code="0106")


@pytest.fixture
def run(db: Sessionmaker, redis: Redis, settings: DocumentsSettings) -> Any:
    async def execute(query: str, principal: Principal | None, **variables: Any) -> Any:
        context = make_context(db, redis, settings, principal)
        return await schema.execute(query, variable_values=variables, context_value=context)

    return execute


def representations(*ids: uuid.UUID) -> list[dict[str, str]]:
    return [{"__typename": "Candidate", "id": str(i)} for i in ids]


async def test_a_candidate_sees_their_documents_newest_first(
    make_request: MakeRequest, run: Any
) -> None:
    me = uuid.uuid4()
    older = await make_request(me)
    newer = await make_request(me, sitting="2027-04")
    result = await run(ENTITIES, candidate(me), r=representations(me))
    assert result.errors is None
    [entity] = result.data["_entities"]
    assert entity["id"] == str(me)
    assert [d["id"] for d in entity["documents"]] == [str(newer.id), str(older.id)]
    first = entity["documents"][0]
    assert first["kind"] == "ADMISSION_TICKET"
    assert first["status"] == "PENDING"
    assert first["downloadUrl"] is None
    assert first["sha256"] is None
    assert first["readyAt"] is None
    assert datetime.fromisoformat(first["requestedAt"]).utcoffset() is not None


async def test_another_candidates_documents_are_forbidden(
    make_request: MakeRequest, run: Any
) -> None:
    owner = uuid.uuid4()
    await make_request(owner)
    result = await run(ENTITIES, candidate(uuid.uuid4()), r=representations(owner))
    assert result.data == {"_entities": [None]}
    assert isinstance(result.errors[0].original_error, ForbiddenError)


async def test_staff_read_any_candidates_documents(make_request: MakeRequest, run: Any) -> None:
    owner = uuid.uuid4()
    document = await make_request(owner)
    result = await run(ENTITIES, STAFF, r=representations(owner))
    assert result.errors is None
    assert result.data["_entities"][0]["documents"][0]["id"] == str(document.id)


async def test_documents_need_a_signed_in_caller(make_request: MakeRequest, run: Any) -> None:
    owner = uuid.uuid4()
    result = await run(ENTITIES, None, r=representations(owner))
    assert isinstance(result.errors[0].original_error, UnauthenticatedError)


@pytest.fixture
def select_count(db_connection: AsyncConnection) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    target = db_connection.sync_connection
    event.listen(target, "before_cursor_execute", record)
    yield statements
    event.remove(target, "before_cursor_execute", record)


async def test_many_candidates_cost_one_query(
    make_request: MakeRequest, run: Any, select_count: list[str]
) -> None:
    owners = [uuid.uuid4() for _ in range(5)]
    for owner in owners:
        await make_request(owner)
    select_count.clear()
    result = await run(ENTITIES, STAFF, r=representations(*owners))
    assert result.errors is None
    assert [len(e["documents"]) for e in result.data["_entities"]] == [1] * 5
    assert len(select_count) == 1


async def test_document_answers_its_owner_and_staff_only(
    make_request: MakeRequest, run: Any
) -> None:
    document = await make_request()
    owner = candidate(document.candidate_id)
    for principal, visible in ((owner, True), (STAFF, True), (candidate(uuid.uuid4()), False)):
        result = await run(DOCUMENT, principal, id=str(document.id))
        assert result.errors is None
        assert (result.data["document"] is not None) is visible
    for unknown in (str(uuid.uuid4()), "not-a-uuid"):
        result = await run(DOCUMENT, owner, id=unknown)
        assert result.data == {"document": None}


async def test_the_download_link_is_on_documents_public_url(
    make_request: MakeRequest,
    db: Sessionmaker,
    redis: Redis,
    deps: WorkerDeps,
    settings: DocumentsSettings,
) -> None:
    document = await make_request()
    assert await render_document({"deps": deps}, str(document.id)) == "ready"
    public = settings.model_copy(update={"public_url": "https://files.zikao.example/docs/"})
    context = make_context(db, redis, public, candidate(document.candidate_id))
    result = await schema.execute(
        DOCUMENT, variable_values={"id": str(document.id)}, context_value=context
    )
    assert result.data is not None
    url = result.data["document"]["downloadUrl"]
    assert url.startswith(f"https://files.zikao.example/docs/documents/{document.id}/download?")


async def test_a_ready_document_has_a_signed_download_link(
    make_request: MakeRequest, run: Any, deps: WorkerDeps, settings: DocumentsSettings
) -> None:
    document = await make_request()
    assert await render_document({"deps": deps}, str(document.id)) == "ready"
    result = await run(DOCUMENT, candidate(document.candidate_id), id=str(document.id))
    found = result.data["document"]
    assert found["status"] == "READY"
    assert len(found["sha256"]) == 64
    assert datetime.fromisoformat(found["readyAt"]).utcoffset() is not None
    url = urlsplit(found["downloadUrl"])
    assert f"{url.scheme}://{url.netloc}" == settings.public_url
    assert url.path == f"/documents/{document.id}/download"
    query = parse_qs(url.query)
    assert link_is_valid(settings.link_key, document.id, query["expires"][0], query["signature"][0])
