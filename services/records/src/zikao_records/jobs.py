"""Wake-ups for the records worker. Jobs carry ids only; PostgreSQL holds everything else."""

from __future__ import annotations

import uuid

from arq.connections import ArqRedis

from zikao_kit.worker import enqueue

ALLOCATE_JOB = "allocate_seats"


def allocation_job_id(run_id: uuid.UUID) -> str:
    """One job id per run: arq will not queue a second while one is queued or running."""
    return f"seats:{run_id}"


async def enqueue_allocation(redis: ArqRedis, run_id: uuid.UUID, *, queue_name: str) -> bool:
    """Wakes a worker for the run (call after the commit that made it); False when a job for it
    is already queued or running."""
    return await enqueue(
        redis, ALLOCATE_JOB, run_id, job_id=allocation_job_id(run_id), queue_name=queue_name
    )
