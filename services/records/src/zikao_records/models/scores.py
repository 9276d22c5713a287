"""Results (exams, exemptions, transfers) and score reviews."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel, optional_utc
from zikao_records.models.enums import ResultSource, ResultStatus, ReviewStatus


class ExamResult(RecordsModel, table=True):
    """A result: an exam of a sitting, or (without sitting) an exemption or a transfer."""

    __tablename__ = "exam_result"
    __table_args__ = (
        UniqueConstraint("candidate_id", "sitting_code", "course_code"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        # one exemption and one transfer per course (NULL sittings escape the constraint above)
        Index(
            "uq_exam_result_without_sitting",
            "candidate_id",
            "course_code",
            "source",
            unique=True,
            postgresql_where=text("sitting_code IS NULL"),
        ),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID  # indexed by the unique constraint
    sitting_code: str | None = Field(default=None, foreign_key="records.sitting.code", index=True)
    course_code: str = Field(foreign_key="records.course.code")
    score: int | None = None
    grade: str | None = Field(default=None, max_length=4)
    passed: bool
    status: ResultStatus = ResultStatus.NORMAL
    source: ResultSource = ResultSource.EXAM
    recorded_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())


class ScoreReview(RecordsModel, table=True):
    """A request to re-check a published score (成绩复查), and its answer; one per course and
    sitting (an answer is final)."""

    __tablename__ = "score_review"
    __table_args__ = (UniqueConstraint("candidate_id", "sitting_code", "course_code"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID  # indexed by the unique constraint
    sitting_code: str = Field(foreign_key="records.sitting.code")
    course_code: str = Field(foreign_key="records.course.code")
    status: ReviewStatus = ReviewStatus.PENDING
    reason: str | None = Field(default=None, max_length=500)
    requested_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    answered_at: datetime | None = Field(default=None, sa_column=optional_utc())
    deadline: date | None = None  # the last day of the window it was asked in
    original_score: int | None = None
    corrected_score: int | None = None
