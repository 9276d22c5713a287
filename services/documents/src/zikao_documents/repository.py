"""Every SQL statement of documents."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, Uuid, bindparam, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_documents.models import (
    UNFINISHED_STATUSES,
    BatchStatus,
    DocumentKind,
    DocumentRequest,
    DocumentStatus,
    TicketBatch,
    TicketBatchMember,
)

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

    async def lock(
        self, document_id: uuid.UUID, *, skip_locked: bool = False
    ) -> DocumentRequest | None:
        """The request, row-locked until the transaction ends (`SELECT … FOR UPDATE`); with
        `skip_locked`, None when another transaction holds the lock."""
        result = await self.session.execute(
            select(DocumentRequest)
            .where(col(DocumentRequest.id) == document_id)
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def lock_many(
        self, document_ids: Sequence[uuid.UUID], *, skip_locked: bool = False
    ) -> Sequence[DocumentRequest]:
        """The requests, row-locked until the transaction ends, in one statement; with
        `skip_locked`, those another transaction holds are left out."""
        result = await self.session.execute(
            select(DocumentRequest)
            .where(col(DocumentRequest.id).in_(document_ids))
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)
        )
        return result.scalars().all()

    async def mark_ready(
        self, files: Sequence[tuple[uuid.UUID, str, str]], now: datetime
    ) -> Sequence[uuid.UUID]:
        """Records each (id, sha256, storage key) READY unless its request is done already
        (READY or FAILED: another job finished it), in one statement; returns the ids it
        marked. The UPDATE takes each row's lock and checks the status under it."""
        if not files:
            return []
        # Three arrays unnested, not a VALUES list: one statement text whatever the number of
        # files, so SQLAlchemy compiles it and asyncpg prepares it once per process.
        stored = (
            func.unnest(
                bindparam("ids", type_=ARRAY(Uuid())),
                bindparam("sha256s", type_=ARRAY(String())),
                bindparam("keys", type_=ARRAY(String())),
            )
            .table_valued("id", "sha256", "storage_key")
            .render_derived(name="stored")
        )
        statement = (
            update(DocumentRequest)
            .where(
                col(DocumentRequest.id) == stored.c.id,
                col(DocumentRequest.status).in_(UNFINISHED_STATUSES),
            )
            .values(
                sha256=stored.c.sha256,
                storage_key=stored.c.storage_key,
                status=DocumentStatus.READY,
                ready_at=now,
                last_error=None,
                lease_until=None,
            )
            .returning(col(DocumentRequest.id))
            .execution_options(synchronize_session=False)
        )
        ids, sha256s, keys = (list(column) for column in zip(*files, strict=True))
        result = await self.session.execute(
            statement, {"ids": ids, "sha256s": sha256s, "keys": keys}
        )
        return result.scalars().all()

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

    async def by_code(self, code: str) -> DocumentRequest | None:
        result = await self.session.execute(
            select(DocumentRequest).where(col(DocumentRequest.verification_code) == code)
        )
        return result.scalar_one_or_none()

    async def supersede_others(self, document: DocumentRequest, now: datetime) -> int:
        """Marks the candidate's other live versions of this document (kind and sitting)
        superseded by `document`; returns how many were."""
        result = await self.session.execute(
            update(DocumentRequest)
            .where(
                col(DocumentRequest.candidate_id) == document.candidate_id,
                col(DocumentRequest.kind) == document.kind,
                col(DocumentRequest.sitting).is_not_distinct_from(document.sitting),
                col(DocumentRequest.id) != document.id,
                col(DocumentRequest.status) != DocumentStatus.FAILED,
                col(DocumentRequest.superseded_at).is_(None),
            )
            .values(superseded_at=now, superseded_by=document.id)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def for_candidates(self, candidate_ids: Iterable[uuid.UUID]) -> Sequence[DocumentRequest]:
        """Every request of these candidates, newest first."""
        result = await self.session.execute(
            select(DocumentRequest)
            .where(col(DocumentRequest.candidate_id).in_(set(candidate_ids)))
            .order_by(col(DocumentRequest.requested_at).desc(), col(DocumentRequest.id).desc())
        )
        return result.scalars().all()

    async def stale(
        self, *, pending_before: datetime, now: datetime, limit: int
    ) -> Sequence[tuple[uuid.UUID, int]]:
        """Unfinished requests that no job seems to hold, oldest first, with their attempts:
        a lease that ran out, or no lease and asked for before `pending_before`."""
        lease = col(DocumentRequest.lease_until)
        lost = or_(
            lease < now,
            lease.is_(None) & (col(DocumentRequest.requested_at) < pending_before),
        )
        result = await self.session.execute(
            select(col(DocumentRequest.id), col(DocumentRequest.attempts))
            .where(col(DocumentRequest.status).in_(UNFINISHED_STATUSES), lost)
            .order_by(col(DocumentRequest.requested_at))
            .limit(limit)
        )
        return [(row.id, row.attempts) for row in result]


class TicketBatchRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, batch_id: uuid.UUID, *, lock: bool = False) -> TicketBatch | None:
        statement = select(TicketBatch).where(col(TicketBatch.id) == batch_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def preparing(self, requested_before: datetime, limit: int) -> Sequence[uuid.UUID]:
        """Batches still preparing that were asked for before the time given."""
        result = await self.session.execute(
            select(col(TicketBatch.id))
            .where(
                col(TicketBatch.status) == BatchStatus.PREPARING,
                col(TicketBatch.requested_at) < requested_before,
            )
            .order_by(col(TicketBatch.requested_at))
            .limit(limit)
        )
        return result.scalars().all()

    async def insert_unless_exists(self, values: dict[str, Any]) -> TicketBatch | None:
        """A new batch; None when one of this sitting and scope exists (the unique index)."""
        statement = (
            insert(TicketBatch)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["sitting", "region_code"])
            .returning(TicketBatch)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def of_scope(self, sitting: str, region_code: str | None) -> TicketBatch | None:
        result = await self.session.execute(
            select(TicketBatch)
            .where(
                col(TicketBatch.sitting) == sitting,
                col(TicketBatch.region_code).is_not_distinct_from(region_code),
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def put_members(self, batch_id: uuid.UUID, rows: Sequence[dict[str, Any]]) -> None:
        """Adds candidates new to the batch and moves known ones to the room given (their
        tickets stay theirs until the round prepares them again)."""
        if not rows:
            return
        statement = insert(TicketBatchMember).values([{**r, "batch_id": batch_id} for r in rows])
        statement = statement.on_conflict_do_update(
            index_elements=["batch_id", "candidate_id"],
            set_={
                "venue_id": statement.excluded.venue_id,
                "venue_name": statement.excluded.venue_name,
                "room": statement.excluded.room,
            },
        )
        await self.session.execute(statement)

    async def unprepared(
        self, batch_id: uuid.UUID, round_: int, limit: int
    ) -> Sequence[TicketBatchMember]:
        """Members not prepared in this round yet, locked (others' jobs skip them)."""
        result = await self.session.execute(
            select(TicketBatchMember)
            .where(
                col(TicketBatchMember.batch_id) == batch_id,
                col(TicketBatchMember.prepared_round).is_distinct_from(round_),
            )
            .order_by(col(TicketBatchMember.candidate_id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return result.scalars().all()

    async def rooms(self, batch_id: uuid.UUID) -> Sequence[Any]:
        """Per room: members, tickets requested, ready, failed, and members missing something."""
        document = DocumentRequest
        member = TicketBatchMember
        ready = func.count().filter(col(document.status) == DocumentStatus.READY)
        failed = func.count().filter(col(document.status) == DocumentStatus.FAILED)
        result = await self.session.execute(
            select(
                col(member.venue_id),
                col(member.venue_name),
                col(member.room),
                func.count().label("members"),
                func.count(col(member.document_id)).label("requested"),
                ready.label("ready"),
                failed.label("failed"),
                func.count(col(member.missing)).label("skipped"),
            )
            .select_from(member)
            .outerjoin(document, col(document.id) == col(member.document_id))
            .where(col(member.batch_id) == batch_id)
            .group_by(col(member.venue_id), col(member.venue_name), col(member.room))
            .order_by(col(member.venue_name), col(member.room))
        )
        return result.all()

    async def room_document_ids(
        self, batch_id: uuid.UUID, venue_id: uuid.UUID, room: int
    ) -> Sequence[uuid.UUID]:
        """The tickets requested for a room's members, whatever their status."""
        result = await self.session.execute(
            select(col(TicketBatchMember.document_id)).where(
                col(TicketBatchMember.batch_id) == batch_id,
                col(TicketBatchMember.venue_id) == venue_id,
                col(TicketBatchMember.room) == room,
                col(TicketBatchMember.document_id).is_not(None),
            )
        )
        return [i for i in result.scalars().all() if i is not None]

    async def room_documents(
        self, batch_id: uuid.UUID, venue_id: uuid.UUID, room: int
    ) -> Sequence[DocumentRequest]:
        """The READY tickets of a room's members."""
        result = await self.session.execute(
            select(DocumentRequest)
            .join(TicketBatchMember, col(TicketBatchMember.document_id) == col(DocumentRequest.id))
            .where(
                col(TicketBatchMember.batch_id) == batch_id,
                col(TicketBatchMember.venue_id) == venue_id,
                col(TicketBatchMember.room) == room,
                col(DocumentRequest.status) == DocumentStatus.READY,
            )
            .order_by(col(DocumentRequest.id))
        )
        return result.scalars().all()
