"""Payments of sign-ups."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel
from zikao_records.models.enums import PaymentSource, PaymentStatus


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
