"""The public-holiday calendar: the days that differ from the Monday–Friday rule, and the years
whose days are all known (working-day arithmetic refuses any other year)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, DateTime, func
from sqlmodel import Field

from zikao_kit.db import utc_now
from zikao_records.models.base import RecordsModel
from zikao_records.models.enums import DayKind


class CalendarYear(RecordsModel, table=True):
    """A year whose exceptions are complete: loaded from the seed, or completed by staff."""

    __tablename__ = "calendar_year"
    __table_args__ = (CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source: str = Field(max_length=50)
    added_at: datetime = Field(
        default_factory=utc_now,
        sa_type=DateTime(timezone=True),
        sa_column_kwargs={"server_default": func.now(), "nullable": False},
    )


class CalendarDay(RecordsModel, table=True):
    """A holiday on a weekday, or an adjusted working day on a weekend, with the holiday's name
    (春节, 国庆节…: the holiday a working weekend makes up for)."""

    __tablename__ = "calendar_day"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'HOLIDAY') = (extract(isodow FROM day) < 6)", name="differs_from_weekday"
        ),
        CheckConstraint("btrim(name) <> ''", name="name_not_blank"),
    )
    day: date = Field(primary_key=True)
    kind: DayKind
    name: str = Field(max_length=20)
