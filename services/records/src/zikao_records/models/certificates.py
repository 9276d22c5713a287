"""Course certificate applications (课程合格证书申请)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, text
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel


class CertificateStatus(StrEnum):
    APPLIED = "APPLIED"
    CANCELLED = "CANCELLED"  # its result was cancelled for a violation (违规)


class CertificateApplication(RecordsModel, table=True):
    """A candidate's application for the certificate of one passed course: one live per course
    (a later, better pass makes no second certificate; one cancelled with its result leaves room
    for a new one). The score is read from the result, so a corrected score shows."""

    __tablename__ = "certificate_application"
    __table_args__ = (
        Index(
            "uq_certificate_application_course",
            "candidate_id",
            "course_code",
            unique=True,
            postgresql_where=text("status = 'APPLIED'"),
        ),
        Index("ix_certificate_application_sitting_region", "sitting_code", "region_code"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID = Field(index=True)
    sitting_code: str = Field(foreign_key="records.sitting.code")
    course_code: str = Field(foreign_key="records.course.code")
    result_id: uuid.UUID = Field(foreign_key="records.exam_result.id", index=True)
    region_code: str | None = Field(
        default=None, max_length=4, description="the candidate's region when applying"
    )
    status: CertificateStatus = CertificateStatus.APPLIED
    applied_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    ready_on: date = Field(description="the day the certificate is ready (Beijing)")
