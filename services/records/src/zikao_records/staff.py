"""Staff operations on the catalogue, sittings, venues and rooms (audited)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit.audit import record
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError
from zikao_records import errors, scope
from zikao_records.models import (
    AuditEntry,
    CourseKind,
    GradeScheme,
    MajorLevel,
    PlanCategory,
    Room,
    Sitting,
    Venue,
)
from zikao_records.repository import CourseRepository, MajorRepository, SittingRepository
from zikao_records.repository.seating import VenueRepository
from zikao_records.settings import RecordsSettings


async def audit(
    session: AsyncSession, staff: Principal, action: str, target: str, detail: dict[str, Any]
) -> None:
    record(session, AuditEntry, staff, action, target=target, detail=detail)


async def save_course(
    session: AsyncSession,
    staff: Principal,
    *,
    code: str,
    name: str,
    credits: int,
    kind: CourseKind,
    grade_scheme: GradeScheme | None,
) -> None:
    scope.ensure_admin(staff)
    if not (len(code) == 5 and code.isdigit()):
        raise InvalidInputError("code", "课程代码应为5位数字")
    if (kind is CourseKind.PRACTICE) != (grade_scheme is not None):
        raise InvalidInputError("gradeScheme", "实践课程须有等级制，理论课程不设等级制")
    row = {
        "code": code,
        "name": name,
        "credits": credits,
        "kind": kind,
        "grade_scheme": grade_scheme,
    }
    await CourseRepository(session).upsert([row])
    await audit(session, staff, "catalogue.course_saved", f"course:{code}", {"name": name})


async def save_major(
    session: AsyncSession,
    staff: Principal,
    *,
    columns: Mapping[str, Any],
    plan: Mapping[str, PlanCategory],
) -> None:
    """Creates or updates a major and makes `plan` its whole plan."""
    scope.ensure_admin(staff)
    known = await CourseRepository(session).get_many(plan)
    unknown = sorted(set(plan) - set(known))
    if unknown:
        raise InvalidInputError("plan", f"以下课程不存在：{'、'.join(unknown)}")
    majors = MajorRepository(session)
    await majors.upsert([dict(columns) | {"level": MajorLevel(columns["level"])}])
    await majors.replace_plan(columns["code"], plan)
    await audit(
        session, staff, "catalogue.major_saved", f"major:{columns['code']}", {"courses": len(plan)}
    )


@dataclass(frozen=True)
class SittingInput:
    code: str
    name: str
    registration_opens_at: datetime
    registration_closes_at: datetime
    ticket_printing_opens_at: datetime
    review_closes_at: datetime | None = None
    certificate_closes_at: datetime | None = None
    theory_fee_yuan: int | None = None
    practice_fee_yuan: int | None = None
    max_courses: int | None = None


async def save_sitting(
    session: AsyncSession, staff: Principal, data: SittingInput, settings: RecordsSettings
) -> Sitting:
    """Creates or updates a sitting; fees and the maximum default to the settings."""
    scope.ensure_admin(staff)
    if not (len(data.code) == 7 and data.code[4] == "-" and 1 <= int(data.code[5:] or 0) <= 12):
        raise InvalidInputError("code", "考次格式应为 YYYY-MM，如 2026-10")
    if data.registration_closes_at <= data.registration_opens_at:
        raise InvalidInputError("registrationClosesAt", "报考截止时间须晚于开始时间")
    existing = (await SittingRepository(session).get_many([data.code])).get(data.code)
    row = {
        "code": data.code,
        "name": data.name,
        "registration_opens_at": data.registration_opens_at,
        "registration_closes_at": data.registration_closes_at,
        "ticket_printing_opens_at": data.ticket_printing_opens_at,
        "review_closes_at": data.review_closes_at,
        "certificate_closes_at": data.certificate_closes_at,
        "theory_fee_yuan": _pick(
            data.theory_fee_yuan, existing, "theory_fee_yuan", settings.theory_fee_yuan
        ),
        "practice_fee_yuan": _pick(
            data.practice_fee_yuan, existing, "practice_fee_yuan", settings.practice_fee_yuan
        ),
        "max_courses": _pick(
            data.max_courses, existing, "max_courses", settings.max_courses_per_sitting
        ),
    }
    await SittingRepository(session).upsert(row, [])
    await audit(session, staff, "sitting.saved", f"sitting:{data.code}", {})
    saved = (await SittingRepository(session).get_many([data.code]))[data.code]
    await session.refresh(saved)
    return saved


def _pick(given: int | None, existing: Sitting | None, name: str, default: int) -> int:
    if given is not None:
        return given
    return int(getattr(existing, name)) if existing is not None else default


async def set_timetable(
    session: AsyncSession,
    staff: Principal,
    *,
    sitting_code: str,
    entries: Sequence[tuple[str, datetime, datetime]],
) -> int:
    """Puts each course (code, starts, ends) in the sitting's slot of those times, making the
    slot when new. Returns the number of courses timetabled."""
    scope.ensure_admin(staff)
    sittings = SittingRepository(session)
    if not await sittings.get_many([sitting_code]):
        raise errors.SittingNotFoundError()
    slots = {(s.starts_at, s.ends_at): s.id for s in await sittings.slots([sitting_code])}
    new_slots = []
    for _, starts, ends in entries:
        if ends <= starts:
            raise InvalidInputError("entries", "考试结束时间须晚于开始时间")
        if (starts, ends) not in slots:
            slots[starts, ends] = uuid.uuid4()
            new_slots.append(
                {
                    "id": slots[starts, ends],
                    "sitting_code": sitting_code,
                    "starts_at": starts,
                    "ends_at": ends,
                }
            )
    known = await CourseRepository(session).get_many(code for code, _, _ in entries)
    unknown = sorted({code for code, _, _ in entries} - set(known))
    if unknown:
        raise InvalidInputError("entries", f"以下课程不存在：{'、'.join(unknown)}")
    rows = [
        {"sitting_code": sitting_code, "course_code": code, "slot_id": slots[starts, ends]}
        for code, starts, ends in entries
    ]
    await sittings.upsert_slots(new_slots)
    await sittings.upsert_courses(rows)
    await audit(
        session, staff, "sitting.timetable_set", f"sitting:{sitting_code}", {"courses": len(rows)}
    )
    return len(rows)


async def add_venue(
    session: AsyncSession,
    staff: Principal,
    *,
    name: str,
    address: str,
    region_code: str,
    rooms: int,
    seats: int,
) -> Venue:
    scope.ensure_region(staff, region_code)
    if not (len(region_code) == 4 and region_code.isdigit()):
        raise InvalidInputError("regionCode", "区县代码应为4位数字")
    venue = Venue(name=name, address=address, region_code=region_code)
    await VenueRepository(session).add(venue)
    await add_rooms(session, staff, venue_id=venue.id, count=rooms, seats=seats)
    return venue


async def add_rooms(
    session: AsyncSession, staff: Principal, *, venue_id: uuid.UUID, count: int, seats: int
) -> list[Room]:
    """Adds `count` rooms of `seats` seats, numbered after the venue's last room."""
    venues = VenueRepository(session)
    venue = await venues.get(venue_id)
    if venue is None:
        raise errors.VenueNotFoundError()
    scope.ensure_venue(staff, venue)
    if not (0 <= count <= 500 and 1 <= seats <= 200):
        raise InvalidInputError("count", "考场数或座位数超出范围")
    last = max((r.number for r in await venues.rooms([venue_id])), default=0)
    rooms = [Room(venue_id=venue_id, number=last + n, seats=seats) for n in range(1, count + 1)]
    await venues.add(*rooms)
    await audit(
        session, staff, "venue.rooms_added", f"venue:{venue_id}", {"rooms": count, "seats": seats}
    )
    return rooms
