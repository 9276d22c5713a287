"""Records' rules: what shows when, the best pass of each
course, and the graduation audit."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import clock
from zikao_records.models import (
    Course,
    ExamRegistration,
    ExamResult,
    ExamSlot,
    Major,
    PlanCategory,
    RegistrationStatus,
    ScoreReview,
    SeatAssignment,
    Venue,
)
from zikao_records.repository import (
    CandidateSitting,
    MajorRepository,
    RegistrationRepository,
    ResultRepository,
    ReviewRepository,
)

# Orders practice grades against each other and against theory scores (pass mark 60).
GRADE_MARKS = {"优秀": 90, "良好": 80, "中等": 70, "及格": 60, "合格": 60, "不及格": 0, "不合格": 0}
UNMARKED = -1  # a pass without score or grade (an exemption) ranks below any marked pass
MANDATORY = (PlanCategory.REQUIRED, PlanCategory.PRACTICE, PlanCategory.THESIS)


class RequirementKind(StrEnum):
    REQUIRED_COURSE = "REQUIRED_COURSE"
    ELECTIVE_CREDITS = "ELECTIVE_CREDITS"
    PRACTICE = "PRACTICE"
    THESIS = "THESIS"


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


@dataclass(frozen=True)
class ResultView:
    result: ExamResult
    course: Course


@dataclass(frozen=True)
class PassView:
    result: ExamResult
    course: Course
    expires_on: date | None


@dataclass(frozen=True)
class ReviewView:
    review: ScoreReview
    course: Course


@dataclass(frozen=True)
class PlanItem:
    course: Course
    category: PlanCategory


@dataclass(frozen=True)
class MissingItem:
    kind: RequirementKind
    course_code: str | None
    course_name: str | None
    detail: str


@dataclass(frozen=True)
class GraduationAudit:
    major: Major
    missing: tuple[MissingItem, ...]
    required_passed: int
    required_total: int
    elective_credits: int
    elective_credits_needed: int

    @property
    def eligible(self) -> bool:
        return not self.missing


def published_by(moment: datetime | None, now: datetime) -> datetime | None:
    """A publication time if it has come by `now`; a scheduled one stays hidden until then."""
    return moment if moment is not None and moment <= now else None


def local_date(moment: datetime) -> date:
    return clock.in_beijing(moment).date()


def pass_date(result: ExamResult) -> date:
    """When a pass was earned: the month of its sitting, else the day it was recorded."""
    if result.sitting_code is not None:
        year, month = result.sitting_code.split("-")
        return date(int(year), int(month), 1)
    return local_date(result.recorded_at)


def pass_expiry(result: ExamResult, validity_years: int | None) -> date | None:
    """The last day a pass counts: the day before its anniversary `validity_years` on."""
    if validity_years is None:
        return None
    earned = pass_date(result)
    try:
        anniversary = earned.replace(year=earned.year + validity_years)
    except ValueError:  # 29 February
        anniversary = date(earned.year + validity_years, 3, 1)
    return anniversary - timedelta(days=1)


def pass_mark(result: ExamResult) -> int:
    if result.score is not None:
        return result.score
    return GRADE_MARKS.get(result.grade or "", UNMARKED)


def best_passes(
    passes: Iterable[tuple[ExamResult, Course]], *, today: date, validity_years: int | None
) -> list[PassView]:
    """The best pass still valid on `today` per course: highest mark, then the latest."""
    best: dict[str, PassView] = {}
    for result, course in passes:
        view = PassView(result, course, pass_expiry(result, validity_years))
        if view.expires_on is not None and view.expires_on < today:
            continue
        current = best.get(course.code)
        if current is None or _rank(view) > _rank(current):
            best[course.code] = view
    return [best[code] for code in sorted(best)]


def _rank(view: PassView) -> tuple[int, date, datetime]:
    return pass_mark(view.result), pass_date(view.result), view.result.recorded_at


def audit_graduation(
    major: Major, plan: Iterable[PlanItem], passed: Collection[str]
) -> GraduationAudit:
    """What the plan of `major` still asks of a candidate who passed the courses `passed`.

    Required, practice and thesis courses must each be passed (together they make
    `required_total`); the elective courses passed must reach the major's elective credits."""
    items = sorted(plan, key=lambda i: i.course.code)
    mandatory = [i for i in items if i.category in MANDATORY]
    missing = [_missing_course(i) for i in mandatory if i.course.code not in passed]
    required_passed = len(mandatory) - len(missing)
    electives = sum(
        i.course.credits
        for i in items
        if i.category is PlanCategory.ELECTIVE and i.course.code in passed
    )
    if electives < major.elective_credits_needed:
        missing.append(_missing_credits(electives, major.elective_credits_needed))
    missing.sort(key=lambda m: _KIND_ORDER.index(m.kind))  # stable: codes stay in order
    return GraduationAudit(
        major=major,
        missing=tuple(missing),
        required_passed=required_passed,
        required_total=len(mandatory),
        elective_credits=electives,
        elective_credits_needed=major.elective_credits_needed,
    )


_KIND_ORDER = list(RequirementKind)
_COURSE_KINDS = {
    PlanCategory.REQUIRED: (RequirementKind.REQUIRED_COURSE, "必考课程尚未合格"),
    PlanCategory.PRACTICE: (RequirementKind.PRACTICE, "实践考核尚未合格"),
    PlanCategory.THESIS: (RequirementKind.THESIS, "毕业论文尚未通过"),
}


def _missing_course(item: PlanItem) -> MissingItem:
    kind, detail = _COURSE_KINDS[item.category]
    return MissingItem(kind, item.course.code, item.course.name, detail)


def _missing_credits(have: int, need: int) -> MissingItem:
    detail = f"选考课程还差{need - have}学分（已获{have}学分，需{need}学分）"
    return MissingItem(RequirementKind.ELECTIVE_CREDITS, None, None, detail)


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


async def published_results(
    session: AsyncSession, keys: Collection[CandidateSitting], *, now: datetime
) -> dict[CandidateSitting, list[ResultView]]:
    """Results per (candidate, sitting), all of them once the sitting is published, else none."""
    found: dict[CandidateSitting, list[ResultView]] = defaultdict(list)
    for result, course, sitting_code in await ResultRepository(session).published(keys, now=now):
        found[result.candidate_id, sitting_code].append(ResultView(result, course))
    return found


async def passed_courses(
    session: AsyncSession,
    candidate_ids: Collection[uuid.UUID],
    *,
    now: datetime,
    validity_years: int | None,
) -> dict[uuid.UUID, list[PassView]]:
    """Each candidate's best valid pass per course (各科合格成绩)."""
    by_candidate: dict[uuid.UUID, list[tuple[ExamResult, Course]]] = defaultdict(list)
    for result, course in await ResultRepository(session).passes(candidate_ids, now=now):
        by_candidate[result.candidate_id].append((result, course))
    today = local_date(now)
    return {
        candidate_id: best_passes(rows, today=today, validity_years=validity_years)
        for candidate_id, rows in by_candidate.items()
    }


async def score_reviews(
    session: AsyncSession, candidate_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ReviewView]]:
    found: dict[uuid.UUID, list[ReviewView]] = defaultdict(list)
    for review, course in await ReviewRepository(session).of(candidate_ids):
        found[review.candidate_id].append(ReviewView(review, course))
    return found


async def graduation_audits(
    session: AsyncSession,
    candidate_ids: Collection[uuid.UUID],
    *,
    now: datetime,
    validity_years: int | None,
) -> dict[uuid.UUID, GraduationAudit]:
    """The audit of each candidate who has chosen a major (the others have none)."""
    majors = await chosen_majors(session, candidate_ids)
    if not majors:
        return {}
    plans: dict[str, list[PlanItem]] = defaultdict(list)
    for plan_course, course in await MajorRepository(session).plans(
        {m.code for m in majors.values()}
    ):
        plans[plan_course.major_code].append(PlanItem(course, plan_course.category))
    passes = await passed_courses(session, majors, now=now, validity_years=validity_years)
    return {
        candidate_id: audit_graduation(
            major, plans[major.code], {p.course.code for p in passes.get(candidate_id, [])}
        )
        for candidate_id, major in majors.items()
    }
