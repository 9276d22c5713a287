"""Graduation (毕业): the 专科 diploma staff verify for a 本科 candidate, applications and staff's
decisions, and batch audits of a major or region."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel, optional_utc


class GraduationStatus(StrEnum):
    PENDING = "PENDING"  # waiting for staff
    APPROVED = "APPROVED"  # graduated: the major takes no new sign-ups
    REJECTED = "REJECTED"  # with staff's reason; the candidate may apply again


class AuditRunStatus(StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class PriorDiploma(RecordsModel, table=True):
    """A 专科 (or higher) diploma staff verified (学信网) for a candidate of a 本科 major; its
    origin picks the added courses (加考) of the major."""

    __tablename__ = "prior_diploma"
    candidate_id: uuid.UUID = Field(primary_key=True)
    diploma_number: str = Field(max_length=40)
    origin: str = Field(max_length=30, description="as the major's added courses name it")
    verified_by: str = Field(max_length=100)
    verified_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())


class GraduationApplication(RecordsModel, table=True):
    """A candidate's application to graduate in their major; at most one pending or approved per
    candidate and major."""

    __tablename__ = "graduation_application"
    __table_args__ = (
        Index(
            "uq_graduation_application_live",
            "candidate_id",
            "major_code",
            unique=True,
            postgresql_where=text("status IN ('PENDING', 'APPROVED')"),
        ),
        Index("ix_graduation_application_queue", "status", "region_code", "applied_at"),
        CheckConstraint(
            "(status = 'PENDING') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID = Field(index=True)
    major_code: str = Field(foreign_key="records.major.code")
    region_code: str | None = Field(default=None, max_length=4)
    status: GraduationStatus = GraduationStatus.PENDING
    applied_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    decided_at: datetime | None = Field(default=None, sa_column=optional_utc())
    decided_by: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=500)


class GraduationAuditRun(RecordsModel, table=True):
    """A batch audit of every candidate of a major and/or region, run by the worker."""

    __tablename__ = "graduation_audit_run"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    major_code: str | None = Field(default=None, foreign_key="records.major.code")
    region_code: str | None = Field(default=None, max_length=4)
    requested_by: str = Field(max_length=100)
    status: AuditRunStatus = AuditRunStatus.PENDING
    candidates_total: int | None = None
    candidates_done: int = 0
    eligible: int = 0
    requested_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    started_at: datetime | None = Field(default=None, sa_column=optional_utc())
    finished_at: datetime | None = Field(default=None, sa_column=optional_utc())
    error: str | None = Field(default=None, max_length=200)


class GraduationAuditRow(RecordsModel, table=True):
    """One candidate's outcome in a batch audit (the export reads these)."""

    __tablename__ = "graduation_audit_row"
    run_id: uuid.UUID = Field(primary_key=True, foreign_key="records.graduation_audit_run.id")
    candidate_id: uuid.UUID = Field(primary_key=True)
    major_code: str = Field(max_length=10)
    region_code: str | None = Field(default=None, max_length=4)
    eligible: bool
    missing: int = Field(description="how many items the audit found missing")
    required_passed: int
    required_total: int
    elective_credits: int
