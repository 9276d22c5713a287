"""graduation: prior_diploma (a 本科 candidate's verified 专科 diploma and origin),
graduation_application (one pending or approved per candidate and major), graduation_audit_run
and graduation_audit_row (batch audits and their outcomes, for the export)

Revision ID: records_0011
Revises: records_0010
Create Date: 2026-12-01 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "records_0011"
down_revision: str | None = "records_0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "records"


def _now(name: str) -> sa.Column[object]:
    return sa.Column(
        name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "prior_diploma",
        sa.Column("candidate_id", sa.Uuid(), primary_key=True),
        sa.Column("diploma_number", sa.String(40), nullable=False),
        sa.Column("origin", sa.String(30), nullable=False),
        sa.Column("verified_by", sa.String(100), nullable=False),
        _now("verified_at"),
        schema=SCHEMA,
    )
    status = sa.Enum("PENDING", "APPROVED", "REJECTED", name="graduationstatus", schema=SCHEMA)
    op.create_table(
        "graduation_application",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("candidate_id", sa.Uuid(), nullable=False, index=True),
        sa.Column(
            "major_code",
            sa.String(),
            sa.ForeignKey(
                f"{SCHEMA}.major.code", name=op.f("fk_graduation_application_major_code")
            ),
            nullable=False,
        ),
        sa.Column("region_code", sa.String(4), nullable=True),
        sa.Column("status", status, nullable=False),
        _now("applied_at"),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.CheckConstraint(
            "(status = 'PENDING') = (decided_at IS NULL)",
            name=op.f("ck_graduation_application_decided_unless_pending"),
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_graduation_application_live",
        "graduation_application",
        ["candidate_id", "major_code"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('PENDING', 'APPROVED')"),
    )
    op.create_index(
        "ix_graduation_application_queue",
        "graduation_application",
        ["status", "region_code", "applied_at"],
        schema=SCHEMA,
    )
    run_status = sa.Enum(
        "PENDING", "RUNNING", "DONE", "FAILED", name="auditrunstatus", schema=SCHEMA
    )
    op.create_table(
        "graduation_audit_run",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "major_code",
            sa.String(),
            sa.ForeignKey(f"{SCHEMA}.major.code", name=op.f("fk_graduation_audit_run_major_code")),
            nullable=True,
        ),
        sa.Column("region_code", sa.String(4), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("status", run_status, nullable=False),
        sa.Column("candidates_total", sa.Integer(), nullable=True),
        sa.Column("candidates_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("eligible", sa.Integer(), nullable=False, server_default="0"),
        _now("requested_at"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        schema=SCHEMA,
    )
    op.create_table(
        "graduation_audit_row",
        sa.Column(
            "run_id",
            sa.Uuid(),
            sa.ForeignKey(
                f"{SCHEMA}.graduation_audit_run.id",
                name=op.f("fk_graduation_audit_row_run_id"),
                ondelete="CASCADE",
            ),
            primary_key=True,
        ),
        sa.Column("candidate_id", sa.Uuid(), primary_key=True),
        sa.Column("major_code", sa.String(10), nullable=False),
        sa.Column("region_code", sa.String(4), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("required_passed", sa.Integer(), nullable=False),
        sa.Column("required_total", sa.Integer(), nullable=False),
        sa.Column("elective_credits", sa.Integer(), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("graduation_audit_row", schema=SCHEMA)
    op.drop_table("graduation_audit_run", schema=SCHEMA)
    op.drop_index("ix_graduation_application_queue", "graduation_application", schema=SCHEMA)
    op.drop_index("uq_graduation_application_live", "graduation_application", schema=SCHEMA)
    op.drop_table("graduation_application", schema=SCHEMA)
    op.drop_table("prior_diploma", schema=SCHEMA)
    sa.Enum(name="auditrunstatus", schema=SCHEMA).drop(op.get_bind())
    sa.Enum(name="graduationstatus", schema=SCHEMA).drop(op.get_bind())
