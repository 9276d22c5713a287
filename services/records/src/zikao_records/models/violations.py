"""Violations (违规) and their sanctions."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel


class Violation(RecordsModel, table=True):
    """A violation in a sitting, recorded by staff with one or more sanctions: the result of
    `course_code` cancelled, a ban from the next `ban_sittings` sittings (kept as an `ExamBan`,
    where sign-up looks), graduation delayed until `graduation_delayed_until`."""

    __table_args__ = (
        CheckConstraint(
            "cancels_result OR ban_sittings > 0 OR graduation_delayed_until IS NOT NULL",
            name="has_sanction",
        ),
        CheckConstraint("NOT cancels_result OR course_code IS NOT NULL", name="cancelled_course"),
        CheckConstraint("ban_sittings >= 0", name="ban_not_negative"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID = Field(index=True)
    sitting_code: str = Field(foreign_key="records.sitting.code")
    course_code: str | None = Field(default=None, foreign_key="records.course.code")
    reason: str = Field(max_length=200)
    cancels_result: bool = False
    ban_sittings: int = 0
    banned_until: str | None = Field(default=None, max_length=7, description="the last sitting")
    graduation_delayed_until: date | None = None
    region_code: str | None = Field(default=None, max_length=4)
    recorded_by: str = Field(max_length=64)
    recorded_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
