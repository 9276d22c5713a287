"""a score review keeps the last day of the window it was asked in

Revision ID: records_0008
Revises: records_0007
Create Date: 2026-12-01 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "records_0008"
down_revision: str | None = "records_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "records"


def upgrade() -> None:
    op.add_column("score_review", sa.Column("deadline", sa.Date(), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("score_review", "deadline", schema=SCHEMA)
