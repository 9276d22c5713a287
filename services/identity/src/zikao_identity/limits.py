"""Attempt limits in Redis: fixed windows for recovery and registration, and doubling backoff
for secrets (passwords, client secrets) whose every attempt is counted before it is checked."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from zikao_kit.errors import RateLimitedError

LOCKED_MESSAGE = "错误次数过多，请稍后再试"

# KEYS: count₁, lock₁, count₂, lock₂, …; ARGV: free, base, max, window of each pair.
# Refuses (answering the wait) while any lock stands; otherwise counts the attempt on every
# key and, once a count reaches its free attempts, locks that key at once, before the secret
# is checked, so attempts running in parallel cannot get past the limit. Answers 0 and, per
# key, 1 when this attempt set its lock.
_RESERVE = """
for i = 1, #KEYS, 2 do
  local ttl = redis.call('TTL', KEYS[i + 1])
  if ttl > 0 or ttl == -1 then return {math.max(ttl, 1)} end
end
local answer = {0}
for i = 1, #KEYS, 2 do
  local a = (i - 1) * 2
  local free, base = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local max, window = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local n = redis.call('INCR', KEYS[i])
  redis.call('EXPIRE', KEYS[i], window)
  local locked = 0
  if n >= free then
    local seconds = math.min(base * 2 ^ math.min(n - free, 20), max)
    redis.call('SET', KEYS[i + 1], 1, 'EX', math.floor(seconds))
    locked = 1
  end
  answer[#answer + 1] = locked
end
return answer
"""
# KEYS: count, lock; ARGV: whether this attempt set the lock. Takes one attempt back.
_RELEASE = """
if redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end
if ARGV[1] == '1' then redis.call('DEL', KEYS[2]) end
return 0
"""


@dataclass(frozen=True)
class Backoff:
    free_failures: int
    base_seconds: int
    max_seconds: int
    window_seconds: int

    def lock_seconds(self, failures: int) -> int:
        """0 until `free_failures`, then base, 2×base, 4×base… up to the maximum."""
        if failures < self.free_failures:
            return 0
        doubling: int = 1 << min(failures - self.free_failures, 20)
        return min(self.base_seconds * doubling, self.max_seconds)

    def arguments(self) -> list[int]:
        return [self.free_failures, self.base_seconds, self.max_seconds, self.window_seconds]


@dataclass(frozen=True)
class Reservation:
    """An attempt counted on `keys`; `locked` says on which of them it set the lock."""

    keys: tuple[str, ...]
    locked: tuple[bool, ...]


class Limits:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}:limit:"
        self._reserve = redis.register_script(_RESERVE)
        self._release = redis.register_script(_RELEASE)

    async def hit(self, bucket: str, key: str, *, limit: int, window_seconds: int) -> None:
        """Counts one attempt in this window; `RateLimitedError` once past `limit`."""
        name = f"{self._prefix}{bucket}:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(name, 0, ex=window_seconds, nx=True)
            pipe.incr(name)
            pipe.ttl(name)
            _, count, ttl = await pipe.execute()
        if int(count) > limit:
            raise RateLimitedError(max(int(ttl), 1))

    async def refund(self, bucket: str, key: str) -> None:
        """Takes one attempt counted by `hit` back (one that failed on our side)."""
        name = f"{self._prefix}{bucket}:{key}"
        if int(await self._redis.decr(name)) < 0:
            await self._redis.delete(name)

    async def reserve(self, *attempts: tuple[str, Backoff]) -> Reservation:
        """Counts an attempt at a secret on each key (an account, a client) before it is
        checked; `RateLimitedError` without counting while any of them is backed off."""
        keys = [name for key, _ in attempts for name in self._names(key)]
        arguments = [value for _, backoff in attempts for value in backoff.arguments()]
        answer = await self._reserve(keys=keys, args=arguments)
        if int(answer[0]) > 0:
            raise RateLimitedError(int(answer[0]), LOCKED_MESSAGE)
        return Reservation(
            tuple(key for key, _ in attempts), tuple(bool(int(v)) for v in answer[1:])
        )

    async def release(self, reservation: Reservation, key: str) -> None:
        """Takes a right attempt back from `key`'s count (a client's right passwords do not
        count against it), and the lock it set."""
        locked = reservation.locked[reservation.keys.index(key)]
        await self._release(keys=self._names(key), args=[int(locked)])

    async def clear(self, key: str) -> None:
        """Forgets every attempt on `key` (an account whose right password was given)."""
        await self._redis.delete(*self._names(key))

    def _names(self, key: str) -> list[str]:
        return [f"{self._prefix}fail:{key}", f"{self._prefix}lock:{key}"]
