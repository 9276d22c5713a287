"""The holiday calendar in the graph: any staff reads a year; only the province corrects a day
or completes a year, each audited; bad input is a typed problem that changes nothing."""

from datetime import date
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context
from zikao_records import calendar_seed, models
from zikao_records.schema import schema
from zikao_records.service import holidays
from zikao_records.settings import RecordsSettings

ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
PROVINCE = Principal(subject="staff-province", role=Role.STAFF)
YUZHONG = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
CANDIDATE = Principal(subject="00000000-0000-4000-8000-000000000001", role=Role.CANDIDATE)
PROBLEM = "... on Problem { code } ... on InvalidInput { field }"
YEAR = f"""query($y: Int!) {{ calendarYear(year: $y) {{ __typename
  ... on CalendarYear {{ year complete source days {{ day kind name }} }} {PROBLEM} }} }}"""
SET = f"""mutation($d: Date!, $k: DayKind, $n: String) {{
  setCalendarDay(day: $d, kind: $k, name: $n) {{ __typename
  ... on CalendarDaySet {{ day calendarDay {{ day kind name }} }} {PROBLEM} }} }}"""
COMPLETE = f"""mutation($y: Int!) {{ completeCalendarYear(year: $y) {{ __typename
  ... on CalendarYearCompleted {{ year newly }} {PROBLEM} }} }}"""


async def run(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, who: Principal, query: str, **v: Any
) -> Any:
    context = make_context(db, redis, settings, who)
    result = await schema.execute(query, variable_values=v, context_value=context)
    assert result.errors is None, result.errors
    return next(iter(result.data.values()))


async def audit(db: Sessionmaker) -> list[tuple[str, str | None, dict[str, Any]]]:
    async with db() as session:
        entries = select(models.AuditEntry).order_by(models.AuditEntry.at)
        return [(e.action, e.target, e.detail) for e in (await session.execute(entries)).scalars()]


async def day_count(db: Sessionmaker) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(models.CalendarDay)) or 0


async def test_staff_read_a_year_as_the_seed_has_it(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    year = await run(db, redis, settings, YUZHONG, YEAR, y=2026)
    assert year["complete"] is True
    assert year["source"] == calendar_seed.read().source
    assert {"day": "2026-02-16", "kind": "HOLIDAY", "name": "春节"} in year["days"]
    assert {"day": "2026-10-10", "kind": "WORKDAY", "name": "国庆节"} in year["days"]
    assert [d["day"] for d in year["days"]] == sorted(d["day"] for d in year["days"])
    unknown = await run(db, redis, settings, YUZHONG, YEAR, y=2099)
    assert unknown == {
        "__typename": "CalendarYear",
        "year": 2099,
        "complete": False,
        "source": None,
        "days": [],
    }


@pytest.mark.parametrize("year", [1999, 2101, -1])
async def test_a_year_out_of_range_is_a_problem(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, year: int
) -> None:
    answer = await run(db, redis, settings, ADMIN, YEAR, y=year)
    assert answer == {"__typename": "InvalidInput", "code": "out_of_range", "field": "year"}


async def test_candidates_do_not_read_the_calendar(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    answer = await run(db, redis, settings, CANDIDATE, YEAR, y=2026)
    assert answer["code"] == "forbidden"


@pytest.mark.parametrize("who", [ADMIN, PROVINCE])
async def test_the_province_sets_and_clears_a_day_audited(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, who: Principal
) -> None:
    made = await run(db, redis, settings, who, SET, d="2026-10-09", k="HOLIDAY", n=" 国庆节 ")
    assert made == {
        "__typename": "CalendarDaySet",
        "day": "2026-10-09",
        "calendarDay": {"day": "2026-10-09", "kind": "HOLIDAY", "name": "国庆节"},
    }
    cleared = await run(db, redis, settings, who, SET, d="2026-10-10")
    assert cleared == {"__typename": "CalendarDaySet", "day": "2026-10-10", "calendarDay": None}
    async with db() as session:
        calendar = await holidays.load_calendar(session)
    assert calendar.exceptions[date(2026, 10, 9)] is models.DayKind.HOLIDAY
    assert date(2026, 10, 10) not in calendar.exceptions
    assert await audit(db) == [
        ("calendar.day_set", "day:2026-10-09", {"was": None, "kind": "HOLIDAY", "name": "国庆节"}),
        ("calendar.day_cleared", "day:2026-10-10", {"was": "WORKDAY"}),
    ]


async def test_district_staff_are_refused_and_nothing_changes(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    before = await day_count(db)
    answer = await run(db, redis, settings, YUZHONG, SET, d="2026-10-09", k="HOLIDAY", n="国庆节")
    assert answer["code"] == "out_of_region"
    assert (await run(db, redis, settings, YUZHONG, SET, d="2026-10-10"))["code"] == "out_of_region"
    assert (await run(db, redis, settings, YUZHONG, COMPLETE, y=2027))["code"] == "out_of_region"
    assert await day_count(db) == before
    assert await audit(db) == []


@pytest.mark.parametrize(
    ("day", "kind", "name", "field", "code"),
    [
        ("2026-10-17", "HOLIDAY", "国庆节", "kind", "not_an_exception"),  # a Saturday
        ("2026-10-09", "WORKDAY", "国庆节", "kind", "not_an_exception"),  # a Friday
        ("1999-10-01", "HOLIDAY", "国庆节", "day", "out_of_range"),
        ("2101-10-03", "HOLIDAY", "国庆节", "day", "out_of_range"),
        ("2026-10-09", "HOLIDAY", None, "name", "blank"),
        ("2026-10-09", "HOLIDAY", "  ", "name", "blank"),
        ("2026-10-09", "HOLIDAY", "国庆\u200b节", "name", "bad_characters"),
        ("2026-10-09", "HOLIDAY", "\u202e国庆节", "name", "bad_characters"),
        ("2026-10-09", "HOLIDAY", "节" * 21, "name", "too_long"),
    ],
)
async def test_bad_input_is_a_problem_and_changes_nothing(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    day: str,
    kind: str,
    name: str | None,
    field: str,
    code: str,
) -> None:
    before = await day_count(db)
    answer = await run(db, redis, settings, ADMIN, SET, d=day, k=kind, n=name)
    assert answer == {"__typename": "InvalidInput", "code": code, "field": field}
    assert await day_count(db) == before
    assert await audit(db) == []


async def test_a_date_that_is_no_date_is_a_coercion_error(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    context = make_context(db, redis, settings, ADMIN)
    variables = {"d": "2026-02-30", "k": "HOLIDAY", "n": "春节"}
    result = await schema.execute(SET, variable_values=variables, context_value=context)
    assert result.errors is not None
    assert await audit(db) == []


async def test_completing_a_year_lets_working_days_count_in_it(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    await run(db, redis, settings, ADMIN, SET, d="2027-02-08", k="HOLIDAY", n="春节")
    async with db() as session:
        assert 2027 not in (await holidays.load_calendar(session)).years
    first = await run(db, redis, settings, PROVINCE, COMPLETE, y=2027)
    again = await run(db, redis, settings, ADMIN, COMPLETE, y=2027)
    assert (first["newly"], again["newly"]) == (True, False)
    year = await run(db, redis, settings, YUZHONG, YEAR, y=2027)
    assert (year["complete"], year["source"], len(year["days"])) == (True, "staff", 1)
    assert [a[:2] for a in await audit(db)] == [
        ("calendar.day_set", "day:2027-02-08"),
        ("calendar.year_completed", "year:2027"),
    ]
    out = await run(db, redis, settings, ADMIN, COMPLETE, y=2101)
    assert out == {"__typename": "InvalidInput", "code": "out_of_range", "field": "year"}
