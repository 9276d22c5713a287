"""Fixed-window attempt counting in Redis (identity's `Limits.hit` pattern), for the public
`verifyDocument`: counted per client address, as `zikao_kit.network` determines it."""

from __future__ import annotations

from redis.asyncio import Redis

from zikao_kit.errors import RateLimitedError


async def hit(redis: Redis, name: str, *, limit: int, window_seconds: int) -> None:
    """Counts one attempt on `name` in this window; `RateLimitedError` once past `limit`."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(name, 0, ex=window_seconds, nx=True)
        pipe.incr(name)
        pipe.ttl(name)
        _, count, ttl = await pipe.execute()
    if int(count) > limit:
        raise RateLimitedError(max(int(ttl), 1))
