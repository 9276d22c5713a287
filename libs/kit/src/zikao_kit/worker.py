"""What every arq worker of Zikao shares: Redis settings, the database in `ctx`, wake-ups.

Jobs carry ids only (PostgreSQL holds everything else) and the request id of the work that
enqueued them; a job id per object keeps arq from queueing a second while one is queued or
running.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import unquote

from arq import cron
from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob
from arq.typing import WorkerCoroutine
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from zikao_kit.db import Sessionmaker, create_engine, create_sessionmaker
from zikao_kit.logging import configure_logging, current_request_id
from zikao_kit.settings import ServiceSettings

REDIS_RETRIES = 60
"""Tries of a Redis command or connection, backing off up to a second: a worker outlasts
about a minute of Redis away (a restart) instead of exiting with the first refused one."""


def redis_settings(url: str) -> RedisSettings:
    """arq's settings for `redis://…` or `unix:///path/redis.sock?db=0` (path %-decoded),
    retrying through a Redis restart (:data:`REDIS_RETRIES`)."""
    settings = RedisSettings.from_dsn(url)
    if settings.unix_socket_path:
        settings.unix_socket_path = unquote(settings.unix_socket_path)
    # OSError too: a unix socket that is not there yet is a FileNotFoundError on connect.
    outage = (RedisConnectionError, RedisTimeoutError, OSError)
    settings.retry_on_error = list(outage)
    backoff = ExponentialBackoff(cap=1.0, base=0.05)
    # redis-py types the errors as its own, but retries whatever exceptions it is given.
    errors = cast("tuple[type[RedisError], ...]", outage)
    settings.retry = Retry(backoff, REDIS_RETRIES, supported_errors=errors)
    return settings


def open_database(
    ctx: dict[str, Any], name: str, settings: ServiceSettings, schema: str, pool_size: int
) -> Sessionmaker:
    """For a worker's `on_startup`: JSON logs as `name`, an engine kept in `ctx` (closed by
    `close_database`), and its sessionmaker."""
    configure_logging(name, settings.log_level)
    engine = create_engine(settings.database_url, schema=schema, pool_size=pool_size)
    ctx["engine"] = engine
    return create_sessionmaker(engine)


async def close_database(ctx: dict[str, Any]) -> None:
    """A worker's `on_shutdown`."""
    engine = ctx.pop("engine", None)
    if engine is not None:
        await engine.dispose()


async def enqueue(
    redis: ArqRedis, job: str, object_id: object, *, job_id: str, queue_name: str
) -> bool:
    """Wakes a worker for one object (call after the commit that recorded it); False when a job
    with that id is already queued or running."""
    queued = await redis.enqueue_job(
        job,
        str(object_id),
        request_id=current_request_id(),
        _job_id=job_id,
        _queue_name=queue_name,
    )
    return queued is not None


def queue_cron(coroutine: WorkerCoroutine, queue_name: str, **options: Any) -> CronJob:
    """An arq cron job named for its queue: arq's cron job ids are global to a Redis, so
    without the queue in the name another environment's worker on the same Redis would take
    this queue's runs (and this one would never see them)."""
    name = f"cron:{coroutine.__qualname__}:{queue_name}"
    return cron(coroutine, name=name, **options)
