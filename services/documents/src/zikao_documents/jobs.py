"""Wake-ups for the render worker. Jobs carry ids only; PostgreSQL holds everything else."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

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


RENDER_MANY_JOB = "render_documents"
# Requests a render job takes at once when many are woken together (a sitting's tickets): the
# Redis round trips and transactions of a job are shared by the chunk, and a chunk stays far
# inside the job timeout even with a few chunks running side by side on a busy core.
RENDER_CHUNK = 20


def render_chunk_job_id(documents: Sequence[tuple[uuid.UUID, int]]) -> str:
    """One job id per chunk of (request, attempts): the same chunk woken twice is queued once."""
    names = ",".join(f"{document_id}:{attempts}" for document_id, attempts in documents)
    return f"render-many:{hashlib.sha256(names.encode()).hexdigest()[:32]}"


async def enqueue_renders(
    redis: ArqRedis, documents: Sequence[tuple[uuid.UUID, int]], *, queue_name: str
) -> int:
    """Wakes workers for many requests (id and attempts each), `RENDER_CHUNK` to a job (call
    after the commit that made them); returns how many jobs were queued."""
    queued = 0
    for start in range(0, len(documents), RENDER_CHUNK):
        chunk = documents[start : start + RENDER_CHUNK]
        job = await redis.enqueue_job(
            RENDER_MANY_JOB,
            [str(document_id) for document_id, _ in chunk],
            request_id=current_request_id(),
            _job_id=render_chunk_job_id(chunk),
            _queue_name=queue_name,
        )
        queued += job is not None
    return queued


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
