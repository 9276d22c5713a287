"""The render job's steps, each inside a transaction its caller (the job) owns.

An attempt is counted in its own short transaction before rendering, so a worker that dies
mid-render still uses up an attempt; the render itself holds the row lock, so duplicate jobs
queue behind it and then find the request done.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_documents.models import DocumentRequest, DocumentStatus
from zikao_documents.render import render_pdf
from zikao_documents.repository import DocumentRequestRepository
from zikao_documents.storage import Storage
from zikao_kit.db import utc_now

logger = logging.getLogger("zikao.documents.rendering")
ATTEMPTS_EXHAUSTED = "attempts_exhausted"
SWEEP_LIMIT = 1000


def storage_key(document: DocumentRequest, sha256: str) -> str:
    """Names only ids: a document's files never carry personal data in their path."""
    return f"{document.id}/{sha256}.pdf"


async def begin_attempt(
    session: AsyncSession, document_id: uuid.UUID, *, max_attempts: int
) -> int | None:
    """Counts one more attempt and marks the request RENDERING; returns the attempt number,
    or None when there is nothing to do (unknown, READY, FAILED, or out of attempts)."""
    document = await DocumentRequestRepository(session).lock(document_id)
    if document is None or document.is_done:
        return None
    if document.attempts >= max_attempts:
        fail(document, ATTEMPTS_EXHAUSTED)
        return None
    document.attempts += 1
    document.status = DocumentStatus.RENDERING
    document.attempted_at = utc_now()
    await session.flush()
    return document.attempts


async def produce(session: AsyncSession, document_id: uuid.UUID, storage: Storage) -> bool:
    """Renders the PDF, stores it atomically, records its sha256 and marks the request READY.
    False when another job finished it first. Raises `RenderError` (permanent) or the
    storage's `OSError` (transient)."""
    document = await DocumentRequestRepository(session).lock(document_id)
    if document is None or document.is_done:
        return False
    pdf = await asyncio.to_thread(
        render_pdf,
        document.kind,
        document.content,
        verification_code=document.verification_code,
        issued_at=document.requested_at,
    )
    sha256 = hashlib.sha256(pdf).hexdigest()
    key = storage_key(document, sha256)
    await storage.write(key, pdf)
    document.sha256, document.storage_key = sha256, key
    document.status, document.ready_at, document.last_error = DocumentStatus.READY, utc_now(), None
    await session.flush()
    logger.info("document ready", extra={"document_id": str(document.id), "bytes": len(pdf)})
    return True


def fail(document: DocumentRequest, code: str) -> None:
    document.status = DocumentStatus.FAILED
    document.last_error = code[:100]
    logger.warning("document failed", extra={"document_id": str(document.id), "code": code})


async def mark_failed(session: AsyncSession, document_id: uuid.UUID, code: str) -> None:
    document = await DocumentRequestRepository(session).lock(document_id)
    if document is not None and not document.is_done:
        fail(document, code)
        await session.flush()


async def stale_requests(
    session: AsyncSession, *, pending_after: timedelta, rendering_lease: timedelta, now: datetime
) -> list[uuid.UUID]:
    """PENDING requests older than `pending_after` and RENDERING ones whose attempt began
    more than `rendering_lease` ago (its worker died): their wake-up was lost."""
    ids = await DocumentRequestRepository(session).stale(
        pending_before=now - pending_after,
        rendering_before=now - rendering_lease,
        limit=SWEEP_LIMIT,
    )
    return list(ids)
