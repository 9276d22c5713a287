"""The render job's steps, each inside a transaction its caller (the job) owns.

An attempt is counted in its own short transaction before rendering, so a worker that dies
mid-render still uses up an attempt. Counting it takes a lease (`lease_until`, longer than the
job timeout): while it runs, other jobs for the request skip it; once it ran out, no job holds
the request and the sweeper wakes it again. The render itself holds the row lock, and every
step checks that the request is not done first, so a request is rendered once however many
jobs arrive.
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


def _held(document: DocumentRequest, now: datetime) -> bool:
    """Another job's attempt holds the request (its lease has not run out)."""
    lease = document.lease_until
    return document.status is DocumentStatus.RENDERING and lease is not None and lease > now


async def begin_attempt(
    session: AsyncSession, document_id: uuid.UUID, *, max_attempts: int, lease: timedelta
) -> int | None:
    """Counts one more attempt, marks the request RENDERING and leases it for `lease`; returns
    the attempt number, or None when there is nothing to do: unknown, done, held by another
    job (row locked, or leased), or out of attempts (then FAILED)."""
    document = await DocumentRequestRepository(session).lock(document_id, skip_locked=True)
    now = utc_now()
    if document is None or document.is_done or _held(document, now):
        return None
    if document.attempts >= max_attempts:
        fail(document, ATTEMPTS_EXHAUSTED)
        await session.flush()
        return None
    document.attempts += 1
    document.status = DocumentStatus.RENDERING
    document.attempted_at, document.lease_until = now, now + lease
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
    document.lease_until = None
    await session.flush()
    logger.info("document ready", extra={"document_id": str(document.id), "bytes": len(pdf)})
    return True


def fail(document: DocumentRequest, code: str) -> None:
    document.status = DocumentStatus.FAILED
    document.last_error = code[:100]
    document.lease_until = None
    logger.warning("document failed", extra={"document_id": str(document.id), "code": code})


async def mark_failed(session: AsyncSession, document_id: uuid.UUID, code: str) -> None:
    document = await DocumentRequestRepository(session).lock(document_id)
    if document is not None and not document.is_done:
        fail(document, code)
        await session.flush()


async def retry_later(
    session: AsyncSession, document_id: uuid.UUID, code: str, *, due_by: datetime
) -> None:
    """Back to PENDING after a transient failure (`code` recorded) until the job's retry comes;
    if it has not by `due_by` (the retry was lost with Redis), the sweeper wakes the request."""
    document = await DocumentRequestRepository(session).lock(document_id)
    if document is not None and not document.is_done:
        document.status, document.last_error = DocumentStatus.PENDING, code[:100]
        document.lease_until = due_by
        await session.flush()


async def stale_requests(
    session: AsyncSession, *, pending_after: timedelta, now: datetime
) -> list[tuple[uuid.UUID, int]]:
    """Unfinished requests whose wake-up was lost, with their attempt counts: a lease that ran
    out (the job's worker died, or its retry was lost), or PENDING without a lease for longer
    than `pending_after` (its first wake-up was lost)."""
    found = await DocumentRequestRepository(session).stale(
        pending_before=now - pending_after, now=now, limit=SWEEP_LIMIT
    )
    return list(found)
