"""`service/violations.py`: a violation's sanctions carried out where they apply (the result
cancelled and never a pass, its certificate application cancelled; a ban from the next N
sittings of the schedule that sign-up refuses naming the last; a graduation delay), audited,
by staff of the candidate's region only; and the sittings a ban covers."""

import uuid
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import col

from zikao_kit import clock
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.errors import ForbiddenError, InvalidInputError
from zikao_records import errors, models
from zikao_records.service import certificates, scores, signup, violations
from zikao_records.service.calendar import Windows
from zikao_records.testing import (
    ZHUANKE,
    a_result,
    a_sitting,
    a_slot,
    a_timetable,
    add,
    an_open_sitting,
)

SITTING = "2026-10"
PUBLISHED = datetime(2026, 9, 28, 10, tzinfo=clock.BEIJING)
MONTHS = [4, 10]
YUZHONG = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
BEIBEI = Principal(subject="staff-0109", role=Role.STAFF, region_code="0109")


@pytest.fixture
async def candidate(db: Sessionmaker) -> uuid.UUID:
    """A candidate of 0103 (大数据与会计) who passed 00041 with 64 and applied for its
    certificate."""
    one = uuid.uuid4()
    choice = models.CandidateMajor(candidate_id=one, major_code=ZHUANKE, region_code="0103")
    await add(db, a_sitting(SITTING, scores=PUBLISHED), choice)
    await add(db, a_result(one, "00041", sitting=SITTING, score=64))
    request = certificates.CertificateRequest(one, SITTING, "00041", "0103")
    async with db.begin() as session:
        await certificates.apply(session, request, windows=Windows(), now=PUBLISHED)
    return one


def a_violation(who: uuid.UUID, **sanctions: object) -> violations.ViolationRecord:
    return violations.ViolationRecord(
        candidate_id=who, sitting_code=SITTING, course_code="00041", reason="携带手机进入考场",
        **sanctions,  # type: ignore[arg-type]
    )  # fmt: skip


async def record(
    db: Sessionmaker, staff: Principal, violation: violations.ViolationRecord
) -> violations.ViolationView:
    async with db.begin() as session:
        return await violations.record_violation(
            session, staff, violation, sitting_months=MONTHS, now=utc_now()
        )


async def test_a_cancelled_result_shows_cancelled_and_never_counts(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    view = await record(db, YUZHONG, a_violation(candidate, cancel_result=True))
    assert view.violation.cancels_result
    async with db() as session:
        results = await scores.published_results(session, [(candidate, SITTING)], now=utc_now())
        [result] = results[candidate, SITTING]
        passes = await scores.passed_courses(
            session, [candidate], now=utc_now(), validity_years=None
        )
        [application] = (await certificates.applications_of(session, [candidate]))[candidate]
        entries = (await session.execute(select(models.AuditEntry))).scalars().all()
    assert (result.result.status, result.result.passed, result.result.score) == (
        models.ResultStatus.CANCELLED, False, 64,
    )  # fmt: skip
    assert passes == {}
    assert application.application.status is models.CertificateStatus.CANCELLED
    [entry] = [e for e in entries if e.candidate_id == candidate]
    assert (entry.action, entry.reason) == ("violation.recorded", "携带手机进入考场")
    assert entry.detail["cancelsResult"] is True
    with pytest.raises(errors.ResultAlreadyCancelledError):
        await record(db, YUZHONG, a_violation(candidate, cancel_result=True))


async def test_a_ban_refuses_sign_up_naming_the_last_sitting(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    view = await record(db, YUZHONG, a_violation(candidate, ban_sittings=2))
    assert view.violation.banned_until == "2027-10"
    for code, banned in (("2027-04", True), ("2027-10", True), ("2028-04", False)):
        sitting = an_open_sitting(code)
        slot = a_slot(code)
        await add(db, sitting)
        await add(db, slot)
        await add(db, *a_timetable(code, [slot], {"00043": 0}))
        async with db.begin() as session:
            sign_up = signup.register_for_exams(
                session, candidate_id=candidate, sitting_code=code, course_codes=["00043"],
                region_code="0103", now=utc_now(), lapse=timedelta(minutes=30),
            )  # fmt: skip
            if banned:
                with pytest.raises(errors.ExamBannedUntilError) as refused:
                    await sign_up
                assert refused.value.until_sitting == "2027-10"
                assert refused.value.code == "exam_banned"
            else:
                assert len(await sign_up) == 1


async def test_a_graduation_delay_lasts_until_its_day(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    until = utc_now().date() + timedelta(days=400)
    await record(db, YUZHONG, a_violation(candidate, graduation_delayed_until=until))
    async with db() as session:
        today = clock.in_beijing(utc_now()).date()
        blocked = await violations.graduation_blocked_until(session, [candidate], today=today)
        assert blocked == {candidate: until}
        later = await violations.graduation_blocked_until(session, [candidate], today=until)
        assert later == {}
    with pytest.raises(InvalidInputError) as refused:
        await record(db, YUZHONG, a_violation(candidate, graduation_delayed_until=today))
    assert refused.value.code == "date_not_future"


async def test_refusals_change_nothing(db: Sessionmaker, candidate: uuid.UUID) -> None:
    with pytest.raises(ForbiddenError):
        await record(db, BEIBEI, a_violation(candidate, cancel_result=True, ban_sittings=1))
    with pytest.raises(InvalidInputError) as refused:
        await record(db, YUZHONG, a_violation(candidate))
    assert refused.value.code == "no_sanction"
    never_sat = violations.ViolationRecord(
        candidate, SITTING, "00018", "替考", cancel_result=True, ban_sittings=1
    )
    with pytest.raises(errors.NoResultError):
        await record(db, YUZHONG, never_sat)
    async with db() as session:
        for model in (models.Violation, models.ExamBan):
            statement = (
                select(func.count()).select_from(model).where(col(model.candidate_id) == candidate)
            )
            assert (await session.execute(statement)).scalar_one() == 0
        result = (
            await session.execute(
                select(models.ExamResult).where(col(models.ExamResult.candidate_id) == candidate)
            )
        ).scalar_one()
    assert result.status is models.ResultStatus.NORMAL


sittings = st.builds(
    lambda year, month: f"{year:04d}-{month:02d}", st.integers(2000, 2090), st.integers(1, 12)
)
schedules = st.lists(st.integers(1, 12), min_size=1, max_size=12, unique=True)


@settings(max_examples=300, deadline=None)
@given(sittings, st.integers(0, 20), schedules)
def test_a_ban_covers_the_next_n_sittings_of_the_schedule(
    sitting: str, n: int, months: list[int]
) -> None:
    banned = violations.sittings_after(sitting, n, months)
    assert len(banned) == n
    assert banned == sorted(set(banned))
    assert all(code > sitting and int(code[5:]) in months for code in banned)
    # none of the schedule's sittings is skipped between the violation and the last banned one
    if banned:
        first_year, last_year = int(sitting[:4]), int(banned[-1][:4])
        between = [
            f"{year:04d}-{month:02d}"
            for year in range(first_year, last_year + 1)
            for month in months
            if sitting < f"{year:04d}-{month:02d}" <= banned[-1]
        ]
        assert sorted(between) == banned


def test_chongqing_bans_count_april_and_october() -> None:
    assert violations.sittings_after("2026-10", 3, [4, 10]) == ["2027-04", "2027-10", "2028-04"]
    assert violations.sittings_after("2026-04", 1, [4, 10]) == ["2026-10"]
    assert violations.sittings_after("2026-05", 1, [1, 4, 7, 10]) == ["2026-07"]
