"""SQL of the lists an exam office works from: courses, sign-ups per course and per room (with
counts), and the seats of a venue page by page for seat lists and door lists. Every page is a
keyset query (`> last key`, `LIMIT`), so a page costs the same wherever it starts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    Course,
    CourseKind,
    ExamRegistration,
    ExamSlot,
    RegistrationStatus,
    Room,
    SeatAssignment,
    Venue,
)

SeatKey = tuple[int, datetime, uuid.UUID, int]  # room, slot start, slot, seat


@dataclass(frozen=True)
class CourseCount:
    course_code: str
    course_name: str
    paid: int
    unpaid: int  # live: not lapsed yet


@dataclass(frozen=True)
class RoomCount:
    venue_id: uuid.UUID
    venue_name: str
    room: int
    seats: int  # the room's seats
    seated: int  # seats assigned in it over the sitting's slots


@dataclass(frozen=True)
class SignupRow:
    registration_id: uuid.UUID
    candidate_id: uuid.UUID
    course_code: str
    status: RegistrationStatus
    venue_id: uuid.UUID | None
    room: int | None
    seat: int | None


@dataclass(frozen=True)
class SeatRow:
    registration_id: uuid.UUID
    candidate_id: uuid.UUID
    course_code: str
    course_name: str
    slot_id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    venue_id: uuid.UUID
    room: int
    seat: int

    @property
    def key(self) -> SeatKey:
        return (self.room, self.starts_at, self.slot_id, self.seat)


class ListRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def courses(
        self, *, after: str | None, limit: int, kind: CourseKind | None = None
    ) -> Sequence[Course]:
        statement = select(Course).order_by(col(Course.code)).limit(limit)
        if after is not None:
            statement = statement.where(col(Course.code) > after)
        if kind is not None:
            statement = statement.where(col(Course.kind) == kind)
        return (await self.session.execute(statement)).scalars().all()

    async def course_counts(
        self, sitting: str, region_code: str | None, live_since: datetime
    ) -> list[CourseCount]:
        """Paid and live unpaid sign-ups per course of the sitting (of sign-ups made in
        `region_code`, when given)."""
        status, created = col(ExamRegistration.status), col(ExamRegistration.created_at)
        unpaid = (status == RegistrationStatus.UNPAID) & (created > live_since)
        statement = (
            select(
                col(Course.code),
                col(Course.name),
                func.count().filter(status == RegistrationStatus.PAID),
                func.count().filter(unpaid),
            )
            .join(Course, col(Course.code) == col(ExamRegistration.course_code))
            .where(col(ExamRegistration.sitting_code) == sitting)
            .group_by(col(Course.code), col(Course.name))
            .order_by(col(Course.code))
        )
        if region_code is not None:
            statement = statement.where(col(ExamRegistration.region_code) == region_code)
        rows = await self.session.execute(statement)
        return [CourseCount(code, name, paid, live) for code, name, paid, live in rows]

    async def room_counts(self, sitting: str, venue_ids: Sequence[uuid.UUID]) -> list[RoomCount]:
        """Seats assigned per room of the venues over the sitting's slots (rooms without any
        too)."""
        seated = (
            select(
                col(SeatAssignment.venue_id),
                col(SeatAssignment.room),
                func.count().label("seated"),
            )
            .join(ExamSlot, col(ExamSlot.id) == col(SeatAssignment.slot_id))
            .where(col(ExamSlot.sitting_code) == sitting)
            .where(col(SeatAssignment.venue_id).in_(venue_ids))
            .group_by(col(SeatAssignment.venue_id), col(SeatAssignment.room))
            .subquery()
        )
        statement = (
            select(
                col(Venue.id), col(Venue.name), col(Room.number), col(Room.seats), seated.c.seated
            )
            .join(Room, col(Room.venue_id) == col(Venue.id))
            .outerjoin(
                seated,
                (seated.c.venue_id == col(Venue.id)) & (seated.c.room == col(Room.number)),
            )
            .where(col(Venue.id).in_(venue_ids))
            .order_by(col(Venue.region_code), col(Venue.name), col(Room.number))
        )
        rows = await self.session.execute(statement)
        return [RoomCount(v, name, room, seats, count or 0) for v, name, room, seats, count in rows]

    async def signups_of_course(
        self,
        sitting: str,
        course_code: str,
        *,
        region_code: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> list[SignupRow]:
        """Sign-ups of any status for the course, by id, with their seats."""
        statement = (
            select(
                col(ExamRegistration.id),
                col(ExamRegistration.candidate_id),
                col(ExamRegistration.course_code),
                col(ExamRegistration.status),
                col(SeatAssignment.venue_id),
                col(SeatAssignment.room),
                col(SeatAssignment.seat),
            )
            .outerjoin(
                SeatAssignment, col(SeatAssignment.registration_id) == col(ExamRegistration.id)
            )
            .where(
                col(ExamRegistration.sitting_code) == sitting,
                col(ExamRegistration.course_code) == course_code,
            )
        )
        if region_code is not None:
            statement = statement.where(col(ExamRegistration.region_code) == region_code)
        if after is not None:
            statement = statement.where(col(ExamRegistration.id) > after)
        rows = await self.session.execute(statement.order_by(col(ExamRegistration.id)).limit(limit))
        return [SignupRow(*cast(tuple[Any, ...], row)) for row in rows]

    async def seats(
        self,
        sitting: str,
        venue_id: uuid.UUID,
        *,
        room: int | None,
        after: SeatKey | None,
        limit: int,
    ) -> list[SeatRow]:
        """One page of the seats of a venue (one room of it, when given) in the sitting, by
        room, slot time and seat."""
        slot = ExamSlot
        key = (
            col(SeatAssignment.room),
            col(slot.starts_at),
            col(slot.id),
            col(SeatAssignment.seat),
        )
        statement = (
            select(
                col(ExamRegistration.id),
                col(ExamRegistration.candidate_id),
                col(Course.code),
                col(Course.name),
                col(slot.id),
                col(slot.starts_at),
                col(slot.ends_at),
                col(SeatAssignment.venue_id),
                col(SeatAssignment.room),
                col(SeatAssignment.seat),
            )
            .join(slot, col(slot.id) == col(SeatAssignment.slot_id))
            .join(ExamRegistration, col(ExamRegistration.id) == col(SeatAssignment.registration_id))
            .join(Course, col(Course.code) == col(ExamRegistration.course_code))
            .where(col(slot.sitting_code) == sitting, col(SeatAssignment.venue_id) == venue_id)
            .order_by(*key)
            .limit(limit)
        )
        if room is not None:
            statement = statement.where(col(SeatAssignment.room) == room)
        if after is not None:
            statement = statement.where(tuple_(*key) > tuple_(*after))
        rows = await self.session.execute(statement)
        return [SeatRow(*cast(tuple[Any, ...], row)) for row in rows]
