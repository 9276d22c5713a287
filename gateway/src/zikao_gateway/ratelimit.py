"""Rate limits per client address and per root field, in Redis, over a sliding window.

Each request counts once in its client's bucket, and each occurrence of a root field (aliases,
fragments and batches included: `a: logIn(…) b: logIn(…)` is two) once in the bucket of its
field, or of its family: log-in, recovery (ticket-number recovery and password resets) and
captchas share a bucket each, with lower limits. One Lua script checks every bucket of a
request and, only when all have room, records it in all (a sorted set of timestamps per
bucket, entries older than the window dropped first): parallel requests cannot slip past.

Redis unreachable: the log-in and recovery families are refused (`rate_limit_unavailable`,
fail closed: guessing passwords unmetered is worse than a minute without log-in); everything
else is let through (fail open) and logged.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger("zikao.gateway")

SIGN_IN = frozenset({"logIn", "staffLogIn", "serviceToken"})
RECOVERY = frozenset(
    {
        "recoverTicketNumber",
        "startPasswordReset",
        "resetPasswordWithAnswer",
        "sendPasswordResetEmail",
        "resetPasswordWithToken",
    }
)
CAPTCHA = frozenset({"newCaptcha"})
FAIL_CLOSED = frozenset({"sign-in", "recovery"})
UNAVAILABLE_RETRY_SECONDS = 5
PREFIX = "zikao:gateway"

# KEYS: the buckets; ARGV: window (ms), a unique id, then each bucket's limit and weight.
# Answers {0, 0} when the request was recorded, else {index of the bucket, wait in ms}.
_HIT = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = tonumber(ARGV[1])
local refused, wait = 0, 0
for i, key in ipairs(KEYS) do
  local limit, weight = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local over = redis.call('ZCARD', key) + weight - limit
  if over > 0 then
    local until_free = window
    if weight <= limit then
      local entry = redis.call('ZRANGE', key, over - 1, over - 1, 'WITHSCORES')
      until_free = tonumber(entry[2]) + window - now
    end
    if until_free > wait then refused, wait = i, until_free end
  end
end
if refused > 0 then return {refused, wait} end
for i, key in ipairs(KEYS) do
  for n = 1, tonumber(ARGV[2 + 2 * i]) do
    redis.call('ZADD', key, now, ARGV[2] .. ':' .. n)
  end
  redis.call('PEXPIRE', key, window)
end
return {0, 0}
"""


@dataclass(frozen=True)
class RateLimits:
    """Attempts per client address per window: requests, one root field, and the families."""

    window_seconds: int = 60
    client: int = 1200
    field: int = 600
    sign_in: int = 30
    recovery: int = 10
    captcha: int = 60

    def buckets(self, roots: Mapping[str, int]) -> dict[str, tuple[int, int]]:
        """Bucket → (limit, weight) for a request whose operation selects ``roots``."""
        weights: Counter[str] = Counter()
        for field, times in roots.items():
            weights[_bucket(field)] += times
        limits = {"sign-in": self.sign_in, "recovery": self.recovery, "captcha": self.captcha}
        buckets = {"client": (self.client, 1)}
        for bucket, weight in weights.items():
            buckets[bucket] = (limits.get(bucket, self.field), weight)
        return buckets


@dataclass(frozen=True)
class Refusal:
    code: str
    bucket: str
    retry_after: int


class RateLimiter:
    def __init__(self, redis: Redis, limits: RateLimits, prefix: str = PREFIX) -> None:
        self.redis = redis
        self.limits = limits
        self.prefix = f"{prefix}:rate:"
        self._hit = redis.register_script(_HIT)

    async def hit(self, address: str, roots: Mapping[str, int]) -> Refusal | None:
        """Counts one request of ``address`` selecting ``roots``; the refusal when a bucket is
        full (nothing is counted then)."""
        buckets = self.limits.buckets(roots)
        keys = [f"{self.prefix}{bucket}:{address}" for bucket in buckets]
        arguments: list[int | str] = [self.limits.window_seconds * 1000, uuid.uuid4().hex]
        for limit, weight in buckets.values():
            arguments += [limit, weight]
        try:
            refused, wait = await self._hit(keys=keys, args=arguments)
        except (RedisError, OSError) as error:
            return _unavailable(buckets, error)
        if not refused:
            return None
        bucket = list(buckets)[int(refused) - 1]
        return Refusal("rate_limited", bucket, max(1, -(-int(wait) // 1000)))

    async def aclose(self) -> None:
        await self.redis.aclose()


def _bucket(field: str) -> str:
    if field in SIGN_IN:
        return "sign-in"
    if field in RECOVERY:
        return "recovery"
    if field in CAPTCHA:
        return "captcha"
    return f"field:{field}"


def _unavailable(buckets: Mapping[str, object], error: Exception) -> Refusal | None:
    closed = sorted(FAIL_CLOSED.intersection(buckets))
    logger.warning(
        "rate limits unavailable (%s): %s",
        type(error).__name__,
        "refused" if closed else "let through",
    )
    if closed:
        return Refusal("rate_limit_unavailable", closed[0], UNAVAILABLE_RETRY_SECONDS)
    return None
