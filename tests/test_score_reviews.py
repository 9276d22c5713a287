"""Score reviews end to end: a candidate reads a published score through the gateway (kept by
the gateway after the first read), asks for a review with the contract's own operation text, a
second request is refused, staff of another district are refused, the candidate's district
staff correct the score, and the candidate sees the answer in MyScoreReviews and the corrected
result in MyResults at once."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from e2e import OPERATIONS, RunningSystem, ask, graphql, register_candidate

from zikao_identity.testing import an_id_number
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker
from zikao_records import models
from zikao_records.testing import ZHUANKE, a_result, a_sitting, ago

SITTING = "2039-10"
ANSWER = """mutation Answer($id: ID!, $score: Int) {
  answerScoreReview(id: $id, correctedScore: $score) { __typename
  ... on ScoreReviewAnswered { review { status originalScore correctedScore } }
  ... on Problem { code message } } }"""


async def a_published_result(database_url: str, candidate_id: uuid.UUID) -> None:
    """A sitting published yesterday where the candidate (of 渝中区) failed 03706 with 58."""
    engine = create_engine(database_url, schema="records", pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            session.add(a_sitting(SITTING, scores=ago(1)))
            choice = models.CandidateMajor(
                candidate_id=candidate_id, major_code=ZHUANKE, region_code="0103"
            )
            session.add(choice)
            await session.flush()
            session.add(a_result(candidate_id, "03706", sitting=SITTING, score=58))
    finally:
        await engine.dispose()


async def reads_reaching_records(
    client: httpx.AsyncClient,
    zikao: RunningSystem,
    query: str,
    token: str,
    reads: int,
    check: Callable[[dict[str, Any]], bool] | None = lambda me: me["results"][0]["score"] == 58,
) -> list[bool]:
    """Reads `query` `reads` times through the gateway, each with a request id of its own;
    for each, whether records saw it (its access line names the request id)."""
    ids = [uuid.uuid4().hex for _ in range(reads)]
    variables = {"sitting": SITTING} if "$sitting" in query else {}
    for request_id in ids:
        answer = await graphql(client, zikao.url, query, variables, token, request_id)
        body = answer.json()
        assert "errors" not in body, body
        assert check is None or check(body["data"]["me"]), body
    await asyncio.sleep(0.5)  # records writes its access line after answering
    log = zikao.log("records")
    return [request_id in log for request_id in ids]


async def test_a_candidate_asks_for_a_review_and_district_staff_correct_the_score(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    number = an_id_number(random.randint(1, 999), born="19930505", region="500103")
    candidate_id = await register_candidate(zikao.database_url, number)
    await a_published_result(zikao.database_url, uuid.UUID(candidate_id))
    token = zikao.token(candidate_id, region="0103")

    # Release day: the first read is answered by records, the next ones by the gateway alone
    # (kept answers), until the correction below; a query that also selects a field records
    # does not vouch for is never kept.
    my_results = OPERATIONS["MyResults"]
    assert await reads_reaching_records(client, zikao, my_results, token, 3) == [
        True,
        False,
        False,
    ]
    with_reviews = my_results.replace("me {", "me {\n    scoreReviews { status }", 1)
    assert with_reviews != my_results
    assert await reads_reaching_records(client, zikao, with_reviews, token, 2) == [True, True]
    # passes are kept alike (the failed 03706 is none of them), until any records mutation
    passes = OPERATIONS["MyPassedCourses"]
    assert await reads_reaching_records(client, zikao, passes, token, 2, check=None) == [
        True,
        False,
    ]
    before = await ask(client, zikao, passes, token)
    assert "03706" not in [p["course"]["code"] for p in before["me"]["passedCourses"]]

    request = OPERATIONS["RequestScoreReview"]
    asked = await ask(client, zikao, request, token, sitting=SITTING, courseCode="03706")
    requested = asked["requestScoreReview"]
    assert requested["__typename"] == "ScoreReviewRequested", requested
    review = requested["review"]
    assert review["status"] == "PENDING"
    assert review["deadline"] is not None
    again = await ask(client, zikao, request, token, sitting=SITTING, courseCode="03706")
    assert again["requestScoreReview"]["code"] == "review_already_requested"

    elsewhere = zikao.token("staff-0109", Role.STAFF, region="0109")
    refused = await ask(client, zikao, ANSWER, elsewhere, id=review["id"], score=61)
    assert refused["answerScoreReview"]["__typename"] == "Forbidden"
    yuzhong = zikao.token("staff-0103", Role.STAFF, region="0103")
    answered = await ask(client, zikao, ANSWER, yuzhong, id=review["id"], score=61)
    assert answered["answerScoreReview"]["review"] == {
        "status": "CORRECTED",
        "originalScore": 58,
        "correctedScore": 61,
    }

    mine = await ask(client, zikao, OPERATIONS["MyScoreReviews"], token)
    [seen] = mine["me"]["scoreReviews"]
    assert (seen["id"], seen["sitting"], seen["course"]["code"]) == (review["id"], SITTING, "03706")
    assert (seen["status"], seen["originalScore"], seen["correctedScore"]) == ("CORRECTED", 58, 61)
    assert seen["answeredAt"] is not None
    # the correction's tag reached the gateway: the kept 58 is gone at once
    results = await ask(client, zikao, OPERATIONS["MyResults"], token, sitting=SITTING)
    [result] = results["me"]["results"]
    assert (result["score"], result["passed"]) == (61, True)
    # and the passes kept before the correction are gone too: 03706 counts now
    after = await ask(client, zikao, passes, token)
    assert "03706" in [p["course"]["code"] for p in after["me"]["passedCourses"]]
