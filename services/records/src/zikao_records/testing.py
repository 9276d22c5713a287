"""Builders of records' rows for tests: sittings, slots, results, major choices.

Kept in the package (like `zikao_kit.testing`) so that test modules import them by name: test
folders are not packages, which keeps their module names apart across services.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from sqlmodel import SQLModel

from zikao_kit.auth import Principal
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.testing import make_context
from zikao_records import models
from zikao_records.schema import schema
from zikao_records.settings import RecordsSettings

PASSING_GRADES = {"优秀", "良好", "中等", "及格", "合格"}
# From the catalogue loaded by the migrations: 汉语言文学 (本科) and some of its courses.
BENKE = "050101"
ZHUANKE = "530302"


async def add(db: Sessionmaker, *rows: SQLModel) -> None:
    async with db.begin() as session:
        session.add_all(rows)


def ago(days: float) -> datetime:
    return utc_now() - timedelta(days=days)


def a_sitting(
    code: str, *, scores: datetime | None = None, seats: datetime | None = None
) -> models.Sitting:
    """A sitting whose exams fall mid-month; scores and seats published at the times given."""
    exam = datetime(int(code[:4]), int(code[5:]), 15, 1, tzinfo=UTC)
    return models.Sitting(
        code=code,
        name=f"{code[:4]}年{int(code[5:])}月",
        registration_opens_at=exam - timedelta(days=60),
        registration_closes_at=exam - timedelta(days=45),
        ticket_printing_opens_at=exam - timedelta(days=7),
        scores_published_at=scores,
        seats_published_at=seats,
    )


def a_slot(sitting: str, *, hour: int = 1) -> models.ExamSlot:
    start_of_day = datetime(int(sitting[:4]), int(sitting[5:]), 15, tzinfo=UTC)
    starts = start_of_day + timedelta(hours=hour)
    return models.ExamSlot(
        sitting_code=sitting, starts_at=starts, ends_at=starts + timedelta(minutes=150)
    )


def a_result(
    candidate_id: uuid.UUID,
    course: str,
    *,
    sitting: str | None = None,
    score: int | None = None,
    grade: str | None = None,
    source: models.ResultSource = models.ResultSource.EXAM,
    status: models.ResultStatus = models.ResultStatus.NORMAL,
    recorded_at: datetime | None = None,
) -> models.ExamResult:
    passed = (score or 0) >= 60 or grade in PASSING_GRADES or (score is None and grade is None)
    return models.ExamResult(
        candidate_id=candidate_id,
        sitting_code=sitting,
        course_code=course,
        score=score,
        grade=grade,
        passed=passed and status is models.ResultStatus.NORMAL,
        status=status,
        source=source,
        recorded_at=recorded_at or utc_now(),
    )


def a_choice(candidate_id: uuid.UUID, major: str = BENKE) -> models.CandidateMajor:
    return models.CandidateMajor(candidate_id=candidate_id, major_code=major)


def an_open_sitting(code: str = "2030-10", *, max_courses: int = 4) -> models.Sitting:
    """A sitting whose sign-up window is open now (exams mid-month as `a_sitting`)."""
    sitting = a_sitting(code)
    sitting.registration_opens_at = ago(1)
    sitting.registration_closes_at = ago(-1)
    sitting.max_courses = max_courses
    return sitting


def a_timetable(
    sitting: str, slots: list[models.ExamSlot], courses: dict[str, int]
) -> list[models.SittingCourse]:
    """`courses` maps a course code to the index of its slot in `slots`."""
    return [
        models.SittingCourse(sitting_code=sitting, course_code=code, slot_id=slots[index].id)
        for code, index in courses.items()
    ]


def a_venue(region: str = "0103", name: str = "测试考点") -> models.Venue:
    return models.Venue(name=name, address=f"{name}地址", region_code=region)


def rooms_of(venue: models.Venue, count: int, seats: int = 30) -> list[models.Room]:
    return [models.Room(venue_id=venue.id, number=n, seats=seats) for n in range(1, count + 1)]


async def run(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    who: Principal | None,
    query: str,
    **variables: Any,
) -> Any:
    """`query` on records' schema as `who`: its data (a GraphQL error fails the test)."""
    context = make_context(db, redis, settings, who)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


async def run_one(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    who: Principal | None,
    query: str,
    **variables: Any,
) -> Any:
    """The answer of the only root field of `query` (see `run`)."""
    data = await run(db, redis, settings, who, query, **variables)
    return next(iter(data.values()))


def seated(
    slot: models.ExamSlot,
    venue: models.Venue,
    course: str,
    candidates: list[uuid.UUID],
    *,
    region: str = "0103",
    room_seats: int = 30,
) -> list[SQLModel]:
    """Paid sign-ups of `candidates` for `course` in `slot`, seated in `venue` in order: room 1
    seats 1 to `room_seats`, then room 2…"""
    rows: list[SQLModel] = []
    for index, candidate_id in enumerate(candidates):
        signup = models.ExamRegistration(
            candidate_id=candidate_id,
            sitting_code=slot.sitting_code,
            course_code=course,
            slot_id=slot.id,
            fee_yuan=40,
            status=models.RegistrationStatus.PAID,
            paid_at=utc_now(),
            region_code=region,
        )
        room, seat = divmod(index, room_seats)
        rows += [
            signup,
            models.SeatAssignment(
                registration_id=signup.id,
                slot_id=slot.id,
                venue_id=venue.id,
                room=room + 1,
                seat=seat + 1,
            ),
        ]
    return rows
