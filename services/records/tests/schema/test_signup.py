import uuid
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context
from zikao_records import models
from zikao_records.schema import schema
from zikao_records.settings import RecordsSettings
from zikao_records.testing import (
    a_choice,
    a_result,
    a_slot,
    a_timetable,
    add,
    ago,
    an_open_sitting,
)

SITTING = "2030-10"
OPTIONS = """query($s: String!) { registrationOptions(sitting: $s) {
  course { code name credits kind } slot { id startsAt endsAt } feeYuan alreadyPassed } }"""
CHOOSE = """mutation($m: String!) { chooseMajor(majorCode: $m) { __typename
  ... on MajorChosen { major { code name level school } } ... on Problem { code message } } }"""
REGISTER = """mutation($s: String!, $c: [String!]!) {
  registerForExams(sitting: $s, courseCodes: $c) {
  __typename
  ... on ExamsRegistered { registrations { course { code name } slot { startsAt endsAt } feeYuan
    paid } totalFeeYuan }
  ... on SlotConflict { code message courseCodes }
  ... on InvalidInput { field }
  ... on Problem { code message } } }"""
CANCEL = """mutation($s: String!, $c: String!) {
  cancelExamRegistration(sitting: $s, courseCode: $c) {
  __typename ... on ExamRegistrationCancelled { courseCode } ... on Problem { code message } } }"""


@pytest.fixture
async def candidate(db: Sessionmaker) -> uuid.UUID:
    """A 汉语言文学 candidate and an open sitting: 03708 and 03709 share slot 0, 00037 slot 1,
    00015 slot 2, 00537 slot 3; 00012 (not in the plan) slot 1."""
    one = uuid.uuid4()
    slots = [a_slot(SITTING, hour=h) for h in (1, 6, 25, 30)]
    await add(db, an_open_sitting(SITTING), a_choice(one))
    await add(db, *slots)
    courses = {"03708": 0, "03709": 0, "00037": 1, "00015": 2, "00537": 3, "00012": 1}
    await add(db, *a_timetable(SITTING, slots, courses))
    return one


async def run(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    who: uuid.UUID,
    query: str,
    **variables: Any,
) -> Any:
    principal = Principal(subject=str(who), role=Role.CANDIDATE, region_code="0103")
    context = make_context(db, redis, settings, principal)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


async def live_count(db: Sessionmaker) -> int:
    async with db() as session:
        statement = select(func.count()).where(
            models.ExamRegistration.status.in_(["UNPAID", "PAID"])  # type: ignore[attr-defined]
        )
        return int((await session.execute(statement)).scalar_one())


async def test_options_list_the_plan_courses_of_the_sitting(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    await add(db, a_sitting_published())
    await add(db, a_result(candidate, "00037", sitting="2030-04", score=75))
    data = await run(db, redis, settings, candidate, OPTIONS, s=SITTING)
    options = {o["course"]["code"]: o for o in data["registrationOptions"]}
    assert set(options) == {"03708", "03709", "00037", "00015", "00537"}
    assert options["03708"]["feeYuan"] == 40
    assert options["00037"]["alreadyPassed"] is True
    assert options["03708"]["alreadyPassed"] is False


def a_sitting_published() -> models.Sitting:
    from zikao_records.testing import a_sitting

    return a_sitting("2030-04", scores=ago(30))


async def test_choosing_a_major_keeps_the_region_of_the_token(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    one = uuid.uuid4()
    data = await run(db, redis, settings, one, CHOOSE, m="030101K")
    assert data["chooseMajor"]["major"] == {
        "code": "030101K",
        "name": "法学",
        "level": "BENKE",
        "school": "西南政法大学",
    }
    async with db() as session:
        choice = await session.get(models.CandidateMajor, one)
    assert choice is not None
    assert choice.region_code == "0103"
    unknown = await run(db, redis, settings, one, CHOOSE, m="999999")
    assert unknown["chooseMajor"]["code"] == "major_not_found"


async def test_signing_up_makes_unpaid_registrations_with_their_fees(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    data = await run(db, redis, settings, candidate, REGISTER, s=SITTING, c=["03708", "00037"])
    answer = data["registerForExams"]
    assert answer["__typename"] == "ExamsRegistered"
    assert answer["totalFeeYuan"] == 80
    assert {r["course"]["code"] for r in answer["registrations"]} == {"03708", "00037"}
    assert all(r["paid"] is False for r in answer["registrations"])
    async with db() as session:
        rows = (await session.execute(select(models.ExamRegistration))).scalars().all()
    assert {r.region_code for r in rows} == {"0103"}


async def test_a_slot_conflict_names_the_courses_and_writes_nothing(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    data = await run(db, redis, settings, candidate, REGISTER, s=SITTING, c=["03708", "03709"])
    assert data["registerForExams"]["__typename"] == "SlotConflict"
    assert data["registerForExams"]["courseCodes"] == ["03708", "03709"]
    assert await live_count(db) == 0
    await run(db, redis, settings, candidate, REGISTER, s=SITTING, c=["03708"])
    later = await run(db, redis, settings, candidate, REGISTER, s=SITTING, c=["03709", "00015"])
    assert later["registerForExams"]["courseCodes"] == ["03708", "03709"]
    assert await live_count(db) == 1


@pytest.mark.parametrize(
    ("codes", "typename", "code"),
    [
        (["00012"], "InvalidInput", "course_not_in_plan"),
        (["00538"], "InvalidInput", "course_not_offered"),
        ([], "InvalidInput", "course_not_offered"),
    ],
)
async def test_courses_outside_the_plan_or_the_sitting_are_refused(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    candidate: uuid.UUID,
    codes: list[str],
    typename: str,
    code: str,
) -> None:
    data = await run(db, redis, settings, candidate, REGISTER, s=SITTING, c=codes)
    assert data["registerForExams"]["__typename"] == typename
    assert data["registerForExams"]["code"] == code
    assert data["registerForExams"]["field"] == "courseCodes"
    assert await live_count(db) == 0


async def test_windows_unknown_sittings_bans_and_the_maximum_are_refused(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    async def code_of(sitting: str, codes: list[str]) -> str:
        data = await run(db, redis, settings, candidate, REGISTER, s=sitting, c=codes)
        return str(data["registerForExams"]["code"])

    assert await code_of("2099-04", ["03708"]) == "sitting_not_found"
    await run(db, redis, settings, candidate, REGISTER, s=SITTING, c=["03708", "00037", "00015"])
    async with db.begin() as session:
        sitting = await session.get(models.Sitting, SITTING)
        assert sitting is not None
        sitting.max_courses = 3
    assert await code_of(SITTING, ["00537"]) == "too_many_courses"
    assert await code_of(SITTING, ["03708"]) == "already_registered"
    await add(
        db,
        models.ExamBan(
            candidate_id=candidate, first_sitting="2030-04", last_sitting="2031-04", reason="违规"
        ),
    )
    assert await code_of(SITTING, ["00537"]) == "exam_banned"
    async with db.begin() as session:
        sitting = await session.get(models.Sitting, SITTING)
        assert sitting is not None
        sitting.registration_closes_at = ago(0.01)
    assert await code_of(SITTING, ["00537"]) == "registration_closed"
    assert await live_count(db) == 3


async def test_signing_up_needs_a_major(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    stranger = uuid.uuid4()
    data = await run(db, redis, settings, stranger, REGISTER, s=SITTING, c=["03708"])
    assert data["registerForExams"]["code"] == "major_not_chosen"


async def test_an_unpaid_sign_up_lapses_and_may_be_made_again(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    await run(db, redis, settings, candidate, REGISTER, s=SITTING, c=["03708"])
    async with db.begin() as session:
        (row,) = (await session.execute(select(models.ExamRegistration))).scalars().all()
        row.created_at = row.created_at - timedelta(minutes=31)
    again = await run(db, redis, settings, candidate, REGISTER, s=SITTING, c=["03708"])
    assert again["registerForExams"]["__typename"] == "ExamsRegistered"
    async with db() as session:
        statuses = (await session.execute(select(models.ExamRegistration.status))).scalars()
        assert sorted(statuses) == ["LAPSED", "UNPAID"]


async def test_cancelling_before_the_window_closes(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    await run(db, redis, settings, candidate, REGISTER, s=SITTING, c=["03708"])
    data = await run(db, redis, settings, candidate, CANCEL, s=SITTING, c="03708")
    assert data["cancelExamRegistration"] == {
        "__typename": "ExamRegistrationCancelled",
        "courseCode": "03708",
    }
    again = await run(db, redis, settings, candidate, CANCEL, s=SITTING, c="03708")
    assert again["cancelExamRegistration"]["code"] == "not_registered"
    assert await live_count(db) == 0


async def test_signing_up_asks_for_a_candidate(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    context = make_context(db, redis, settings, None)
    result = await schema.execute(
        REGISTER, variable_values={"s": SITTING, "c": ["03708"]}, context_value=context
    )
    assert result.data is not None
    assert result.data["registerForExams"]["code"] == "unauthenticated"
    staff = Principal(subject="s1", role=Role.STAFF, region_code="0103")
    context = make_context(db, redis, settings, staff)
    result = await schema.execute(
        REGISTER, variable_values={"s": SITTING, "c": ["03708"]}, context_value=context
    )
    assert result.data is not None
    assert result.data["registerForExams"]["code"] == "forbidden"
