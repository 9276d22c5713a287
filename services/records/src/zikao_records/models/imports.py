"""Score imports: an uploaded file of scores for a sitting, its report of rejected lines, and
the ticket numbers records has learned (to resolve a file's ticket numbers to candidates).

A file's raw lines wait in `score_import_line` (an unlogged table, created by records_0009
only; the repository COPYs into it and reads it with SQL) until the import is applied or
refused."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, Integer, MetaData, Table, Text, Uuid
from sqlmodel import Field

from zikao_kit.db import utc_column, utc_now
from zikao_records.models.base import SCHEMA, RecordsModel, optional_utc


class ScoreImportStatus(StrEnum):
    """CHECKING (lines being checked) → CHECKED (lines rejected: waits for staff to accept the
    rest) → APPLYING → APPLIED; REFUSED: nothing applied (the file, or the sitting, refused it)."""

    CHECKING = "CHECKING"
    CHECKED = "CHECKED"
    APPLYING = "APPLYING"
    APPLIED = "APPLIED"
    REFUSED = "REFUSED"


class ScoreImport(RecordsModel, table=True):
    """One uploaded file of scores for a sitting, and how far its import has come."""

    __tablename__ = "score_import"
    __table_args__ = (
        CheckConstraint(
            "rows_checked <= rows_total AND rows_rejected <= rows_checked", name="counts"
        ),
        Index("ix_score_import_sitting_code_uploaded_at", "sitting_code", "uploaded_at"),
    )
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    sitting_code: str = Field(foreign_key="records.sitting.code", max_length=7)
    file_name: str = Field(max_length=200)
    file_format: str = Field(max_length=8, description="CSV or XLSX")
    encoding: str | None = Field(default=None, max_length=16, description="a CSV's encoding")
    status: ScoreImportStatus = ScoreImportStatus.CHECKING
    problem: str | None = Field(default=None, max_length=50, description="why it was refused")
    rows_total: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    rows_checked: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    rows_rejected: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    rows_applied: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    region_code: str | None = Field(
        default=None, max_length=4, description="a district uploader's region (None: province)"
    )
    uploaded_by: str = Field(max_length=64)
    uploaded_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())
    checked_at: datetime | None = Field(default=None, sa_column=optional_utc())
    accepted_by: str | None = Field(default=None, max_length=64)
    accepted_at: datetime | None = Field(default=None, sa_column=optional_utc())
    applied_at: datetime | None = Field(default=None, sa_column=optional_utc())


class ScoreImportRejection(RecordsModel, table=True):
    """A rejected line of a file: its number, the reason's code and what identifies the row
    (the ticket number and course code as uploaded; never anything else of the candidate)."""

    __tablename__ = "score_import_rejection"
    import_id: uuid.UUID = Field(
        primary_key=True, foreign_key="records.score_import.id", ondelete="CASCADE"
    )
    line: int = Field(primary_key=True)
    reason: str = Field(max_length=40)
    ticket_number: str | None = Field(default=None, max_length=20)
    course_code: str | None = Field(default=None, max_length=10)


class CandidateTicket(RecordsModel, table=True):
    """A candidate's admission ticket number (准考证号) as identity gave it to records."""

    __tablename__ = "candidate_ticket"
    __table_args__ = (CheckConstraint("ticket_number ~ '^[0-9]{12}$'", name="ticket_shape"),)
    ticket_number: str = Field(primary_key=True, min_length=12, max_length=12)
    candidate_id: uuid.UUID = Field(unique=True)
    learned_at: datetime = Field(default_factory=utc_now, sa_column=utc_column())


# The staging table of a file's raw lines (not a model: only COPY and SQL touch it).
score_import_line = Table(
    "score_import_line",
    MetaData(schema=SCHEMA),
    Column("import_id", Uuid, primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("ticket_number", Text),
    Column("course_code", Text),
    Column("value", Text),
    Column("status", Text),
    Column("problem", Text),  # what reading the file found wrong with the line
)
LINE_COLUMNS = ("import_id", "line", "ticket_number", "course_code", "value", "status", "problem")
