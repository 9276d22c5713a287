"""Staff operations on venues (考点) and their rooms (考场), in the staff member's region (all
regions for provincial staff and admins); each is audited.

A venue stands in a region of the province's region table, has a name unique in its region and
an address. Its name and address may be corrected at any time; a room's seats may change while
no seat assigned in it (of any sitting) would be left out; a room or venue is removed only while
no seat assignment uses it. Changes of one venue (and its rooms) take turns on its row, and wait
for a seat allocation run seating candidates in it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Mapping

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError
from zikao_kit.regions import Region
from zikao_records import errors, text
from zikao_records.models import AuditEntry, Room, Venue
from zikao_records.repository.seating import VenueRepository
from zikao_records.service import scope

MAX_ROOMS = 500
MAX_SEATS = 200
NAME_LENGTH = 100
ADDRESS_LENGTH = 200


async def add_venue(
    session: AsyncSession,
    staff: Principal,
    *,
    name: str,
    address: str,
    region_code: str,
    rooms: int,
    seats: int,
    regions: Mapping[str, Region],
) -> Venue:
    region_code = text.code(region_code, "regionCode", text.REGION_CODE)
    scope.ensure_region(staff, region_code)
    if region_code not in regions:
        raise InvalidInputError("regionCode", "区县代码不存在", code="unknown_region")
    name = text.plain(name, "name", NAME_LENGTH)
    address = text.plain(address, "address", ADDRESS_LENGTH)
    _room_counts(rooms, seats)
    venues = VenueRepository(session)
    await _ensure_name_free(venues, region_code, name)
    venue = Venue(name=name, address=address, region_code=region_code)
    await _saved(venues.add(venue))
    await venues.add(*_new_rooms(venue.id, 0, rooms, seats))
    detail = {"region": region_code, "rooms": rooms, "seats": seats}
    _audit(session, staff, "venue.created", venue, detail)
    return venue


async def edit_venue(
    session: AsyncSession,
    staff: Principal,
    *,
    venue_id: uuid.UUID,
    name: str | None,
    address: str | None,
) -> Venue:
    """Corrects the name and/or the address (None keeps it)."""
    venues = VenueRepository(session)
    venue = await _venue(venues, staff, venue_id)
    changed = []
    if name is not None:
        name = text.plain(name, "name", NAME_LENGTH)
        if name != venue.name:
            await _ensure_name_free(venues, venue.region_code, name)
            venue.name = name
            changed.append("name")
    if address is not None:
        address = text.plain(address, "address", ADDRESS_LENGTH)
        if address != venue.address:
            venue.address = address
            changed.append("address")
    await _saved(session.flush())
    _audit(session, staff, "venue.edited", venue, {"changed": changed})
    return venue


async def remove_venue(session: AsyncSession, staff: Principal, *, venue_id: uuid.UUID) -> None:
    venues = VenueRepository(session)
    venue = await _venue(venues, staff, venue_id)
    if await venues.seats_taken(venue_id):
        raise errors.VenueInUseError()
    _audit(session, staff, "venue.removed", venue, {"region": venue.region_code})
    await venues.remove(venue)


async def add_rooms(
    session: AsyncSession, staff: Principal, *, venue_id: uuid.UUID, count: int, seats: int
) -> list[Room]:
    """Adds `count` rooms of `seats` seats, numbered after the venue's last room."""
    _room_counts(count, seats, "count")
    venues = VenueRepository(session)
    await _venue(venues, staff, venue_id)
    last = max((r.number for r in await venues.rooms([venue_id])), default=0)
    rooms = _new_rooms(venue_id, last, count, seats)
    await venues.add(*rooms)
    detail = {"rooms": [r.number for r in rooms], "seats": seats}
    _audit(session, staff, "venue.rooms_added", venue_id, detail)
    return rooms


async def set_room_seats(
    session: AsyncSession, staff: Principal, *, venue_id: uuid.UUID, number: int, seats: int
) -> Room:
    text.within(seats, "seats", 1, MAX_SEATS)
    venues = VenueRepository(session)
    await _venue(venues, staff, venue_id)
    room = await _room(venues, venue_id, number)
    if (await venues.seats_taken(venue_id)).get(number, 0) > seats:
        raise errors.RoomInUseError()
    detail = {"room": number, "seats": seats, "was": room.seats}
    room.seats = seats
    await session.flush()
    _audit(session, staff, "venue.room_edited", venue_id, detail)
    return room


async def remove_room(
    session: AsyncSession, staff: Principal, *, venue_id: uuid.UUID, number: int
) -> None:
    venues = VenueRepository(session)
    await _venue(venues, staff, venue_id)
    await _room(venues, venue_id, number)
    if number in await venues.seats_taken(venue_id):
        raise errors.RoomInUseError()
    await venues.remove_rooms(venue_id, [number])
    _audit(session, staff, "venue.room_removed", venue_id, {"room": number})


async def _venue(venues: VenueRepository, staff: Principal, venue_id: uuid.UUID) -> Venue:
    """The venue, locked, once `staff` may act on it."""
    venue = await venues.get(venue_id, lock=True)
    if venue is None:
        raise errors.VenueNotFoundError()
    scope.ensure_venue(staff, venue)
    return venue


async def _room(venues: VenueRepository, venue_id: uuid.UUID, number: int) -> Room:
    for room in await venues.rooms([venue_id]):
        if room.number == number:
            return room
    raise errors.RoomNotFoundError()


async def _saved(write: Awaitable[None]) -> None:
    """Awaits a write of a venue row; a name taken meanwhile (the unique constraint, when two
    staff add the same name at once) is `VenueExistsError`, the other checks having passed."""
    try:
        await write
    except IntegrityError as error:
        raise errors.VenueExistsError() from error


async def _ensure_name_free(venues: VenueRepository, region_code: str, name: str) -> None:
    if await venues.named(region_code, name) is not None:
        raise errors.VenueExistsError()


def _room_counts(count: int, seats: int, count_field: str = "rooms") -> None:
    text.within(count, count_field, 0, MAX_ROOMS)
    text.within(seats, "seats", 1, MAX_SEATS)


def _new_rooms(venue_id: uuid.UUID, last: int, count: int, seats: int) -> list[Room]:
    return [Room(venue_id=venue_id, number=last + n, seats=seats) for n in range(1, count + 1)]


def _audit(
    session: AsyncSession,
    staff: Principal,
    action: str,
    venue: Venue | uuid.UUID,
    detail: Mapping[str, object],
) -> None:
    venue_id = venue.id if isinstance(venue, Venue) else venue
    audit.record(
        session, AuditEntry, staff, action, target=f"venue:{venue_id}", detail=dict(detail)
    )
