"""Attempt limits in Redis: fixed windows for recovery, doubling backoff for wrong passwords."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from zikao_kit.errors import RateLimitedError

LOCKED_MESSAGE = "错误次数过多，请稍后再试"


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


class Limits:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}:limit:"

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

    async def ensure_unlocked(self, *keys: str) -> None:
        """`RateLimitedError` while any of `keys` (e.g. an account, a client) is backed off."""
        for key in keys:
            ttl = int(await self._redis.ttl(f"{self._prefix}lock:{key}"))
            if ttl > 0:
                raise RateLimitedError(ttl, LOCKED_MESSAGE)

    async def fail(self, key: str, backoff: Backoff) -> None:
        """Records a wrong password for `key`; locks it for a while once there are too many."""
        name = f"{self._prefix}fail:{key}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, backoff.window_seconds)
            failures, _ = await pipe.execute()
        seconds = backoff.lock_seconds(int(failures))
        if seconds:
            await self._redis.set(f"{self._prefix}lock:{key}", 1, ex=seconds)

    async def clear(self, key: str) -> None:
        await self._redis.delete(f"{self._prefix}fail:{key}", f"{self._prefix}lock:{key}")
