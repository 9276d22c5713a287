"""documents: a render attempt's lease (`lease_until`), read by the sweeper

Revision ID: documents_0004
Revises: documents_0003
Create Date: 2026-12-01 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "documents_0004"
down_revision: str | None = "documents_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "document_request",
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        schema="documents",
    )
    # A request RENDERING before this revision has no lease: its attempt began at attempted_at.
    op.execute(
        "UPDATE documents.document_request SET lease_until = attempted_at "
        "WHERE status = 'RENDERING'"
    )


def downgrade() -> None:
    op.drop_column("document_request", "lease_until", schema="documents")
