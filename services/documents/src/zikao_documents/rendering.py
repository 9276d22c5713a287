"""The render job's steps, each inside a transaction its caller (the job) owns.

A job renders one request or a chunk of them (a sitting's tickets go a chunk a job), each
counted, checked and recorded on its own. Attempts are counted in their own short
transaction before rendering (`begin_attempts`, one locking SELECT for the chunk), so a
worker that dies mid-render still uses them up. Counting takes a lease (`lease_until`, longer
than the job timeout): while it runs, other jobs skip the request; once it ran out, no job
holds it and the sweeper wakes it again. The PDFs are then drawn and stored outside any
transaction (the same content gives the same bytes, so a second render writes the same file),
and `record_ready` marks each READY in one statement unless another job finished it first: a
request is recorded once however many jobs arrive.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_documents.models import DocumentKind, DocumentRequest, DocumentStatus
from zikao_documents.render import RenderError, render_pdf
from zikao_documents.repository import DocumentRequestRepository
from zikao_kit.db import utc_now

logger = logging.getLogger("zikao.documents.rendering")
ATTEMPTS_EXHAUSTED = "attempts_exhausted"
SWEEP_LIMIT = 1000


def storage_key(document_id: uuid.UUID, sha256: str) -> str:
    """Names only ids: a document's files never carry personal data in their path."""
    return f"{document_id}/{sha256}.pdf"


def _held(document: DocumentRequest, now: datetime) -> bool:
    """Another job's attempt holds the request (its lease has not run out)."""
    lease = document.lease_until
    return document.status is DocumentStatus.RENDERING and lease is not None and lease > now


@dataclass(frozen=True)
class Draft:
    """What drawing one request needs, copied out of its row (the render runs in a thread,
    after the transaction)."""

    document_id: uuid.UUID
    attempt: int
    kind: DocumentKind
    content: dict[str, Any]
    verification_code: str
    issued_at: datetime

    @classmethod
    def of(cls, document: DocumentRequest) -> Draft:
        return cls(
            document.id,
            document.attempts,
            document.kind,
            document.content,
            document.verification_code,
            document.requested_at,
        )


@dataclass(frozen=True)
class Rendered:
    document_id: uuid.UUID
    sha256: str
    storage_key: str
    pdf: bytes


async def begin_attempts(
    session: AsyncSession,
    document_ids: Sequence[uuid.UUID],
    *,
    max_attempts: int,
    lease: timedelta,
) -> list[Draft]:
    """Counts one more attempt for each request there is something to do for, marks it
    RENDERING and leases it for `lease`; returns their drafts. Left out: unknown, done, held by
    another job (row locked, or leased), or out of attempts (then FAILED)."""
    documents = await DocumentRequestRepository(session).lock_many(document_ids, skip_locked=True)
    now = utc_now()
    drafts = []
    for document in documents:
        if document.is_done or _held(document, now):
            continue
        if document.attempts >= max_attempts:
            fail(document, ATTEMPTS_EXHAUSTED)
            continue
        document.attempts += 1
        document.status = DocumentStatus.RENDERING
        document.attempted_at, document.lease_until = now, now + lease
        drafts.append(Draft.of(document))
    await session.flush()
    return drafts


async def begin_attempt(
    session: AsyncSession, document_id: uuid.UUID, *, max_attempts: int, lease: timedelta
) -> int | None:
    """`begin_attempts` for one request: its attempt number, or None when there is nothing
    to do."""
    drafts = await begin_attempts(session, [document_id], max_attempts=max_attempts, lease=lease)
    return drafts[0].attempt if drafts else None


def render(draft: Draft) -> Rendered:
    """The draft's PDF with its sha256 and storage key; `RenderError` (permanent) when its
    content cannot be drawn."""
    pdf = render_pdf(
        draft.kind,
        draft.content,
        verification_code=draft.verification_code,
        issued_at=draft.issued_at,
    )
    sha256 = hashlib.sha256(pdf).hexdigest()
    return Rendered(draft.document_id, sha256, storage_key(draft.document_id, sha256), pdf)


def render_all(drafts: Sequence[Draft]) -> list[Rendered | RenderError]:
    """Each draft rendered, or the `RenderError` it failed with (one thread hop a chunk)."""
    results: list[Rendered | RenderError] = []
    for draft in drafts:
        try:
            results.append(render(draft))
        except RenderError as error:
            results.append(error)
    return results


async def record_ready(session: AsyncSession, files: Sequence[Rendered]) -> list[uuid.UUID]:
    """Marks each stored file's request READY with its sha256, unless another job finished
    it first; returns the ids marked."""
    rows = [(f.document_id, f.sha256, f.storage_key) for f in files]
    ready = list(await DocumentRequestRepository(session).mark_ready(rows, utc_now()))
    for document_id in ready:
        logger.info("document ready", extra={"document_id": str(document_id)})
    return ready


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
