"""refunds paid out (refund): one per REFUND_DUE payment or REFUNDED sign-up; until then the
money is due

Revision ID: records_0012
Revises: records_0011
Create Date: 2026-12-01 09:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "records_0012"
down_revision: str | None = "records_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "records"


def upgrade() -> None:
    op.create_table(
        "refund",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("registration_id", sa.Uuid(), nullable=True),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("amount_yuan", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=50), nullable=False),
        sa.Column("refunded_by", sa.String(length=64), nullable=False),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(payment_id IS NULL) <> (registration_id IS NULL)", name=op.f("ck_refund_one_source")
        ),
        sa.CheckConstraint("amount_yuan >= 0", name=op.f("ck_refund_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["payment_id"], [f"{SCHEMA}.payment.id"], name=op.f("fk_refund_payment_id_payment")
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            [f"{SCHEMA}.exam_registration.id"],
            name=op.f("fk_refund_registration_id_exam_registration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_refund_payment_id")),
        sa.UniqueConstraint("registration_id", name=op.f("uq_refund_registration_id")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_refund_candidate_id"), "refund", ["candidate_id"], unique=False, schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_refund_candidate_id"), table_name="refund", schema=SCHEMA)
    op.drop_table("refund", schema=SCHEMA)
