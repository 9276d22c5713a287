"""Builders for score-import tests: a sitting whose candidates (with ticket numbers records
knows) signed up and paid. Kept in the package, as `zikao_records.testing`, so that test modules
and the benchmark import them by name."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import SQLModel, col

from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.models.imports import CandidateTicket
from zikao_records.testing import a_sitting, a_slot, a_timetable, add

SITTING = "2031-04"
THEORY, THEORY_2, FIVE_LEVEL, PASS_FAIL = "03706", "12656", "90301", "90302"
COURSES = (THEORY, THEORY_2, FIVE_LEVEL, PASS_FAIL)


async def a_sitting_with(
    db: Sessionmaker,
    count: int,
    *,
    sitting: str = SITTING,
    courses: Sequence[str] = COURSES,
    region: str = "0103",
    status: models.RegistrationStatus = models.RegistrationStatus.PAID,
    make_sitting: bool = True,
) -> list[tuple[uuid.UUID, str]]:
    """A sitting whose `count` candidates (with known ticket numbers) signed up and paid for
    `courses`; their ids and ticket numbers."""
    rows: list[SQLModel] = []
    if make_sitting:
        slots = [a_slot(sitting, hour=hour) for hour in (1, 5, 9, 13)]
        timetable = a_timetable(
            sitting, slots, {code: index % len(slots) for index, code in enumerate(COURSES)}
        )
        await add(db, a_sitting(sitting))
        await add(db, *slots)
        await add(db, *timetable)
    async with db() as session:
        slot_of = {
            course: slot
            for course, slot in (
                await session.execute(
                    select(
                        col(models.SittingCourse.course_code), col(models.SittingCourse.slot_id)
                    ).where(col(models.SittingCourse.sitting_code) == sitting)
                )
            ).all()
        }
    people = []
    for _ in range(count):
        candidate = uuid.uuid4()
        ticket = f"{region}{uuid.uuid4().int % 10**8:08d}"
        people.append((candidate, ticket))
        rows.append(CandidateTicket(ticket_number=ticket, candidate_id=candidate))
        for course in courses:
            rows.append(
                models.ExamRegistration(
                    candidate_id=candidate,
                    sitting_code=sitting,
                    course_code=course,
                    slot_id=slot_of[course],
                    fee_yuan=40,
                    status=status,
                    region_code=region,
                )
            )
    await add(db, *rows)
    return people
