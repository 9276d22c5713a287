"""The holiday calendar in the graph (staff, GraphiQL): a year's holidays and adjusted working
days (any staff), corrections and completing a year (admins and provincial staff)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_records import models
from zikao_records.schema.common import Problems, answer, staff_principal
from zikao_records.service import holidays


@strawberry.enum(description="How a day differs from the Monday–Friday rule.")
class DayKind(Enum):
    HOLIDAY = "HOLIDAY"
    WORKDAY = "WORKDAY"


@strawberry.type(
    description="A holiday on a weekday, or an adjusted working day (调休) on a weekend."
)
class CalendarDay:
    day: date
    kind: DayKind
    name: str = strawberry.field(
        description="the holiday, e.g. 春节 (for a working day: the one it makes up for)"
    )

    @classmethod
    def from_model(cls, day: models.CalendarDay) -> CalendarDay:
        return cls(day=day.day, kind=DayKind(day.kind.value), name=day.name)


@strawberry.type(description="A year of the holiday calendar.")
class CalendarYear:
    year: int
    complete: bool = strawberry.field(
        description="working days are counted only in complete years (others are refused)"
    )
    source: str | None = strawberry.field(description="e.g. chinese-calendar 1.11.0, or staff")
    days: list[CalendarDay]

    @classmethod
    def of(cls, year: int, source: str | None, days: Sequence[models.CalendarDay]) -> CalendarYear:
        listed = [CalendarDay.from_model(d) for d in days]
        return cls(year=year, complete=source is not None, source=source, days=listed)


@strawberry.type
class CalendarDaySet:
    day: date
    calendar_day: CalendarDay | None = strawberry.field(
        description="null: the day follows the Monday–Friday rule again"
    )


@strawberry.type
class CalendarYearCompleted:
    year: int
    newly: bool = strawberry.field(description="false when the year already was complete")


CalendarYearResult = Annotated[CalendarYear | Problems, strawberry.union("CalendarYearResult")]
SetCalendarDayResult = Annotated[
    CalendarDaySet | Problems, strawberry.union("SetCalendarDayResult")
]
CompleteCalendarYearResult = Annotated[
    CalendarYearCompleted | Problems, strawberry.union("CompleteCalendarYearResult")
]


@strawberry.type
class CalendarQuery:
    @strawberry.field(description="Staff: a year's holidays and adjusted working days.")
    async def calendar_year(self, info: Info[Context, None], year: int) -> CalendarYearResult:
        async def run() -> CalendarYear:
            staff_principal(info)
            async with info.context.db() as session:
                source, days = await holidays.year_days(session, year)
            return CalendarYear.of(year, source, days)

        return await answer(run)


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        description="Province: make a day a holiday or an adjusted working day (with the"
        " holiday's name), or (kind null) a plain day again; audited."
    )
    async def set_calendar_day(
        self,
        info: Info[Context, None],
        day: date,
        kind: DayKind | None = None,
        name: str | None = None,
    ) -> SetCalendarDayResult:
        async def run() -> CalendarDaySet:
            as_model = models.DayKind(kind.value) if kind is not None else None
            async with info.context.db.begin() as session:
                saved = await holidays.set_day(
                    session, staff_principal(info), day=day, kind=as_model, name=name
                )
            shown = CalendarDay.from_model(saved) if saved is not None else None
            return CalendarDaySet(day=day, calendar_day=shown)

        return await answer(run)

    @strawberry.mutation(
        description="Province: declare a year's days entered, so working days count in it."
    )
    async def complete_calendar_year(
        self, info: Info[Context, None], year: int
    ) -> CompleteCalendarYearResult:
        async def run() -> CalendarYearCompleted:
            async with info.context.db.begin() as session:
                newly = await holidays.complete_year(session, staff_principal(info), year=year)
            return CalendarYearCompleted(year=year, newly=newly)

        return await answer(run)
