"""Sign-ups (报考) and exam bans."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel, optional_utc
from zikao_records.models.enums import RegistrationStatus


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
        Index("ix_exam_registration_sitting_status", "sitting_code", "status"),
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
    paid_at: datetime | None = Field(default=None, sa_column=optional_utc())
    closed_at: datetime | None = Field(
        default=None,
        sa_column=optional_utc(),
        description="when it lapsed, was cancelled or refunded",
    )
    payment_id: uuid.UUID | None = Field(default=None, foreign_key="records.payment.id")
    region_code: str | None = Field(
        default=None, max_length=4, description="the candidate's region when signing up"
    )


class ExamBan(RecordsModel, table=True):
    """A sanction barring a candidate from the sittings `first_sitting` to `last_sitting`."""

    __tablename__ = "exam_ban"
    __table_args__ = (CheckConstraint("last_sitting >= first_sitting", name="ordered"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID = Field(index=True)
    first_sitting: str = Field(max_length=7)
    last_sitting: str = Field(max_length=7)
    reason: str = Field(max_length=200)
    recorded_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    violation_id: uuid.UUID | None = Field(
        default=None, foreign_key="records.violation.id", description="the violation it sanctions"
    )
