"""Documents' rules: requesting a document, who may read it, handing out its file."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from zikao_documents.content import content_json, content_sha256, parse_content
from zikao_documents.models import DocumentKind, DocumentRequest, DocumentStatus
from zikao_documents.repository import DocumentRequestRepository
from zikao_documents.storage import Storage, StoredFileMissingError
from zikao_kit.auth import Principal, Role
from zikao_kit.db import utc_now
from zikao_kit.errors import ConflictError, InvalidInputError

logger = logging.getLogger("zikao.documents")

# Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper survives.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12  # 60 random bits
READER_ROLES = (Role.STAFF, Role.ADMIN, Role.SERVICE)


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
        return content_json(parse_content(kind, content))
    except ValidationError as error:
        raise InvalidInputError("content", "文件内容不完整", code="invalid_content") from error


async def request_document(
    session: AsyncSession,
    *,
    candidate_id: uuid.UUID,
    kind: DocumentKind,
    sitting: str | None,
    content: dict[str, Any],
) -> DocumentRequest:
    """A new PENDING request, or the live (not FAILED) one asked for before with the same
    candidate, kind, sitting and content. The caller enqueues the render after its commit."""
    if kind is DocumentKind.ADMISSION_TICKET and not sitting:
        raise InvalidInputError("sitting", "准考证须指定考次", code="sitting_required")
    checked = _checked_content(kind, content)
    digest = content_sha256(checked)
    requests = DocumentRequestRepository(session)
    existing = await requests.live(candidate_id, kind, sitting, digest)
    if existing is not None:
        return existing
    created = await requests.insert_unless_live(
        {
            "id": uuid.uuid4(),
            "candidate_id": candidate_id,
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


def can_read_candidate(principal: Principal, candidate_id: uuid.UUID) -> bool:
    """The candidate themself, staff, admins and internal services."""
    if principal.role is Role.CANDIDATE:
        return principal.subject == str(candidate_id)
    return principal.role in READER_ROLES


def can_read(principal: Principal, document: DocumentRequest) -> bool:
    return can_read_candidate(principal, document.candidate_id)


async def documents_by_candidate(
    session: AsyncSession, candidate_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[DocumentRequest]]:
    """Each candidate's requests, newest first (one query for all of them)."""
    found: dict[uuid.UUID, list[DocumentRequest]] = {}
    for document in await DocumentRequestRepository(session).for_candidates(candidate_ids):
        found.setdefault(document.candidate_id, []).append(document)
    return found


async def get_document(session: AsyncSession, document_id: uuid.UUID) -> DocumentRequest | None:
    return await DocumentRequestRepository(session).get(document_id)


async def readable_document(
    session: AsyncSession, principal: Principal, document_id: uuid.UUID
) -> DocumentRequest | None:
    """The request, if it exists and `principal` may read it."""
    document = await get_document(session, document_id)
    return document if document is not None and can_read(principal, document) else None


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
