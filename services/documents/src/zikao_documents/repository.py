"""Every SQL statement of documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_documents.models import DocumentKind, DocumentRequest, DocumentStatus

LIVE_WHERE = text("status <> 'FAILED'")
LIVE_KEY = ("candidate_id", "kind", "sitting", "content_sha256")


class DocumentRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, document_id: uuid.UUID) -> DocumentRequest | None:
        return await self.session.get(DocumentRequest, document_id)

    async def many(self, document_ids: Iterable[uuid.UUID]) -> Sequence[DocumentRequest]:
        result = await self.session.execute(
            select(DocumentRequest).where(col(DocumentRequest.id).in_(set(document_ids)))
        )
        return result.scalars().all()

    async def lock(self, document_id: uuid.UUID) -> DocumentRequest | None:
        """The request, row-locked until the transaction ends (`SELECT … FOR UPDATE`)."""
        result = await self.session.execute(
            select(DocumentRequest)
            .where(col(DocumentRequest.id) == document_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def live(
        self, candidate_id: uuid.UUID, kind: DocumentKind, sitting: str | None, content_sha256: str
    ) -> DocumentRequest | None:
        """The request not FAILED with this candidate, kind, sitting and content, if any."""
        result = await self.session.execute(
            select(DocumentRequest).where(
                col(DocumentRequest.candidate_id) == candidate_id,
                col(DocumentRequest.kind) == kind,
                col(DocumentRequest.sitting).is_not_distinct_from(sitting),
                col(DocumentRequest.content_sha256) == content_sha256,
                col(DocumentRequest.status) != DocumentStatus.FAILED,
            )
        )
        return result.scalar_one_or_none()

    async def insert_unless_live(self, values: dict[str, Any]) -> DocumentRequest | None:
        """Inserts a request; None when a live one with the same key exists (or was inserted
        concurrently: the unique index `uq_document_request_live` decides)."""
        statement = (
            insert(DocumentRequest)
            .values(**values)
            .on_conflict_do_nothing(index_elements=list(LIVE_KEY), index_where=LIVE_WHERE)
            .returning(DocumentRequest)
        )
        result = await self.session.execute(statement)
        return result.scalar_one_or_none()

    async def for_candidates(self, candidate_ids: Iterable[uuid.UUID]) -> Sequence[DocumentRequest]:
        """Every request of these candidates, newest first."""
        result = await self.session.execute(
            select(DocumentRequest)
            .where(col(DocumentRequest.candidate_id).in_(set(candidate_ids)))
            .order_by(col(DocumentRequest.requested_at).desc(), col(DocumentRequest.id).desc())
        )
        return result.scalars().all()

    async def stale(
        self, *, pending_before: datetime, rendering_before: datetime, limit: int
    ) -> Sequence[uuid.UUID]:
        """Unfinished requests that no job seems to be working on, oldest first."""
        pending = (col(DocumentRequest.status) == DocumentStatus.PENDING) & (
            col(DocumentRequest.requested_at) < pending_before
        )
        abandoned = (col(DocumentRequest.status) == DocumentStatus.RENDERING) & (
            col(DocumentRequest.attempted_at) < rendering_before
        )
        result = await self.session.execute(
            select(col(DocumentRequest.id))
            .where(or_(pending, abandoned))
            .order_by(col(DocumentRequest.requested_at))
            .limit(limit)
        )
        return result.scalars().all()
