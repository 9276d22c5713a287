"""Score reviews (成绩复查): a candidate asks, free, within the review window for a course of a
published sitting they have a result for, once per course and sitting; staff of the
candidate's region (or province-wide) answer: the score stands, or it is corrected (the result
changes, the review keeps old and new, the answer is audited)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.db import utc_now
from zikao_kit.errors import InvalidInputError
from zikao_records import errors
from zikao_records.models import (
    AuditEntry,
    ExamResult,
    ResultStatus,
    ReviewStatus,
    ScoreReview,
    Sitting,
)
from zikao_records.repository.catalogue import CourseRepository
from zikao_records.repository.scores import ResultRepository, ReviewRepository
from zikao_records.service import holidays, scope
from zikao_records.service.calendar import Windows, closes_at
from zikao_records.service.scores import ReviewView
from zikao_records.service.sittings import get_sitting, published_by

PASS_SCORE = 60


@dataclass(frozen=True)
class ReviewRequest:
    candidate_id: uuid.UUID
    sitting_code: str
    course_code: str
    reason: str | None


@dataclass(frozen=True)
class ReviewAnswer:
    review_id: uuid.UUID
    corrected_score: int | None  # None: the score stands


async def request_review(
    session: AsyncSession, request: ReviewRequest, *, windows: Windows, now: datetime
) -> ReviewView:
    """The review asked for; `NoResultError` without a published result, `ReviewWindowClosedError`
    after the window's last day (Beijing time), `CalendarYearUnknownError` when the window
    reaches a year without holidays, `ReviewAlreadyRequestedError` for a second request."""
    sitting = await get_sitting(session, request.sitting_code)
    published_at, result = await _published_result(session, sitting, request, now)
    deadline = await review_deadline(session, published_at, windows)
    if now >= closes_at(deadline):
        raise errors.ReviewWindowClosedError()
    review = ScoreReview(
        candidate_id=request.candidate_id,
        sitting_code=sitting.code,
        course_code=request.course_code,
        reason=request.reason,
        requested_at=now,
        deadline=deadline,
        original_score=result.score,
    )
    if not await ReviewRepository(session).add(review):
        raise errors.ReviewAlreadyRequestedError()
    return await _view(session, review)


async def review_deadline(session: AsyncSession, published_at: datetime, windows: Windows) -> date:
    """The last day of the review window of scores published at `published_at`."""
    calendar = await holidays.load_calendar(session)
    return windows.review_deadline(calendar, published_at)


async def _published_result(
    session: AsyncSession, sitting: Sitting, request: ReviewRequest, now: datetime
) -> tuple[datetime, ExamResult]:
    """When the sitting's scores were published, and the candidate's result of the course
    (before publication a result is hidden, so it does not exist for the candidate)."""
    published_at = published_by(sitting.scores_published_at, now)
    if published_at is None:
        raise errors.NoResultError()
    result = await ResultRepository(session).of_course(
        request.candidate_id, sitting.code, request.course_code
    )
    if result is None:
        raise errors.NoResultError()
    return published_at, result


async def answer_review(
    session: AsyncSession, staff: Principal, answer: ReviewAnswer, *, now: datetime | None = None
) -> ReviewView:
    """Staff's answer to a pending review, audited; a correction changes the result, which
    must be a score of an exam sat (`not_scored` for a grade or an absence)."""
    review = await ReviewRepository(session).get(answer.review_id, lock=True)
    if review is None:
        raise errors.ReviewNotFoundError()
    await scope.ensure_candidate(session, staff, review.candidate_id)
    if review.status is not ReviewStatus.PENDING:
        raise errors.ReviewAlreadyAnsweredError()
    review.answered_at = now or utc_now()
    if answer.corrected_score is None or answer.corrected_score == review.original_score:
        review.status = ReviewStatus.UNCHANGED
    else:
        await _correct(session, review, answer.corrected_score)
    session.add(review)
    _audit(session, staff, review)
    return await _view(session, review)


async def _correct(session: AsyncSession, review: ScoreReview, score: int) -> None:
    result = await ResultRepository(session).of_course(
        review.candidate_id, review.sitting_code, review.course_code, lock=True
    )
    if result is None:  # results are never deleted; kept as a loud failure
        raise errors.NoResultError()
    if result.score is None or result.status is not ResultStatus.NORMAL:
        raise InvalidInputError(
            "correctedScore", "该成绩没有分数（等级、免考或缺考）", code="not_scored"
        )
    review.status = ReviewStatus.CORRECTED
    review.corrected_score = score
    result.score = score
    result.passed = score >= PASS_SCORE
    session.add(result)


def _audit(session: AsyncSession, staff: Principal, review: ScoreReview) -> None:
    audit.record(
        session,
        AuditEntry,
        staff,
        "review.answered",
        candidate_id=review.candidate_id,
        target=f"review:{review.id}",
        detail={
            "sitting": review.sitting_code,
            "course": review.course_code,
            "status": review.status.value,
            "originalScore": review.original_score,
            "correctedScore": review.corrected_score,
        },
    )


async def _view(session: AsyncSession, review: ScoreReview) -> ReviewView:
    courses = await CourseRepository(session).get_many([review.course_code])
    return ReviewView(review, courses[review.course_code])
