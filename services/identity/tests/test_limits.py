import uuid

import pytest
from redis.asyncio import Redis

from zikao_identity.limits import Backoff, Limits
from zikao_kit.errors import RateLimitedError


def _limits(redis: Redis) -> Limits:
    return Limits(redis, f"limits-test:{uuid.uuid4().hex}")


def test_backoff_doubles_up_to_the_maximum() -> None:
    backoff = Backoff(free_failures=3, base_seconds=10, max_seconds=100, window_seconds=3600)
    assert [backoff.lock_seconds(n) for n in range(1, 9)] == [0, 0, 10, 20, 40, 80, 100, 100]


async def test_a_window_allows_its_limit_then_refuses(redis: Redis) -> None:
    limits = _limits(redis)
    for _ in range(3):
        await limits.hit("recover-id", "abc", limit=3, window_seconds=60)
    with pytest.raises(RateLimitedError) as raised:
        await limits.hit("recover-id", "abc", limit=3, window_seconds=60)
    assert 0 < raised.value.retry_after_seconds <= 60
    await limits.hit("recover-id", "other", limit=3, window_seconds=60)


async def test_reservations_lock_an_account_until_cleared(redis: Redis) -> None:
    limits = _limits(redis)
    backoff = Backoff(free_failures=2, base_seconds=30, max_seconds=60, window_seconds=600)
    await limits.reserve(("candidate:1", backoff))
    second = await limits.reserve(("candidate:1", backoff))  # the last free one locks at once
    assert second.locked == (True,)
    with pytest.raises(RateLimitedError) as raised:
        await limits.reserve(("client:x", backoff), ("candidate:1", backoff))
    assert 0 < raised.value.retry_after_seconds <= 30
    await limits.reserve(("client:x", backoff))  # the refusal above counted nothing
    await limits.clear("candidate:1")
    await limits.reserve(("candidate:1", backoff))


async def test_locks_follow_the_backoff(redis: Redis) -> None:
    prefix = f"limits-test:{uuid.uuid4().hex}"
    limits = Limits(redis, prefix)
    backoff = Backoff(free_failures=2, base_seconds=10, max_seconds=25, window_seconds=600)
    lock = f"{prefix}:limit:lock:k"
    for attempt in range(1, 6):
        await redis.delete(lock)  # as if the last wait were over
        await limits.reserve(("k", backoff))
        ttl = int(await redis.ttl(lock))
        expected = backoff.lock_seconds(attempt)
        assert expected - 1 <= ttl <= expected if expected else ttl == -2


async def test_a_released_attempt_does_not_count(redis: Redis) -> None:
    limits = _limits(redis)
    backoff = Backoff(free_failures=2, base_seconds=30, max_seconds=60, window_seconds=600)
    for _ in range(5):
        reservation = await limits.reserve(("client:y", backoff))
        await limits.release(reservation, "client:y")
    await limits.reserve(("client:y", backoff))
