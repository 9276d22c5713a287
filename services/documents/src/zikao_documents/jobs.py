"""Wake-ups for the render worker. Jobs carry ids only; PostgreSQL holds everything else."""

from __future__ import annotations

import uuid

from arq.connections import ArqRedis

from zikao_kit.worker import enqueue

RENDER_JOB = "render_document"


def render_job_id(document_id: uuid.UUID) -> str:
    """One job id per request: arq will not queue a second while one is queued or running."""
    return f"render:{document_id}"


async def enqueue_render(redis: ArqRedis, document_id: uuid.UUID, *, queue_name: str) -> bool:
    """Wakes a worker for the request (call after the commit that made it); False when a job
    for it is already queued or running."""
    return await enqueue(
        redis, RENDER_JOB, document_id, job_id=render_job_id(document_id), queue_name=queue_name
    )
