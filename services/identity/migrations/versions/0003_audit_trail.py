"""the audit trail's shared columns: detail as JSONB (old text kept as {"note": …}), target,
longer action codes, an index on the time

Revision ID: identity_0003
Revises: identity_0002
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "identity_0003"
down_revision: str | None = "identity_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.alter_column(
        "audit_entry",
        "detail",
        type_=postgresql.JSONB(),
        postgresql_using=(
            "CASE WHEN detail IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('note', detail) END"
        ),
        server_default=sa.text("'{}'"),
        nullable=False,
        schema="identity",
    )
    op.alter_column(
        "audit_entry",
        "action",
        type_=sqlmodel.sql.sqltypes.AutoString(length=50),
        existing_type=sqlmodel.sql.sqltypes.AutoString(length=40),
        existing_nullable=False,
        schema="identity",
    )
    op.add_column(
        "audit_entry",
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        schema="identity",
    )
    op.create_index(
        op.f("ix_audit_entry_at"), "audit_entry", ["at"], unique=False, schema="identity"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_entry_at"), table_name="audit_entry", schema="identity")
    op.drop_column("audit_entry", "target", schema="identity")
    op.alter_column(
        "audit_entry",
        "action",
        type_=sqlmodel.sql.sqltypes.AutoString(length=40),
        existing_type=sqlmodel.sql.sqltypes.AutoString(length=50),
        existing_nullable=False,
        schema="identity",
    )
    op.alter_column("audit_entry", "detail", server_default=None, nullable=True, schema="identity")
    op.alter_column(
        "audit_entry",
        "detail",
        type_=sqlmodel.sql.sqltypes.AutoString(length=200),
        postgresql_using=(
            "CASE WHEN detail = '{}'::jsonb THEN NULL"
            " WHEN detail ? 'note' THEN left(detail->>'note', 200)"
            " ELSE left(detail::text, 200) END"
        ),
        schema="identity",
    )
