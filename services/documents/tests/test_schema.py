import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from redis.asyncio import Redis
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from zikao_documents import service
from zikao_documents.links import link_is_valid
from zikao_documents.models import AuditEntry, DocumentKind
from zikao_documents.schema import schema
from zikao_documents.settings import DocumentsSettings
from zikao_documents.testing import WANZHOU, YUZHONG, MakeRequest, results_content
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


def staff(region: str | None) -> Principal:
    return Principal(subject=f"staff-{region or 'province'}", role=Role.STAFF, region_code=region)


YUZHONG_STAFF, WANZHOU_STAFF, PROVINCIAL = staff(YUZHONG), staff(WANZHOU), staff(None)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)


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


async def _listed(run: Any, principal: Principal, owner: uuid.UUID) -> list[str]:
    result = await run(ENTITIES, principal, r=representations(owner))
    assert result.errors is None
    return [d["id"] for d in result.data["_entities"][0]["documents"]]


async def test_district_staff_see_their_districts_documents_only(
    make_request: MakeRequest, run: Any
) -> None:
    wanzhou, yuzhong = uuid.uuid4(), uuid.uuid4()
    in_wanzhou = await make_request(wanzhou, region=WANZHOU)
    in_yuzhong = await make_request(yuzhong, region=YUZHONG)
    assert await _listed(run, YUZHONG_STAFF, wanzhou) == []
    assert await _listed(run, YUZHONG_STAFF, yuzhong) == [str(in_yuzhong.id)]
    assert await _listed(run, WANZHOU_STAFF, wanzhou) == [str(in_wanzhou.id)]
    for province_wide in (PROVINCIAL, ADMIN):
        assert await _listed(run, province_wide, wanzhou) == [str(in_wanzhou.id)]
        assert await _listed(run, province_wide, yuzhong) == [str(in_yuzhong.id)]


async def test_a_document_of_unknown_region_is_for_province_wide_roles_only(
    make_request: MakeRequest, run: Any
) -> None:
    owner = uuid.uuid4()
    document = await make_request(owner, region=None)
    for district in (YUZHONG_STAFF, WANZHOU_STAFF):
        assert await _listed(run, district, owner) == []
        assert (await run(DOCUMENT, district, id=str(document.id))).data == {"document": None}
    assert await _listed(run, PROVINCIAL, owner) == [str(document.id)]
    assert await _listed(run, candidate(owner), owner) == [str(document.id)]


async def test_auditors_may_not_list_documents(make_request: MakeRequest, run: Any) -> None:
    owner = uuid.uuid4()
    await make_request(owner)
    auditor = Principal(subject="auditor-1", role=Role.AUDITOR)
    result = await run(ENTITIES, auditor, r=representations(owner))
    assert isinstance(result.errors[0].original_error, ForbiddenError)


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
    result = await run(ENTITIES, PROVINCIAL, r=representations(*owners))
    assert result.errors is None
    assert [len(e["documents"]) for e in result.data["_entities"]] == [1] * 5
    assert len(select_count) == 1


async def test_document_answers_by_the_one_read_rule(make_request: MakeRequest, run: Any) -> None:
    document = await make_request(region=WANZHOU)
    owner = candidate(document.candidate_id)
    readers = {
        owner: True,
        WANZHOU_STAFF: True,
        PROVINCIAL: True,
        ADMIN: True,
        YUZHONG_STAFF: False,
        candidate(uuid.uuid4()): False,
        Principal(subject="auditor-1", role=Role.AUDITOR): False,
    }
    for principal, visible in readers.items():
        result = await run(DOCUMENT, principal, id=str(document.id))
        assert result.errors is None
        assert (result.data["document"] is not None) is visible, principal
    result = await run(DOCUMENT, owner, id=str(uuid.uuid4()))
    assert result.data == {"document": None}


def fullwidth(text: str) -> str:
    """ASCII digits and letters as their full-width forms (０-９, ａ-ｆ)."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text)


SPELLINGS: dict[str, Callable[[uuid.UUID], str]] = {
    "words": lambda _: "not-a-uuid",
    "empty": lambda _: "",
    "huge": lambda _: "x" * 10_000,
    "right-to-left": lambda i: f"\u202e{i}",
    "zero-width": lambda i: f"{i}\u200b",
    "full-width": lambda i: fullwidth(str(i)),
    "emoji": lambda i: f"{i}😀",
    "braces": lambda i: f"{{{i}}}",
    "urn": lambda i: f"urn:uuid:{i}",
    "no hyphens": lambda i: i.hex,
}


@pytest.mark.parametrize("spell", SPELLINGS.values(), ids=SPELLINGS.keys())
async def test_an_id_that_is_not_a_uuid_is_invalid_input(
    make_request: MakeRequest, run: Any, spell: Callable[[uuid.UUID], str]
) -> None:
    document = await make_request()
    result = await run(DOCUMENT, candidate(document.candidate_id), id=spell(document.id))
    assert result.data == {"document": None}
    [error] = result.errors
    assert error.extensions["code"] == "invalid_id"


async def test_times_are_answered_in_beijing_time(
    make_request: MakeRequest, run: Any, deps: WorkerDeps
) -> None:
    document = await make_request()
    assert await render_document({"deps": deps}, str(document.id)) == "ready"
    result = await run(DOCUMENT, candidate(document.candidate_id), id=str(document.id))
    found = result.data["document"]
    for name in ("requestedAt", "readyAt"):
        assert found[name].endswith("+08:00"), found[name]
    answered = datetime.fromisoformat(found["requestedAt"])
    assert answered == document.requested_at


async def _audited(db: Sessionmaker, action: str) -> list[AuditEntry]:
    async with db() as session:
        statement = select(AuditEntry).where(col(AuditEntry.action) == action)
        return list((await session.execute(statement)).scalars().all())


async def test_download_links_handed_to_staff_are_audited(
    make_request: MakeRequest, run: Any, deps: WorkerDeps, db: Sessionmaker
) -> None:
    document = await make_request(region=WANZHOU)
    assert await render_document({"deps": deps}, str(document.id)) == "ready"
    twice = """query($id: ID!) { a: document(id: $id) { downloadUrl }
      b: document(id: $id) { id downloadUrl } }"""
    assert (await run(twice, candidate(document.candidate_id), id=str(document.id))).errors is None
    assert await _audited(db, service.ISSUE_DOWNLOAD_LINK) == []
    result = await run(twice, WANZHOU_STAFF, id=str(document.id))
    assert result.errors is None
    assert result.data["a"]["downloadUrl"] is not None
    [entry] = await _audited(db, service.ISSUE_DOWNLOAD_LINK)
    assert (entry.actor, entry.actor_role) == (WANZHOU_STAFF.subject, "staff")
    assert (entry.candidate_id, entry.target) == (document.candidate_id, str(document.id))
    assert entry.detail == {"kind": "ADMISSION_TICKET", "sitting": "2026-10"}


async def test_unfinished_documents_hand_out_no_link_and_leave_no_entry(
    make_request: MakeRequest, run: Any, db: Sessionmaker
) -> None:
    owner = uuid.uuid4()
    await make_request(owner, DocumentKind.TRANSCRIPT, None, results_content())
    assert await _listed(run, ADMIN, owner) != []
    async with db() as session:
        count = await session.scalar(select(func.count()).select_from(AuditEntry))
    assert count == 0


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
