"""audit entries in kit's shared columns (AuditColumns): candidate_id, reason, target optional

Revision ID: records_0005
Revises: records_0004
Create Date: 2026-12-01 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "records_0005"
down_revision: str | None = "records_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "records"


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("candidate_id", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.add_column(
        "audit_entry",
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        schema=SCHEMA,
    )
    op.alter_column("audit_entry", "target", nullable=True, schema=SCHEMA)
    op.alter_column("audit_entry", "detail", server_default=sa.text("'{}'"), schema=SCHEMA)
    # Payments recorded by hand named their candidate only in the target until now.
    op.execute(
        "UPDATE records.audit_entry SET candidate_id = substr(target, 11)::uuid"
        " WHERE target ~ '^candidate:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'"
    )
    op.create_index(
        op.f("ix_audit_entry_candidate_id"), "audit_entry", ["candidate_id"], schema=SCHEMA
    )
    op.create_index(op.f("ix_audit_entry_at"), "audit_entry", ["at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_entry_at"), table_name="audit_entry", schema=SCHEMA)
    op.drop_index(op.f("ix_audit_entry_candidate_id"), table_name="audit_entry", schema=SCHEMA)
    op.execute("UPDATE records.audit_entry SET target = action WHERE target IS NULL")
    op.alter_column("audit_entry", "detail", server_default=None, schema=SCHEMA)
    op.alter_column("audit_entry", "target", nullable=False, schema=SCHEMA)
    op.drop_column("audit_entry", "reason", schema=SCHEMA)
    op.drop_column("audit_entry", "candidate_id", schema=SCHEMA)
