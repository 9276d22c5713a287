"""score imports: score_import (one uploaded file and its progress), score_import_line (the raw
rows of a file, COPYed in; unlogged, emptied once the import is done), score_import_rejection
(the report: each rejected line and its reason), candidate_ticket (the ticket numbers records
has learned from identity, to resolve a file's ticket numbers without asking per row)

Revision ID: records_0009
Revises: records_0008
Create Date: 2026-12-01 08:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "records_0009"
down_revision: str | None = "records_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "records"
STATUSES = ("CHECKING", "CHECKED", "APPLYING", "APPLIED", "REFUSED")


def upgrade() -> None:
    op.create_table(
        "score_import",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sitting_code", sa.String(length=7), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("encoding", sa.String(length=16), nullable=True),
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="scoreimportstatus", schema=SCHEMA),
            nullable=False,
        ),
        sa.Column("problem", sa.String(length=50), nullable=True),
        sa.Column("rows_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_checked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_rejected", sa.Integer(), server_default="0", nullable=False),
        sa.Column("rows_applied", sa.Integer(), server_default="0", nullable=False),
        sa.Column("region_code", sa.String(length=4), nullable=True),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["sitting_code"],
            [f"{SCHEMA}.sitting.code"],
            name=op.f("fk_score_import_sitting_code_sitting"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_import")),
        sa.CheckConstraint(
            "rows_checked <= rows_total AND rows_rejected <= rows_checked",
            name=op.f("ck_score_import_counts"),
        ),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_score_import_sitting_code_uploaded_at"),
        "score_import",
        ["sitting_code", "uploaded_at"],
        schema=SCHEMA,
    )
    op.execute(
        f"""
        CREATE UNLOGGED TABLE {SCHEMA}.score_import_line (
            import_id uuid NOT NULL,
            line integer NOT NULL,
            ticket_number text,
            course_code text,
            value text,
            status text,
            problem text,
            CONSTRAINT pk_score_import_line PRIMARY KEY (import_id, line)
        )
        """
    )
    op.create_table(
        "score_import_rejection",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("ticket_number", sa.String(length=20), nullable=True),
        sa.Column("course_code", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            [f"{SCHEMA}.score_import.id"],
            name=op.f("fk_score_import_rejection_import_id_score_import"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", "line", name=op.f("pk_score_import_rejection")),
        schema=SCHEMA,
    )
    op.create_table(
        "candidate_ticket",
        sa.Column("ticket_number", sa.String(length=12), nullable=False),
        sa.Column("candidate_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column(
            "learned_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("ticket_number", name=op.f("pk_candidate_ticket")),
        sa.UniqueConstraint("candidate_id", name=op.f("uq_candidate_ticket_candidate_id")),
        sa.CheckConstraint(
            "ticket_number ~ '^[0-9]{12}$'", name=op.f("ck_candidate_ticket_ticket_shape")
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("candidate_ticket", schema=SCHEMA)
    op.drop_table("score_import_rejection", schema=SCHEMA)
    op.execute(f"DROP TABLE {SCHEMA}.score_import_line")
    op.drop_index(
        op.f("ix_score_import_sitting_code_uploaded_at"), table_name="score_import", schema=SCHEMA
    )
    op.drop_table("score_import", schema=SCHEMA)
    sa.Enum(name="scoreimportstatus", schema=SCHEMA).drop(op.get_bind())
