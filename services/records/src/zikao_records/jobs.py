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


IMPORT_JOB = "run_score_import"


def score_import_job_id(import_id: uuid.UUID) -> str:
    """One job id per score import: a second wake-up while one is queued or running is a no-op."""
    return f"score-import:{import_id}"


async def enqueue_score_import(redis: ArqRedis, import_id: uuid.UUID, *, queue_name: str) -> bool:
    """Wakes a worker to check (or apply) the import; call after the commit that made it."""
    return await enqueue(
        redis, IMPORT_JOB, import_id, job_id=score_import_job_id(import_id), queue_name=queue_name
    )


GRADUATION_AUDIT_JOB = "run_graduation_audit"


def graduation_audit_job_id(run_id: uuid.UUID) -> str:
    return f"graduation-audit:{run_id}"


async def enqueue_graduation_audit(redis: ArqRedis, run_id: uuid.UUID, *, queue_name: str) -> bool:
    """Wakes a worker for a batch graduation audit (after the commit that made it)."""
    return await enqueue(
        redis,
        GRADUATION_AUDIT_JOB,
        run_id,
        job_id=graduation_audit_job_id(run_id),
        queue_name=queue_name,
    )
