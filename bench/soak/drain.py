"""Whether the system's work queues are drained: no job waiting in an arq queue (the workers'
own cron wake-ups aside), no document pending or rendering and no seat allocation pending or
running in the database."""

from __future__ import annotations

import asyncio
import time

import asyncpg
from redis.asyncio import Redis

from bench.faults.stack import LABEL

QUEUES = [f"zikao:{service}:{LABEL}" for service in ("documents", "records", "identity")]
"""The arq queues of the system (``zikao_devrun.zikao.isolated_env``)."""
CRON = b"cron:"
UNFINISHED = """SELECT (SELECT count(*) FROM documents.document_request
                         WHERE status IN ('PENDING', 'RENDERING')),
                       (SELECT count(*) FROM records.seat_allocation
                         WHERE status IN ('PENDING', 'RUNNING'))"""
POLL = 0.5


async def backlog(redis: Redis, connection: asyncpg.Connection) -> int:
    """Jobs queued plus documents and seat allocations unfinished."""
    queued = 0
    for queue in QUEUES:
        jobs = await redis.zrange(queue, 0, -1)
        queued += sum(1 for job in jobs if not job.startswith(CRON))
    documents, allocations = await connection.fetchrow(UNFINISHED)
    return queued + int(documents) + int(allocations)


async def drained_in(redis: Redis, connection: asyncpg.Connection, bound: float) -> float | None:
    """Seconds until the backlog was 0 (None: not within ``bound``)."""
    started = time.monotonic()
    while time.monotonic() - started < bound:
        if await backlog(redis, connection) == 0:
            return time.monotonic() - started
        await asyncio.sleep(POLL)
    return None
