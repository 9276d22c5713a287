"""The lists an exam office works from, scoped by the one rule of `zikao_kit.access`: district
staff see the sign-ups made in their region and the rooms of their region's venues (everyone
seated there), provincial staff and admins everything. Every list is a page of at most
`MAX_PAGE` after a cursor."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import access
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError
from zikao_records import cursors, text
from zikao_records.errors import VenueNotFoundError
from zikao_records.models import Course, CourseKind, Venue
from zikao_records.repository.lists import (
    CourseCount,
    ListRepository,
    RoomCount,
    SeatKey,
    SeatRow,
    SignupRow,
)
from zikao_records.repository.seating import VenueRepository
from zikao_records.service import scope
from zikao_records.service.sittings import get_sitting

MAX_PAGE = 200
T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None  # `after` of the next page; None on the last


def page_size(first: int) -> int:
    return text.within(first, "first", 1, MAX_PAGE)


def _page(rows: Sequence[T], limit: int, key: tuple[str | int, ...] | None) -> Page[T]:
    """`rows` (fetched with `limit + 1`) as a page; `key` is the sort key of its last item."""
    more = len(rows) > limit
    return Page(list(rows[:limit]), cursors.encode(key) if more and key is not None else None)


async def courses(
    session: AsyncSession,
    principal: Principal,
    *,
    first: int,
    after: str | None,
    kind: CourseKind | None = None,
) -> Page[Course]:
    access.staff_region(principal)  # staff and admins
    limit, start = page_size(first), cursors.decode(after, (str,))
    rows = await ListRepository(session).courses(
        after=str(start[0]) if start else None, limit=limit + 1, kind=kind
    )
    return _page(rows, limit, (rows[limit - 1].code,) if len(rows) > limit else None)


async def course_counts(
    session: AsyncSession, principal: Principal, sitting: str, live_since: datetime
) -> list[CourseCount]:
    region = access.staff_region(principal)
    await get_sitting(session, sitting)
    return await ListRepository(session).course_counts(sitting, region, live_since)


async def room_counts(
    session: AsyncSession, principal: Principal, sitting: str, venue_id: uuid.UUID | None
) -> list[RoomCount]:
    await get_sitting(session, sitting)
    venues = await venues_in_scope(session, principal, venue_id)
    return await ListRepository(session).room_counts(sitting, [v.id for v in venues])


async def signups_of_course(
    session: AsyncSession,
    principal: Principal,
    sitting: str,
    course_code: str,
    *,
    first: int,
    after: str | None,
) -> Page[SignupRow]:
    region = access.staff_region(principal)
    limit, start = page_size(first), cursors.decode(after, (str,))
    await get_sitting(session, sitting)
    rows = await ListRepository(session).signups_of_course(
        sitting, course_code, region_code=region, after=_uuid(start[0]) if start else None,
        limit=limit + 1,
    )  # fmt: skip
    last = (str(rows[limit - 1].registration_id),) if len(rows) > limit else None
    return _page(rows, limit, last)


async def seats_of_room(
    session: AsyncSession,
    principal: Principal,
    sitting: str,
    venue_id: uuid.UUID,
    room: int,
    *,
    first: int,
    after: str | None,
) -> Page[SeatRow]:
    """The seats of one room over the sitting's slots (everyone seated there)."""
    limit, start = page_size(first), decode_seat_key(after)
    await get_sitting(session, sitting)
    [venue] = await venues_in_scope(session, principal, venue_id)
    rows = await ListRepository(session).seats(
        sitting, venue.id, room=room, after=start, limit=limit + 1
    )
    last = encode_seat_key(rows[limit - 1].key) if len(rows) > limit else None
    return _page(rows, limit, last)


async def venues_in_scope(
    session: AsyncSession, principal: Principal, venue_id: uuid.UUID | None
) -> list[Venue]:
    """The venue named (once the caller may act on it), or every venue of the caller's region
    (all, for provincial staff and admins)."""
    venues = VenueRepository(session)
    if venue_id is None:
        return list(await venues.all(access.staff_region(principal)))
    venue = await venues.get(venue_id)
    if venue is None:
        raise VenueNotFoundError()
    scope.ensure_venue(principal, venue)
    return [venue]


def encode_seat_key(key: SeatKey) -> tuple[str | int, ...]:
    room, starts_at, slot_id, seat = key
    return (room, starts_at.isoformat(), str(slot_id), seat)


def decode_seat_key(after: str | None) -> SeatKey | None:
    key = cursors.decode(after, (int, str, str, int))
    if key is None:
        return None
    room, starts_at, slot_id, seat = key
    try:
        moment = datetime.fromisoformat(str(starts_at))
        if moment.tzinfo is None:
            raise ValueError(starts_at)
        return (int(room), moment, uuid.UUID(str(slot_id)), int(seat))
    except ValueError:
        raise InvalidInputError("after", "分页游标无效", code="bad_cursor") from None


def _uuid(value: str | int) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidInputError("after", "分页游标无效", code="bad_cursor") from None
