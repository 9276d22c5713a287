"""`service/certificates.py`: a course certificate (课程合格证书) is applied for within 15
working days of publication, for a published pass, once per course (also when two requests race);
it is ready 10 working days after the window's last day."""

import asyncio
import uuid
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlmodel import col

from zikao_kit import clock
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, create_engine, create_sessionmaker
from zikao_records import calendar_seed, errors, models
from zikao_records.service import certificates
from zikao_records.service.calendar import (
    Windows,
    WorkCalendar,
    closes_at,
    is_working_day,
    working_days_between,
)
from zikao_records.testing import ZHUANKE, a_result, a_sitting, add

SITTING = "2026-10"
# Monday 28 September 2026, before the National Day week (1-7 October off, Saturday 10 October
# worked): the 15th working day after is Friday 23 October, the 10th after that Friday 6 November.
PUBLISHED = datetime(2026, 9, 28, 10, tzinfo=clock.BEIJING)
LAST_DAY, READY = date(2026, 10, 23), date(2026, 11, 6)
WINDOWS = Windows(review_days=5, certificate_days=15, ready_days=10)
SEED = calendar_seed.read()
CALENDAR = WorkCalendar(
    years=frozenset(SEED.years), exceptions={day: kind for day, kind, _ in SEED.days}
)


@pytest.fixture
async def candidate(db: Sessionmaker) -> uuid.UUID:
    """A candidate of 0103 who passed 00041 (64), failed 03706 (52) and missed 00018."""
    one = uuid.uuid4()
    choice = models.CandidateMajor(candidate_id=one, major_code=ZHUANKE, region_code="0103")
    await add(db, a_sitting(SITTING, scores=PUBLISHED), choice)
    await add(
        db,
        a_result(one, "00041", sitting=SITTING, score=64),
        a_result(one, "03706", sitting=SITTING, score=52),
        a_result(one, "00018", sitting=SITTING, status=models.ResultStatus.ABSENT),
    )
    return one


def request(who: uuid.UUID, course: str, sitting: str = SITTING) -> certificates.CertificateRequest:
    return certificates.CertificateRequest(who, sitting, course, "0103")


async def apply(
    db: Sessionmaker, who: uuid.UUID, course: str, now: datetime
) -> certificates.ApplicationView:
    async with db.begin() as session:
        return await certificates.apply(session, request(who, course), windows=WINDOWS, now=now)


async def count(db: Sessionmaker) -> int:
    async with db() as session:
        statement = select(func.count()).select_from(models.CertificateApplication)
        return int((await session.execute(statement)).scalar_one())


async def test_an_application_is_ready_ten_working_days_after_the_window(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    view = await apply(db, candidate, "00041", PUBLISHED + timedelta(days=3))
    application = view.application
    assert (application.ready_on, application.status) == (READY, models.CertificateStatus.APPLIED)
    assert (view.course.code, view.result.score, application.region_code) == ("00041", 64, "0103")
    async with db() as session:
        [mine] = (await certificates.applications_of(session, [candidate]))[candidate]
    assert mine.application.id == application.id


async def test_only_a_published_pass_gets_a_certificate(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    now = PUBLISHED + timedelta(days=1)
    for course in ("03706", "00018", "00037"):  # failed, absent, never sat
        with pytest.raises(errors.NoPassError):
            await apply(db, candidate, course, now)
    await add(db, a_sitting("2027-04", scores=None))
    await add(db, a_result(candidate, "00037", sitting="2027-04", score=90))
    async with db.begin() as session:
        with pytest.raises(errors.NoPassError):  # not published: no result exists yet
            await certificates.apply(
                session, request(candidate, "00037", "2027-04"), windows=WINDOWS, now=now
            )
    assert await count(db) == 0


async def test_the_last_day_counts_until_midnight_beijing_time(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    with pytest.raises(errors.CertificateWindowClosedError):
        await apply(db, candidate, "00041", closes_at(LAST_DAY))
    assert await count(db) == 0
    view = await apply(db, candidate, "00041", closes_at(LAST_DAY) - timedelta(minutes=1))
    assert view.application.ready_on == READY


async def test_one_application_per_course_even_when_four_race(database_url: str) -> None:
    """Four requests on four real connections at once: one application, three refusals."""
    engine = create_engine(database_url, schema="records", pool_size=4)
    sessions = create_sessionmaker(engine)
    one, sitting = uuid.uuid4(), "2026-08"  # a sitting no other test uses: these rows commit
    try:
        await add(sessions, a_sitting(sitting, scores=PUBLISHED))
        await add(sessions, a_result(one, "00041", sitting=sitting, score=64))

        async def race() -> certificates.ApplicationView:
            async with sessions.begin() as session:
                return await certificates.apply(
                    session, request(one, "00041", sitting), windows=WINDOWS, now=PUBLISHED
                )

        outcomes = await asyncio.gather(*(race() for _ in range(4)), return_exceptions=True)
        made = [o for o in outcomes if isinstance(o, certificates.ApplicationView)]
        refused = [o for o in outcomes if isinstance(o, errors.CertificateAlreadyAppliedError)]
        assert (len(made), len(refused)) == (1, 3), outcomes
    finally:
        async with sessions.begin() as session:
            application, result = models.CertificateApplication, models.ExamResult
            await session.execute(
                delete(application).where(col(application.sitting_code) == sitting)
            )
            await session.execute(delete(result).where(col(result.sitting_code) == sitting))
            await session.execute(delete(models.Sitting).where(col(models.Sitting.code) == sitting))
        await engine.dispose()


async def test_a_window_reaching_an_unknown_year_is_refused(db: Sessionmaker) -> None:
    one = uuid.uuid4()
    last = max(SEED.years)
    late = datetime(last, 12, 20, 10, tzinfo=clock.BEIJING)
    await add(db, a_sitting(f"{last}-11", scores=late))
    await add(db, a_result(one, "00041", sitting=f"{last}-11", score=80))
    async with db.begin() as session:
        with pytest.raises(errors.CalendarYearUnknownError):
            await certificates.apply(
                session, request(one, "00041", f"{last}-11"), windows=WINDOWS, now=late
            )


async def test_staff_see_their_region_and_readers_the_candidates_they_may_read(
    db: Sessionmaker, candidate: uuid.UUID
) -> None:
    view = await apply(db, candidate, "00041", PUBLISHED + timedelta(days=1))
    yuzhong = Principal(subject="s-0103", role=Role.STAFF, region_code="0103")
    beibei = Principal(subject="s-0109", role=Role.STAFF, region_code="0109")
    documents = Principal(subject="documents", role=Role.SERVICE)
    async with db() as session:
        page = await certificates.sitting_applications(
            session, yuzhong, SITTING, after=None, limit=10
        )
        assert [v.application.id for v in page] == [view.application.id]
        assert (
            await certificates.sitting_applications(session, beibei, SITTING, after=None, limit=10)
            == []
        )
        assert (
            await certificates.sitting_applications(
                session, yuzhong, SITTING, after=view.application.id, limit=10
            )
            == []
        )
        read = await certificates.application(session, documents, view.application.id)
        assert read.application.candidate_id == candidate
        with pytest.raises(errors.CertificateApplicationNotFoundError):
            await certificates.application(session, beibei, view.application.id)


# Publications early enough in a year of the seed that the window and the ready day stay in it.
publications = st.dates(date(min(SEED.years), 1, 1), date(max(SEED.years), 10, 31))


@settings(max_examples=200, deadline=None)
@given(publications, st.integers(1, 30), st.integers(1, 20))
def test_the_ready_day_is_the_working_days_after_the_window(
    published: date, window: int, ready: int
) -> None:
    windows = Windows(certificate_days=window, ready_days=ready)
    moment = datetime(published.year, published.month, published.day, 9, tzinfo=clock.BEIJING)
    last = windows.certificate_deadline(CALENDAR, moment)
    ready_on = windows.certificates_ready(CALENDAR, moment)
    assert is_working_day(CALENDAR, last)
    assert is_working_day(CALENDAR, ready_on)
    assert working_days_between(CALENDAR, published, last) == window
    assert working_days_between(CALENDAR, last, ready_on) == ready
