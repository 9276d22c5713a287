"""The holiday calendar kept in the database: loading it for working-day arithmetic, seeding it
from `data/calendar.json`, and staff corrections when the State Council announces a year.

Corrections are for admins and provincial staff (the calendar is the province's), each audited.
A day is set to a holiday (on a weekday) or an adjusted working day (on a weekend), with the
holiday's name, or cleared back to the Monday–Friday rule. A year counts only once complete:
loaded from the seed, or declared complete by staff after entering its days; the seed never
touches a complete year again, so staff corrections stay.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError
from zikao_records import calendar_seed, text
from zikao_records.models import AuditEntry, CalendarDay, DayKind
from zikao_records.repository.calendar import CalendarRepository
from zikao_records.service import scope
from zikao_records.service.calendar import Windows, WorkCalendar
from zikao_records.settings import RecordsSettings

FIRST_YEAR, LAST_YEAR = 2000, 2100
NAME_LENGTH = 20
STAFF_SOURCE = "staff"


def windows(settings: RecordsSettings) -> Windows:
    return Windows(
        review_days=settings.review_window_working_days,
        certificate_days=settings.certificate_window_working_days,
        ready_days=settings.certificate_ready_working_days,
    )


async def load_calendar(session: AsyncSession) -> WorkCalendar:
    """The whole calendar (a few dozen rows a year)."""
    repository = CalendarRepository(session)
    years = frozenset(await repository.years())
    days = {d.day: d.kind for d in await repository.days()}
    return WorkCalendar(years=years, exceptions=days)


async def load_seed(session: AsyncSession, seed: calendar_seed.Seed) -> list[int]:
    """Loads the seed's years the database does not have complete; the years loaded."""
    repository = CalendarRepository(session)
    missing = sorted(set(seed.years) - set(await repository.years()))
    await repository.set_days([d for d in seed.days if d[0].year in missing])
    for year in missing:
        await repository.add_year(year, seed.source)
    return missing


async def year_days(session: AsyncSession, year: int) -> tuple[str | None, Sequence[CalendarDay]]:
    """Where a year's days came from (None while it is not complete), and its days."""
    text.within(year, "year", FIRST_YEAR, LAST_YEAR)
    repository = CalendarRepository(session)
    return (await repository.years()).get(year), await repository.days([year])


async def set_day(
    session: AsyncSession, staff: Principal, *, day: date, kind: DayKind | None, name: str | None
) -> CalendarDay | None:
    """Makes `day` a holiday or an adjusted working day named `name`, or (kind None) a day of
    the Monday–Friday rule again; the day as it now is (None for a plain day)."""
    scope.ensure_provincial(staff)
    text.within(day.year, "day", FIRST_YEAR, LAST_YEAR)
    repository = CalendarRepository(session)
    was = await repository.get(day, lock=True)
    detail: dict[str, object] = {"was": was.kind.value if was else None}
    if kind is None:
        await repository.clear_day(day)
        _audit(session, staff, "calendar.day_cleared", f"day:{day}", detail)
        return None
    _ensure_exception(day, kind)
    name = text.plain(name or "", "name", NAME_LENGTH)
    await repository.set_days([(day, kind, name)])
    detail |= {"kind": kind.value, "name": name}
    _audit(session, staff, "calendar.day_set", f"day:{day}", detail)
    return CalendarDay(day=day, kind=kind, name=name)


async def complete_year(session: AsyncSession, staff: Principal, *, year: int) -> bool:
    """Declares `year`'s days complete (working days may be counted in it from now on); False
    when it already was."""
    scope.ensure_provincial(staff)
    text.within(year, "year", FIRST_YEAR, LAST_YEAR)
    added = await CalendarRepository(session).add_year(year, STAFF_SOURCE)
    if added:
        _audit(session, staff, "calendar.year_completed", f"year:{year}", {})
    return added


def _ensure_exception(day: date, kind: DayKind) -> None:
    """Only days that differ from the Monday–Friday rule are kept."""
    weekend = day.weekday() >= 5
    if kind is DayKind.HOLIDAY and weekend:
        raise InvalidInputError("kind", "周末本就休息，无需设为节假日", code="not_an_exception")
    if kind is DayKind.WORKDAY and not weekend:
        raise InvalidInputError(
            "kind", "工作日本就上班，无需设为调休上班日", code="not_an_exception"
        )


def _audit(
    session: AsyncSession, staff: Principal, action: str, target: str, detail: dict[str, object]
) -> None:
    audit.record(session, AuditEntry, staff, action, target=target, detail=detail)
