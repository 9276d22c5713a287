"""the holiday calendar: calendar_day (days that differ from the Monday-Friday rule), calendar_year
(years whose days are complete)

Revision ID: records_0007
Revises: records_0006
Create Date: 2026-12-01 06:09:12.652416

The tables start empty; `make migrate`'s reference-data step then loads the years of
`data/calendar.json` that the database does not have yet (see `zikao_records.calendar_seed`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "records_0007"
down_revision: str | None = "records_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "kind", sa.Enum("HOLIDAY", "WORKDAY", name="daykind", schema="records"), nullable=False
        ),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.CheckConstraint(
            "(kind = 'HOLIDAY') = (extract(isodow FROM day) < 6)",
            name=op.f("ck_calendar_day_differs_from_weekday"),
        ),
        sa.CheckConstraint("btrim(name) <> ''", name=op.f("ck_calendar_day_name_not_blank")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
        schema="records",
    )
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_calendar_year_year_range")),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
        schema="records",
    )


def downgrade() -> None:
    op.drop_table("calendar_year", schema="records")
    op.drop_table("calendar_day", schema="records")
    sa.Enum(name="daykind", schema="records").drop(op.get_bind())
