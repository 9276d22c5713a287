"""Scores: a candidate's published results, the best valid pass of each course (各科合格成绩)
and score reviews (成绩复查)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import clock
from zikao_records.models import (
    Course,
    ExamResult,
    ScoreReview,
)
from zikao_records.repository.base import CandidateSitting
from zikao_records.repository.scores import ResultRepository, ReviewRepository

# Orders practice grades against each other and against theory scores (pass mark 60).
GRADE_MARKS = {"优秀": 90, "良好": 80, "中等": 70, "及格": 60, "合格": 60, "不及格": 0, "不合格": 0}
UNMARKED = -1  # a pass without score or grade (an exemption) ranks below any marked pass


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
