"""documents: a ticket batch asked for again prepares its members again (rounds), keeping
their tickets downloadable meanwhile

Revision ID: documents_0007
Revises: documents_0006
Create Date: 2026-12-01 09:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "documents_0007"
down_revision: str | None = "documents_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "ticket_batch",
        sa.Column("round", sa.Integer(), server_default="0", nullable=False),
        schema="documents",
    )
    op.add_column(
        "ticket_batch_member",
        sa.Column("prepared_round", sa.Integer(), nullable=True),
        schema="documents",
    )
    # Members prepared before this revision were prepared in round 0.
    op.execute(
        "UPDATE documents.ticket_batch_member SET prepared_round = 0 "
        "WHERE document_id IS NOT NULL OR missing IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("ticket_batch_member", "prepared_round", schema="documents")
    op.drop_column("ticket_batch", "round", schema="documents")
