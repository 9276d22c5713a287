"""Exam sign-up (报考): choosing a major, the courses offered, signing up and cancelling, and
the live sign-ups a candidate sees (with seats once published).

Rules: only inside the sitting's window; only courses of the chosen major's plan (or its 加考)
examined in the sitting; at most one course per slot; at most the sitting's maximum of live
sign-ups; never in a major already graduated; never while a sanction bars the candidate (the
problem names the last banned sitting); at most the absence rule's courses after sittings wholly
absent (`service.absence`). An unpaid sign-up lapses after the lapse time. Nothing is written
when a rule refuses.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_records import errors, text
from zikao_records.models import (
    Course,
    CourseKind,
    ExamRegistration,
    ExamSlot,
    Major,
    RegistrationStatus,
    SeatAssignment,
    Sitting,
    Venue,
)
from zikao_records.repository.base import CandidateSitting
from zikao_records.repository.catalogue import MajorRepository
from zikao_records.repository.graduation import GraduationRepository
from zikao_records.repository.signup import RegistrationRepository, SignupRepository
from zikao_records.service.absence import AbsenceRule, course_limit
from zikao_records.service.scores import CHONGQING_TRANSFERS, TransferRule, passed_courses
from zikao_records.service.sittings import get_sitting, published_by


@dataclass(frozen=True)
class Option:
    course: Course
    slot: ExamSlot
    fee_yuan: int
    already_passed: bool


@dataclass(frozen=True)
class SignedUp:
    registration: ExamRegistration
    course: Course
    slot: ExamSlot

    @property
    def paid(self) -> bool:
        return self.registration.status is RegistrationStatus.PAID


@dataclass(frozen=True)
class SeatView:
    venue: Venue
    room: int
    seat: int


@dataclass(frozen=True)
class ExamView:
    registration: ExamRegistration
    course: Course
    slot: ExamSlot
    seat: SeatView | None

    @property
    def paid(self) -> bool:
        return self.registration.status is RegistrationStatus.PAID


def fee_of(sitting: Sitting, course: Course) -> int:
    """The sitting's fee for one course of this kind, in whole yuan."""
    if course.kind is CourseKind.THEORY:
        return sitting.theory_fee_yuan
    return sitting.practice_fee_yuan


def ensure_open(sitting: Sitting, now: datetime) -> None:
    if not sitting.registration_opens_at <= now < sitting.registration_closes_at:
        raise errors.RegistrationClosedError()


def slot_conflicts(slot_of: dict[str, uuid.UUID]) -> list[str]:
    """The course codes sharing the earliest slot that holds more than one, else []."""
    by_slot: dict[uuid.UUID, list[str]] = defaultdict(list)
    for code in sorted(slot_of):
        by_slot[slot_of[code]].append(code)
    clashes = [codes for codes in by_slot.values() if len(codes) > 1]
    return min(clashes) if clashes else []


async def choose_major(
    session: AsyncSession,
    *,
    candidate_id: uuid.UUID,
    major_code: str,
    region_code: str | None,
    now: datetime,
) -> Major:
    """Records the major (a change keeps every pass: passes count by course code)."""
    major_code = text.code(major_code, "majorCode", text.MAJOR_CODE)
    major = (await MajorRepository(session).get_many([major_code])).get(major_code)
    if major is None:
        raise errors.MajorNotFoundError()
    await SignupRepository(session).choose_major(candidate_id, major_code, region_code, now)
    return major


async def registration_options(
    session: AsyncSession,
    *,
    candidate_id: uuid.UUID,
    sitting_code: str,
    now: datetime,
    validity_years: int | None,
    transfers: TransferRule = CHONGQING_TRANSFERS,
) -> list[Option]:
    """The plan's courses examined in the sitting, with slot, fee and whether already passed."""
    repository = SignupRepository(session)
    sitting = await get_sitting(session, sitting_code)
    choice = (await MajorRepository(session).chosen_by([candidate_id])).get(candidate_id)
    if choice is None:
        raise errors.MajorNotChosenError()
    offered = await repository.offered(sitting_code, await repository.plan_codes(choice.code))
    passes = await passed_courses(
        session, [candidate_id], now=now, validity_years=validity_years, transfers=transfers
    )
    passed = {p.course.code for p in passes.get(candidate_id, [])}
    return [
        Option(course, slot, fee_of(sitting, course), course.code in passed)
        for _, course, slot in offered
    ]


async def register_for_exams(
    session: AsyncSession,
    *,
    candidate_id: uuid.UUID,
    sitting_code: str,
    course_codes: Sequence[str],
    region_code: str | None,
    now: datetime,
    lapse: timedelta,
    absence: AbsenceRule | None = None,
) -> list[SignedUp]:
    """Signs the candidate up for `course_codes` (unpaid); returns the new sign-ups."""
    repository = SignupRepository(session)
    sitting = await get_sitting(session, sitting_code)
    ensure_open(sitting, now)
    choice = await repository.lock_choice(candidate_id)
    if choice is None:
        raise errors.MajorNotChosenError()
    graduated = await GraduationRepository(session).graduated([candidate_id])
    if (candidate_id, choice.major_code) in graduated:
        raise errors.MajorGraduatedError()
    banned_until = await repository.banned_until(candidate_id, sitting_code)
    if banned_until is not None:
        raise errors.ExamBannedUntilError(banned_until)
    codes = _distinct(course_codes)
    offered = await _offered(repository, choice.major_code, sitting_code, codes)
    await repository.lapse(before=now - lapse, now=now, candidate_id=candidate_id)
    live = await repository.live(candidate_id, sitting_code)
    _check_against(live, offered, sitting.max_courses)
    limit = await course_limit(
        session, absence, candidate_id=candidate_id, sitting_code=sitting_code, now=now
    )
    if limit is not None and len(live) + len(offered) > limit:
        raise errors.AbsenceLimitError(limit, absence.sittings if absence else 0)
    region = region_code or choice.region_code
    new = [
        ExamRegistration(
            candidate_id=candidate_id,
            sitting_code=sitting_code,
            course_code=course.code,
            slot_id=slot.id,
            fee_yuan=fee_of(sitting, course),
            created_at=now,
            region_code=region,
        )
        for course, slot in offered.values()
    ]
    await repository.add(new)
    return [SignedUp(r, *offered[r.course_code]) for r in new]


def _distinct(course_codes: Sequence[str]) -> list[str]:
    codes = list(dict.fromkeys(code.strip() for code in course_codes))
    if not codes or any(not code for code in codes):
        raise errors.CourseNotOfferedError(["（未选择课程）"])
    return text.codes(codes, "courseCodes", text.COURSE_CODE)


async def _offered(
    repository: SignupRepository, major_code: str, sitting_code: str, codes: list[str]
) -> dict[str, tuple[Course, ExamSlot]]:
    outside = [code for code in codes if code not in await repository.plan_codes(major_code)]
    if outside:
        raise errors.CourseNotInPlanError(outside)
    found = {
        course.code: (course, slot)
        for _, course, slot in await repository.offered(sitting_code, codes)
    }
    missing = [code for code in codes if code not in found]
    if missing:
        raise errors.CourseNotOfferedError(missing)
    return {code: found[code] for code in codes}


def _check_against(
    live: Iterable[ExamRegistration],
    offered: dict[str, tuple[Course, ExamSlot]],
    maximum: int,
) -> None:
    existing = {r.course_code: r.slot_id for r in live}
    again = sorted(set(existing) & set(offered))
    if again:
        raise errors.AlreadyRegisteredError(f"已报考以下课程：{'、'.join(again)}")
    clash = slot_conflicts(existing | {code: slot.id for code, (_, slot) in offered.items()})
    if clash:
        raise errors.SlotConflictError(clash)
    if len(existing) + len(offered) > maximum:
        raise errors.TooManyCoursesError(maximum)


async def cancel_registration(
    session: AsyncSession,
    *,
    candidate_id: uuid.UUID,
    sitting_code: str,
    course_code: str,
    now: datetime,
    lapse: timedelta,
) -> ExamRegistration:
    """Cancels a live sign-up before the window closes; a paid one becomes REFUNDED."""
    course_code = text.code(course_code, "courseCode", text.COURSE_CODE)
    repository = SignupRepository(session)
    ensure_open(await get_sitting(session, sitting_code), now)
    await repository.lock_choice(candidate_id)
    await repository.lapse(before=now - lapse, now=now, candidate_id=candidate_id)
    found = [
        r for r in await repository.live(candidate_id, sitting_code) if r.course_code == course_code
    ]
    if not found:
        raise errors.NotRegisteredError()
    registration = found[0]
    paid = registration.status is RegistrationStatus.PAID
    registration.status = RegistrationStatus.REFUNDED if paid else RegistrationStatus.CANCELLED
    registration.closed_at = now
    await session.flush()
    return registration


async def chosen_majors(
    session: AsyncSession, candidate_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, Major]:
    return await MajorRepository(session).chosen_by(candidate_ids)


async def exams(
    session: AsyncSession, keys: Collection[CandidateSitting], *, now: datetime, lapse: timedelta
) -> dict[CandidateSitting, list[ExamView]]:
    """Live sign-ups per (candidate, sitting); seats only once the sitting publishes them."""
    rows = await RegistrationRepository(session).live(keys, unpaid_since=now - lapse)
    found: dict[CandidateSitting, list[ExamView]] = defaultdict(list)
    for registration, course, slot, sitting, seat, venue in rows:
        shown = published_by(sitting.seats_published_at, now) is not None
        view = ExamView(registration, course, slot, _seat(seat, venue) if shown else None)
        found[registration.candidate_id, registration.sitting_code].append(view)
    return found


def _seat(seat: SeatAssignment | None, venue: Venue | None) -> SeatView | None:
    return SeatView(venue, seat.room, seat.seat) if seat and venue else None
