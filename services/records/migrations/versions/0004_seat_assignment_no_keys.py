"""seat assignments without foreign keys (bulk writes of a sitting's seats)

Revision ID: records_0004
Revises: records_0003
Create Date: 2026-11-25 02:35:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "records_0004"
down_revision: str | None = "records_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(
        op.f("fk_seat_assignment_registration_id_exam_registration"),
        "seat_assignment",
        schema="records",
        type_="foreignkey",
    )


def downgrade() -> None:
    op.create_foreign_key(
        op.f("fk_seat_assignment_registration_id_exam_registration"),
        "seat_assignment",
        "exam_registration",
        ["registration_id"],
        ["id"],
        source_schema="records",
        referent_schema="records",
    )
