"""Sittings (考次): finding one, what of it is published by now, and the staff operations on
sittings and their timetables (admins, audited). The timetable's pure rules are `timetable`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError
from zikao_records import errors, text
from zikao_records.models import (
    AuditEntry,
    Sitting,
)
from zikao_records.repository.catalogue import CourseRepository
from zikao_records.repository.sittings import SittingRepository
from zikao_records.service import scope, timetable
from zikao_records.settings import RecordsSettings

MAX_FEE_YUAN = 10_000
MAX_COURSES = 20


async def get_sitting(session: AsyncSession, code: str, *, lock: bool = False) -> Sitting:
    """The sitting (`SittingNotFoundError` if none); locked, changes of it take turns."""
    sitting = await SittingRepository(session).get(code, lock=lock)
    if sitting is None:
        raise errors.SittingNotFoundError()
    return sitting


def published_by(moment: datetime | None, now: datetime) -> datetime | None:
    """A publication time if it has come by `now`; a scheduled one stays hidden until then."""
    return moment if moment is not None and moment <= now else None


async def next_publication(session: AsyncSession, now: datetime) -> datetime | None:
    """When a scheduled publication comes next (the passes counted change then, unannounced)."""
    return await SittingRepository(session).next_publication(now)


@dataclass
class SittingInput:
    """A sitting as staff save it (the graph's `SittingInput` is this class, described)."""

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
    data = _checked_sitting(data)
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
    audit.record(session, AuditEntry, staff, "sitting.saved", target=f"sitting:{data.code}")
    saved = (await SittingRepository(session).get_many([data.code]))[data.code]
    await session.refresh(saved)
    return saved


def _checked_sitting(data: SittingInput) -> SittingInput:
    checked = replace(
        data,
        code=text.code(data.code, "code", text.SITTING_CODE),
        name=text.plain(data.name, "name", 50),
    )
    if data.registration_closes_at <= data.registration_opens_at:
        raise InvalidInputError("registrationClosesAt", "报考截止时间须晚于开始时间")
    fees = (("theoryFeeYuan", data.theory_fee_yuan), ("practiceFeeYuan", data.practice_fee_yuan))
    for field, fee in fees:
        if fee is not None:
            text.within(fee, field, 0, MAX_FEE_YUAN)
    if data.max_courses is not None:
        text.within(data.max_courses, "maxCourses", 1, MAX_COURSES)
    return checked


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
    slot when new; courses not named keep their slot. Refused: a course named twice, a slot
    ending before it starts, two different slots that overlap, and moving a course that has
    sign-ups (they hold its slot). Slots no course uses any more are deleted. Returns the
    number of courses timetabled."""
    scope.ensure_admin(staff)
    wanted = timetable.entries_of(
        [(text.code(c, "entries", text.COURSE_CODE), s, e) for c, s, e in entries]
    )
    await get_sitting(session, sitting_code, lock=True)
    known = await CourseRepository(session).get_many(wanted)
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise InvalidInputError("entries", f"以下课程不存在：{'、'.join(unknown)}")
    sittings = SittingRepository(session)
    change = timetable.plan_change(
        sitting_code,
        slots=await sittings.slots([sitting_code]),
        current=await sittings.timetable(sitting_code),
        wanted=wanted,
        signed_up=await sittings.signed_up(sitting_code),
    )
    await sittings.upsert_slots(change.new_slots)
    await sittings.upsert_courses(change.courses)
    await sittings.remove_slots(change.orphans)
    audit.record(
        session,
        AuditEntry,
        staff,
        "sitting.timetable_set",
        target=f"sitting:{sitting_code}",
        detail={"courses": sorted(wanted), "slotsRemoved": len(change.orphans)},
    )
    return len(wanted)
