"""staff accounts, refresh tokens, reset mails, the audit log; re-issue and password times

Revision ID: identity_0002
Revises: identity_0001
Create Date: 2026-11-25 02:03:02.287648
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "identity_0002"
down_revision: str | None = "identity_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
        schema="identity",
    )
    op.create_index(
        op.f("ix_audit_entry_action"), "audit_entry", ["action"], unique=False, schema="identity"
    )
    op.create_index(
        op.f("ix_audit_entry_actor"), "audit_entry", ["actor"], unique=False, schema="identity"
    )
    op.create_index(
        op.f("ix_audit_entry_candidate_id"),
        "audit_entry",
        ["candidate_id"],
        unique=False,
        schema="identity",
    )
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column(
            "issued_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_token_token_hash")),
        schema="identity",
    )
    op.create_index(
        op.f("ix_refresh_token_family_id"),
        "refresh_token",
        ["family_id"],
        unique=False,
        schema="identity",
    )
    op.create_index(
        op.f("ix_refresh_token_subject"),
        "refresh_token",
        ["subject"],
        unique=False,
        schema="identity",
    )
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("region_code", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["region_code"],
            ["identity.region.code"],
            name=op.f("fk_staff_account_region_code_region"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_account")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_account_username")),
        schema="identity",
    )
    op.create_table(
        "password_reset_mail",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["identity.candidate.id"],
            name=op.f("fk_password_reset_mail_candidate_id_candidate"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_mail")),
        schema="identity",
    )
    op.create_index(
        op.f("ix_password_reset_mail_candidate_id"),
        "password_reset_mail",
        ["candidate_id"],
        unique=False,
        schema="identity",
    )
    op.create_index(
        "ix_password_reset_mail_token_hash",
        "password_reset_mail",
        ["token_hash"],
        unique=True,
        schema="identity",
        postgresql_where=sa.text("token_hash IS NOT NULL"),
    )
    op.add_column(
        "candidate",
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        schema="identity",
    )
    op.add_column(
        "candidate",
        sa.Column("ticket_reissue_count", sa.Integer(), server_default="0", nullable=False),
        schema="identity",
    )
    op.add_column(
        "candidate",
        sa.Column("ticket_reissued_at", sa.DateTime(timezone=True), nullable=True),
        schema="identity",
    )


def downgrade() -> None:
    op.drop_column("candidate", "ticket_reissued_at", schema="identity")
    op.drop_column("candidate", "ticket_reissue_count", schema="identity")
    op.drop_column("candidate", "password_changed_at", schema="identity")
    op.drop_index(
        "ix_password_reset_mail_token_hash",
        table_name="password_reset_mail",
        schema="identity",
        postgresql_where=sa.text("token_hash IS NOT NULL"),
    )
    op.drop_index(
        op.f("ix_password_reset_mail_candidate_id"),
        table_name="password_reset_mail",
        schema="identity",
    )
    op.drop_table("password_reset_mail", schema="identity")
    op.drop_table("staff_account", schema="identity")
    op.drop_index(op.f("ix_refresh_token_subject"), table_name="refresh_token", schema="identity")
    op.drop_index(op.f("ix_refresh_token_family_id"), table_name="refresh_token", schema="identity")
    op.drop_table("refresh_token", schema="identity")
    op.drop_index(op.f("ix_audit_entry_candidate_id"), table_name="audit_entry", schema="identity")
    op.drop_index(op.f("ix_audit_entry_actor"), table_name="audit_entry", schema="identity")
    op.drop_index(op.f("ix_audit_entry_action"), table_name="audit_entry", schema="identity")
    op.drop_table("audit_entry", schema="identity")
