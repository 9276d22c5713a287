"""SQL of venues, rooms, seats and allocation runs. The seat reads and writes of a run go
straight to asyncpg (COPY, arrays): a sitting has hundreds of thousands of seats."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    AllocationStatus,
    ExamSlot,
    Room,
    SeatAllocation,
    SeatAssignment,
    Venue,
)
from zikao_records.repository.base import upsert as _upsert
from zikao_records.service.allocator import RoomSpec, Seat, Seatable

SEAT_COLUMNS = ("registration_id", "slot_id", "venue_id", "room", "seat")


class VenueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, rows: Sequence[Mapping[str, Any]]) -> None:
        await _upsert(self.session, Venue, rows, ["id"])

    async def upsert_rooms(self, rows: Sequence[Mapping[str, Any]]) -> None:
        await _upsert(self.session, Room, rows, ["id"])

    async def get(self, venue_id: uuid.UUID, *, lock: bool = False) -> Venue | None:
        """The venue; locked, one change of it and its rooms at a time (an allocation run holds
        a share lock on every venue while it seats candidates)."""
        statement = select(Venue).where(col(Venue.id) == venue_id)
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def named(self, region_code: str, name: str) -> Venue | None:
        statement = select(Venue).where(
            col(Venue.region_code) == region_code, col(Venue.name) == name
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def all(self, region_code: str | None = None) -> Sequence[Venue]:
        statement = select(Venue).order_by(col(Venue.region_code), col(Venue.name))
        if region_code is not None:
            statement = statement.where(col(Venue.region_code) == region_code)
        return (await self.session.execute(statement)).scalars().all()

    async def rooms(self, venue_ids: Iterable[uuid.UUID]) -> Sequence[Room]:
        statement = (
            select(Room)
            .where(col(Room.venue_id).in_(set(venue_ids)))
            .order_by(col(Room.venue_id), col(Room.number))
        )
        return (await self.session.execute(statement)).scalars().all()

    async def add(self, *rows: Venue | Room) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def seats_taken(self, venue_id: uuid.UUID) -> dict[int, int]:
        """The highest seat number assigned in each room of the venue that holds any (of any
        sitting)."""
        statement = (
            select(col(SeatAssignment.room), func.max(col(SeatAssignment.seat)))
            .where(col(SeatAssignment.venue_id) == venue_id)
            .group_by(col(SeatAssignment.room))
        )
        return {room: seat for room, seat in await self.session.execute(statement)}

    async def remove_rooms(self, venue_id: uuid.UUID, numbers: Iterable[int] | None = None) -> None:
        """Deletes the venue's rooms `numbers` (all of them when None)."""
        statement = delete(Room).where(col(Room.venue_id) == venue_id)
        if numbers is not None:
            statement = statement.where(col(Room.number).in_(list(numbers)))
        await self.session.execute(statement)

    async def remove(self, venue: Venue) -> None:
        await self.remove_rooms(venue.id)
        await self.session.delete(venue)
        await self.session.flush()

    async def room_specs(self) -> list[RoomSpec]:
        """Every room, with a share lock on the venues: rooms cannot change or go while a run
        seats candidates in them."""
        statement = (
            select(col(Room.venue_id), col(Venue.region_code), col(Room.number), col(Room.seats))
            .join(Venue, col(Venue.id) == col(Room.venue_id))
            .with_for_update(read=True, of=Venue)
        )
        return [RoomSpec(*row) for row in await self.session.execute(statement)]


class AllocationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, run: SeatAllocation) -> None:
        self.session.add(run)
        await self.session.flush()

    async def get(self, run_id: uuid.UUID, *, lock: bool = False) -> SeatAllocation | None:
        statement = select(SeatAllocation).where(col(SeatAllocation.id) == run_id)
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def latest(self, sitting_code: str) -> SeatAllocation | None:
        statement = (
            select(SeatAllocation)
            .where(col(SeatAllocation.sitting_code) == sitting_code)
            .order_by(col(SeatAllocation.requested_at).desc())
            .limit(1)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def progress(self, run_id: uuid.UUID, slots_done: int) -> None:
        await self.session.execute(
            update(SeatAllocation)
            .where(col(SeatAllocation.id) == run_id)
            .values(slots_done=slots_done)
        )

    async def stale(self, *, pending_before: datetime, running_before: datetime) -> list[uuid.UUID]:
        """Runs whose wake-up seems lost, or whose worker seems gone."""
        statement = select(col(SeatAllocation.id)).where(
            (
                (col(SeatAllocation.status) == AllocationStatus.PENDING)
                & (col(SeatAllocation.requested_at) < pending_before)
            )
            | (
                (col(SeatAllocation.status) == AllocationStatus.RUNNING)
                & (col(SeatAllocation.started_at) < running_before)
            )
        )
        return list((await self.session.execute(statement)).scalars())

    async def slots(self, sitting_code: str) -> list[uuid.UUID]:
        statement = (
            select(col(ExamSlot.id))
            .where(col(ExamSlot.sitting_code) == sitting_code)
            .order_by(col(ExamSlot.starts_at))
        )
        return list((await self.session.execute(statement)).scalars())


class SeatWriter:
    """A slot's paid sign-ups and seats, read and written with asyncpg on the session's own
    connection (inside its transaction)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    @classmethod
    async def of(cls, session: AsyncSession) -> SeatWriter:
        raw = await (await session.connection()).get_raw_connection()
        return cls(raw.driver_connection)

    async def paid(self, sitting_code: str) -> dict[uuid.UUID, list[Seatable]]:
        """The sitting's paid sign-ups, per slot (one scan for the whole sitting)."""
        rows = await self.connection.fetch(
            "SELECT slot_id, id, candidate_id, course_code, region_code"
            " FROM records.exam_registration WHERE sitting_code = $1 AND status = 'PAID'",
            sitting_code,
        )
        found: dict[uuid.UUID, list[Seatable]] = defaultdict(list)
        for row in rows:
            found[row[0]].append(Seatable(row[1], row[2], row[3], row[4]))
        return found

    async def seats(self, sitting_code: str) -> dict[uuid.UUID, dict[uuid.UUID, Seat]]:
        """The sitting's seats, per slot."""
        rows = await self.connection.fetch(
            "SELECT s.slot_id, s.registration_id, s.venue_id, s.room, s.seat"
            " FROM records.seat_assignment s JOIN records.exam_slot t ON t.id = s.slot_id"
            " WHERE t.sitting_code = $1",
            sitting_code,
        )
        found: dict[uuid.UUID, dict[uuid.UUID, Seat]] = defaultdict(dict)
        for slot_id, registration_id, venue_id, room, seat in rows:
            found[slot_id][registration_id] = Seat(venue_id, room, seat)
        return found

    async def replace(
        self, slot_id: uuid.UUID, removed: Sequence[uuid.UUID], added: dict[uuid.UUID, Seat]
    ) -> None:
        """Deletes the seats of `removed`, then copies in `added`."""
        if removed:
            await self.connection.execute(
                "DELETE FROM records.seat_assignment WHERE registration_id = ANY($1::uuid[])",
                list(removed),
            )
        if added:
            await self.connection.copy_records_to_table(
                "seat_assignment",
                schema_name="records",
                columns=SEAT_COLUMNS,
                records=[(r, slot_id, s.venue_id, s.room, s.seat) for r, s in added.items()],
            )
