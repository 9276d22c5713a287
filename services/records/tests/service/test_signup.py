"""`service/signup.py`: the live sign-ups a candidate sees, with seats once published."""

import uuid
from datetime import datetime, timedelta

from zikao_kit.db import Sessionmaker, utc_now
from zikao_records import models
from zikao_records.service import signup
from zikao_records.testing import a_sitting, a_slot, add, ago

ONE = uuid.UUID("00000000-0000-4000-8000-000000000001")


def course(code: str, credits: int = 4, kind: models.CourseKind = models.CourseKind.THEORY):
    scheme = models.GradeScheme.FIVE_LEVEL if kind is models.CourseKind.PRACTICE else None
    return models.Course(
        code=code, name=f"课程{code}", credits=credits, kind=kind, grade_scheme=scheme
    )


async def test_exams_show_live_sign_ups_and_seats_once_published(db: Sessionmaker) -> None:
    await add(db, a_sitting("2026-04", seats=ago(1)), a_sitting("2026-10", seats=ago(-1)))
    april, october = a_slot("2026-04"), a_slot("2026-10")
    venue = models.Venue(name="重庆市第一中学", address="沙坪坝正街42号", region_code="0106")
    await add(db, april, october, venue)
    live = [
        _sign_up("2026-04", "03708", april, models.RegistrationStatus.PAID),
        _sign_up("2026-10", "03709", october, models.RegistrationStatus.PAID),
        _sign_up("2026-10", "00037", october, models.RegistrationStatus.UNPAID),
    ]
    gone = [
        _sign_up("2026-10", "00538", october, models.RegistrationStatus.UNPAID, ago(1)),
        _sign_up("2026-10", "00539", october, models.RegistrationStatus.CANCELLED),
    ]
    await add(db, *live, *gone)
    seats = [
        models.SeatAssignment(
            registration_id=r.id, slot_id=r.slot_id, venue_id=venue.id, room=3, seat=17
        )
        for r in live[:2]
    ]
    await add(db, *seats)
    async with db() as session:
        found = await signup.exams(
            session,
            [(ONE, "2026-04"), (ONE, "2026-10")],
            now=utc_now(),
            lapse=timedelta(minutes=30),
        )
    [april_exam] = found[ONE, "2026-04"]
    assert april_exam.paid
    assert april_exam.seat is not None
    assert april_exam.seat.seat == 17
    october_exams = found[ONE, "2026-10"]
    assert [(e.course.code, e.paid, e.seat) for e in october_exams] == [
        ("00037", False, None),
        ("03709", True, None),
    ]


def _sign_up(
    sitting: str,
    course_code: str,
    slot: models.ExamSlot,
    status: models.RegistrationStatus,
    created_at: datetime | None = None,
) -> models.ExamRegistration:
    return models.ExamRegistration(
        candidate_id=ONE,
        sitting_code=sitting,
        course_code=course_code,
        slot_id=slot.id,
        fee_yuan=40,
        status=status,
        created_at=created_at or utc_now(),
    )
