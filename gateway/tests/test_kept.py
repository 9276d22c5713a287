"""Kept answers (kept.py): kept only while listening, for their age, dropped by a tag published
on Redis, and never kept when asked before an invalidation of one of their tags."""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import pytest
from redis.asyncio import Redis

from zikao_gateway.kept import SPREAD, KeptAnswers, Key
from zikao_kit.answer_cache import CHANNEL

DATA = {"me": {"results": [{"score": 58}]}}
SAID = {"maxAge": 60, "tags": ["results:2044-04:a", "sitting:2044-04"]}


def listening(entries: int = 10, longest: float = 60.0) -> KeptAnswers:
    kept = KeptAnswers(entries, longest)
    kept._listening_since = time.monotonic() - 1  # as the subscription's confirmation does
    return kept


def key(kept: KeptAnswers, token: str = "Bearer a", sitting: str = "2044-04") -> Key:
    return kept.key("RECORDS", "query { me { id } }", {"s": sitting}, None, token)


def test_an_answer_is_kept_for_the_same_caller_only() -> None:
    kept = listening()
    asked = time.monotonic()
    assert kept.keep(key(kept), DATA, SAID, asked)
    assert kept.get(key(kept)) == DATA
    assert kept.get(key(kept)) is not kept.get(key(kept))  # each caller gets their own object
    assert kept.get(key(kept, token="Bearer b")) is None
    assert kept.get(key(kept, sitting="2044-10")) is None


def test_nothing_is_kept_unless_vouched_for_or_while_not_listening() -> None:
    kept = listening()
    asked = time.monotonic()
    for said in (None, {}, {"maxAge": 60}, {"maxAge": 0, "tags": ["t"]}, {"maxAge": 5, "tags": []}):
        assert not kept.keep(key(kept), DATA, said, asked)
    deaf = KeptAnswers(10, 60.0)
    assert not deaf.keep(key(deaf), DATA, SAID, asked)


def test_an_invalidated_tag_drops_its_answers_and_refuses_those_asked_before() -> None:
    kept = listening()
    before = time.monotonic()
    assert kept.keep(key(kept), DATA, SAID, before)
    other = key(kept, token="Bearer other")
    assert kept.keep(other, DATA, {"maxAge": 60, "tags": ["results:2044-04:b"]}, before)
    kept.invalidate(["results:2044-04:a"])
    assert kept.get(key(kept)) is None
    assert kept.get(other) == DATA  # another candidate's answer stays
    # an answer asked before the invalidation arrives after it: read before the correction
    assert not kept.keep(key(kept), DATA, SAID, before)
    assert kept.keep(key(kept), DATA, SAID, time.monotonic())


def test_age_and_size_are_bounded() -> None:
    kept = listening(entries=2, longest=0.05)
    asked = time.monotonic()
    keys = [key(kept, token=f"Bearer {n}") for n in range(3)]
    for k in keys:
        assert kept.keep(k, DATA, SAID, asked)
    assert kept.get(keys[0]) is None  # the oldest went to make room
    assert kept.get(keys[2]) == DATA
    time.sleep(0.06)
    assert kept.get(keys[2]) is None  # past the longest age (less than the subgraph's)


def test_ages_are_spread_so_that_answers_kept_together_do_not_end_together() -> None:
    kept = listening(entries=1000, longest=100.0)
    asked = time.monotonic()
    keys = [key(kept, token=f"Bearer {n}") for n in range(200)]
    for k in keys:
        assert kept.keep(k, DATA, {"maxAge": 100, "tags": ["t"]}, asked)
    ages = [kept._kept[k].expires - asked for k in keys]
    assert all(100 * (1 - SPREAD) - 1 <= age <= 100 + 1 for age in ages)
    assert max(ages) - min(ages) > 100 * SPREAD / 2  # spread, not one moment


@pytest.fixture
def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


async def test_it_follows_invalidations_published_on_redis(redis_url: str) -> None:
    kept = KeptAnswers(10, 60.0)
    redis = Redis.from_url(redis_url)
    listener = asyncio.create_task(kept.listen(redis))
    try:
        for _ in range(100):
            if kept.listening:
                break
            await asyncio.sleep(0.02)
        assert kept.listening
        tag = f"results:2044-04:{uuid.uuid4()}"
        said = {"maxAge": 60, "tags": [tag]}
        assert kept.keep(key(kept), DATA, said, time.monotonic())
        await redis.publish(CHANNEL, f"{tag} sitting:other")
        for _ in range(100):
            if kept.get(key(kept)) is None:
                break
            await asyncio.sleep(0.02)
        assert kept.get(key(kept)) is None
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await redis.aclose()
    assert not kept.listening


async def test_an_unreachable_redis_keeps_nothing() -> None:
    kept = KeptAnswers(10, 60.0)
    redis = Redis.from_url("redis://127.0.0.1:9/0")
    listener = asyncio.create_task(kept.listen(redis))
    await asyncio.sleep(0.2)
    assert not kept.listening
    assert not kept.keep(key(kept), DATA, SAID, time.monotonic())
    listener.cancel()
    await asyncio.gather(listener, return_exceptions=True)
    await redis.aclose()


def test_answers_past_their_age_are_forgotten_without_waiting_for_the_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Answers nobody asks again do not stay until `entries` is reached (a few KiB each)."""
    kept = listening(entries=100)
    clock = [time.monotonic()]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    for n in range(5):
        assert kept.keep(key(kept, token=f"Bearer {n}"), DATA, SAID, clock[0])
    assert len(kept._kept) == 5
    clock[0] += 61
    assert kept.keep(key(kept, token="Bearer late"), DATA, SAID, clock[0])
    assert list(kept._kept) == [key(kept, token="Bearer late")]
    assert set(kept._by_tag) == set(SAID["tags"])  # the tags' index follows
