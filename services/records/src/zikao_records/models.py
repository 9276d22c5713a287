"""Records' tables (PostgreSQL schema `records`): catalogue, sittings, sign-ups, results.

Candidates are identity's: `candidate_id` columns hold identity's Candidate id, with no foreign
key across schemas.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from zikao_kit.db import schema_registry, utc_column, utc_now

SCHEMA = "records"


class RecordsModel(SQLModel, registry=schema_registry(SCHEMA)):
    pass


metadata = RecordsModel.metadata


def _optional_utc() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=True)


def _utc() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)


class CourseKind(StrEnum):
    THEORY = "THEORY"
    PRACTICE = "PRACTICE"


class GradeScheme(StrEnum):
    FIVE_LEVEL = "FIVE_LEVEL"
    PASS_FAIL = "PASS_FAIL"


class MajorLevel(StrEnum):
    ZHUANKE = "ZHUANKE"
    BENKE = "BENKE"


class PlanCategory(StrEnum):
    REQUIRED = "REQUIRED"
    ELECTIVE = "ELECTIVE"
    PRACTICE = "PRACTICE"
    THESIS = "THESIS"


class RegistrationStatus(StrEnum):
    UNPAID = "UNPAID"
    PAID = "PAID"
    REFUNDED = "REFUNDED"
    LAPSED = "LAPSED"
    CANCELLED = "CANCELLED"


class ResultStatus(StrEnum):
    NORMAL = "NORMAL"
    ABSENT = "ABSENT"
    CANCELLED = "CANCELLED"


class ResultSource(StrEnum):
    EXAM = "EXAM"
    PRACTICE = "PRACTICE"
    THESIS = "THESIS"
    EXEMPTION = "EXEMPTION"
    TRANSFER = "TRANSFER"


class ReviewStatus(StrEnum):
    PENDING = "PENDING"
    UNCHANGED = "UNCHANGED"
    CORRECTED = "CORRECTED"


class Course(RecordsModel, table=True):
    """A course of the national catalogue; practice courses are graded, theory ones scored."""

    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{5}$'", name="code_digits"),
        CheckConstraint("(kind = 'PRACTICE') = (grade_scheme IS NOT NULL)", name="grade_scheme"),
    )
    code: str = Field(primary_key=True, min_length=5, max_length=5)
    name: str = Field(max_length=100)
    credits: int = Field(ge=0)
    kind: CourseKind
    grade_scheme: GradeScheme | None = None


class Major(RecordsModel, table=True):
    code: str = Field(primary_key=True, max_length=10)
    name: str = Field(max_length=100)
    level: MajorLevel
    school: str = Field(max_length=100, description="主考学校, the main examining school")
    elective_credits_needed: int = Field(default=0, ge=0)


class PlanCourse(RecordsModel, table=True):
    """One course of a major's plan and the part of the plan it belongs to."""

    __tablename__ = "plan_course"
    major_code: str = Field(primary_key=True, foreign_key="records.major.code")
    course_code: str = Field(primary_key=True, foreign_key="records.course.code")
    category: PlanCategory


class CandidateMajor(RecordsModel, table=True):
    __tablename__ = "candidate_major"
    candidate_id: uuid.UUID = Field(primary_key=True)
    major_code: str = Field(foreign_key="records.major.code", index=True)
    chosen_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())


class Sitting(RecordsModel, table=True):
    """An exam sitting (考次), `YYYY-MM`; scores and seats stay hidden until their time."""

    __table_args__ = (CheckConstraint("code ~ '^[0-9]{4}-[0-9]{2}$'", name="code_format"),)
    code: str = Field(primary_key=True, min_length=7, max_length=7)
    name: str = Field(max_length=50)
    registration_opens_at: datetime = Field(sa_column=_utc())
    registration_closes_at: datetime = Field(sa_column=_utc())
    ticket_printing_opens_at: datetime = Field(sa_column=_utc())
    scores_published_at: datetime | None = Field(default=None, sa_column=_optional_utc())
    seats_published_at: datetime | None = Field(default=None, sa_column=_optional_utc())


class ExamSlot(RecordsModel, table=True):
    __tablename__ = "exam_slot"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    sitting_code: str = Field(foreign_key="records.sitting.code", index=True)
    starts_at: datetime = Field(sa_column=_utc())
    ends_at: datetime = Field(sa_column=_utc())


class SittingCourse(RecordsModel, table=True):
    """A course examined in a sitting, and its slot."""

    __tablename__ = "sitting_course"
    sitting_code: str = Field(primary_key=True, foreign_key="records.sitting.code")
    course_code: str = Field(primary_key=True, foreign_key="records.course.code")
    slot_id: uuid.UUID = Field(foreign_key="records.exam_slot.id", index=True)


class Venue(RecordsModel, table=True):
    """An exam venue (考点)."""

    __table_args__ = (CheckConstraint("region_code ~ '^[0-9]{4}$'", name="region_digits"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    address: str = Field(max_length=200)
    region_code: str = Field(min_length=4, max_length=4, index=True)


class ExamRegistration(RecordsModel, table=True):
    """A candidate's sign-up (报考) for one course of a sitting; at most one live per course."""

    __tablename__ = "exam_registration"
    __table_args__ = (
        Index(
            "uq_exam_registration_live",
            "candidate_id",
            "sitting_code",
            "course_code",
            unique=True,
            postgresql_where=text("status IN ('UNPAID', 'PAID')"),
        ),
        CheckConstraint("fee_yuan >= 0", name="fee_not_negative"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID = Field(index=True)
    sitting_code: str = Field(foreign_key="records.sitting.code")
    course_code: str = Field(foreign_key="records.course.code")
    slot_id: uuid.UUID = Field(foreign_key="records.exam_slot.id")
    fee_yuan: int
    status: RegistrationStatus = RegistrationStatus.UNPAID
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    paid_at: datetime | None = Field(default=None, sa_column=_optional_utc())


class SeatAssignment(RecordsModel, table=True):
    __tablename__ = "seat_assignment"
    __table_args__ = (CheckConstraint("room > 0 AND seat > 0", name="positive"),)
    registration_id: uuid.UUID = Field(primary_key=True, foreign_key="records.exam_registration.id")
    venue_id: uuid.UUID = Field(foreign_key="records.venue.id")
    room: int
    seat: int


class ExamResult(RecordsModel, table=True):
    """A result: an exam of a sitting, or (without sitting) an exemption or a transfer."""

    __tablename__ = "exam_result"
    __table_args__ = (
        UniqueConstraint("candidate_id", "sitting_code", "course_code"),
        CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
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
    """A request to re-check a published score (成绩复查), and its answer."""

    __tablename__ = "score_review"
    __table_args__ = (UniqueConstraint("candidate_id", "sitting_code", "course_code"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID  # indexed by the unique constraint
    sitting_code: str = Field(foreign_key="records.sitting.code")
    course_code: str = Field(foreign_key="records.course.code")
    status: ReviewStatus = ReviewStatus.PENDING
    reason: str | None = Field(default=None, max_length=500)
    requested_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    answered_at: datetime | None = Field(default=None, sa_column=_optional_utc())
    original_score: int | None = None
    corrected_score: int | None = None
