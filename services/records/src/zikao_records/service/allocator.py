"""The seat allocator: a pure function over plain data, one exam slot at a time.

Rules (per slot):
- every paid sign-up gets a venue, a room and a seat while seats remain;
- nobody is seated twice: a candidate with two sign-ups in one slot (which sign-up forbids)
  gets a seat for the lowest course code only, the other is reported unseated;
- no room holds more than its seats, no seat holds two people;
- a seat kept from an earlier run stays where it is while its room still exists and has that
  seat: re-running after late changes moves only what must move;
- candidates go to venues of their own region first, then of their city (the first two digits
  of the region), then anywhere;
- within a region, each course's candidates are shuffled with a generator seeded by the run's
  seed, the slot and the course, and fill the free seats room after room: the same input and
  seed give the same seats.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

# Preference levels: the same region (4 digits), the same city (2 digits), anywhere.
LEVELS = (4, 2, 0)


class Seatable(NamedTuple):
    """A paid sign-up to seat."""

    registration_id: uuid.UUID
    candidate_id: uuid.UUID
    course_code: str
    region_code: str | None


class RoomSpec(NamedTuple):
    venue_id: uuid.UUID
    region_code: str
    number: int
    seats: int


class Seat(NamedTuple):
    venue_id: uuid.UUID
    room: int
    seat: int


@dataclass
class SlotPlan:
    """The seats of one slot: every seated sign-up, and what changed against before."""

    seats: dict[uuid.UUID, Seat] = field(default_factory=dict)
    kept: int = 0
    moved: int = 0
    unseated: list[uuid.UUID] = field(default_factory=list)

    @property
    def placed(self) -> int:
        """Sign-ups seated now that were not seated before, or were seated elsewhere."""
        return len(self.seats) - self.kept


class _Room:
    """A room's free seats, lowest first."""

    __slots__ = ("free", "number", "region", "venue_id")

    def __init__(self, spec: RoomSpec, taken: set[int]) -> None:
        self.venue_id = spec.venue_id
        self.number = spec.number
        self.region = spec.region_code
        self.free = [n for n in range(spec.seats, 0, -1) if n not in taken]  # pop() = lowest


def allocate_slot(
    signups: Iterable[Seatable],
    rooms: Iterable[RoomSpec],
    previous: Mapping[uuid.UUID, Seat],
    *,
    seed: int,
    slot_key: str,
) -> SlotPlan:
    """The seats of one slot (see the module's rules)."""
    plan = SlotPlan()
    seatable = _one_per_candidate(signups, plan)
    by_key = {(r.venue_id, r.number): r for r in rooms}
    taken = _keep_previous(seatable, by_key, previous, plan)
    pending = [s for s in seatable if s.registration_id not in plan.seats]
    free = [
        _Room(spec, taken.get((spec.venue_id, spec.number), set()))
        for spec in sorted(
            by_key.values(), key=lambda r: (r.region_code, str(r.venue_id), r.number)
        )
    ]
    queues = _shuffled_by_region(pending, seed, slot_key)
    for width in LEVELS:
        queues = _fill(queues, free, width, plan)
    plan.unseated.extend(s.registration_id for queue in queues.values() for s in queue)
    plan.moved = sum(1 for r, seat in plan.seats.items() if r in previous and previous[r] != seat)
    return plan


def _one_per_candidate(signups: Iterable[Seatable], plan: SlotPlan) -> list[Seatable]:
    """One sign-up per candidate: the lowest course code (then id); the others unseated."""
    chosen: dict[uuid.UUID, Seatable] = {}
    doubles: list[uuid.UUID] = []
    for signup in signups:
        held = chosen.setdefault(signup.candidate_id, signup)
        if held is signup:
            continue
        if _order(signup) < _order(held):
            chosen[signup.candidate_id], signup = signup, held
        doubles.append(signup.registration_id)
    plan.unseated.extend(sorted(doubles, key=_id_order))
    return list(chosen.values())


def _order(signup: Seatable) -> tuple[str, int]:
    return signup.course_code, signup.registration_id.int


def _id_order(registration_id: uuid.UUID) -> int:
    return registration_id.int


def _keep_previous(
    seatable: Sequence[Seatable],
    rooms: Mapping[tuple[uuid.UUID, int], RoomSpec],
    previous: Mapping[uuid.UUID, Seat],
    plan: SlotPlan,
) -> dict[tuple[uuid.UUID, int], set[int]]:
    """Keeps each earlier seat that is still valid; returns the seats so taken, per room."""
    taken: dict[tuple[uuid.UUID, int], set[int]] = defaultdict(set)
    earlier = sorted(
        (s.registration_id for s in seatable if s.registration_id in previous), key=_id_order
    )
    for registration in earlier:
        seat = previous[registration]
        room = rooms.get((seat.venue_id, seat.room))
        used = taken[seat.venue_id, seat.room]
        if room is None or not 1 <= seat.seat <= room.seats or seat.seat in used:
            continue
        used.add(seat.seat)
        plan.seats[registration] = seat
        plan.kept += 1
    return taken


def _shuffled_by_region(
    pending: Sequence[Seatable], seed: int, slot_key: str
) -> dict[str, list[Seatable]]:
    """Per region ('' when unknown): each course's sign-ups shuffled, courses in code order."""
    by_course: dict[tuple[str, str], list[Seatable]] = defaultdict(list)
    for signup in pending:
        by_course[signup.region_code or "", signup.course_code].append(signup)
    queues: dict[str, list[Seatable]] = defaultdict(list)
    for (region, course), group in sorted(by_course.items()):
        group.sort(key=lambda s: s.registration_id.int)
        random.Random(f"{seed}:{slot_key}:{region}:{course}").shuffle(group)
        queues[region].extend(group)
    return queues


def _fill(
    queues: Mapping[str, list[Seatable]], rooms: Sequence[_Room], width: int, plan: SlotPlan
) -> dict[str, list[Seatable]]:
    """Seats each queue in rooms whose region shares its first `width` digits; returns what
    is left, per region. An unknown region ('') only matches at width 0."""
    left: dict[str, list[Seatable]] = {}
    rooms_of: dict[str, list[_Room]] = defaultdict(list)
    for room in rooms:
        rooms_of[room.region[:width]].append(room)
    for region in sorted(queues):
        queue = queues[region]
        if region == "" and width > 0:
            left[region] = queue
            continue
        rest = _seat_in(queue, rooms_of.get(region[:width], []), plan)
        if rest:
            left[region] = rest
    return left


def _seat_in(queue: list[Seatable], rooms: Sequence[_Room], plan: SlotPlan) -> list[Seatable]:
    position = 0
    for room in rooms:
        while room.free and position < len(queue):
            plan.seats[queue[position].registration_id] = Seat(
                room.venue_id, room.number, room.free.pop()
            )
            position += 1
        if position == len(queue):
            break
    return queue[position:]
