"""Staff's ticket batches: every admission ticket of a sitting, or of one district's venues, in
one request; prepared by the worker a chunk at a time (each candidate's ticket requested as
the candidate's own request would be: the same content gives the same document), rendered by
the render jobs, and downloaded as one zip of PDFs per room."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_documents import service
from zikao_documents.facts import ticket_missing
from zikao_documents.inputs import check_region, check_sitting
from zikao_documents.models import (
    AuditEntry,
    BatchStatus,
    DocumentRequest,
    TicketBatch,
    TicketBatchMember,
)
from zikao_documents.repository import TicketBatchRepository
from zikao_documents.sources import Seated, TicketFacts
from zikao_documents.storage import Storage
from zikao_kit import audit
from zikao_kit.access import may_read_region, staff_region
from zikao_kit.auth import Principal, Role
from zikao_kit.db import utc_now
from zikao_kit.errors import ForbiddenError, NotFoundError

CHUNK = 100
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
GENERATE_TICKETS = "generate_tickets"
# Who requests the batch's tickets: the worker, by the service's own authority.
WORKER = Principal(subject="service:documents", role=Role.SERVICE)


@dataclass(frozen=True)
class RoomProgress:
    venue_id: uuid.UUID
    venue_name: str
    room: int
    members: int
    requested: int
    ready: int
    failed: int
    skipped: int


def batch_scope(by: Principal, region_code: str | None) -> str | None:
    """The region a batch covers: a district's staff, their own (another is `ForbiddenError`);
    provincial staff and admins, the one named or the whole province (None)."""
    own = staff_region(by)  # ForbiddenError for anyone but staff and admins
    region = check_region(region_code) or own
    if not may_read_region(by, region) and own is not None:
        raise ForbiddenError("只能生成本地区的准考证")
    return region


def first_rooms(roster: Iterable[Seated]) -> list[dict[str, object]]:
    """Each candidate in the room of their first exam (the earliest slot; ties by room)."""
    first: dict[uuid.UUID, Seated] = {}
    for seat in roster:
        known = first.get(seat.candidate_id)
        if known is None or (seat.starts_at, seat.room) < (known.starts_at, known.room):
            first[seat.candidate_id] = seat
    return [
        {
            "candidate_id": s.candidate_id,
            "venue_id": s.venue_id,
            "venue_name": s.venue_name[:100],
            "room": s.room,
        }
        for s in first.values()
    ]


async def open_batch(
    session: AsyncSession,
    *,
    by: Principal,
    sitting: str,
    region_code: str | None,
    roster: Sequence[Seated],
) -> tuple[TicketBatch, bool]:
    """The batch of this sitting and scope with the roster's candidates, and whether it needs
    a preparing job: a new batch or a prepared one asked for again (to pick up what changed;
    unchanged tickets stay the documents they were); a batch still preparing is left alone."""
    check_sitting(sitting)
    region = batch_scope(by, region_code)
    batches = TicketBatchRepository(session)
    values = {
        "id": uuid.uuid4(),
        "sitting": sitting,
        "region_code": region,
        "status": BatchStatus.PREPARING,
        "requested_by": by.subject[:64],
        "requested_at": utc_now(),
    }
    batch = await batches.insert_unless_exists(values)
    if batch is None:
        batch = await batches.of_scope(sitting, region)
        if batch is None:
            raise NotFoundError()
        if batch.status is BatchStatus.PREPARING:
            return batch, False
        batch.status, batch.prepared_at = BatchStatus.PREPARING, None
        batch.round += 1
    await batches.put_members(batch.id, first_rooms(roster))
    audit.record(
        session,
        AuditEntry,
        by,
        GENERATE_TICKETS,
        target=f"ticket_batch:{batch.id}",
        detail={"sitting": sitting, "region": region, "candidates": len(first_rooms(roster))},
    )
    await session.flush()
    return batch, True


async def next_chunk(session: AsyncSession, batch_id: uuid.UUID) -> list[TicketBatchMember]:
    """Members still to prepare (locked); empty when none (the batch is then PREPARED)."""
    batch = await batch_of(session, batch_id)
    members = list(await TicketBatchRepository(session).unprepared(batch_id, batch.round, CHUNK))
    if not members:
        locked = await TicketBatchRepository(session).get(batch_id, lock=True)
        if locked is not None and locked.status is BatchStatus.PREPARING:
            locked.status, locked.prepared_at = BatchStatus.PREPARED, utc_now()
            await session.flush()
    return members


async def stalled(session: AsyncSession, *, older_than: timedelta) -> list[uuid.UUID]:
    """Batches preparing for longer than `older_than`: the sweeper wakes them (a chain whose
    worker died goes on; a live one meets the wake-up's job id or skips the locked members)."""
    found = await TicketBatchRepository(session).preparing(utc_now() - older_than, 100)
    return list(found)


async def batch_of(session: AsyncSession, batch_id: uuid.UUID) -> TicketBatch:
    batch = await TicketBatchRepository(session).get(batch_id)
    if batch is None:
        raise NotFoundError("批次不存在")
    return batch


async def prepare(
    session: AsyncSession,
    members: Sequence[TicketBatchMember],
    facts: dict[uuid.UUID, TicketFacts],
    *,
    issuer: str,
    now: datetime,
) -> list[DocumentRequest]:
    """Requests each member's ticket (or records what is missing for it); returns the
    requests to wake after the commit."""
    requested = []
    ids = {m.batch_id for m in members}
    rounds = {i: (await batch_of(session, i)).round for i in ids}
    for member in members:
        member.prepared_round = rounds[member.batch_id]
        mine = facts.get(member.candidate_id)
        missing = ["unknown_candidate"] if mine is None else ticket_missing(mine, now)
        if mine is None or missing:
            member.missing, member.document_id = ",".join(missing)[:200], None
            continue
        document = await service.request_admission_ticket(
            session, by=WORKER, facts=mine, issuer=issuer, now=now
        )
        member.document_id, member.missing = document.id, None
        requested.append(document)
    await session.flush()
    return requested


async def readable_batch(
    session: AsyncSession, by: Principal, batch_id: uuid.UUID
) -> TicketBatch | None:
    """The batch, when `by` is staff who may read its region."""
    if by.role not in (Role.STAFF, Role.ADMIN):
        return None
    batch = await TicketBatchRepository(session).get(batch_id)
    return batch if batch is not None and may_read_region(by, batch.region_code) else None


async def rooms(session: AsyncSession, batch_id: uuid.UUID) -> list[RoomProgress]:
    return [RoomProgress(*row) for row in await TicketBatchRepository(session).rooms(batch_id)]


async def room_documents_of(
    session: AsyncSession, batch_id: uuid.UUID, venue_id: uuid.UUID, room: int
) -> list[uuid.UUID]:
    return list(await TicketBatchRepository(session).room_document_ids(batch_id, venue_id, room))


async def room_zip(
    session: AsyncSession, storage: Storage, batch_id: uuid.UUID, venue_id: uuid.UUID, room: int
) -> bytes:
    """One zip of the room's ready tickets, each checked against its sha256, named by ticket
    number (`NotFoundError` when none is ready)."""
    documents = await TicketBatchRepository(session).room_documents(batch_id, venue_id, room)
    if not documents:
        raise NotFoundError("该考场尚无已生成的准考证")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for document in documents:
            pdf = await service.read_file(storage, document)
            number = str(document.content.get("candidate", {}).get("ticket_number", document.id))
            # A fixed time: the same tickets make the same zip, byte for byte.
            archive.writestr(zipfile.ZipInfo(f"{number}.pdf", date_time=ZIP_TIME), pdf)
    return buffer.getvalue()
