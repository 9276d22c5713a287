"""after publication: certificate_application (课程合格证书, one live per course), exemption and
transfer (the grounds of results recorded without a sitting; one exemption and one transfer per
course: a partial unique index on exam_result), violation (违规, with its sanctions; a ban it
imposes is an exam_ban naming it)

Revision ID: records_0010
Revises: records_0009
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "records_0010"
down_revision: str | None = "records_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "records"


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    ref_table, ref_column = target.split(".")
    return sa.ForeignKeyConstraint(
        [column],
        [f"{SCHEMA}.{target}"],
        name=op.f(f"fk_{table}_{column}_{ref_table}"),
    )


def upgrade() -> None:
    op.create_index(
        "uq_exam_result_without_sitting",
        "exam_result",
        ["candidate_id", "course_code", "source"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("sitting_code IS NULL"),
    )
    _certificates()
    _grounds("exemption", sa.Column("certificate", sa.String(50), nullable=False),
             sa.Column("certificate_number", sa.String(40), nullable=False))  # fmt: skip
    _grounds("transfer", sa.Column("province", sa.String(20), nullable=False),
             sa.Column("sitting", sa.String(7), nullable=True))  # fmt: skip
    _violations()
    op.add_column("exam_ban", sa.Column("violation_id", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.create_foreign_key(
        op.f("fk_exam_ban_violation_id_violation"),
        "exam_ban",
        "violation",
        ["violation_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )


def _certificates() -> None:
    op.create_table(
        "certificate_application",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("sitting_code", sa.String(), nullable=False),
        sa.Column("course_code", sa.String(), nullable=False),
        sa.Column("result_id", sa.Uuid(), nullable=False),
        sa.Column("region_code", sa.String(4), nullable=True),
        sa.Column(
            "status",
            sa.Enum("APPLIED", "CANCELLED", name="certificatestatus", schema=SCHEMA),
            nullable=False,
        ),
        sa.Column(
            "applied_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("ready_on", sa.Date(), nullable=False),
        _fk("certificate_application", "sitting_code", "sitting.code"),
        _fk("certificate_application", "course_code", "course.code"),
        _fk("certificate_application", "result_id", "exam_result.id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_application")),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_certificate_application_course",
        "certificate_application",
        ["candidate_id", "course_code"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'APPLIED'"),
    )
    for columns in (["candidate_id"], ["result_id"]):
        op.create_index(
            op.f(f"ix_certificate_application_{columns[0]}"),
            "certificate_application",
            columns,
            schema=SCHEMA,
        )
    op.create_index(
        "ix_certificate_application_sitting_region",
        "certificate_application",
        ["sitting_code", "region_code"],
        schema=SCHEMA,
    )


def _grounds(table: str, *columns: sa.Column[object]) -> None:
    op.create_table(
        table,
        sa.Column("result_id", sa.Uuid(), nullable=False),
        *columns,
        _fk(table, "result_id", "exam_result.id"),
        sa.PrimaryKeyConstraint("result_id", name=op.f(f"pk_{table}")),
        schema=SCHEMA,
    )


def _violations() -> None:
    op.create_table(
        "violation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("sitting_code", sa.String(), nullable=False),
        sa.Column("course_code", sa.String(), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("cancels_result", sa.Boolean(), nullable=False),
        sa.Column("ban_sittings", sa.Integer(), nullable=False),
        sa.Column("banned_until", sa.String(7), nullable=True),
        sa.Column("graduation_delayed_until", sa.Date(), nullable=True),
        sa.Column("region_code", sa.String(4), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        _fk("violation", "sitting_code", "sitting.code"),
        _fk("violation", "course_code", "course.code"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violation")),
        sa.CheckConstraint(
            "cancels_result OR ban_sittings > 0 OR graduation_delayed_until IS NOT NULL",
            name=op.f("ck_violation_has_sanction"),
        ),
        sa.CheckConstraint(
            "NOT cancels_result OR course_code IS NOT NULL",
            name=op.f("ck_violation_cancelled_course"),
        ),
        sa.CheckConstraint("ban_sittings >= 0", name=op.f("ck_violation_ban_not_negative")),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_violation_candidate_id"), "violation", ["candidate_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_exam_ban_violation_id_violation"), "exam_ban", schema=SCHEMA, type_="foreignkey"
    )
    op.drop_column("exam_ban", "violation_id", schema=SCHEMA)
    op.drop_table("violation", schema=SCHEMA)
    op.drop_table("transfer", schema=SCHEMA)
    op.drop_table("exemption", schema=SCHEMA)
    op.drop_table("certificate_application", schema=SCHEMA)
    sa.Enum(name="certificatestatus", schema=SCHEMA).drop(op.get_bind())
    op.drop_index("uq_exam_result_without_sitting", table_name="exam_result", schema=SCHEMA)
