"""Working days on the Chinese public-holiday calendar, and the windows counted in them (pure:
the calendar is loaded first, by `service.holidays.load_calendar`).

A working day is Monday to Friday, unless the State Council made it a holiday, or a weekend day
it made an adjusted working day (调休). Only the years whose days are complete are known: any
other year is refused with `CalendarYearUnknownError`, never counted as plain weekdays, since a
deadline counted across an unannounced Spring Festival would be a wrong deadline.

Periods count as the Civil Code counts them (民法典 第二百零一条): the day of the event is not
counted, counting starts the next day. "Within 5 working days of publication" so ends on the
fifth working day after the publication date in Beijing time, at the end of that day
(`closes_at`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from zikao_kit import clock
from zikao_records.errors import CalendarYearUnknownError
from zikao_records.models import DayKind
from zikao_records.service.scores import local_date

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class WorkCalendar:
    """The complete years and their days that differ from the Monday–Friday rule."""

    years: frozenset[int]
    exceptions: Mapping[date, DayKind]


def is_working_day(calendar: WorkCalendar, day: date) -> bool:
    ensure_known(calendar, day)
    kind = calendar.exceptions.get(day)
    if kind is None:
        return day.weekday() < 5
    return kind is DayKind.WORKDAY


def add_working_days(calendar: WorkCalendar, start: date, n: int) -> date:
    """The `n`-th working day after `start` (`start` itself for 0; `start` is never counted)."""
    if n < 0:
        raise ValueError("n must not be negative")
    ensure_known(calendar, start)
    day = start
    while n:
        day += ONE_DAY
        if is_working_day(calendar, day):
            n -= 1
    return day


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
    if end < start:
        return -working_days_between(calendar, end, start)
    ensure_known(calendar, start)
    days = (start + ONE_DAY * k for k in range(1, (end - start).days + 1))
    return sum(is_working_day(calendar, day) for day in days)


def ensure_known(calendar: WorkCalendar, day: date) -> None:
    if day.year not in calendar.years:
        raise CalendarYearUnknownError(day.year)


def closes_at(day: date) -> datetime:
    """The end of `day` in Beijing time: the moment a window whose last day it is closes."""
    return datetime.combine(day + ONE_DAY, time(), tzinfo=clock.BEIJING)


@dataclass(frozen=True)
class Windows:
    """The windows after a score publication, in working days (`RECORDS_REVIEW_WINDOW_…`,
    `RECORDS_CERTIFICATE_WINDOW_…`, `RECORDS_CERTIFICATE_READY_WORKING_DAYS`)."""

    review_days: int = 5
    certificate_days: int = 15
    ready_days: int = 10

    def review_deadline(self, calendar: WorkCalendar, published_at: datetime) -> date:
        """The last day a score review (成绩复查) may be asked for."""
        return add_working_days(calendar, local_date(published_at), self.review_days)

    def certificate_deadline(self, calendar: WorkCalendar, published_at: datetime) -> date:
        """The last day a course certificate (课程合格证书) may be applied for."""
        return add_working_days(calendar, local_date(published_at), self.certificate_days)

    def certificates_ready(self, calendar: WorkCalendar, published_at: datetime) -> date:
        """The day certificates are ready: working days after the application window ends."""
        deadline = self.certificate_deadline(calendar, published_at)
        return add_working_days(calendar, deadline, self.ready_days)
