"""Refunds paid out: one per payment that paid nothing (REFUND_DUE) or per paid sign-up closed
as REFUNDED (cancelled, or the second of a course after a merge). Until its row exists, the
money is due."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel


class Refund(RecordsModel, table=True):
    __table_args__ = (
        CheckConstraint("(payment_id IS NULL) <> (registration_id IS NULL)", name="one_source"),
        CheckConstraint("amount_yuan >= 0", name="amount_not_negative"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    payment_id: uuid.UUID | None = Field(
        default=None, foreign_key="records.payment.id", unique=True
    )
    registration_id: uuid.UUID | None = Field(
        default=None, foreign_key="records.exam_registration.id", unique=True
    )
    candidate_id: uuid.UUID = Field(index=True)
    amount_yuan: int
    reference: str = Field(max_length=50, description="the bank's or counter's reference")
    refunded_by: str = Field(max_length=64)
    refunded_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
