"""Records' audit trail: who changed what by hand (payments recorded, catalogue edits, …)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel


class AuditEntry(RecordsModel, table=True):
    """One staff action; `detail` holds ids and codes, never personal data."""

    __tablename__ = "audit_entry"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    actor: str = Field(max_length=64, index=True)
    actor_role: str = Field(max_length=20)
    action: str = Field(max_length=50, index=True)
    target: str = Field(max_length=100)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
