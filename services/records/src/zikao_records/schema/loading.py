"""Batch functions for the schema's DataLoaders: one session and one query per batch (sessions
are never shared between concurrent resolvers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit.context import Context

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[Context, AsyncSession, list[K]], Awaitable[Mapping[K, V]]]


def batch_one(
    context: Context, fetch: Fetch[K, V]
) -> Callable[[Sequence[K]], Awaitable[list[V | None]]]:
    """Loads one value per key; keys that `fetch` leaves out get None."""

    async def load(keys: Sequence[K]) -> list[V | None]:
        async with context.db() as session:
            found = await fetch(context, session, list(keys))
        return [found.get(key) for key in keys]

    return load


def batch_many(
    context: Context, fetch: Fetch[K, list[V]]
) -> Callable[[Sequence[K]], Awaitable[list[list[V]]]]:
    """Loads a list per key; keys that `fetch` leaves out get an empty list."""

    async def load(keys: Sequence[K]) -> list[list[V]]:
        async with context.db() as session:
            found = await fetch(context, session, list(keys))
        return [found.get(key, []) for key in keys]

    return load
