"""Identity's tables (PostgreSQL schema `identity`)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from zikao_kit.db import schema_registry, utc_column, utc_now

SCHEMA = "identity"


class IdentityModel(SQLModel, registry=schema_registry(SCHEMA)):
    pass


metadata = IdentityModel.metadata


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


class CandidatePhoto(IdentityModel, table=True):
    __tablename__ = "candidate_photo"
    candidate_id: uuid.UUID = Field(primary_key=True, foreign_key="identity.candidate.id")
    media_type: str = Field(max_length=20)
    content: bytes = Field(sa_type=LargeBinary)
    width: int
    height: int
    uploaded_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
