"""Identity's tables (PostgreSQL schema `identity`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, DateTime, Index, LargeBinary, text
from sqlmodel import Field, SQLModel

from zikao_kit.audit import AuditColumns
from zikao_kit.db import schema_registry, utc_column, utc_now

SCHEMA = "identity"


class IdentityModel(SQLModel, registry=schema_registry(SCHEMA)):
    pass


metadata = IdentityModel.metadata


def _maybe_time() -> Column[datetime]:
    """A nullable `timestamptz` column with no default: empty until something happens."""
    return Column(DateTime(timezone=True), nullable=True)


class Gender(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"


class Region(IdentityModel, table=True):
    """A district or county office where candidates register; loaded from a data file."""

    code: str = Field(primary_key=True, min_length=4, max_length=4)
    name: str
    city: str


class TicketSequence(IdentityModel, table=True):
    """The last ticket sequence handed out per region and registration period (`YYH`)."""

    __tablename__ = "ticket_sequence"
    region_code: str = Field(primary_key=True, foreign_key="identity.region.code")
    period: str = Field(primary_key=True, max_length=3)
    last_value: int


class Candidate(IdentityModel, table=True):
    __table_args__ = (
        CheckConstraint(
            "(merged_into IS NULL) = (cancelled_at IS NULL) AND merged_into <> id",
            name="merge_marks",
        ),
        Index("ix_candidate_name_prefix", "name", postgresql_ops={"name": "text_pattern_ops"}),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    ticket_number: str = Field(unique=True, min_length=12, max_length=12)
    name: str = Field(max_length=50)
    data_key_id: str = Field(max_length=32)
    id_number_sealed: bytes = Field(sa_type=LargeBinary)
    id_number_index: bytes = Field(sa_type=LargeBinary, unique=True)
    phone_sealed: bytes = Field(sa_type=LargeBinary)
    email: str | None = Field(default=None, max_length=254)
    gender: Gender
    birth_date: date
    region_code: str = Field(foreign_key="identity.region.code", index=True)
    password_hash: str
    security_question: str = Field(max_length=100)
    security_answer_hash: str
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    password_changed_at: datetime | None = Field(default=None, sa_column=_maybe_time())
    ticket_reissue_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    ticket_reissued_at: datetime | None = Field(default=None, sa_column=_maybe_time())
    # 成绩合并: a duplicate record merged into the candidate it names, cancelled (no log-in)
    merged_into: uuid.UUID | None = Field(default=None, foreign_key="identity.candidate.id")
    cancelled_at: datetime | None = Field(default=None, sa_column=_maybe_time())


class CandidatePhoto(IdentityModel, table=True):
    __tablename__ = "candidate_photo"
    candidate_id: uuid.UUID = Field(primary_key=True, foreign_key="identity.candidate.id")
    media_type: str = Field(max_length=20)
    content: bytes = Field(sa_type=LargeBinary)
    width: int
    height: int
    uploaded_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())


class StaffAccount(IdentityModel, table=True):
    """A member of staff (region-scoped), an admin of the provincial office or an auditor."""

    __tablename__ = "staff_account"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(unique=True, max_length=50)
    name: str = Field(max_length=50)
    role: str = Field(max_length=20)
    region_code: str | None = Field(default=None, foreign_key="identity.region.code")
    password_hash: str
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())


class RefreshToken(IdentityModel, table=True):
    """A refresh token, stored as its sha256. Each use replaces it by a new one of the same
    family; presenting a used one again revokes the whole family."""

    __tablename__ = "refresh_token"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    token_hash: bytes = Field(sa_type=LargeBinary, unique=True)
    family_id: uuid.UUID = Field(index=True)
    subject: str = Field(max_length=64, index=True)
    role: str = Field(max_length=20)
    issued_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=_maybe_time())
    revoked_at: datetime | None = Field(default=None, sa_column=_maybe_time())


class PasswordResetMail(IdentityModel, table=True):
    """A one-time reset link by e-mail. The worker makes the token when it sends the mail, so
    the token exists only in the mail and as its sha256 here."""

    __tablename__ = "password_reset_mail"
    __table_args__ = (
        Index(
            "ix_password_reset_mail_token_hash",
            "token_hash",
            unique=True,
            postgresql_where=text("token_hash IS NOT NULL"),
        ),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    candidate_id: uuid.UUID = Field(foreign_key="identity.candidate.id", index=True)
    token_hash: bytes | None = Field(default=None, sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=_maybe_time())
    expires_at: datetime | None = Field(default=None, sa_column=_maybe_time())
    used_at: datetime | None = Field(default=None, sa_column=_maybe_time())


class AuditEntry(AuditColumns, IdentityModel, table=True):
    """A sensitive action: who did what to whom, when and why (the columns every service's
    trail shares). Never holds personal data."""

    __tablename__ = "audit_entry"
