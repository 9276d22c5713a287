"""The lists an exam office works from, in the graph (staff): `courses`, `signupCounts`,
`courseSignups`, `roomSeats`; each page is `first` items after the cursor `after`, and a bad
argument is a typed problem. Seat lists and door lists as files: `http_exports`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_records import models, text
from zikao_records.repository.lists import CourseCount, RoomCount, SeatRow, SignupRow
from zikao_records.schema.candidate import Candidate
from zikao_records.schema.catalogue import Course, CourseKind
from zikao_records.schema.common import (
    Problems,
    answer,
    parse_id,
    parse_sitting,
    staff_principal,
    unpaid_lapse,
)
from zikao_records.service import lists

DEFAULT_PAGE = 50
MAX_ROOM = 500


@strawberry.enum(description="Where a sign-up stands.")
class SignupStatus(Enum):
    UNPAID = "UNPAID"
    PAID = "PAID"
    REFUNDED = "REFUNDED"
    LAPSED = "LAPSED"
    CANCELLED = "CANCELLED"


@strawberry.type(description="A page of courses, by code.")
class CoursePage:
    items: list[Course]
    next_cursor: str | None = strawberry.field(description="`after` of the next page; null last")


@strawberry.type(description="Sign-ups of a course in a sitting.")
class CourseSignupCount:
    course_code: str
    course_name: str
    paid: int
    unpaid: int = strawberry.field(description="unpaid and not lapsed yet")

    @classmethod
    def of(cls, count: CourseCount) -> CourseSignupCount:
        return cls(
            course_code=count.course_code,
            course_name=count.course_name,
            paid=count.paid,
            unpaid=count.unpaid,
        )


@strawberry.type(description="Seats assigned in a room over a sitting's slots.")
class RoomSignupCount:
    venue_id: strawberry.ID
    venue_name: str
    room: int
    seats: int = strawberry.field(description="the room's seats (per slot)")
    seated: int = strawberry.field(description="seats assigned in it, all slots together")

    @classmethod
    def of(cls, count: RoomCount) -> RoomSignupCount:
        return cls(
            venue_id=strawberry.ID(str(count.venue_id)),
            venue_name=count.venue_name,
            room=count.room,
            seats=count.seats,
            seated=count.seated,
        )


@strawberry.type(description="Sign-up counts of a sitting, in the caller's scope.")
class SignupCounts:
    by_course: list[CourseSignupCount] = strawberry.field(
        description="sign-ups made in the caller's region (all, for the province)"
    )
    by_room: list[RoomSignupCount] = strawberry.field(
        description="rooms of the caller's region's venues (all, for the province)"
    )


@strawberry.type(description="A sign-up as the office lists it.")
class SignupListItem:
    id: strawberry.ID
    candidate: Candidate
    course_code: str
    status: SignupStatus
    venue_id: strawberry.ID | None
    room: int | None
    seat: int | None

    @classmethod
    def of(cls, row: SignupRow) -> SignupListItem:
        return cls(
            id=strawberry.ID(str(row.registration_id)),
            candidate=Candidate(id=strawberry.ID(str(row.candidate_id))),
            course_code=row.course_code,
            status=SignupStatus(row.status.value),
            venue_id=strawberry.ID(str(row.venue_id)) if row.venue_id else None,
            room=row.room,
            seat=row.seat,
        )


@strawberry.type(description="A page of a course's sign-ups.")
class SignupPage:
    items: list[SignupListItem]
    next_cursor: str | None


@strawberry.type(description="A seat of a room in one exam slot.")
class SeatListItem:
    registration_id: strawberry.ID
    candidate: Candidate
    course_code: str
    course_name: str
    starts_at: datetime
    ends_at: datetime
    room: int
    seat: int

    @classmethod
    def of(cls, row: SeatRow) -> SeatListItem:
        return cls(
            registration_id=strawberry.ID(str(row.registration_id)),
            candidate=Candidate(id=strawberry.ID(str(row.candidate_id))),
            course_code=row.course_code,
            course_name=row.course_name,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            room=row.room,
            seat=row.seat,
        )


@strawberry.type(description="A page of a room's seats, by slot time and seat.")
class SeatPage:
    items: list[SeatListItem]
    next_cursor: str | None


CoursesResult = Annotated[CoursePage | Problems, strawberry.union("CoursesResult")]
SignupCountsResult = Annotated[SignupCounts | Problems, strawberry.union("SignupCountsResult")]
CourseSignupsResult = Annotated[SignupPage | Problems, strawberry.union("CourseSignupsResult")]
RoomSeatsResult = Annotated[SeatPage | Problems, strawberry.union("RoomSeatsResult")]


@strawberry.type
class ListsQuery:
    @strawberry.field(description="Staff: the catalogue's courses, by code (of one kind if given).")
    async def courses(
        self,
        info: Info[Context, None],
        first: int = DEFAULT_PAGE,
        after: str | None = None,
        kind: CourseKind | None = None,
    ) -> CoursesResult:
        async def run() -> CoursePage:
            wanted = models.CourseKind[kind.name] if kind is not None else None
            async with info.context.db() as session:
                page = await lists.courses(
                    session, staff_principal(info), first=first, after=after, kind=wanted
                )
            return CoursePage(
                items=[Course.from_model(c) for c in page.items], next_cursor=page.next_cursor
            )

        return await answer(run)

    @strawberry.field(description="Staff: sign-ups per course and seats per room of a sitting.")
    async def signup_counts(
        self, info: Info[Context, None], sitting: str, venue_id: strawberry.ID | None = None
    ) -> SignupCountsResult:
        async def run() -> SignupCounts:
            principal, code = staff_principal(info), parse_sitting(sitting)
            venue = parse_id(venue_id) if venue_id is not None else None
            live_since = utc_now() - unpaid_lapse(info.context)
            async with info.context.db() as session:
                courses = await lists.course_counts(session, principal, code, live_since)
                rooms = await lists.room_counts(session, principal, code, venue)
            return SignupCounts(
                by_course=[CourseSignupCount.of(c) for c in courses],
                by_room=[RoomSignupCount.of(r) for r in rooms],
            )

        return await answer(run)

    @strawberry.field(description="Staff: a course's sign-ups in a sitting (made in their region).")
    async def course_signups(
        self,
        info: Info[Context, None],
        sitting: str,
        course_code: str,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> CourseSignupsResult:
        async def run() -> SignupPage:
            principal, code = staff_principal(info), parse_sitting(sitting)
            course = text.code(course_code, "courseCode", text.COURSE_CODE)
            async with info.context.db() as session:
                page = await lists.signups_of_course(
                    session, principal, code, course, first=first, after=after
                )
            items = [SignupListItem.of(row) for row in page.items]
            return SignupPage(items=items, next_cursor=page.next_cursor)

        return await answer(run)

    @strawberry.field(description="Staff: who sits in a room of their region's venue, per slot.")
    async def room_seats(
        self,
        info: Info[Context, None],
        sitting: str,
        venue_id: strawberry.ID,
        room: int,
        first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> RoomSeatsResult:
        async def run() -> SeatPage:
            principal, code = staff_principal(info), parse_sitting(sitting)
            venue, number = parse_id(venue_id), text.within(room, "room", 1, MAX_ROOM)
            async with info.context.db() as session:
                page = await lists.seats_of_room(
                    session, principal, code, venue, number, first=first, after=after
                )
            items = [SeatListItem.of(row) for row in page.items]
            return SeatPage(items=items, next_cursor=page.next_cursor)

        return await answer(run)
