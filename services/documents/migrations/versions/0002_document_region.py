"""documents: the candidate's region on each request

Revision ID: documents_0002
Revises: documents_0001
Create Date: 2026-12-01 05:12:58.460954
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "documents_0002"
down_revision: str | None = "documents_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Requests made before this revision keep a null region: only the candidate and
    # province-wide roles read them, as the one read rule does for an unknown region.
    op.add_column(
        "document_request",
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
        schema="documents",
    )
    op.create_check_constraint(
        op.f("ck_document_request_region_digits"),
        "document_request",
        "region_code ~ '^[0-9]{4}$'",
        schema="documents",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_document_request_region_digits"), "document_request", schema="documents"
    )
    op.drop_column("document_request", "region_code", schema="documents")
