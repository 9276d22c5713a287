"""Wake-ups for identity's worker. Jobs carry ids only: PostgreSQL holds the rest."""

from __future__ import annotations

import uuid

from arq.connections import ArqRedis

from zikao_kit.worker import enqueue

RESET_MAIL_JOB = "send_password_reset_email"


async def enqueue_reset_mail(redis: ArqRedis, mail_id: uuid.UUID, *, queue_name: str) -> bool:
    """Asks the worker to send a recorded reset mail (call after the commit that made it)."""
    return await enqueue(
        redis, RESET_MAIL_JOB, mail_id, job_id=f"reset-mail:{mail_id}", queue_name=queue_name
    )
