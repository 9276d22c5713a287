"""Documents' tables (PostgreSQL schema `documents`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, Index, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from zikao_kit.audit import AuditColumns
from zikao_kit.db import schema_registry, utc_column, utc_now

SCHEMA = "documents"


class DocumentsModel(SQLModel, registry=schema_registry(SCHEMA)):
    pass


metadata = DocumentsModel.metadata


class DocumentKind(StrEnum):
    ADMISSION_TICKET = "ADMISSION_TICKET"
    COURSE_CERTIFICATE = "COURSE_CERTIFICATE"
    TRANSCRIPT = "TRANSCRIPT"


class DocumentStatus(StrEnum):
    PENDING = "PENDING"
    RENDERING = "RENDERING"
    READY = "READY"
    FAILED = "FAILED"


ACTIVE_STATUSES = (DocumentStatus.PENDING, DocumentStatus.RENDERING, DocumentStatus.READY)
UNFINISHED_STATUSES = (DocumentStatus.PENDING, DocumentStatus.RENDERING)


def _optional_time() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=True)


class DocumentRequest(DocumentsModel, table=True):
    """A document a candidate asked for: what it shows (`content`, frozen when requested) and
    where its rendered file is. PostgreSQL is the truth of every render job."""

    __tablename__ = "document_request"
    __table_args__ = (
        # One live request per candidate, kind, sitting and content: asking again returns it.
        Index(
            "uq_document_request_live",
            "candidate_id",
            "kind",
            "sitting",
            "content_sha256",
            unique=True,
            postgresql_where=text("status <> 'FAILED'"),
            postgresql_nulls_not_distinct=True,
        ),
        Index("ix_document_request_candidate_id_requested_at", "candidate_id", "requested_at"),
        # The sweeper's scan: only unfinished requests.
        Index(
            "ix_document_request_unfinished",
            "requested_at",
            postgresql_where=text("status IN ('PENDING', 'RENDERING')"),
        ),
        CheckConstraint("region_code ~ '^[0-9]{4}$'", name="region_digits"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID = Field(description="identity's Candidate id (no FK across schemas)")
    region_code: str | None = Field(
        default=None,
        max_length=4,
        description="the candidate's region when asked for (district staff of it may read the "
        "document); null when the asker did not know it: then only province-wide roles may",
    )
    kind: DocumentKind = Field(sa_type=SAEnum(DocumentKind, name="document_kind"))
    sitting: str | None = Field(default=None, max_length=16)
    status: DocumentStatus = Field(
        default=DocumentStatus.PENDING,
        sa_type=SAEnum(DocumentStatus, name="document_status"),
    )
    content: dict[str, Any] = Field(sa_type=JSONB)
    content_sha256: str = Field(min_length=64, max_length=64)
    verification_code: str = Field(unique=True, max_length=16)
    requested_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    attempted_at: datetime | None = Field(default=None, sa_column=_optional_time())
    lease_until: datetime | None = Field(
        default=None,
        sa_column=_optional_time(),
        description="until when a job holds the request (RENDERING) or its retry is due "
        "(PENDING after a transient failure); once past, the sweeper wakes it again",
    )
    ready_at: datetime | None = Field(default=None, sa_column=_optional_time())
    sha256: str | None = Field(default=None, max_length=64)
    storage_key: str | None = Field(default=None, max_length=200)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    last_error: str | None = Field(default=None, max_length=100)
    superseded_at: datetime | None = Field(
        default=None,
        sa_column=_optional_time(),
        description="when a newer version replaced it (an admission ticket whose seats changed); "
        "it still downloads, and verifies as superseded",
    )
    superseded_by: uuid.UUID | None = Field(default=None, description="the version that did")

    @property
    def is_done(self) -> bool:
        """READY or FAILED: a render job has nothing left to do."""
        return self.status in (DocumentStatus.READY, DocumentStatus.FAILED)


class AuditEntry(AuditColumns, DocumentsModel, table=True):
    """What staff and internal services did with a candidate's documents (ids, never content)."""

    __tablename__ = "audit_entry"


class BatchStatus(StrEnum):
    PREPARING = "PREPARING"  # its candidates' tickets are being requested
    PREPARED = "PREPARED"  # every candidate has a ticket requested, or a reason it has none


class TicketBatch(DocumentsModel, table=True):
    """Staff's "every ticket of a sitting (or of one district)": who is in it (members, by the
    room of their first exam) and how far it got. One per sitting and scope: asking again
    returns it (and picks up what changed since)."""

    __tablename__ = "ticket_batch"
    __table_args__ = (
        Index(
            "uq_ticket_batch_scope",
            "sitting",
            "region_code",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    sitting: str = Field(max_length=16)
    region_code: str | None = Field(default=None, max_length=4, description="null: the province")
    status: BatchStatus = Field(
        default=BatchStatus.PREPARING, sa_type=SAEnum(BatchStatus, name="ticket_batch_status")
    )
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    prepared_at: datetime | None = Field(default=None, sa_column=_optional_time())
    round: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="how many times it was asked for again: members are prepared once a round",
    )


class TicketBatchMember(DocumentsModel, table=True):
    """A candidate of a batch, in the room of their first exam; their ticket once requested,
    or what is missing for it."""

    __tablename__ = "ticket_batch_member"

    batch_id: uuid.UUID = Field(foreign_key="documents.ticket_batch.id", primary_key=True)
    candidate_id: uuid.UUID = Field(primary_key=True)
    venue_id: uuid.UUID
    venue_name: str = Field(max_length=100)
    room: int
    document_id: uuid.UUID | None = Field(default=None)
    missing: str | None = Field(default=None, max_length=200)
    prepared_round: int | None = Field(default=None, description="the batch round it was in")
