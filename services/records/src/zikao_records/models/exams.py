"""Sittings, their slots and timetable, sign-ups (报考), payments and exam bans."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel, optional_utc, utc
from zikao_records.models.enums import PaymentSource, PaymentStatus, RegistrationStatus


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


class Payment(RecordsModel, table=True):
    """Money received for sign-ups: a provider's notification or a payment staff recorded."""

    __table_args__ = (CheckConstraint("amount_yuan >= 0", name="amount_not_negative"),)
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    transaction_id: str = Field(max_length=64, unique=True, description="the provider's id")
    candidate_id: uuid.UUID = Field(index=True)
    sitting_code: str = Field(foreign_key="records.sitting.code")
    amount_yuan: int
    source: PaymentSource
    status: PaymentStatus
    reason: str | None = Field(default=None, max_length=50, description="why a refund is due")
    received_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    recorded_by: str | None = Field(default=None, max_length=64, description="staff, if manual")


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
