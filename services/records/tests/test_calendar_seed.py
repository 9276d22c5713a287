"""The holiday calendar's seed: the committed file is what the package says, and `make migrate`
loads it once per year, leaving staff corrections alone."""

import asyncio
from datetime import date, timedelta
from importlib import import_module

import pytest
from alembic import command
from sqlalchemy import delete

from zikao_kit.db import Sessionmaker
from zikao_kit.migrations import alembic_config
from zikao_kit.scratch import scratch_database
from zikao_records import calendar_seed, models
from zikao_records.cli import COMMANDS
from zikao_records.models import DayKind
from zikao_records.repository.calendar import CalendarRepository
from zikao_records.service import holidays
from zikao_records.service.calendar import WorkCalendar, is_working_day

SEED = calendar_seed.read()


def test_the_seed_file_is_what_the_package_gives() -> None:
    """Fails when the package (updated in uv.lock) knows a new year or changed a past one: run
    `python -m zikao_records.calendar_seed`, review the diff, and `make migrate` loads new years."""
    assert calendar_seed.SEED_FILE.read_text(encoding="utf-8") == calendar_seed.render(
        calendar_seed.from_package()
    )


def test_the_seed_covers_the_years_in_use() -> None:
    assert SEED.years == tuple(range(2004, 2027))
    assert SEED.source.startswith("chinese-calendar ")
    assert all(len(name) <= holidays.NAME_LENGTH for _, _, name in SEED.days)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_arithmetic_agrees_with_the_package(year: int) -> None:
    package = import_module("chinese_calendar")
    calendar = WorkCalendar(years=frozenset(SEED.years), exceptions={d: k for d, k, _ in SEED.days})
    start = date(year, 1, 1)
    for day in (start + timedelta(days=k) for k in range(365)):
        assert is_working_day(calendar, day) is package.is_workday(day), day


async def test_the_migrated_database_holds_the_seed(db: Sessionmaker) -> None:
    async with db() as session:
        calendar = await holidays.load_calendar(session)
        sources = await CalendarRepository(session).years()
    assert calendar.years == frozenset(SEED.years)
    assert set(sources.values()) == {SEED.source}
    assert calendar.exceptions == {day: kind for day, kind, _ in SEED.days}


async def test_loading_again_keeps_corrections_and_fills_incomplete_years(
    db: Sessionmaker,
) -> None:
    corrected = date(2026, 10, 9)  # a Friday, say the province adds it
    async with db.begin() as session:
        await CalendarRepository(session).set_days([(corrected, DayKind.HOLIDAY, "国庆节")])
        await session.execute(
            delete(models.CalendarDay).where(models.CalendarDay.day == date(2025, 10, 8))
        )
        await session.execute(delete(models.CalendarYear).where(models.CalendarYear.year == 2025))
    async with db.begin() as session:
        assert await holidays.load_seed(session, SEED) == [2025]
    async with db.begin() as session:
        assert await holidays.load_seed(session, SEED) == []
        calendar = await holidays.load_calendar(session)
    assert calendar.exceptions[corrected] is DayKind.HOLIDAY
    assert calendar.exceptions[date(2025, 10, 8)] is DayKind.HOLIDAY
    assert 2025 in calendar.years


def _migrate_down_and_up(server_url: str) -> list[list[str]]:
    """make migrate's lines: again on a migrated database, after going down to records_0006,
    and once more."""
    with scratch_database(server_url, "zikao_calendar", ["records"]) as url:
        again = COMMANDS.migrate(url)
        command.downgrade(alembic_config(COMMANDS.alembic_ini, url), "records_0006")
        return [again, COMMANDS.migrate(url), COMMANDS.migrate(url)]


async def test_the_migration_goes_down_and_up_and_the_seed_loads_once(database_url: str) -> None:
    runs = await asyncio.to_thread(_migrate_down_and_up, database_url)
    loaded = f"records: holiday calendar 2004–2026 loaded from {SEED.source}"
    assert [loaded in lines for lines in runs] == [False, True, False]
    complete = "records: holiday calendar (every year already complete)"
    assert [any(line.startswith(complete) for line in lines) for lines in runs] == [
        True,
        False,
        True,
    ]
