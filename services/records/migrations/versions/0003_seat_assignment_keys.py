"""seat assignments keep only their sign-up as a foreign key

Revision ID: records_0003
Revises: records_0002
Create Date: 2026-11-25 02:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "records_0003"
down_revision: str | None = "records_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint(
        op.f("fk_seat_assignment_slot_id_exam_slot"),
        "seat_assignment",
        schema="records",
        type_="foreignkey",
    )
    op.drop_constraint(
        op.f("fk_seat_assignment_venue_id_venue"),
        "seat_assignment",
        schema="records",
        type_="foreignkey",
    )


def downgrade() -> None:
    op.create_foreign_key(
        op.f("fk_seat_assignment_venue_id_venue"),
        "seat_assignment",
        "venue",
        ["venue_id"],
        ["id"],
        source_schema="records",
        referent_schema="records",
    )
    op.create_foreign_key(
        op.f("fk_seat_assignment_slot_id_exam_slot"),
        "seat_assignment",
        "exam_slot",
        ["slot_id"],
        ["id"],
        source_schema="records",
        referent_schema="records",
    )
