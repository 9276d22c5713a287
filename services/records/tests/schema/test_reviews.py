"""Score reviews (成绩复查) through records' schema: a candidate asks within the window for a
published result, once; staff of the candidate's region or the province answer, audited."""

import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context
from zikao_records import models
from zikao_records.schema import schema
from zikao_records.service import holidays
from zikao_records.settings import RecordsSettings
from zikao_records.testing import ZHUANKE, a_result, a_sitting, add, ago

SITTING = "2026-10"
REQUEST = """mutation($s: String!, $c: String!, $r: String) {
  requestScoreReview(sitting: $s, courseCode: $c, reason: $r) { __typename
  ... on ScoreReviewRequested { review { id status deadline originalScore } }
  ... on Problem { code message } } }"""
ANSWER = """mutation($id: ID!, $score: Int) { answerScoreReview(id: $id, correctedScore: $score) {
  __typename ... on ScoreReviewAnswered { review { id status originalScore correctedScore
  answeredAt } } ... on Problem { code message } } }"""
REVIEWS = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate {
  scoreReviews { id sitting course { code } status deadline originalScore correctedScore } } } }"""
YUZHONG = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
BEIBEI = Principal(subject="staff-0109", role=Role.STAFF, region_code="0109")
PROVINCE = Principal(subject="staff-province", role=Role.STAFF)


@pytest.fixture
async def candidate(db: Sessionmaker) -> uuid.UUID:
    """A candidate of 0103 with a failed 03706 (52) and a passed 00041 (64) in a sitting whose
    scores were published a day ago."""
    one = uuid.uuid4()
    choice = models.CandidateMajor(candidate_id=one, major_code=ZHUANKE, region_code="0103")
    await add(db, a_sitting(SITTING, scores=ago(1)), choice)
    await add(
        db,
        a_result(one, "03706", sitting=SITTING, score=52),
        a_result(one, "00041", sitting=SITTING, score=64),
    )
    return one


def as_candidate(who: uuid.UUID) -> Principal:
    return Principal(subject=str(who), role=Role.CANDIDATE, region_code="0103")


async def run(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    principal: Principal,
    query: str,
    **variables: Any,
) -> Any:
    context = make_context(db, redis, settings, principal)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


async def ask(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, who: uuid.UUID, course: str
) -> dict[str, Any]:
    data = await run(db, redis, settings, as_candidate(who), REQUEST, s=SITTING, c=course)
    return dict(data["requestScoreReview"])


async def review_count(db: Sessionmaker) -> int:
    async with db() as session:
        return len((await session.execute(select(models.ScoreReview))).scalars().all())


async def test_a_candidate_asks_within_the_window_and_sees_the_review(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    asked = await ask(db, redis, settings, candidate, "03706")
    assert asked["__typename"] == "ScoreReviewRequested"
    review = asked["review"]
    assert (review["status"], review["originalScore"]) == ("PENDING", 52)
    async with db() as session:
        calendar = await holidays.load_calendar(session)
    windows = holidays.windows(settings)
    async with db() as session:
        sitting = await session.get(models.Sitting, SITTING)
    assert sitting is not None
    assert sitting.scores_published_at is not None
    expected = windows.review_deadline(calendar, sitting.scores_published_at)
    assert review["deadline"] == expected.isoformat()
    mine = await run(
        db, redis, settings, as_candidate(candidate), REVIEWS,
        r=[{"__typename": "Candidate", "id": str(candidate)}],
    )  # fmt: skip
    assert mine["_entities"][0]["scoreReviews"] == [
        {
            "id": review["id"],
            "sitting": SITTING,
            "course": {"code": "03706"},
            "status": "PENDING",
            "deadline": expected.isoformat(),
            "originalScore": 52,
            "correctedScore": None,
        }
    ]


async def test_a_second_request_for_the_course_is_refused(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    await ask(db, redis, settings, candidate, "03706")
    again = await ask(db, redis, settings, candidate, "03706")
    assert (again["__typename"], again["code"]) == ("Conflict", "review_already_requested")
    other = await ask(db, redis, settings, candidate, "00041")
    assert other["__typename"] == "ScoreReviewRequested"
    assert await review_count(db) == 2


async def test_without_a_published_result_there_is_nothing_to_review(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    missing = await ask(db, redis, settings, candidate, "00043")
    assert (missing["__typename"], missing["code"]) == ("NotFound", "no_result")
    await add(db, a_sitting("2026-11", scores=ago(-1)))
    await add(db, a_result(candidate, "00043", sitting="2026-11", score=40))
    data = await run(db, redis, settings, as_candidate(candidate), REQUEST, s="2026-11", c="00043")
    hidden = data["requestScoreReview"]
    assert (hidden["__typename"], hidden["code"]) == ("NotFound", "no_result")
    data = await run(db, redis, settings, as_candidate(candidate), REQUEST, s="2020-04", c="00043")
    unknown = data["requestScoreReview"]
    assert (unknown["__typename"], unknown["code"]) == ("NotFound", "sitting_not_found")
    assert await review_count(db) == 0


async def test_after_the_window_a_request_is_refused(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    async with db.begin() as session:
        sitting = await session.get(models.Sitting, SITTING)
        assert sitting is not None
        sitting.scores_published_at = ago(30)
    late = await ask(db, redis, settings, candidate, "03706")
    assert (late["__typename"], late["code"]) == ("Conflict", "review_window_closed")
    assert await review_count(db) == 0


async def test_a_window_reaching_an_unknown_year_is_refused(
    db: Sessionmaker, redis: Redis, database_url: str, candidate: uuid.UUID
) -> None:
    long_window = RecordsSettings(database_url=database_url, review_window_working_days=60)
    refused = await ask(db, redis, long_window, candidate, "03706")
    assert (refused["__typename"], refused["code"]) == ("Conflict", "calendar_year_unknown")
    assert await review_count(db) == 0


async def test_bad_input_is_a_problem(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    data = await run(
        db, redis, settings, as_candidate(candidate), REQUEST, s=SITTING, c="3706", r=None
    )
    assert data["requestScoreReview"]["__typename"] == "InvalidInput"
    data = await run(
        db, redis, settings, as_candidate(candidate), REQUEST, s=SITTING, c="03706", r="x" * 201
    )
    assert data["requestScoreReview"]["code"] == "too_long"
    assert await review_count(db) == 0


async def answer(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    staff: Principal,
    review_id: str,
    score: int | None = None,
) -> dict[str, Any]:
    data = await run(db, redis, settings, staff, ANSWER, id=review_id, score=score)
    return dict(data["answerScoreReview"])


async def audit(db: Sessionmaker) -> list[tuple[str, str | None, uuid.UUID | None, Any]]:
    async with db() as session:
        rows = (await session.execute(select(models.AuditEntry))).scalars().all()
    return [(e.action, e.actor, e.candidate_id, e.detail) for e in rows]


async def test_district_staff_correct_a_score_audited(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    review_id = (await ask(db, redis, settings, candidate, "03706"))["review"]["id"]
    answered = await answer(db, redis, settings, YUZHONG, review_id, 61)
    assert answered["__typename"] == "ScoreReviewAnswered"
    review = answered["review"]
    assert (review["status"], review["originalScore"], review["correctedScore"]) == (
        "CORRECTED",
        52,
        61,
    )
    assert review["answeredAt"] is not None
    async with db() as session:
        result = (
            await session.execute(
                select(models.ExamResult).where(models.ExamResult.course_code == "03706")
            )
        ).scalar_one()
    assert (result.score, result.passed) == (61, True)
    detail = {
        "sitting": SITTING,
        "course": "03706",
        "status": "CORRECTED",
        "originalScore": 52,
        "correctedScore": 61,
    }
    assert await audit(db) == [("review.answered", "staff-0103", candidate, detail)]
    again = await answer(db, redis, settings, PROVINCE, review_id)
    assert (again["__typename"], again["code"]) == ("Conflict", "review_already_answered")


async def test_provincial_staff_keep_a_score_unchanged(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    review_id = (await ask(db, redis, settings, candidate, "00041"))["review"]["id"]
    answered = await answer(db, redis, settings, PROVINCE, review_id)
    review = answered["review"]
    assert (review["status"], review["correctedScore"]) == ("UNCHANGED", None)
    entries = await audit(db)
    assert [(action, who) for action, who, _, _ in entries] == [
        ("review.answered", "staff-province")
    ]


async def test_another_districts_staff_and_candidates_are_refused(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    review_id = (await ask(db, redis, settings, candidate, "03706"))["review"]["id"]
    refused = await answer(db, redis, settings, BEIBEI, review_id, 90)
    assert refused["__typename"] == "Forbidden"
    own = await answer(db, redis, settings, as_candidate(candidate), review_id, 90)
    assert own["__typename"] in {"Forbidden", "Unauthenticated"}
    context = make_context(db, redis, settings, BEIBEI)
    representations = [{"__typename": "Candidate", "id": str(candidate)}]
    read = await schema.execute(
        REVIEWS, variable_values={"r": representations}, context_value=context
    )
    assert read.errors is not None
    assert (read.errors[0].extensions or {})["code"] == "forbidden"
    async with db() as session:
        review = (await session.execute(select(models.ScoreReview))).scalar_one()
    assert (review.status, review.corrected_score) == (models.ReviewStatus.PENDING, None)
    assert await audit(db) == []


async def test_bad_answers_are_problems(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    review_id = (await ask(db, redis, settings, candidate, "03706"))["review"]["id"]
    out_of_range = await answer(db, redis, settings, YUZHONG, review_id, 101)
    assert (out_of_range["__typename"], out_of_range["code"]) == ("InvalidInput", "out_of_range")
    unknown = await answer(db, redis, settings, YUZHONG, str(uuid.uuid4()))
    assert (unknown["__typename"], unknown["code"]) == ("NotFound", "review_not_found")


async def test_only_a_score_is_corrected_to_a_score(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    await add(db, a_result(candidate, "00043", sitting=SITTING, status=models.ResultStatus.ABSENT))
    review_id = (await ask(db, redis, settings, candidate, "00043"))["review"]["id"]
    refused = await answer(db, redis, settings, YUZHONG, review_id, 70)
    assert (refused["__typename"], refused["code"]) == ("InvalidInput", "not_scored")
    kept = await answer(db, redis, settings, YUZHONG, review_id)
    assert kept["review"]["status"] == "UNCHANGED"
