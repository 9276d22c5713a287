"""Violations (违规) and their sanctions, each enforced where it applies:

- the result of a course of the sitting cancelled: status CANCELLED, never a pass (results show
  it so), its certificate application cancelled; the caller invalidates the cached results of
  the sitting after the commit;
- a ban from the next N sittings of the province's schedule (`RECORDS_SITTING_MONTHS`), kept as
  an `ExamBan` that sign-up refuses, naming the last banned sitting;
- graduation delayed until a date (`graduation_blocked_until`, read by the graduation audit).

Staff of the candidate's region (or the province) record them, audited."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError
from zikao_records import errors, text
from zikao_records.models import (
    AuditEntry,
    Course,
    ExamBan,
    ResultStatus,
    Violation,
)
from zikao_records.repository.certificates import CertificateRepository
from zikao_records.repository.scores import ResultRepository
from zikao_records.repository.violations import ViolationRepository
from zikao_records.service import scope
from zikao_records.service.scores import local_date
from zikao_records.service.sittings import get_sitting

REASON_LENGTH = 200
MAX_BAN = 20


@dataclass(frozen=True)
class ViolationRecord:
    candidate_id: uuid.UUID
    sitting_code: str
    course_code: str | None
    reason: str
    cancel_result: bool = False
    ban_sittings: int = 0
    graduation_delayed_until: date | None = None


@dataclass(frozen=True)
class ViolationView:
    violation: Violation
    course: Course | None


def sittings_after(sitting_code: str, n: int, months: Sequence[int]) -> list[str]:
    """The `n` sittings that follow `sitting_code` in a schedule held in `months` each year."""
    schedule = sorted(set(months))
    year, month = int(sitting_code[:4]), int(sitting_code[5:])
    found: list[str] = []
    while len(found) < n:
        later = [m for m in schedule if m > month]
        if later:
            month = later[0]
        else:
            year, month = year + 1, schedule[0]
        found.append(f"{year:04d}-{month:02d}")
    return found


def check(record: ViolationRecord, *, today: date) -> ViolationRecord:
    """The record once it names a sanction that can be carried out (`InvalidInputError`)."""
    if not (record.cancel_result or record.ban_sittings or record.graduation_delayed_until):
        raise InvalidInputError("sanction", "请至少选择一项处理措施", code="no_sanction")
    if record.cancel_result and record.course_code is None:
        raise InvalidInputError("courseCode", "取消成绩须指明课程", code="course_required")
    text.within(record.ban_sittings, "banSittings", 0, MAX_BAN)
    until = record.graduation_delayed_until
    if until is not None and until <= today:
        message = "推迟毕业的日期应在今天之后"
        raise InvalidInputError("graduationDelayedUntil", message, code="date_not_future")
    course = record.course_code
    return ViolationRecord(
        candidate_id=record.candidate_id,
        sitting_code=text.code(record.sitting_code, "sitting", text.SITTING_CODE),
        course_code=None if course is None else text.code(course, "courseCode", text.COURSE_CODE),
        reason=text.plain(record.reason, "reason", REASON_LENGTH),
        cancel_result=record.cancel_result,
        ban_sittings=record.ban_sittings,
        graduation_delayed_until=until,
    )


async def record_violation(
    session: AsyncSession,
    staff: Principal,
    record: ViolationRecord,
    *,
    sitting_months: Sequence[int],
    now: datetime,
) -> ViolationView:
    """The violation recorded with its sanctions carried out, audited."""
    record = check(record, today=local_date(now))
    await scope.ensure_candidate(session, staff, record.candidate_id)
    sitting = await get_sitting(session, record.sitting_code)
    banned = sittings_after(sitting.code, record.ban_sittings, sitting_months)
    regions = await scope.candidate_regions(session, [record.candidate_id])
    violation = Violation(
        candidate_id=record.candidate_id,
        sitting_code=sitting.code,
        course_code=record.course_code,
        reason=record.reason,
        cancels_result=record.cancel_result,
        ban_sittings=record.ban_sittings,
        banned_until=banned[-1] if banned else None,
        graduation_delayed_until=record.graduation_delayed_until,
        region_code=regions.get(record.candidate_id),
        recorded_by=staff.subject[:64],
        recorded_at=now,
    )
    await ViolationRepository(session).add(violation)
    if record.cancel_result:
        await _cancel_result(session, violation)
    if banned:
        await ViolationRepository(session).add(_ban(violation, banned))
    _audit(session, staff, violation)
    course = None
    if record.course_code is not None:
        course = await session.get(Course, record.course_code)
    return ViolationView(violation, course)


async def _cancel_result(session: AsyncSession, violation: Violation) -> None:
    course_code = violation.course_code or ""
    result = await ResultRepository(session).of_course(
        violation.candidate_id, violation.sitting_code, course_code, lock=True
    )
    if result is None:
        raise errors.NoResultError()
    if result.status is ResultStatus.CANCELLED:
        raise errors.ResultAlreadyCancelledError()
    result.status = ResultStatus.CANCELLED
    result.passed = False
    session.add(result)
    await CertificateRepository(session).cancel_of_result(result.id)


def _ban(violation: Violation, sittings: list[str]) -> ExamBan:
    return ExamBan(
        candidate_id=violation.candidate_id,
        first_sitting=sittings[0],
        last_sitting=sittings[-1],
        reason=violation.reason,
        recorded_at=violation.recorded_at,
        violation_id=violation.id,
    )


def _audit(session: AsyncSession, staff: Principal, violation: Violation) -> None:
    delay = violation.graduation_delayed_until
    audit.record(
        session,
        AuditEntry,
        staff,
        "violation.recorded",
        candidate_id=violation.candidate_id,
        target=f"violation:{violation.id}",
        reason=violation.reason,
        detail={
            "sitting": violation.sitting_code,
            "course": violation.course_code,
            "cancelsResult": violation.cancels_result,
            "banSittings": violation.ban_sittings,
            "bannedUntil": violation.banned_until,
            "graduationDelayedUntil": delay.isoformat() if delay else None,
        },
    )


async def violations_of(
    session: AsyncSession, candidate_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ViolationView]]:
    found: dict[uuid.UUID, list[ViolationView]] = defaultdict(list)
    for violation, course in await ViolationRepository(session).of(candidate_ids):
        found[violation.candidate_id].append(ViolationView(violation, course))
    return found


async def graduation_blocked_until(
    session: AsyncSession, candidate_ids: Collection[uuid.UUID], *, today: date
) -> dict[uuid.UUID, date]:
    """For each candidate whose graduation a violation still delays on `today`: the day from
    which they may graduate (the latest delay); the others are left out."""
    return await ViolationRepository(session).graduation_delays(candidate_ids, after=today)
