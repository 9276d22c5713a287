"""Sittings (考次), their exam slots and timetable."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from zikao_records.models.base import RecordsModel, optional_utc, utc


class Sitting(RecordsModel, table=True):
    """An exam sitting (考次), `YYYY-MM`; scores and seats stay hidden until their time."""

    __table_args__ = (
        CheckConstraint("code ~ '^[0-9]{4}-[0-9]{2}$'", name="code_format"),
        CheckConstraint("registration_closes_at > registration_opens_at", name="window"),
        CheckConstraint("theory_fee_yuan >= 0 AND practice_fee_yuan >= 0", name="fees"),
        CheckConstraint("max_courses > 0", name="max_courses"),
    )
    code: str = Field(primary_key=True, min_length=7, max_length=7)
    name: str = Field(max_length=50)
    registration_opens_at: datetime = Field(sa_column=utc())
    registration_closes_at: datetime = Field(sa_column=utc())
    ticket_printing_opens_at: datetime = Field(sa_column=utc())
    scores_published_at: datetime | None = Field(default=None, sa_column=optional_utc())
    seats_published_at: datetime | None = Field(default=None, sa_column=optional_utc())
    review_closes_at: datetime | None = Field(default=None, sa_column=optional_utc())
    certificate_closes_at: datetime | None = Field(default=None, sa_column=optional_utc())
    theory_fee_yuan: int = Field(default=40, sa_column_kwargs={"server_default": "40"})
    practice_fee_yuan: int = Field(default=40, sa_column_kwargs={"server_default": "40"})
    max_courses: int = Field(default=4, sa_column_kwargs={"server_default": "4"})


class ExamSlot(RecordsModel, table=True):
    __tablename__ = "exam_slot"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    sitting_code: str = Field(foreign_key="records.sitting.code", index=True)
    starts_at: datetime = Field(sa_column=utc())
    ends_at: datetime = Field(sa_column=utc())


class SittingCourse(RecordsModel, table=True):
    """A course examined in a sitting, and its slot."""

    __tablename__ = "sitting_course"
    sitting_code: str = Field(primary_key=True, foreign_key="records.sitting.code")
    course_code: str = Field(primary_key=True, foreign_key="records.course.code")
    slot_id: uuid.UUID = Field(foreign_key="records.exam_slot.id", index=True)
