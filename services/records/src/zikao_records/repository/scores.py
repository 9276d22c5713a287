"""SQL of results (published ones, passes) and score reviews."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Row, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    Course,
    ExamResult,
    ResultSource,
    ResultStatus,
    ScoreReview,
    Sitting,
)
from zikao_records.repository.base import CandidateSitting


class PassRow(NamedTuple):
    """The facts of a passing result that decide what it counts for (read without building an
    ORM entity: a batch graduation audit reads tens of thousands a page)."""

    candidate_id: uuid.UUID
    course_code: str
    sitting_code: str | None
    score: int | None
    grade: str | None
    source: ResultSource
    recorded_at: datetime


class ResultRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def published(
        self, keys: Collection[CandidateSitting], *, now: datetime
    ) -> Sequence[Row[ExamResult, Course, str]]:
        """The results of sittings whose scores are published at `now`; none of the others."""
        statement = (
            select(ExamResult, Course, col(Sitting.code))
            .join(Course, col(Course.code) == col(ExamResult.course_code))
            .join(Sitting, col(Sitting.code) == col(ExamResult.sitting_code))
            .where(
                tuple_(col(ExamResult.candidate_id), col(ExamResult.sitting_code)).in_(list(keys)),
                col(Sitting.scores_published_at) <= now,
            )
            .order_by(col(ExamResult.course_code))
        )
        return (await self.session.execute(statement)).all()

    async def of_course(
        self, candidate_id: uuid.UUID, sitting_code: str, course_code: str, *, lock: bool = False
    ) -> ExamResult | None:
        statement = select(ExamResult).where(
            col(ExamResult.candidate_id) == candidate_id,
            col(ExamResult.sitting_code) == sitting_code,
            col(ExamResult.course_code) == course_code,
        )
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def passes(
        self, candidate_ids: Iterable[uuid.UUID], *, now: datetime
    ) -> list[tuple[PassRow, Course]]:
        """Passing results: of published sittings, or recorded without a sitting (exemptions,
        transfers), as plain rows of what decides which pass counts, each with its course (read
        once per course)."""
        statement = (
            select(
                col(ExamResult.candidate_id),
                col(ExamResult.course_code),
                col(ExamResult.sitting_code),
                col(ExamResult.score),
                col(ExamResult.grade),
                col(ExamResult.source),
                col(ExamResult.recorded_at),
            )
            .outerjoin(Sitting, col(Sitting.code) == col(ExamResult.sitting_code))
            .where(
                col(ExamResult.candidate_id).in_(set(candidate_ids)),
                col(ExamResult.passed).is_(True),
                col(ExamResult.status) == ResultStatus.NORMAL,
                or_(
                    col(ExamResult.sitting_code).is_(None),
                    col(Sitting.scores_published_at) <= now,
                ),
            )
        )
        rows = [PassRow(*row) for row in (await self.session.execute(statement)).all()]
        codes = {row.course_code for row in rows}
        found = await self.session.execute(select(Course).where(col(Course.code).in_(codes)))
        courses = {course.code: course for course in found.scalars()}
        return [(row, courses[row.course_code]) for row in rows]


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, candidate_ids: Iterable[uuid.UUID]) -> Sequence[Row[ScoreReview, Course]]:
        statement = (
            select(ScoreReview, Course)
            .join(Course, col(Course.code) == col(ScoreReview.course_code))
            .where(col(ScoreReview.candidate_id).in_(set(candidate_ids)))
            .order_by(col(ScoreReview.requested_at).desc(), col(ScoreReview.course_code))
        )
        return (await self.session.execute(statement)).all()

    async def add(self, review: ScoreReview) -> bool:
        """Inserts `review` unless the candidate already asked for the course and sitting
        (also under concurrency); whether it was inserted."""
        values = review.model_dump()
        statement = (
            insert(ScoreReview)
            .values(values)
            .on_conflict_do_nothing(index_elements=["candidate_id", "sitting_code", "course_code"])
            .returning(col(ScoreReview.id))
        )
        return (await self.session.execute(statement)).first() is not None

    async def get(self, review_id: uuid.UUID, *, lock: bool = False) -> ScoreReview | None:
        statement = select(ScoreReview).where(col(ScoreReview.id) == review_id)
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()
