"""Documents' rules: requesting a document, who may read it, handing out its file, and the
audit entries of what staff and internal services do with a candidate's documents."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from zikao_documents.content import content_json, content_sha256, parse_content
from zikao_documents.facts import (
    DocumentUnavailableError,
    certificate_content,
    ticket_content,
    ticket_missing,
    transcript_content,
)
from zikao_documents.inputs import check_region, check_sitting, is_region
from zikao_documents.models import AuditEntry, DocumentKind, DocumentRequest, DocumentStatus
from zikao_documents.repository import DocumentRequestRepository
from zikao_documents.sources import Application, Person, Record, TicketFacts
from zikao_documents.storage import Storage, StoredFileMissingError
from zikao_kit import audit
from zikao_kit.access import ensure_may_read_candidate, may_read_candidate
from zikao_kit.auth import Principal, Role
from zikao_kit.db import utc_now
from zikao_kit.errors import ConflictError, ForbiddenError, InvalidInputError
from zikao_kit.guard import RequestRefusedError, check_value

logger = logging.getLogger("zikao.documents")

# Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 random bits
CROCKFORD_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
# Audit actions (what staff and internal services did; a candidate's own acts are not audited).
REQUEST_DOCUMENT = "request_document"
DOWNLOAD_DOCUMENT = "download_document"
ISSUE_DOWNLOAD_LINK = "issue_download_link"


class DocumentNotReadyError(ConflictError):
    code = "document_not_ready"
    default_message = "文件尚未生成，请稍后再试"


class DocumentIntegrityError(ConflictError):
    code = "document_integrity"
    default_message = "文件校验未通过，请联系考试机构"


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _checked_content(kind: DocumentKind, content: dict[str, Any]) -> dict[str, Any]:
    try:
        # NUL and lone surrogates: JSONB refuses the one, the content hash cannot encode the other.
        check_value(content)
        return content_json(parse_content(kind, content))
    except (ValidationError, RequestRefusedError) as error:
        raise InvalidInputError("content", "文件内容不完整", code="invalid_content") from error


def is_audited(principal: Principal) -> bool:
    """Staff, admins and internal services leave audit entries; candidates acting on their own
    documents do not."""
    return principal.role is not Role.CANDIDATE


def request_region(by: Principal, candidate_id: uuid.UUID, known: str | None) -> str | None:
    """The candidate's region to keep on a request `by` makes for them: a candidate's own
    token says it; staff and services pass what their path knows (`known`, None when nothing).
    `ForbiddenError` unless `by` may act on the candidate's data by the one read rule."""
    if by.role is Role.CANDIDATE:
        if by.subject != str(candidate_id):
            raise ForbiddenError("只能申请本人的文件")
        # A malformed claim is identity's fault: keep no region, the narrowest access.
        return by.region_code if is_region(by.region_code) else None
    region = check_region(known)
    ensure_may_read_candidate(by, candidate_id, region)
    return region


async def request_document(
    session: AsyncSession,
    *,
    by: Principal,
    candidate_id: uuid.UUID,
    kind: DocumentKind,
    sitting: str | None,
    content: dict[str, Any],
    region_code: str | None = None,
) -> DocumentRequest:
    """A new PENDING request, or the live (not FAILED) one asked for before with the same
    candidate, kind, sitting and content. `by` asks: the candidate, or staff or a service for
    them (who may pass the candidate's `region_code` when their path knows it; audited). The
    caller enqueues the render after its commit."""
    region = request_region(by, candidate_id, region_code)
    if kind is DocumentKind.ADMISSION_TICKET and not sitting:
        raise InvalidInputError("sitting", "准考证须指定考次", code="sitting_required")
    check_sitting(sitting)
    checked = _checked_content(kind, content)
    digest = content_sha256(checked)
    found = await _live_or_new(session, candidate_id, kind, sitting, checked, digest, region)
    if is_audited(by):
        _record(session, by, REQUEST_DOCUMENT, found)
    return found


async def _live_or_new(
    session: AsyncSession,
    candidate_id: uuid.UUID,
    kind: DocumentKind,
    sitting: str | None,
    checked: dict[str, Any],
    digest: str,
    region: str | None,
) -> DocumentRequest:
    requests = DocumentRequestRepository(session)
    existing = await requests.live(candidate_id, kind, sitting, digest)
    if existing is not None:
        return existing
    created = await requests.insert_unless_live(
        {
            "id": uuid.uuid4(),
            "candidate_id": candidate_id,
            "region_code": region,
            "kind": kind,
            "sitting": sitting,
            "status": DocumentStatus.PENDING,
            "content": checked,
            "content_sha256": digest,
            "verification_code": new_verification_code(),
            "requested_at": utc_now(),
            "attempts": 0,
        }
    )
    # None: a concurrent request won the unique index between our look-up and our insert.
    found = created or await requests.live(candidate_id, kind, sitting, digest)
    if found is None:
        raise ConflictError("文件申请冲突，请重试")
    return found


async def request_admission_ticket(
    session: AsyncSession, *, by: Principal, facts: TicketFacts, issuer: str, now: datetime
) -> DocumentRequest:
    """The candidate's admission ticket for the sitting: `DocumentUnavailableError` naming
    what is missing (outside the printing window, not signed up, seats not published or not
    seated, no photo); else the ticket showing these facts, the same request as before when
    nothing it shows changed, or a new version that supersedes the candidate's earlier ones."""
    missing = ticket_missing(facts, now)
    if missing:
        raise DocumentUnavailableError(missing)
    document = await request_document(
        session,
        by=by,
        candidate_id=facts.person.id,
        kind=DocumentKind.ADMISSION_TICKET,
        sitting=facts.sitting.code,
        content=ticket_content(issuer, facts),
        region_code=facts.person.region_code if by.role is not Role.CANDIDATE else None,
    )
    await current_version(session, document, now)
    return document


async def current_version(session: AsyncSession, document: DocumentRequest, now: datetime) -> None:
    """`document` is the candidate's current version of it: the others are superseded (and it
    is not, should the facts have changed back to what it shows)."""
    if document.superseded_at is not None:
        document.superseded_at, document.superseded_by = None, None
        await session.flush()
    await DocumentRequestRepository(session).supersede_others(document, now)


async def request_transcript(
    session: AsyncSession, *, by: Principal, person: Person, record: Record, issuer: str
) -> DocumentRequest:
    """成绩单 of every course passed so far; asking again while nothing changed gives the same
    document. An older transcript stays valid as of its date (it is not superseded)."""
    return await request_document(
        session,
        by=by,
        candidate_id=person.id,
        kind=DocumentKind.TRANSCRIPT,
        sitting=None,
        content=transcript_content(issuer, person, record),
        region_code=person.region_code if by.role is not Role.CANDIDATE else None,
    )


async def request_certificate(
    session: AsyncSession,
    *,
    by: Principal,
    person: Person,
    applied: Application,
    issuer: str,
    today: date,
) -> DocumentRequest:
    """课程合格证书 for the candidate's own application, once ready (records' readyOn) and
    not cancelled; asking again gives the same document."""
    if applied.candidate_id != person.id:
        raise ForbiddenError("只能申请本人的证书")
    return await request_document(
        session,
        by=by,
        candidate_id=person.id,
        kind=DocumentKind.COURSE_CERTIFICATE,
        sitting=applied.sitting,
        content=certificate_content(issuer, person, applied, today),
        region_code=person.region_code if by.role is not Role.CANDIDATE else None,
    )


@dataclass(frozen=True)
class Verification:
    """What `verifyDocument` tells anyone holding a printed code: nothing personal beyond the
    masked name."""

    kind: DocumentKind
    sitting: str | None
    issued_at: datetime
    masked_name: str
    superseded: bool


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳明华 → 欧***: the first character, a star for each of the others."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def normalize_code(text: str) -> str:
    """A verification code as printed (`ABCD-2345-WXYZ`), typed (lower case, spaces) or read
    aloud (Crockford's I, L → 1, O → 0); `InvalidInputError` (`invalid_code`) for anything
    that cannot be one."""
    if len(text) > 4 * CODE_LENGTH:
        raise InvalidInputError("code", "验证码格式有误", code="invalid_code")
    cleaned = "".join(c for c in text.upper() if c not in " -")
    cleaned = cleaned.translate(CROCKFORD_ALIASES)
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        raise InvalidInputError("code", "验证码格式有误", code="invalid_code")
    return cleaned


async def verify(session: AsyncSession, code: str) -> Verification | None:
    """The issued document a printed code belongs to (READY), or None."""
    document = await DocumentRequestRepository(session).by_code(normalize_code(code))
    if document is None or document.status is not DocumentStatus.READY:
        return None
    name = str(document.content.get("candidate", {}).get("name", ""))
    return Verification(
        kind=document.kind,
        sitting=document.sitting,
        issued_at=document.requested_at,
        masked_name=mask_name(name),
        superseded=document.superseded_at is not None,
    )


def may_read(principal: Principal, document: DocumentRequest) -> bool:
    """The one read rule (`zikao_kit.access`), with the region kept on the request."""
    return may_read_candidate(principal, document.candidate_id, document.region_code)


def may_look_for(principal: Principal, candidate_id: uuid.UUID) -> bool:
    """Whether `principal` may ask for a candidate's documents at all: everyone `may_read` lets
    in somewhere (district staff then see those of their own region only)."""
    return principal.role is Role.STAFF or may_read_candidate(principal, candidate_id, None)


async def documents_by_candidate(
    session: AsyncSession, principal: Principal, candidate_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[DocumentRequest]]:
    """Each candidate's requests that `principal` may read, newest first (one query for all)."""
    found: dict[uuid.UUID, list[DocumentRequest]] = {}
    for document in await DocumentRequestRepository(session).for_candidates(candidate_ids):
        if may_read(principal, document):
            found.setdefault(document.candidate_id, []).append(document)
    return found


async def get_document(session: AsyncSession, document_id: uuid.UUID) -> DocumentRequest | None:
    return await DocumentRequestRepository(session).get(document_id)


async def readable_document(
    session: AsyncSession, principal: Principal, document_id: uuid.UUID
) -> DocumentRequest | None:
    """The request, if it exists and `principal` may read it."""
    document = await get_document(session, document_id)
    return document if document is not None and may_read(principal, document) else None


async def read_file(storage: Storage, document: DocumentRequest) -> bytes:
    """The rendered PDF, after checking it against the sha256 recorded when it was made."""
    if document.status is not DocumentStatus.READY or not document.storage_key:
        raise DocumentNotReadyError()
    try:
        data = await storage.read(document.storage_key)
    except StoredFileMissingError:
        logger.error("stored file missing", extra={"document_id": str(document.id)})
        raise DocumentIntegrityError() from None
    if hashlib.sha256(data).hexdigest() != document.sha256:
        logger.error(
            "stored file does not match its sha256", extra={"document_id": str(document.id)}
        )
        raise DocumentIntegrityError()
    return data


def _record(
    session: AsyncSession, actor: Principal, action: str, document: DocumentRequest
) -> None:
    detail = {"kind": document.kind.value, "sitting": document.sitting}
    audit.record(
        session,
        AuditEntry,
        actor,
        action,
        candidate_id=document.candidate_id,
        target=str(document.id),
        detail=detail,
    )


def record_download(session: AsyncSession, reader: Principal, document: DocumentRequest) -> None:
    """Audits `reader` (staff or a service) downloading a candidate's document."""
    if is_audited(reader):
        _record(session, reader, DOWNLOAD_DOCUMENT, document)


async def record_links_issued(
    session: AsyncSession, reader: Principal, document_ids: Iterable[uuid.UUID]
) -> None:
    """Audits download links handed to `reader` (staff or a service): whoever holds a link may
    download without signing in, so handing it out is the read to account for."""
    if not is_audited(reader):
        return
    for document in await DocumentRequestRepository(session).many(document_ids):
        _record(session, reader, ISSUE_DOWNLOAD_LINK, document)
