"""Records vouches for keeping an answer (`extensions.keep`, zikao_kit.answer_cache) only for a
query of a candidate's results of published sittings, and nothing else in it."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from graphql import parse
from redis.asyncio import Redis

from zikao_kit import clock
from zikao_kit.answer_cache import CHANNEL, selects_only
from zikao_kit.auth import StaticKeySource, TokenVerifier
from zikao_kit.context import Context
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.settings import ServiceSettings
from zikao_records.app import create_app
from zikao_records.schema import KEEPABLE
from zikao_records.service import results_cache
from zikao_records.settings import RecordsSettings
from zikao_records.testing import a_result, a_sitting, ago

KEY = Ed25519PrivateKey.generate()
KID = "kept-answers"
PUBLISHED, UNPUBLISHED = "2044-04", "2044-10"
RESULTS = """query ($s: String!) { me { results(sitting: $s) {
  course { code name kind } score grade passed status } } }"""
PASSES = """query { me { passedCourses {
  course { code name credits kind } score grade source sitting expiresOn } } }"""
ENTITIES = """query ($r: [_Any!]!, $s: String!) { _entities(representations: $r) {
  ... on Candidate { results(sitting: $s) { course { code } score passed } } } }"""


def verifier(settings: ServiceSettings) -> TokenVerifier:
    keys = StaticKeySource({KID: KEY.public_key()})
    return TokenVerifier(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)


def token(subject: uuid.UUID, seconds: int = 300, role: str = "candidate") -> str:
    now = int(time.time())
    claims = {
        "sub": str(subject),
        "role": role,
        "iss": "zikao-identity",
        "aud": "zikao",
        "iat": now,
        "exp": now + seconds,
    }
    return jwt.encode(claims, KEY, algorithm="EdDSA", headers={"kid": KID})


@pytest.fixture
async def candidate(db: Sessionmaker) -> uuid.UUID:
    candidate_id = uuid.uuid4()
    async with db.begin() as session:
        session.add(a_sitting(PUBLISHED, scores=ago(1)))
        session.add(a_sitting(UNPUBLISHED))
        await session.flush()
        session.add(a_result(candidate_id, "03706", sitting=PUBLISHED, score=58))
        session.add(a_result(candidate_id, "03706", sitting=UNPUBLISHED, score=77))
    return candidate_id


@pytest.fixture
async def records(settings: RecordsSettings, db: Sessionmaker) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, verifier_factory=verifier)
    async with app.router.lifespan_context(app):
        app.state.zikao.db = db
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://records") as client:
            yield client


async def answer(
    client: httpx.AsyncClient, query: str, bearer: str, **variables: Any
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {bearer}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_published_results_are_vouched_for_with_their_tags(
    records: httpx.AsyncClient, candidate: uuid.UUID
) -> None:
    body = await answer(records, RESULTS, token(candidate), s=PUBLISHED)
    assert body["data"]["me"]["results"][0]["score"] == 58
    keep = body["extensions"]["keep"]
    assert keep["tags"] == [f"results:{PUBLISHED}:{candidate}", f"sitting:{PUBLISHED}"]
    assert 0 < keep["maxAge"] <= 300
    representation = [{"__typename": "Candidate", "id": str(candidate)}]
    entities = await answer(records, ENTITIES, token(candidate), r=representation, s=PUBLISHED)
    assert entities["extensions"]["keep"]["tags"] == keep["tags"]


async def test_never_past_the_callers_token(
    records: httpx.AsyncClient, candidate: uuid.UUID
) -> None:
    body = await answer(records, RESULTS, token(candidate, seconds=20), s=PUBLISHED)
    assert 0 < body["extensions"]["keep"]["maxAge"] <= 20


async def test_an_unpublished_sitting_an_unvouched_field_or_an_error_is_never_kept(
    records: httpx.AsyncClient, candidate: uuid.UUID
) -> None:
    unpublished = await answer(records, RESULTS, token(candidate), s=UNPUBLISHED)
    assert unpublished["data"]["me"]["results"] == []
    assert "keep" not in (unpublished.get("extensions") or {})
    # each request's word is its own: the refusal above does not reach the next request
    published = await answer(records, RESULTS, token(candidate), s=PUBLISHED)
    assert published["extensions"]["keep"]["tags"] == [
        f"results:{PUBLISHED}:{candidate}",
        f"sitting:{PUBLISHED}",
    ]
    # (a field records does not vouch for beside the results: tests/test_score_reviews.py,
    # through the gateway; here the test's one connection cannot serve two loaders at once)
    another = [{"__typename": "Candidate", "id": str(uuid.uuid4())}]  # not the caller: refused
    refused = await answer(records, ENTITIES, token(candidate), r=another, s=PUBLISHED)
    assert refused["errors"]
    assert "keep" not in (refused.get("extensions") or {})


def test_only_the_keepable_tree_passes() -> None:
    assert selects_only(parse(RESULTS), None, KEEPABLE)
    assert selects_only(parse(ENTITIES), None, KEEPABLE)
    fragment = 'query { me { ...R } } fragment R on Candidate { results(sitting: "x") { score } }'
    assert selects_only(parse(fragment), None, KEEPABLE)
    assert selects_only(parse(PASSES), None, KEEPABLE)
    for refused in (
        "query { me { name } }",
        'query { me { results(sitting: "x") { score } exams(sitting: "x") { status } } }',
        "query { me { passedCourses { score } exemptions { status } } }",
        "query { me { ...R } } fragment R on Candidate { scoreReviews { status } }",
        'query { me @include(if: true) { results(sitting: "x") { score } } }',
        'mutation { requestScoreReview(sitting: "x", courseCode: "y") { __typename } }',
        "query A { me { id } } query B { me { id } }",
    ):
        assert not selects_only(parse(refused), None, KEEPABLE), refused
    assert selects_only(parse("query A { me { id } } query B { me { name } }"), "A", KEEPABLE)


async def test_a_correction_publishes_the_results_tag(
    records: httpx.AsyncClient, candidate: uuid.UUID, db: Sessionmaker, redis_url: str
) -> None:
    """What gateways listen to: the tag of the corrected results, after the commit."""
    redis = Redis.from_url(redis_url)
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(CHANNEL)
        await pubsub.get_message(timeout=1.0)  # the subscription's confirmation
        context = Context(
            request=None,
            response=None,
            db=db,
            redis=redis,
            request_id="test",
            settings=RecordsSettings(),
            extras={},
        )
        await results_cache.invalidate(context, candidate, PUBLISHED)
        message = await pubsub.get_message(timeout=2.0)
        assert message is not None
        assert message["data"].decode() == f"results:{PUBLISHED}:{candidate}"
    await redis.aclose()


async def test_passes_are_vouched_for_until_the_next_beijing_midnight(
    records: httpx.AsyncClient, candidate: uuid.UUID
) -> None:
    body = await answer(records, PASSES, token(candidate))
    assert "keep" in body["extensions"], body
    keep = body["extensions"]["keep"]
    assert keep["tags"] == ["passes", f"passes:{candidate}"]
    midnight = clock.next_beijing_midnight(utc_now())
    assert 0 < keep["maxAge"] <= min(300, (midnight - utc_now()).total_seconds() + 1)


async def test_passes_are_never_kept_past_a_scheduled_publication(
    records: httpx.AsyncClient, candidate: uuid.UUID, db: Sessionmaker
) -> None:
    """A scheduled publication changes the passes counted with no event to announce it."""
    async with db.begin() as session:
        session.add(a_sitting("2045-04", scores=utc_now() + timedelta(seconds=20)))
    body = await answer(records, PASSES, token(candidate))
    assert 0 < body["extensions"]["keep"]["maxAge"] <= 20


@pytest.mark.parametrize("role", ["candidate", "staff"])
async def test_every_mutation_drops_the_passes_it_may_have_changed(
    records: httpx.AsyncClient, candidate: uuid.UUID, redis_url: str, role: str
) -> None:
    """A candidate's own mutation (whatever its outcome) the candidate's kept passes; anyone
    else's every candidate's: exemptions, transfers, merges and corrections change passes."""
    redis = Redis.from_url(redis_url)
    async with redis.pubsub() as pubsub:
        await pubsub.subscribe(CHANNEL)
        await pubsub.get_message(timeout=1.0)  # the subscription's confirmation
        mutation = 'mutation { requestScoreReview(sitting: "2044-04", courseCode: "00000") {'
        if role == "staff":
            mutation = 'mutation { publishScores(sitting: "2099-10") {'
        await answer(records, mutation + " __typename } }", token(candidate, role=role))
        message = await pubsub.get_message(timeout=2.0)
        assert message is not None
        expected = f"passes:{candidate}" if role == "candidate" else "passes"
        assert message["data"].decode() == expected
        await answer(records, PASSES, token(candidate))  # a query publishes nothing
        assert await pubsub.get_message(timeout=0.5) is None
    await redis.aclose()
