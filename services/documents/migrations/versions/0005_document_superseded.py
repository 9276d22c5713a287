"""documents: a document replaced by a newer version (`superseded_at`, `superseded_by`)

Revision ID: documents_0005
Revises: documents_0004
Create Date: 2026-12-01 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "documents_0005"
down_revision: str | None = "documents_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "document_request",
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        schema="documents",
    )
    op.add_column(
        "document_request", sa.Column("superseded_by", sa.Uuid(), nullable=True), schema="documents"
    )


def downgrade() -> None:
    op.drop_column("document_request", "superseded_by", schema="documents")
    op.drop_column("document_request", "superseded_at", schema="documents")
