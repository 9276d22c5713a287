import hashlib
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from zikao_documents import service
from zikao_documents.models import AuditEntry, DocumentKind, DocumentRequest, DocumentStatus
from zikao_documents.storage import LocalStorage
from zikao_documents.testing import (
    WANZHOU,
    YUZHONG,
    MakeRequest,
    results_content,
    ticket_content,
)
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.errors import ForbiddenError, InvalidInputError

SERVICE = Principal(subject="records", role=Role.SERVICE)
PROVINCIAL = Principal(subject="staff-province", role=Role.STAFF)
YUZHONG_STAFF = Principal(subject="staff-yuzhong", role=Role.STAFF, region_code=YUZHONG)


async def test_a_new_request_is_pending_with_a_verification_code(make_request: MakeRequest) -> None:
    document = await make_request()
    assert document.status is DocumentStatus.PENDING
    assert document.attempts == 0
    assert document.sha256 is None
    assert document.ready_at is None
    assert len(document.verification_code) == service.CODE_LENGTH
    assert set(document.verification_code) <= set(service.CODE_ALPHABET)
    assert document.requested_at.tzinfo is not None


async def test_asking_again_for_the_same_content_returns_the_same_request(
    make_request: MakeRequest,
) -> None:
    candidate = uuid.uuid4()
    first = await make_request(candidate)
    again = await make_request(candidate)
    assert again.id == first.id


async def test_without_a_sitting_the_request_is_idempotent_too(make_request: MakeRequest) -> None:
    candidate = uuid.uuid4()
    content = results_content()
    first = await make_request(candidate, DocumentKind.TRANSCRIPT, None, content)
    again = await make_request(candidate, DocumentKind.TRANSCRIPT, None, content)
    assert again.id == first.id


async def test_changed_content_another_sitting_or_candidate_make_new_requests(
    make_request: MakeRequest,
) -> None:
    candidate = uuid.uuid4()
    first = await make_request(candidate)
    moved = await make_request(candidate, content=ticket_content(seat="08"))
    later = await make_request(candidate, sitting="2027-04")
    other = await make_request(uuid.uuid4())
    assert len({first.id, moved.id, later.id, other.id}) == 4


async def test_a_failed_request_is_not_reused(make_request: MakeRequest, db: Sessionmaker) -> None:
    candidate = uuid.uuid4()
    first = await make_request(candidate)
    async with db.begin() as session:
        stored = await service.get_document(session, first.id)
        assert stored is not None
        stored.status = DocumentStatus.FAILED
    again = await make_request(candidate)
    assert again.id != first.id
    assert again.status is DocumentStatus.PENDING


async def test_content_that_does_not_fit_the_kind_is_refused(make_request: MakeRequest) -> None:
    unmasked = ticket_content()
    unmasked["candidate"]["masked_id_number"] = "500103199001011232"
    for content in ({}, results_content(), unmasked):
        with pytest.raises(InvalidInputError) as raised:
            await make_request(content=content)
        assert raised.value.code == "invalid_content"
        assert raised.value.field == "content"


async def test_documents_by_candidate_lists_newest_first(
    make_request: MakeRequest, db: Sessionmaker
) -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    older = await make_request(one)
    newer = await make_request(one, sitting="2027-04")
    theirs = await make_request(two, region=YUZHONG)
    async with db() as session:
        found = await service.documents_by_candidate(session, PROVINCIAL, [one, two, uuid.uuid4()])
        district = await service.documents_by_candidate(session, YUZHONG_STAFF, [one, two])
    assert [d.id for d in found[one]] == [newer.id, older.id]
    assert [d.id for d in found[two]] == [theirs.id]
    assert district == {two: [theirs]}


@pytest.mark.parametrize(
    ("role", "own", "region", "allowed"),
    [
        (Role.CANDIDATE, True, None, True),
        (Role.CANDIDATE, False, None, False),
        (Role.STAFF, False, WANZHOU, True),
        (Role.STAFF, False, YUZHONG, False),
        (Role.STAFF, False, None, True),  # provincial staff
        (Role.ADMIN, False, None, True),
        (Role.SERVICE, False, None, True),
        (Role.AUDITOR, False, None, False),
    ],
)
async def test_who_may_read_a_wanzhou_candidates_document(
    make_request: MakeRequest,
    db: Sessionmaker,
    role: Role,
    own: bool,
    region: str | None,
    allowed: bool,
) -> None:
    document = await make_request(region=WANZHOU)
    subject = str(document.candidate_id) if own else str(uuid.uuid4())
    principal = Principal(subject=subject, role=role, region_code=region)
    assert service.may_read(principal, document) is allowed
    async with db() as session:
        found = await service.readable_document(session, principal, document.id)
    assert (found is not None) is allowed


async def _request(db: Sessionmaker, by: Principal, candidate_id: uuid.UUID, **kw: Any) -> Any:
    async with db.begin() as session:
        return await service.request_document(
            session,
            by=by,
            candidate_id=candidate_id,
            kind=kw.pop("kind", DocumentKind.ADMISSION_TICKET),
            sitting=kw.pop("sitting", "2026-10"),
            content=kw.pop("content", ticket_content()),
            **kw,
        )


async def _entries(db: Sessionmaker) -> list[AuditEntry]:
    async with db() as session:
        return list((await session.execute(select(AuditEntry))).scalars().all())


async def test_a_candidates_request_keeps_the_region_of_their_token(
    make_request: MakeRequest, db: Sessionmaker
) -> None:
    assert (await make_request(region=YUZHONG)).region_code == YUZHONG
    assert (await make_request(region=None)).region_code is None
    # A claim that is no region code (identity's fault) is kept as no region: narrowest.
    assert (await make_request(region="１２３４")).region_code is None
    assert await _entries(db) == []  # a candidate's own request is not audited


async def test_staff_and_services_keep_the_region_their_path_knows_and_are_audited(
    db: Sessionmaker,
) -> None:
    wanzhou_staff = Principal(subject="staff-wanzhou", role=Role.STAFF, region_code=WANZHOU)
    first = await _request(db, wanzhou_staff, uuid.uuid4(), region_code=WANZHOU)
    second = await _request(db, SERVICE, uuid.uuid4())
    assert (first.region_code, second.region_code) == (WANZHOU, None)
    entries = sorted(await _entries(db), key=lambda e: e.actor)
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("records", service.REQUEST_DOCUMENT, str(second.id)),
        ("staff-wanzhou", service.REQUEST_DOCUMENT, str(first.id)),
    ]
    assert entries[1].candidate_id == first.candidate_id


@pytest.mark.parametrize(
    ("by", "region"),
    [
        (YUZHONG_STAFF, WANZHOU),  # another district's candidate
        (YUZHONG_STAFF, None),  # a district it cannot tell
        (Principal(subject="auditor-1", role=Role.AUDITOR), None),
        (Principal(subject=str(uuid.uuid4()), role=Role.CANDIDATE), None),  # someone else
    ],
)
async def test_only_who_may_act_on_the_candidate_may_ask_for_their_documents(
    db: Sessionmaker, by: Principal, region: str | None
) -> None:
    with pytest.raises(ForbiddenError):
        await _request(db, by, uuid.uuid4(), region_code=region)
    assert await _count(db) == 0


async def _count(db: Sessionmaker) -> int:
    async with db() as session:
        requests = await session.scalar(select(func.count()).select_from(DocumentRequest))
        entries = await session.scalar(select(func.count()).select_from(AuditEntry))
    return (requests or 0) + (entries or 0)


HOSTILE = [
    "x" * 10_000,
    "\u202e2026-10",
    "2026-10\u200b",
    "２０２６-１０",
    "2026-10😀",
    "2026/10",
    "",
]


@pytest.mark.parametrize("sitting", HOSTILE)
async def test_a_malformed_sitting_is_invalid_input_and_changes_nothing(
    db: Sessionmaker, sitting: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        await _request(db, PROVINCIAL, uuid.uuid4(), sitting=sitting)
    expected = "sitting_required" if sitting == "" else "invalid_sitting"
    assert (raised.value.code, raised.value.field) == (expected, "sitting")
    assert await _count(db) == 0


@pytest.mark.parametrize("region", ["x" * 10_000, "\u202e0101", "０１０１", "0101😀", "101", ""])
async def test_a_malformed_region_is_invalid_input(db: Sessionmaker, region: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        await _request(db, PROVINCIAL, uuid.uuid4(), region_code=region)
    assert raised.value.code == "invalid_region"
    assert await _count(db) == 0


@pytest.mark.parametrize("name", ["张\x00三", "张\ud800三"])
async def test_content_text_no_database_can_keep_is_invalid_content(
    db: Sessionmaker, name: str
) -> None:
    with pytest.raises(InvalidInputError) as raised:
        await _request(db, PROVINCIAL, uuid.uuid4(), content=ticket_content(name=name))
    assert raised.value.code == "invalid_content"
    assert await _count(db) == 0


async def test_read_file_refuses_a_request_that_is_not_ready(
    make_request: MakeRequest, storage: LocalStorage
) -> None:
    with pytest.raises(service.DocumentNotReadyError):
        await service.read_file(storage, await make_request())


async def test_read_file_checks_the_recorded_sha256(
    make_request: MakeRequest, storage: LocalStorage, caplog: pytest.LogCaptureFixture
) -> None:
    document = await make_request()
    document.status, document.storage_key = DocumentStatus.READY, f"{document.id}/file.pdf"
    await storage.write(document.storage_key, b"%PDF-1.4 original")
    document.sha256 = hashlib.sha256(b"%PDF-1.4 original").hexdigest()
    assert await service.read_file(storage, document) == b"%PDF-1.4 original"
    await storage.write(document.storage_key, b"%PDF-1.4 tampered")
    with pytest.raises(service.DocumentIntegrityError):
        await service.read_file(storage, document)
    assert "does not match its sha256" in caplog.text
    document.storage_key = f"{document.id}/missing.pdf"
    with pytest.raises(service.DocumentIntegrityError):
        await service.read_file(storage, document)


async def test_an_admission_ticket_needs_a_sitting(make_request: MakeRequest) -> None:
    with pytest.raises(InvalidInputError) as raised:
        await make_request(sitting=None)
    assert raised.value.field == "sitting"
