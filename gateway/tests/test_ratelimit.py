"""Rate limits in the real Redis: a sliding window per client and root field, the log-in
family counted per attempt (aliases included), the wait answered, and Redis down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from zikao_gateway.ratelimit import RateLimiter, RateLimits

LIMITS = RateLimits(window_seconds=2, client=20, field=6, sign_in=3, recovery=2, captcha=4)


@pytest.fixture
async def limiter(redis_url: str) -> AsyncIterator[RateLimiter]:
    prefix = f"test-gateway-{uuid.uuid4().hex[:8]}"
    limiter = RateLimiter(Redis.from_url(redis_url), LIMITS, prefix)
    yield limiter
    keys = [key async for key in limiter.redis.scan_iter(f"{prefix}:*")]
    if keys:
        await limiter.redis.delete(*keys)
    await limiter.aclose()


async def test_each_root_field_has_its_own_bucket(limiter: RateLimiter) -> None:
    for _ in range(6):
        assert await limiter.hit("10.0.0.1", {"regions": 1}) is None
    refused = await limiter.hit("10.0.0.1", {"regions": 1})
    assert refused is not None
    assert (refused.code, refused.bucket) == ("rate_limited", "field:regions")
    assert 1 <= refused.retry_after <= 2
    assert await limiter.hit("10.0.0.1", {"sittings": 1}) is None
    assert await limiter.hit("10.0.0.2", {"regions": 1}) is None  # another client


async def test_log_in_attempts_hidden_in_aliases_count_each(limiter: RateLimiter) -> None:
    assert await limiter.hit("10.0.0.3", {"logIn": 2}) is None
    refused = await limiter.hit("10.0.0.3", {"logIn": 2})
    assert refused is not None
    assert refused.bucket == "sign-in"
    # staff log-in shares the family's bucket; nothing was counted for the refused request
    assert await limiter.hit("10.0.0.3", {"staffLogIn": 1}) is None
    assert await limiter.hit("10.0.0.3", {"staffLogIn": 1}) is not None


async def test_recovery_and_resets_share_a_lower_limit(limiter: RateLimiter) -> None:
    assert await limiter.hit("10.0.0.4", {"recoverTicketNumber": 1}) is None
    assert await limiter.hit("10.0.0.4", {"startPasswordReset": 1}) is None
    refused = await limiter.hit("10.0.0.4", {"resetPasswordWithToken": 1})
    assert refused is not None
    assert refused.bucket == "recovery"


async def test_the_window_slides(limiter: RateLimiter) -> None:
    assert await limiter.hit("10.0.0.5", {"newCaptcha": 4}) is None
    refused = await limiter.hit("10.0.0.5", {"newCaptcha": 1})
    assert refused is not None
    await asyncio.sleep(refused.retry_after)
    assert await limiter.hit("10.0.0.5", {"newCaptcha": 1}) is None


async def test_parallel_attempts_cannot_slip_past(limiter: RateLimiter) -> None:
    hits = await asyncio.gather(*(limiter.hit("10.0.0.6", {"logIn": 1}) for _ in range(10)))
    assert sum(h is None for h in hits) == LIMITS.sign_in


async def test_unreachable_redis_closes_log_in_and_opens_the_rest() -> None:
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    limiter = RateLimiter(redis, LIMITS)
    try:
        refused = await limiter.hit("10.0.0.7", {"logIn": 1})
        assert refused is not None
        assert (refused.code, refused.bucket) == ("rate_limit_unavailable", "sign-in")
        assert await limiter.hit("10.0.0.7", {"regions": 1}) is None
        assert await limiter.hit("10.0.0.7", {"newCaptcha": 1}) is None
    finally:
        await limiter.aclose()


async def test_requests_sent_together_are_decided_in_turn(limiter: RateLimiter) -> None:
    """One script call for all three: the second (two attempts past the first two) is refused
    and not counted, so the third (one) still fits."""
    hits = await asyncio.gather(
        limiter.hit("10.0.0.8", {"logIn": 2}),
        limiter.hit("10.0.0.8", {"logIn": 2}),
        limiter.hit("10.0.0.8", {"logIn": 1}),
    )
    assert [h is None for h in hits] == [True, False, True]
