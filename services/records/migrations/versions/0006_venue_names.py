"""a venue's name is not blank and unique in its region; its address is not blank

Revision ID: records_0006
Revises: records_0005
Create Date: 2026-12-01 06:10:00.000000

A database holding two venues of one name in a region stops here (the unique constraint names
them): staff rename one first, as the service now requires.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "records_0006"
down_revision: str | None = "records_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "records"


def upgrade() -> None:
    op.create_unique_constraint(
        op.f("uq_venue_region_code_name"), "venue", ["region_code", "name"], schema=SCHEMA
    )
    op.create_check_constraint(
        op.f("ck_venue_not_blank"),
        "venue",
        "btrim(name) <> '' AND btrim(address) <> ''",
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_venue_not_blank"), "venue", schema=SCHEMA, type_="check")
    op.drop_constraint(op.f("uq_venue_region_code_name"), "venue", schema=SCHEMA, type_="unique")
