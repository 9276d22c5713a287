import hashlib
import uuid

import pytest

from zikao_documents import service
from zikao_documents.models import DocumentKind, DocumentStatus
from zikao_documents.storage import LocalStorage
from zikao_documents.testing import MakeRequest, results_content, ticket_content
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.errors import InvalidInputError


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
    theirs = await make_request(two)
    async with db() as session:
        found = await service.documents_by_candidate(session, [one, two, uuid.uuid4()])
    assert [d.id for d in found[one]] == [newer.id, older.id]
    assert [d.id for d in found[two]] == [theirs.id]


@pytest.mark.parametrize(
    ("role", "own", "allowed"),
    [
        (Role.CANDIDATE, True, True),
        (Role.CANDIDATE, False, False),
        (Role.STAFF, False, True),
        (Role.ADMIN, False, True),
        (Role.SERVICE, False, True),
        (Role.AUDITOR, False, False),
    ],
)
async def test_who_may_read_a_document(
    make_request: MakeRequest, db: Sessionmaker, role: Role, own: bool, allowed: bool
) -> None:
    document = await make_request()
    subject = str(document.candidate_id) if own else str(uuid.uuid4())
    principal = Principal(subject=subject, role=role)
    assert service.can_read(principal, document) is allowed
    async with db() as session:
        found = await service.readable_document(session, principal, document.id)
    assert (found is not None) is allowed


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
