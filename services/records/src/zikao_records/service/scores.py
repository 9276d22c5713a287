"""Scores: a candidate's published results, the best valid pass of each course (各科合格成绩)
and score reviews (成绩复查).

Transfers (转考) count only once the candidate has the province's number of local passes (exams,
practice and thesis of this province: not exemptions, not transfers), by the level of the chosen
major (`TransferRule`); a cancelled result never counts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import clock
from zikao_records.models import (
    Course,
    CourseKind,
    ExamResult,
    MajorLevel,
    ResultSource,
    ResultStatus,
    ScoreReview,
)
from zikao_records.repository.base import CandidateSitting
from zikao_records.repository.catalogue import MajorRepository
from zikao_records.repository.scores import ResultRepository, ReviewRepository

# Orders practice grades against each other and against theory scores (pass mark 60).
GRADE_MARKS = {"优秀": 90, "良好": 80, "中等": 70, "及格": 60, "合格": 60, "不及格": 0, "不合格": 0}
UNMARKED = -1  # a pass without score or grade (an exemption) ranks below any marked pass
LOCAL_SOURCES = frozenset({ResultSource.EXAM, ResultSource.PRACTICE, ResultSource.THESIS})


@dataclass(frozen=True)
class ResultView:
    result: ExamResult
    course: Course


@dataclass(frozen=True, slots=True)
class ResultLine:
    """A published result as its candidate reads it (考试结果查询): the facts shown and nothing
    else, plain, so that the results cache gives it back without building models."""

    course_code: str
    course_name: str
    course_credits: int
    course_kind: CourseKind
    score: int | None
    grade: str | None
    passed: bool
    status: ResultStatus

    @classmethod
    def of(cls, result: ExamResult, course: Course) -> ResultLine:
        return cls(
            course.code,
            course.name,
            course.credits,
            course.kind,
            result.score,
            result.grade,
            result.passed,
            result.status,
        )


class PassFacts(Protocol):
    """What decides which pass counts: an `ExamResult`, or a `PassRow` read without one."""

    @property
    def candidate_id(self) -> uuid.UUID: ...
    @property
    def course_code(self) -> str: ...
    @property
    def sitting_code(self) -> str | None: ...
    @property
    def score(self) -> int | None: ...
    @property
    def grade(self) -> str | None: ...
    @property
    def source(self) -> ResultSource: ...
    @property
    def recorded_at(self) -> datetime: ...


@dataclass(frozen=True)
class PassView:
    result: PassFacts
    course: Course
    expires_on: date | None


@dataclass(frozen=True)
class TransferRule:
    """Local passes needed before transfers count, by major level (Chongqing: 5 for 专科, 4
    for 本科; `RECORDS_TRANSFER_LOCAL_PASSES_…`); without a chosen major the larger."""

    zhuanke: int = 5
    benke: int = 4

    def needed(self, level: MajorLevel | None) -> int:
        if level is MajorLevel.ZHUANKE:
            return self.zhuanke
        if level is MajorLevel.BENKE:
            return self.benke
        return max(self.zhuanke, self.benke)


CHONGQING_TRANSFERS = TransferRule()


@dataclass(frozen=True)
class ReviewView:
    review: ScoreReview
    course: Course


def local_date(moment: datetime) -> date:
    return clock.in_beijing(moment).date()


def pass_date(result: PassFacts) -> date:
    """When a pass was earned: the month of its sitting, else the day it was recorded."""
    if result.sitting_code is not None:
        year, month = result.sitting_code.split("-")
        return date(int(year), int(month), 1)
    return local_date(result.recorded_at)


def pass_expiry(result: PassFacts, validity_years: int | None) -> date | None:
    """The last day a pass counts: the day before its anniversary `validity_years` on."""
    if validity_years is None:
        return None
    earned = pass_date(result)
    try:
        anniversary = earned.replace(year=earned.year + validity_years)
    except ValueError:  # 29 February
        anniversary = date(earned.year + validity_years, 3, 1)
    return anniversary - timedelta(days=1)


def pass_mark(result: PassFacts) -> int:
    if result.score is not None:
        return result.score
    return GRADE_MARKS.get(result.grade or "", UNMARKED)


def best_passes(
    passes: Iterable[tuple[PassFacts, Course]], *, today: date, validity_years: int | None
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


def counted_passes(
    passes: Iterable[tuple[PassFacts, Course]],
    *,
    today: date,
    validity_years: int | None,
    transfers_after: int,
) -> list[PassView]:
    """`best_passes`, with transfers only once the local passes (distinct courses) reach
    `transfers_after`."""
    rows = list(passes)
    without = [row for row in rows if row[0].source is not ResultSource.TRANSFER]
    best = best_passes(without, today=today, validity_years=validity_years)
    local = best_passes(
        [row for row in without if row[0].source in LOCAL_SOURCES],
        today=today,
        validity_years=validity_years,
    )
    if len(local) < transfers_after or len(without) == len(rows):
        return best
    return best_passes(rows, today=today, validity_years=validity_years)


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
    transfers: TransferRule = CHONGQING_TRANSFERS,
) -> dict[uuid.UUID, list[PassView]]:
    """Each candidate's best valid pass per course (各科合格成绩), transfers as `transfers`
    says."""
    by_candidate: dict[uuid.UUID, list[tuple[PassFacts, Course]]] = defaultdict(list)
    for result, course in await ResultRepository(session).passes(candidate_ids, now=now):
        by_candidate[result.candidate_id].append((result, course))
    levels = await _levels(session, by_candidate)
    today = local_date(now)
    return {
        candidate_id: counted_passes(
            rows,
            today=today,
            validity_years=validity_years,
            transfers_after=transfers.needed(levels.get(candidate_id)),
        )
        for candidate_id, rows in by_candidate.items()
    }


async def _levels(
    session: AsyncSession, by_candidate: dict[uuid.UUID, list[tuple[PassFacts, Course]]]
) -> dict[uuid.UUID, MajorLevel]:
    """The level of the chosen major of the candidates with a transfer (the others need none)."""
    with_transfers = [
        candidate_id
        for candidate_id, rows in by_candidate.items()
        if any(result.source is ResultSource.TRANSFER for result, _ in rows)
    ]
    if not with_transfers:
        return {}
    majors = await MajorRepository(session).chosen_by(with_transfers)
    return {candidate_id: major.level for candidate_id, major in majors.items()}


async def score_reviews(
    session: AsyncSession, candidate_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[ReviewView]]:
    found: dict[uuid.UUID, list[ReviewView]] = defaultdict(list)
    for review, course in await ReviewRepository(session).of(candidate_ids):
        found[review.candidate_id].append(ReviewView(review, course))
    return found
