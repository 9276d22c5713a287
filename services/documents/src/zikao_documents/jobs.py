"""Wake-ups for the render worker. Jobs carry ids only; PostgreSQL holds everything else."""

from __future__ import annotations

import uuid

from arq.connections import ArqRedis

from zikao_kit.logging import current_request_id
from zikao_kit.worker import enqueue

RENDER_JOB = "render_document"


def render_job_id(document_id: uuid.UUID, attempts: int) -> str:
    """One job id per request and attempt count: arq queues no second job while one with the
    id is queued or running, and a request whose job died (leaving arq's keys of that id
    behind) is woken under the next count, after its attempt was counted."""
    return f"render:{document_id}:{attempts}"


async def enqueue_render(
    redis: ArqRedis, document_id: uuid.UUID, *, attempts: int, queue_name: str
) -> bool:
    """Wakes a worker for the request (call after the commit that made it, with the attempts
    it has: 0 when new); False when a job for it is already queued or running."""
    job_id = render_job_id(document_id, attempts)
    return await enqueue(redis, RENDER_JOB, document_id, job_id=job_id, queue_name=queue_name)


PREPARE_JOB = "prepare_ticket_batch"


async def enqueue_prepare(
    redis: ArqRedis, batch_id: uuid.UUID, *, chunk: int, queue_name: str
) -> bool:
    """Wakes a worker to prepare the batch's next chunk of candidates (`chunk` counts the
    chunks done, so each wake-up has an id of its own and a repeated one is refused)."""
    queued = await redis.enqueue_job(
        PREPARE_JOB,
        str(batch_id),
        request_id=current_request_id(),
        chunk=chunk,
        _job_id=f"batch:{batch_id}:{chunk}",
        _queue_name=queue_name,
    )
    return queued is not None
