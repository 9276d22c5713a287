"""The catalogue: courses, majors, their plans, and each candidate's chosen major."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel
from zikao_records.models.enums import CourseKind, GradeScheme, MajorLevel, PlanCategory


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
    elective_group: str | None = Field(
        default=None, max_length=10, description="the elective group of an elective course"
    )


class ElectiveGroup(RecordsModel, table=True):
    """A group of a plan's electives of which a minimum of credits or of courses is needed."""

    __tablename__ = "elective_group"
    __table_args__ = (
        CheckConstraint("(min_credits IS NULL) <> (min_courses IS NULL)", name="one_minimum"),
    )
    major_code: str = Field(primary_key=True, foreign_key="records.major.code")
    code: str = Field(primary_key=True, max_length=10)
    name: str = Field(max_length=100)
    min_credits: int | None = Field(default=None, ge=1)
    min_courses: int | None = Field(default=None, ge=1)


class AddedCourse(RecordsModel, table=True):
    """A course (加考) that a 本科 major adds for candidates of one origin (e.g. an unrelated
    专科)."""

    __tablename__ = "added_course"
    major_code: str = Field(primary_key=True, foreign_key="records.major.code")
    origin: str = Field(primary_key=True, max_length=30)
    course_code: str = Field(primary_key=True, foreign_key="records.course.code")
    origin_name: str = Field(max_length=100)


class CandidateMajor(RecordsModel, table=True):
    """A candidate's chosen major, and their region as identity's signed token gave it."""

    __tablename__ = "candidate_major"
    __table_args__ = (CheckConstraint("region_code ~ '^[0-9]{4}$'", name="region_digits"),)
    candidate_id: uuid.UUID = Field(primary_key=True)
    major_code: str = Field(foreign_key="records.major.code", index=True)
    chosen_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    region_code: str | None = Field(default=None, max_length=4, index=True)
