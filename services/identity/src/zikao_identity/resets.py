"""Password-reset sessions in Redis: which candidate a `resetId` is for, and the tries left on
the security question. The key is the id's sha256, so Redis never holds a usable id."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Awaitable
from typing import cast

from redis.asyncio import Redis


class ResetSessions:
    def __init__(self, redis: Redis, *, prefix: str, ttl_seconds: int, tries: int) -> None:
        self._redis = redis
        self._prefix = f"{prefix}:reset:"
        self._ttl = ttl_seconds
        self._tries = tries

    def _key(self, reset_id: str) -> str:
        return self._prefix + hashlib.sha256(reset_id.encode()).hexdigest()

    async def start(self, candidate_id: uuid.UUID) -> str:
        reset_id = secrets.token_urlsafe(24)
        key = self._key(reset_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"candidate": str(candidate_id), "tries": self._tries})
            pipe.expire(key, self._ttl)
            await pipe.execute()
        return reset_id

    async def candidate(self, reset_id: str) -> uuid.UUID | None:
        value = await cast(
            Awaitable[bytes | None], self._redis.hget(self._key(reset_id), "candidate")
        )
        return uuid.UUID(value.decode()) if value else None

    async def spend_try(self, reset_id: str) -> int:
        """Takes one try before the answer is checked (so parallel guesses cannot exceed the
        limit); returns the tries left after this one, negative when there was none."""
        left = await cast(Awaitable[int], self._redis.hincrby(self._key(reset_id), "tries", -1))
        if left < 0:
            await self.end(reset_id)
        return left

    async def end(self, reset_id: str) -> None:
        await self._redis.delete(self._key(reset_id))
