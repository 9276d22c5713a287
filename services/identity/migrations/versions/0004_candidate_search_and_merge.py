"""staff's candidate search (a name-prefix index) and merged duplicates (成绩合并): a candidate
merged into another keeps its row and ticket number, cancelled, naming the kept candidate

Revision ID: identity_0004
Revises: identity_0003
Create Date: 2026-12-01 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "identity_0004"
down_revision: str | None = "identity_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "identity"


def upgrade() -> None:
    op.add_column("candidate", sa.Column("merged_into", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.add_column(
        "candidate",
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    op.create_foreign_key(
        op.f("fk_candidate_merged_into_candidate"),
        "candidate",
        "candidate",
        ["merged_into"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_candidate_merge_marks"),
        "candidate",
        "(merged_into IS NULL) = (cancelled_at IS NULL) AND merged_into <> id",
        schema=SCHEMA,
    )
    op.create_index(
        "ix_candidate_name_prefix",
        "candidate",
        ["name"],
        schema=SCHEMA,
        postgresql_ops={"name": "text_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_candidate_name_prefix", table_name="candidate", schema=SCHEMA)
    op.drop_constraint(op.f("ck_candidate_merge_marks"), "candidate", schema=SCHEMA)
    op.drop_constraint(op.f("fk_candidate_merged_into_candidate"), "candidate", schema=SCHEMA)
    op.drop_column("candidate", "cancelled_at", schema=SCHEMA)
    op.drop_column("candidate", "merged_into", schema=SCHEMA)
