"""documents: staff's ticket batches (every ticket of a sitting or a district) and their members

Revision ID: documents_0006
Revises: documents_0005
Create Date: 2026-12-01 09:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "documents_0006"
down_revision: str | None = "documents_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS = postgresql.ENUM("PREPARING", "PREPARED", name="ticket_batch_status", schema="documents")


def upgrade() -> None:
    STATUS.create(op.get_bind(), checkfirst=True)
    op.create_table(
        "ticket_batch",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("sitting", sa.String(16), nullable=False),
        sa.Column("region_code", sa.String(4), nullable=True),
        sa.Column(
            "status",
            postgresql.ENUM(name="ticket_batch_status", schema="documents", create_type=False),
            nullable=False,
        ),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prepared_at", sa.DateTime(timezone=True), nullable=True),
        schema="documents",
    )
    op.create_index(
        "uq_ticket_batch_scope",
        "ticket_batch",
        ["sitting", "region_code"],
        unique=True,
        schema="documents",
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "ticket_batch_member",
        sa.Column(
            "batch_id",
            sa.Uuid(),
            sa.ForeignKey("documents.ticket_batch.id"),
            primary_key=True,
        ),
        sa.Column("candidate_id", sa.Uuid(), primary_key=True),
        sa.Column("venue_id", sa.Uuid(), nullable=False),
        sa.Column("venue_name", sa.String(100), nullable=False),
        sa.Column("room", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("missing", sa.String(200), nullable=True),
        schema="documents",
    )


def downgrade() -> None:
    op.drop_table("ticket_batch_member", schema="documents")
    op.drop_index("uq_ticket_batch_scope", table_name="ticket_batch", schema="documents")
    op.drop_table("ticket_batch", schema="documents")
    STATUS.drop(op.get_bind(), checkfirst=True)
