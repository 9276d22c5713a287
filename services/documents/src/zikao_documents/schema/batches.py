"""Staff's ticket batches: `generateAdmissionTickets`, `ticketBatch` and its rooms' zips."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_documents import batches, models, sources
from zikao_documents.inputs import check_sitting, parse_id
from zikao_documents.jobs import enqueue_prepare
from zikao_documents.links import room_path, signed_path_url
from zikao_documents.schema.common import Problems, answer, graph_of, settings_of
from zikao_kit.auth import Role, bearer_token
from zikao_kit.context import Context
from zikao_kit.errors import UnauthenticatedError


@strawberry.enum(description="Where a ticket batch stands.")
class BatchStatus(Enum):
    PREPARING = "PREPARING"
    PREPARED = "PREPARED"


@strawberry.type(description="One room of a ticket batch: its candidates' tickets as one zip.")
class TicketBatchRoom:
    venue_id: strawberry.ID
    venue_name: str
    room: int
    candidates: int
    requested: int = strawberry.field(description="tickets requested (rendering or ready)")
    ready: int
    failed: int
    skipped: int = strawberry.field(description="candidates missing something (e.g. a photo)")
    batch_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="A short-lived link to the zip of the room's ready tickets.")
    def download_url(self, info: Info[Context, None]) -> str | None:
        if not self.ready:
            return None
        settings = settings_of(info.context)
        path = room_path(self.batch_id, uuid.UUID(str(self.venue_id)), self.room)
        return signed_path_url(
            settings.download_base_url,
            settings.link_key,
            path,
            ttl_seconds=settings.link_ttl_seconds,
        )


@strawberry.type(description="Every admission ticket of a sitting, or of one district's venues.")
class TicketBatch:
    id: strawberry.ID
    sitting: str
    region_code: str | None = strawberry.field(description="null: the whole province")
    status: BatchStatus
    requested_at: datetime
    prepared_at: datetime | None

    @strawberry.field(description="Progress per room (venue name, room number).")
    async def rooms(self, info: Info[Context, None]) -> list[TicketBatchRoom]:
        batch_id = uuid.UUID(str(self.id))
        async with info.context.db() as session:
            found = await batches.rooms(session, batch_id)
        return [
            TicketBatchRoom(
                venue_id=strawberry.ID(str(r.venue_id)),
                venue_name=r.venue_name,
                room=r.room,
                candidates=r.members,
                requested=r.requested,
                ready=r.ready,
                failed=r.failed,
                skipped=r.skipped,
                batch_id=batch_id,
            )
            for r in found
        ]

    @classmethod
    def from_model(cls, batch: models.TicketBatch) -> TicketBatch:
        return cls(
            id=strawberry.ID(str(batch.id)),
            sitting=batch.sitting,
            region_code=batch.region_code,
            status=BatchStatus(batch.status.value),
            requested_at=batch.requested_at,
            prepared_at=batch.prepared_at,
        )


@strawberry.type(description="The batch is being prepared; read its progress by `ticketBatch`.")
class TicketBatchStarted:
    batch: TicketBatch


GenerateTicketsResult = Annotated[
    TicketBatchStarted | Problems, strawberry.union("GenerateTicketsResult")
]


def caller_token(context: Context) -> str:
    """The caller's own token, for reading records' staff lists in their scope."""
    request = context.request
    token = bearer_token(request.headers.get("authorization")) if request is not None else None
    if token is None:
        raise UnauthenticatedError()
    return token


async def _generate(
    info: Info[Context, None], sitting: str, region_code: str | None
) -> TicketBatchStarted:
    principal = info.context.require_principal(Role.STAFF, Role.ADMIN)
    code = check_sitting(sitting) or ""
    region = batches.batch_scope(principal, region_code)
    seated = await sources.roster(graph_of(info.context), caller_token(info.context), code, region)
    async with info.context.db.begin() as session:
        batch, _ = await batches.open_batch(
            session, by=principal, sitting=code, region_code=region, roster=seated
        )
    name = settings_of(info.context).queue_name
    await enqueue_prepare(info.context.extras["queue"], batch.id, chunk=0, queue_name=name)
    return TicketBatchStarted(batch=TicketBatch.from_model(batch))


@strawberry.type
class BatchQuery:
    @strawberry.field(description="Staff: a ticket batch and its progress; null if not yours.")
    async def ticket_batch(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> TicketBatch | None:
        principal = info.context.require_principal()
        batch_id = parse_id(str(id))
        async with info.context.db() as session:
            found = await batches.readable_batch(session, principal, batch_id)
        return TicketBatch.from_model(found) if found is not None else None


@strawberry.type
class BatchMutation:
    @strawberry.mutation(
        description="Staff: request every admission ticket of the sitting (district staff: their "
        "district's venues; provincial staff: one district or all); asking again adds what "
        "changed and renders nothing twice. Progress: `ticketBatch`."
    )
    async def generate_admission_tickets(
        self, info: Info[Context, None], sitting: str, region_code: str | None = None
    ) -> GenerateTicketsResult:
        result: GenerateTicketsResult = await answer(_generate(info, sitting, region_code))
        return result
