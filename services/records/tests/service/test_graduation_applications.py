"""`service/graduation_applications.py` and `service/graduation_batch.py`: applying to graduate,
staff's decisions, the verified diploma and batch audits."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.errors import ForbiddenError, InvalidInputError
from zikao_records import errors, models
from zikao_records.graduation_windows import Window, parse_windows
from zikao_records.repository.catalogue import MajorRepository
from zikao_records.service import graduation_applications as applications
from zikao_records.service import graduation_batch, signup
from zikao_records.service.graduation import RequirementKind, graduation_audits
from zikao_records.testing import (
    BENKE,
    ZHUANKE,
    a_choice,
    a_result,
    a_sitting,
    add,
    an_open_sitting,
)

YUZHONG = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
BEIBEI = Principal(subject="staff-0109", role=Role.STAFF, region_code="0109")
PROVINCE = Principal(subject="staff-province", role=Role.STAFF)
WINDOWS = parse_windows(["04-01/04-30", "10-01/10-31"])
IN_WINDOW = datetime(2026, 4, 10, 2, tzinfo=UTC)  # 10:00 Beijing time
SITTING = "2025-10"


@given(st.dates(), st.dates())
def test_a_window_holds_the_days_between_its_ends_each_year(a: date, b: date) -> None:
    first, last = sorted([(a.month, a.day), (b.month, b.day)])
    (window,) = parse_windows([f"{first[0]:02d}-{first[1]:02d}/{last[0]:02d}-{last[1]:02d}"])
    assert window == Window(first, last)
    assert window.holds(a)
    assert window.holds(b)


@pytest.mark.parametrize("bad", ["04-01", "04-31/05-01", "13-01/13-02", "05-01/04-01", "4-1/4-2"])
def test_a_malformed_window_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="window"):
        parse_windows([bad])


async def eligible_candidate(
    db: Sessionmaker, major: str = ZHUANKE, region: str = "0103"
) -> uuid.UUID:
    """A candidate of `major` (in `region`) who passed every course of its plan."""
    candidate = uuid.uuid4()
    async with db() as session:
        plan = await MajorRepository(session).plans([major])
    results = [
        a_result(candidate, course.code, sitting=SITTING, grade="良好")
        if course.kind is models.CourseKind.PRACTICE
        else a_result(candidate, course.code, sitting=SITTING, score=75)
        for _, course in plan
    ]
    choice = a_choice(candidate, major)
    choice.region_code = region
    await add(db, choice, *results)
    return candidate


@pytest.fixture
async def sitting(db: Sessionmaker) -> str:
    await add(db, a_sitting(SITTING, scores=datetime(2025, 11, 20, 2, tzinfo=UTC)))
    return SITTING


async def test_an_eligible_candidate_applies_once_inside_a_window(
    db: Sessionmaker, sitting: str
) -> None:
    candidate = await eligible_candidate(db)
    async with db.begin() as session:
        view = await applications.apply(
            session, candidate, windows=WINDOWS, now=IN_WINDOW, validity_years=None
        )
    assert view.application.status is models.GraduationStatus.PENDING
    assert view.application.region_code == "0103"
    async with db.begin() as session:
        with pytest.raises(errors.GraduationAlreadyAppliedError):
            await applications.apply(
                session, candidate, windows=WINDOWS, now=IN_WINDOW, validity_years=None
            )
    outside = datetime(2026, 5, 1, 2, tzinfo=UTC)
    async with db.begin() as session:
        with pytest.raises(errors.GraduationWindowClosedError):
            await applications.apply(
                session, candidate, windows=WINDOWS, now=outside, validity_years=None
            )


async def test_a_candidate_missing_something_is_told_everything_missing(
    db: Sessionmaker, sitting: str
) -> None:
    candidate = await eligible_candidate(db, BENKE)  # no verified diploma yet
    async with db.begin() as session:
        with pytest.raises(errors.NotEligibleError) as refused:
            await applications.apply(
                session, candidate, windows=WINDOWS, now=IN_WINDOW, validity_years=None
            )
    kinds = [item.kind for item in refused.value.missing]
    assert kinds == [RequirementKind.DIPLOMA]
    async with db() as session:
        count = await session.scalar(select(func.count()).select_from(models.GraduationApplication))
    assert count == 0


async def test_a_verified_diploma_brings_the_added_courses_of_its_origin(
    db: Sessionmaker, sitting: str
) -> None:
    candidate = await eligible_candidate(db, BENKE)
    async with db.begin() as session:
        await applications.verify_diploma(
            session, YUZHONG, candidate, diploma_number="1065512019060001", origin="NON_RELATED",
            now=IN_WINDOW,
        )  # fmt: skip
    async with db() as session:
        audit = (await graduation_audits(session, [candidate], now=IN_WINDOW, validity_years=None))[
            candidate
        ]
    assert [(m.kind, m.course_code) for m in audit.missing] == [
        (RequirementKind.ADDED_COURSE, "00529"),
        (RequirementKind.ADDED_COURSE, "00535"),
    ]
    async with db.begin() as session:
        with pytest.raises(ForbiddenError):
            await applications.verify_diploma(
                session, BEIBEI, candidate, diploma_number="1065512019060001",
                origin="NON_RELATED", now=IN_WINDOW,
            )  # fmt: skip
        with pytest.raises(InvalidInputError):
            await applications.verify_diploma(
                session, YUZHONG, candidate, diploma_number="1065512019060001",
                origin="non related", now=IN_WINDOW,
            )  # fmt: skip


async def test_staff_approve_and_the_major_is_graduated(db: Sessionmaker, sitting: str) -> None:
    candidate = await eligible_candidate(db)
    async with db.begin() as session:
        applied = await applications.apply(
            session, candidate, windows=WINDOWS, now=IN_WINDOW, validity_years=None
        )
    application_id = applied.application.id
    async with db.begin() as session:
        with pytest.raises(ForbiddenError):
            await applications.decide(
                session, BEIBEI, application_id, approve=True, reason=None, now=IN_WINDOW,
                validity_years=None,
            )  # fmt: skip
    async with db.begin() as session:
        decided = await applications.decide(
            session, YUZHONG, application_id, approve=True, reason=None, now=IN_WINDOW,
            validity_years=None,
        )  # fmt: skip
    assert decided.application.status is models.GraduationStatus.APPROVED
    async with db.begin() as session:
        with pytest.raises(errors.GraduationDecidedError):
            await applications.decide(
                session, YUZHONG, application_id, approve=False, reason="x", now=IN_WINDOW,
                validity_years=None,
            )  # fmt: skip
    async with db() as session:
        audit = (await graduation_audits(session, [candidate], now=IN_WINDOW, validity_years=None))[
            candidate
        ]
        entries = (await session.execute(select(models.AuditEntry))).scalars().all()
    assert [m.kind for m in audit.missing] == [RequirementKind.GRADUATED]
    assert [(e.action, e.candidate_id) for e in entries] == [("graduation.approved", candidate)]
    await add(db, an_open_sitting("2030-10"))
    async with db.begin() as session:
        with pytest.raises(errors.MajorGraduatedError):  # the major takes no new sign-ups
            await signup.register_for_exams(
                session, candidate_id=candidate, sitting_code="2030-10", course_codes=["03706"],
                region_code="0103", now=utc_now(), lapse=timedelta(minutes=30),
            )  # fmt: skip


async def test_a_rejection_needs_a_reason_and_leaves_room_to_apply_again(
    db: Sessionmaker, sitting: str
) -> None:
    candidate = await eligible_candidate(db)
    async with db.begin() as session:
        applied = await applications.apply(
            session, candidate, windows=WINDOWS, now=IN_WINDOW, validity_years=None
        )
    async with db.begin() as session:
        with pytest.raises(InvalidInputError):
            await applications.decide(
                session, PROVINCE, applied.application.id, approve=False, reason=None,
                now=IN_WINDOW, validity_years=None,
            )  # fmt: skip
    async with db.begin() as session:
        rejected = await applications.decide(
            session, PROVINCE, applied.application.id, approve=False, reason="学历核验未通过",
            now=IN_WINDOW, validity_years=None,
        )  # fmt: skip
    assert rejected.application.status is models.GraduationStatus.REJECTED
    async with db.begin() as session:
        again = await applications.apply(
            session, candidate, windows=WINDOWS, now=IN_WINDOW, validity_years=None
        )
    assert again.application.id != applied.application.id


async def test_the_queue_shows_district_staff_their_region_only(
    db: Sessionmaker, sitting: str
) -> None:
    here = await eligible_candidate(db, region="0103")
    there = await eligible_candidate(db, region="0109")
    for candidate in (here, there):
        async with db.begin() as session:
            await applications.apply(
                session, candidate, windows=WINDOWS, now=IN_WINDOW, validity_years=None
            )
    async with db() as session:
        mine = await applications.queue(
            session, YUZHONG, status=models.GraduationStatus.PENDING, region_code=None,
            after=None, limit=10,
        )  # fmt: skip
        everyone = await applications.queue(
            session, PROVINCE, status=models.GraduationStatus.PENDING, region_code=None,
            after=None, limit=10,
        )  # fmt: skip
        with pytest.raises(ForbiddenError):
            await applications.queue(
                session, YUZHONG, status=models.GraduationStatus.PENDING, region_code="0109",
                after=None, limit=10,
            )  # fmt: skip
    assert [v.application.candidate_id for v in mine] == [here]
    assert {v.application.candidate_id for v in everyone} == {here, there}


async def test_a_batch_audit_pages_through_a_major_and_can_run_again(
    db: Sessionmaker, sitting: str
) -> None:
    eligible = {await eligible_candidate(db) for _ in range(5)}
    others = {uuid.uuid4() for _ in range(7)}
    await add(db, *(a_choice(c, ZHUANKE) for c in others))
    await add(db, a_choice(uuid.uuid4(), BENKE))  # another major: not in the run
    async with db.begin() as session:
        run = await graduation_batch.start_run(
            session, PROVINCE, major_code=ZHUANKE, region_code=None, now=IN_WINDOW
        )
    done = await graduation_batch.run_audit(db, run.id, validity_years=None, page=3)
    assert done is not None
    assert done.status is models.AuditRunStatus.DONE
    assert (done.candidates_total, done.candidates_done, done.eligible) == (12, 12, 5)
    again = await graduation_batch.run_audit(db, run.id, validity_years=None, page=3)
    assert again is not None
    assert again.candidates_done == 12
    pages = [page async for page in graduation_batch.eligible_rows(db, run.id, page=2)]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert {row.candidate_id for page in pages for row in page} == eligible


async def test_district_staff_audit_their_region_only(db: Sessionmaker, sitting: str) -> None:
    async with db.begin() as session:
        with pytest.raises(ForbiddenError):
            await graduation_batch.start_run(
                session, YUZHONG, major_code=None, region_code="0109", now=IN_WINDOW
            )
        run = await graduation_batch.start_run(
            session, YUZHONG, major_code=None, region_code=None, now=IN_WINDOW
        )
        with pytest.raises(errors.MajorNotFoundError):
            await graduation_batch.start_run(
                session, PROVINCE, major_code="999999", region_code=None, now=IN_WINDOW
            )
    assert run.region_code == "0103"
    async with db() as session:
        with pytest.raises(errors.AuditRunNotFoundError):
            await graduation_batch.readable_run(session, BEIBEI, run.id)
        assert (await graduation_batch.readable_run(session, PROVINCE, run.id)).id == run.id
