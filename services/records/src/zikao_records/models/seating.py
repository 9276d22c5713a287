"""Venues (考点), their rooms (考场), seats, and the runs of seat allocation (考场编排)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import RecordsModel, optional_utc
from zikao_records.models.enums import AllocationStatus


class Venue(RecordsModel, table=True):
    """An exam venue (考点); its name is unique in its region."""

    __table_args__ = (
        CheckConstraint("region_code ~ '^[0-9]{4}$'", name="region_digits"),
        CheckConstraint("btrim(name) <> '' AND btrim(address) <> ''", name="not_blank"),
        UniqueConstraint("region_code", "name"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(max_length=100)
    address: str = Field(max_length=200)
    region_code: str = Field(min_length=4, max_length=4, index=True)


class Room(RecordsModel, table=True):
    """An exam room (考场) of a venue, numbered within it."""

    __table_args__ = (
        UniqueConstraint("venue_id", "number"),
        CheckConstraint("number > 0 AND seats > 0", name="positive"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    venue_id: uuid.UUID = Field(foreign_key="records.venue.id")
    number: int
    seats: int = Field(default=30, sa_column_kwargs={"server_default": "30"})


class SeatAssignment(RecordsModel, table=True):
    """Where a paid sign-up sits; one person per seat and slot (the unique index).

    No foreign keys: the allocator writes seats only for the sign-ups of the slot it has just
    read, into rooms that exist, in one transaction under the sitting's lock; sign-ups are
    never deleted. Per-row foreign-key checks (with their row locks on 400,000 sign-ups) took
    three quarters of the time of writing a sitting's seats (measured by `make bench-seats`)."""

    __tablename__ = "seat_assignment"
    __table_args__ = (
        CheckConstraint("room > 0 AND seat > 0", name="positive"),
        Index("uq_seat_assignment_seat", "slot_id", "venue_id", "room", "seat", unique=True),
    )
    registration_id: uuid.UUID = Field(primary_key=True)
    slot_id: uuid.UUID
    venue_id: uuid.UUID
    room: int
    seat: int


class SeatAllocation(RecordsModel, table=True):
    """One run of seat allocation for a sitting, and its progress (slots done of slots)."""

    __tablename__ = "seat_allocation"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    sitting_code: str = Field(foreign_key="records.sitting.code", index=True)
    seed: int
    status: AllocationStatus = AllocationStatus.PENDING
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    started_at: datetime | None = Field(default=None, sa_column=optional_utc())
    finished_at: datetime | None = Field(default=None, sa_column=optional_utc())
    slots_done: int = 0
    slots_total: int = 0
    seated: int = 0
    kept: int = 0
    moved: int = 0
    unseated: int = 0
    attempts: int = 0
    error: str | None = Field(default=None, max_length=200)
