"""A review answer that corrects a published score is seen at once by the candidate, although
their results were served from the cache before (answerScoreReview invalidates the entry)."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.settings import RecordsSettings
from zikao_records.testing import a_result, a_sitting, add, ago, run, run_one

SITTING = "2033-10"
RESULTS = """query ($r: [_Any!]!, $s: String!) { _entities(representations: $r) {
  ... on Candidate { results(sitting: $s) { course { code } score passed } } } }"""
ANSWER = """mutation ($id: ID!, $score: Int) { answerScoreReview(id: $id, correctedScore: $score) {
  __typename ... on ScoreReviewAnswered { review { status correctedScore } } } }"""


async def test_a_corrected_score_is_read_at_once(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    candidate = uuid.uuid4()
    me = Principal(subject=str(candidate), role=Role.CANDIDATE)
    staff = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
    await add(db, a_sitting(SITTING, scores=ago(1)))
    review = models.ScoreReview(
        candidate_id=candidate,
        sitting_code=SITTING,
        course_code="03708",
        original_score=58,
        deadline=(ago(-3)).date(),
    )
    await add(
        db,
        a_result(candidate, "03708", sitting=SITTING, score=58),
        models.CandidateMajor(candidate_id=candidate, major_code="050101", region_code="0103"),
        review,
    )

    async def score() -> list[tuple[int, bool]]:
        reps = [{"__typename": "Candidate", "id": str(candidate)}]  # the resolver takes it apart
        data = await run(db, redis, settings, me, RESULTS, r=reps, s=SITTING)
        return [(r["score"], r["passed"]) for r in data["_entities"][0]["results"]]

    assert await score() == [(58, False)]
    assert await score() == [(58, False)]  # from the cache now
    answered = await run_one(db, redis, settings, staff, ANSWER, id=str(review.id), score=61)
    assert answered["review"] == {"status": "CORRECTED", "correctedScore": 61}
    assert await score() == [(61, True)]
