"""SQL of the holiday calendar: its exceptional days and the years they are complete for."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import delete, extract, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import CalendarDay, CalendarYear, DayKind
from zikao_records.repository.base import upsert


class CalendarRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def years(self) -> dict[int, str]:
        """The complete years and where their days came from."""
        statement = select(col(CalendarYear.year), col(CalendarYear.source))
        return {year: source for year, source in await self.session.execute(statement)}

    async def days(self, years: Collection[int] | None = None) -> Sequence[CalendarDay]:
        """The exceptional days of `years` (of every year when None), in date order."""
        statement = select(CalendarDay).order_by(col(CalendarDay.day))
        if years is not None:
            statement = statement.where(extract("year", col(CalendarDay.day)).in_(set(years)))
        return (await self.session.execute(statement)).scalars().all()

    async def get(self, day: date, *, lock: bool = False) -> CalendarDay | None:
        statement = select(CalendarDay).where(col(CalendarDay.day) == day)
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def set_days(self, days: Sequence[tuple[date, DayKind, str]]) -> None:
        rows = [{"day": day, "kind": kind, "name": name} for day, kind, name in days]
        await upsert(self.session, CalendarDay, rows, ["day"])

    async def clear_day(self, day: date) -> None:
        await self.session.execute(delete(CalendarDay).where(col(CalendarDay.day) == day))

    async def add_year(self, year: int, source: str) -> bool:
        """Marks `year` complete; False when it already was (the first source is kept)."""
        statement = (
            insert(CalendarYear)
            .values(year=year, source=source)
            .on_conflict_do_nothing(index_elements=["year"])
            .returning(col(CalendarYear.year))
        )
        return (await self.session.execute(statement)).first() is not None
