"""Seating in the graph (staff, GraphiQL): venues and rooms (district staff in their region),
seat allocation runs and publishing the seats (province)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from arq.connections import ArqRedis
from strawberry.types import Info

from zikao_kit import access
from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.errors import NotFoundError
from zikao_records import models, text
from zikao_records.jobs import enqueue_allocation
from zikao_records.repository.seating import AllocationRepository, VenueRepository
from zikao_records.schema.common import Problems, answer, parse_id, parse_sitting, staff_principal
from zikao_records.service import scope, seating, venues
from zikao_records.settings import records_settings


@strawberry.enum(description="Where a seat allocation run stands.")
class AllocationStatus(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@strawberry.type(description="An exam room (考场).")
class StaffRoom:
    number: int
    seats: int


@strawberry.type(description="An exam venue (考点) with its rooms, as staff see it.")
class StaffVenue:
    id: strawberry.ID
    name: str
    address: str
    region_code: str
    rooms: list[StaffRoom]

    @classmethod
    def from_model(cls, venue: models.Venue, rooms: list[models.Room]) -> StaffVenue:
        return cls(
            id=strawberry.ID(str(venue.id)),
            name=venue.name,
            address=venue.address,
            region_code=venue.region_code,
            rooms=[StaffRoom(number=r.number, seats=r.seats) for r in rooms],
        )


@strawberry.type(description="A run of seat allocation (考场编排) and its progress.")
class SeatAllocationRun:
    id: strawberry.ID
    sitting: str
    status: AllocationStatus
    seed: int = strawberry.field(description="the same seed and sign-ups give the same seats")
    slots_done: int
    slots_total: int
    seated: int
    kept: int = strawberry.field(description="seats kept from an earlier run")
    moved: int = strawberry.field(description="seats changed against an earlier run")
    unseated: int
    error: str | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_model(cls, run: models.SeatAllocation) -> SeatAllocationRun:
        return cls(
            id=strawberry.ID(str(run.id)),
            sitting=run.sitting_code,
            status=AllocationStatus(run.status.value),
            seed=run.seed,
            slots_done=run.slots_done,
            slots_total=run.slots_total,
            seated=run.seated,
            kept=run.kept,
            moved=run.moved,
            unseated=run.unseated,
            error=run.error,
            requested_at=run.requested_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


@strawberry.input
class VenueInput:
    name: str
    address: str
    region_code: str
    rooms: int = 0
    seats: int = strawberry.field(default=30, description="seats of each room")


@strawberry.input(description="Corrections of a venue; a field left out stays as it is.")
class VenueEditInput:
    name: str | None = None
    address: str | None = None


@strawberry.type
class VenueSaved:
    venue: StaffVenue


@strawberry.type
class VenueRemoved:
    id: strawberry.ID


@strawberry.type
class SeatAllocationStarted:
    run: SeatAllocationRun


@strawberry.type
class SeatsPublished:
    sitting: str
    published_at: datetime


SaveVenueResult = Annotated[VenueSaved | Problems, strawberry.union("SaveVenueResult")]
RemoveVenueResult = Annotated[VenueRemoved | Problems, strawberry.union("RemoveVenueResult")]
StartSeatAllocationResult = Annotated[
    SeatAllocationStarted | Problems, strawberry.union("StartSeatAllocationResult")
]
PublishSeatsResult = Annotated[SeatsPublished | Problems, strawberry.union("PublishSeatsResult")]


async def _venue(info: Info[Context, None], venue_id: uuid.UUID) -> StaffVenue:
    """The venue as just saved (its transaction committed)."""
    async with info.context.db() as session:
        repository = VenueRepository(session)
        venue = await repository.get(venue_id)
        rooms = list(await repository.rooms([venue_id]))
    if venue is None:
        raise NotFoundError()
    return StaffVenue.from_model(venue, rooms)


@strawberry.type
class SeatingQuery:
    @strawberry.field(description="Staff: venues and rooms (district staff: their region's).")
    async def venues(
        self, info: Info[Context, None], region_code: str | None = None
    ) -> list[StaffVenue]:
        principal = staff_principal(info)
        if region_code is not None:
            region_code = text.code(region_code, "regionCode", text.REGION_CODE)
        region = access.staff_region(principal) or region_code
        async with info.context.db() as session:
            repository = VenueRepository(session)
            venues = await repository.all(region)
            rooms = await repository.rooms(v.id for v in venues)
        return [StaffVenue.from_model(v, [r for r in rooms if r.venue_id == v.id]) for v in venues]

    @strawberry.field(description="Staff: a seat allocation run and its progress.")
    async def seat_allocation(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> SeatAllocationRun | None:
        staff_principal(info)
        async with info.context.db() as session:
            run = await AllocationRepository(session).get(parse_id(id))
        return SeatAllocationRun.from_model(run) if run is not None else None


@strawberry.type
class SeatingMutation:
    @strawberry.mutation(description="Staff: add a venue (考点) with rooms, in their region.")
    async def add_venue(self, info: Info[Context, None], input: VenueInput) -> SaveVenueResult:
        async def run() -> VenueSaved:
            regions = records_settings(info.context.settings).regions
            async with info.context.db.begin() as session:
                venue = await venues.add_venue(
                    session,
                    staff_principal(info),
                    name=input.name,
                    address=input.address,
                    region_code=input.region_code,
                    rooms=input.rooms,
                    seats=input.seats,
                    regions=regions,
                )
            return VenueSaved(venue=await _venue(info, venue.id))

        return await answer(run)

    @strawberry.mutation(description="Staff: correct a venue's name or address (audited).")
    async def edit_venue(
        self, info: Info[Context, None], venue_id: strawberry.ID, input: VenueEditInput
    ) -> SaveVenueResult:
        async def run() -> VenueSaved:
            async with info.context.db.begin() as session:
                venue = await venues.edit_venue(
                    session,
                    staff_principal(info),
                    venue_id=parse_id(venue_id),
                    name=input.name,
                    address=input.address,
                )
            return VenueSaved(venue=await _venue(info, venue.id))

        return await answer(run)

    @strawberry.mutation(description="Staff: remove a venue and its rooms while no seat uses them.")
    async def remove_venue(
        self, info: Info[Context, None], venue_id: strawberry.ID
    ) -> RemoveVenueResult:
        async def run() -> VenueRemoved:
            async with info.context.db.begin() as session:
                await venues.remove_venue(
                    session, staff_principal(info), venue_id=parse_id(venue_id)
                )
            return VenueRemoved(id=venue_id)

        return await answer(run)

    @strawberry.mutation(description="Staff: add rooms (考场) to a venue of their region.")
    async def add_rooms(
        self, info: Info[Context, None], venue_id: strawberry.ID, count: int, seats: int = 30
    ) -> SaveVenueResult:
        async def run() -> VenueSaved:
            async with info.context.db.begin() as session:
                await venues.add_rooms(
                    session,
                    staff_principal(info),
                    venue_id=parse_id(venue_id),
                    count=count,
                    seats=seats,
                )
            return VenueSaved(venue=await _venue(info, parse_id(venue_id)))

        return await answer(run)

    @strawberry.mutation(description="Staff: change a room's seats (never below a seat in use).")
    async def set_room_seats(
        self, info: Info[Context, None], venue_id: strawberry.ID, number: int, seats: int
    ) -> SaveVenueResult:
        async def run() -> VenueSaved:
            async with info.context.db.begin() as session:
                await venues.set_room_seats(
                    session,
                    staff_principal(info),
                    venue_id=parse_id(venue_id),
                    number=number,
                    seats=seats,
                )
            return VenueSaved(venue=await _venue(info, parse_id(venue_id)))

        return await answer(run)

    @strawberry.mutation(description="Staff: remove a room while no seat assignment uses it.")
    async def remove_room(
        self, info: Info[Context, None], venue_id: strawberry.ID, number: int
    ) -> SaveVenueResult:
        async def run() -> VenueSaved:
            async with info.context.db.begin() as session:
                await venues.remove_room(
                    session, staff_principal(info), venue_id=parse_id(venue_id), number=number
                )
            return VenueSaved(venue=await _venue(info, parse_id(venue_id)))

        return await answer(run)

    @strawberry.mutation(description="Province: start seat allocation for a sitting (a job).")
    async def start_seat_allocation(
        self, info: Info[Context, None], sitting: str, seed: int | None = None
    ) -> StartSeatAllocationResult:
        async def run() -> SeatAllocationStarted:
            principal = staff_principal(info)
            scope.ensure_provincial(principal)
            async with info.context.db.begin() as session:
                made = await seating.start_allocation(
                    session,
                    sitting_code=parse_sitting(sitting),
                    staff=principal,
                    seed=seed,
                    now=utc_now(),
                )
            queue = info.context.extras.get("queue")
            if isinstance(queue, ArqRedis):  # else the worker's sweeper wakes it
                name = records_settings(info.context.settings).queue_name
                await enqueue_allocation(queue, made.id, queue_name=name)
            return SeatAllocationStarted(run=SeatAllocationRun.from_model(made))

        return await answer(run)

    @strawberry.mutation(description="Province: show the allocated seats to candidates now.")
    async def publish_seats(self, info: Info[Context, None], sitting: str) -> PublishSeatsResult:
        async def run() -> SeatsPublished:
            principal = staff_principal(info)
            scope.ensure_provincial(principal)
            async with info.context.db.begin() as session:
                at = await seating.publish_seats(
                    session, sitting_code=parse_sitting(sitting), staff=principal, now=utc_now()
                )
            return SeatsPublished(sitting=sitting, published_at=at)

        return await answer(run)
