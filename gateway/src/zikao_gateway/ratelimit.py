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

import asyncio
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
BATCH = 100
"""Most requests one script call decides (a call holds Redis for its length)."""

# KEYS: every request's buckets, one request after another; ARGV: the window (ms), a unique id,
# then per request its number of buckets and each bucket's limit and weight. Each request is
# decided in turn, as if it came alone: recorded in all its buckets when all have room. Answers
# per request 0 and 0, or the (1-based) bucket that refused it and the wait in ms.
_HIT = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = tonumber(ARGV[1])
local answer, k, a, r = {}, 1, 3, 0
while a <= #ARGV do
  r = r + 1
  local n = tonumber(ARGV[a])
  a = a + 1
  local refused, wait = 0, 0
  for i = 0, n - 1 do
    local key, limit = KEYS[k + i], tonumber(ARGV[a + 2 * i])
    local weight = tonumber(ARGV[a + 2 * i + 1])
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
    local over = redis.call('ZCARD', key) + weight - limit
    if over > 0 then
      local until_free = window
      if weight <= limit then
        local entry = redis.call('ZRANGE', key, over - 1, over - 1, 'WITHSCORES')
        until_free = tonumber(entry[2]) + window - now
      end
      if until_free > wait then refused, wait = i + 1, until_free end
    end
  end
  if refused == 0 then
    for i = 0, n - 1 do
      for m = 1, tonumber(ARGV[a + 2 * i + 1]) do
        redis.call('ZADD', KEYS[k + i], now, ARGV[2] .. ':' .. r .. ':' .. m)
      end
      redis.call('PEXPIRE', KEYS[k + i], window)
    end
  end
  answer[#answer + 1] = refused
  answer[#answer + 1] = wait
  k, a = k + n, a + 2 * n
end
return answer
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


@dataclass
class _Hit:
    keys: list[str]
    arguments: list[int]
    answer: asyncio.Future[tuple[int, int]]


class RateLimiter:
    """Counts requests in Redis. The requests that arrive while the event loop is busy go in
    one script call (at most `BATCH` of them), decided one after another as if each came
    alone: a Redis round trip costs the gateway far more CPU than the script costs Redis."""

    def __init__(self, redis: Redis, limits: RateLimits, prefix: str = PREFIX) -> None:
        self.redis = redis
        self.limits = limits
        self.prefix = f"{prefix}:rate:"
        self._hit = redis.register_script(_HIT)
        self._waiting: list[_Hit] = []
        self._sending: set[asyncio.Task[None]] = set()

    async def hit(self, address: str, roots: Mapping[str, int]) -> Refusal | None:
        """Counts one request of ``address`` selecting ``roots``; the refusal when a bucket is
        full (nothing is counted then)."""
        buckets = self.limits.buckets(roots)
        keys = [f"{self.prefix}{bucket}:{address}" for bucket in buckets]
        arguments = [len(buckets)]
        for limit, weight in buckets.values():
            arguments += [limit, weight]
        hit = _Hit(keys, arguments, asyncio.get_running_loop().create_future())
        self._waiting.append(hit)
        if len(self._waiting) == 1:
            task = asyncio.create_task(self._send())  # runs once this turn's requests are in
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)
        try:
            refused, wait = await hit.answer
        except (RedisError, OSError) as error:
            return _unavailable(buckets, error)
        if not refused:
            return None
        bucket = list(buckets)[refused - 1]
        return Refusal("rate_limited", bucket, max(1, -(-wait // 1000)))

    async def _send(self) -> None:
        while self._waiting:
            hits, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            keys = [key for hit in hits for key in hit.keys]
            arguments: list[int | str] = [self.limits.window_seconds * 1000, uuid.uuid4().hex]
            for hit in hits:
                arguments += hit.arguments
            try:
                answer = await self._hit(keys=keys, args=arguments)
            except BaseException as error:  # no request is left waiting, whatever happened
                failure = error if isinstance(error, Exception) else RedisError("cancelled")
                for hit in hits:
                    if not hit.answer.done():
                        hit.answer.set_exception(failure)
                if not isinstance(error, Exception):
                    raise
                continue
            for n, hit in enumerate(hits):
                if not hit.answer.done():
                    hit.answer.set_result((int(answer[2 * n]), int(answer[2 * n + 1])))

    async def aclose(self) -> None:
        await asyncio.gather(*self._sending, return_exceptions=True)
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
