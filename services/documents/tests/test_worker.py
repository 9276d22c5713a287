import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from arq import Retry, Worker
from arq.connections import ArqRedis, create_pool

from zikao_documents import service
from zikao_documents.jobs import enqueue_render, render_job_id
from zikao_documents.models import DocumentRequest, DocumentStatus
from zikao_documents.rendering import ATTEMPTS_EXHAUSTED
from zikao_documents.settings import DocumentsSettings
from zikao_documents.storage import LocalStorage
from zikao_documents.testing import MakeRequest
from zikao_documents.worker import (
    WorkerDeps,
    WorkerSettings,
    render_document,
    sweep_unfinished,
)
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.worker import redis_settings


async def _stored(db: Sessionmaker, document: DocumentRequest) -> DocumentRequest:
    async with db() as session:
        found = await service.get_document(session, document.id)
    assert found is not None
    return found


async def _update(db: Sessionmaker, document: DocumentRequest, **values: object) -> None:
    async with db.begin() as session:
        found = await service.get_document(session, document.id)
        assert found is not None
        for name, value in values.items():
            setattr(found, name, value)


class BrokenDisk(LocalStorage):
    async def write(self, key: str, data: bytes) -> None:
        raise OSError(28, "No space left on device")


@pytest.fixture
async def arq_pool(redis_url: str, settings: DocumentsSettings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(redis_settings(redis_url))
    yield pool
    queued = await pool.queued_jobs(queue_name=settings.queue_name)
    await pool.delete(settings.queue_name, *(f"arq:job:{job.job_id}" for job in queued))
    await pool.aclose()


async def test_the_render_job_stores_a_verified_pdf(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker, storage: LocalStorage
) -> None:
    document = await make_request()
    assert await render_document({"deps": deps}, str(document.id)) == "ready"
    ready = await _stored(db, document)
    assert ready.status is DocumentStatus.READY
    assert ready.attempts == 1
    assert ready.ready_at is not None
    assert ready.last_error is None
    assert ready.storage_key == f"{document.id}/{ready.sha256}.pdf"
    pdf = await storage.read(ready.storage_key)
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == ready.sha256
    assert await service.read_file(storage, ready) == pdf


async def test_running_the_job_again_changes_nothing(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker
) -> None:
    document = await make_request()
    await render_document({"deps": deps}, str(document.id))
    first = await _stored(db, document)
    assert await render_document({"deps": deps}, str(document.id)) == "skipped"
    again = await _stored(db, document)
    assert (again.attempts, again.sha256, again.ready_at) == (1, first.sha256, first.ready_at)


async def test_an_unknown_request_is_skipped(deps: WorkerDeps) -> None:
    assert await render_document({"deps": deps}, str(uuid.uuid4())) == "skipped"


async def test_content_that_cannot_be_drawn_fails_at_once(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker
) -> None:
    document = await make_request()
    await _update(db, document, content={"broken": True})
    assert await render_document({"deps": deps}, str(document.id)) == "failed"
    failed = await _stored(db, document)
    assert failed.status is DocumentStatus.FAILED
    assert failed.last_error == "invalid_content"
    assert failed.attempts == 1


async def test_a_transient_error_retries_until_attempts_run_out(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker
) -> None:
    document = await make_request()
    broken = WorkerDeps(deps.settings, deps.db, BrokenDisk(deps.settings.storage_dir))
    for attempt in range(1, deps.settings.render_max_attempts):
        with pytest.raises(Retry):
            await render_document({"deps": broken}, str(document.id))
        retrying = await _stored(db, document)
        assert (retrying.status, retrying.attempts) == (DocumentStatus.RENDERING, attempt)
    assert await render_document({"deps": broken}, str(document.id)) == "failed"
    failed = await _stored(db, document)
    assert failed.status is DocumentStatus.FAILED
    assert failed.last_error == "transient:OSError"


async def test_a_request_out_of_attempts_fails(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker
) -> None:
    document = await make_request()
    limit = deps.settings.render_max_attempts
    await _update(db, document, status=DocumentStatus.RENDERING, attempts=limit)
    assert await render_document({"deps": deps}, str(document.id)) == "skipped"
    failed = await _stored(db, document)
    assert (failed.status, failed.last_error) == (DocumentStatus.FAILED, ATTEMPTS_EXHAUSTED)


async def test_the_sweeper_wakes_requests_whose_wake_up_was_lost(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker, arq_pool: ArqRedis
) -> None:
    long_ago = utc_now() - timedelta(minutes=30)
    lost = await make_request(uuid.uuid4())
    fresh = await make_request(uuid.uuid4())
    abandoned = await make_request(uuid.uuid4())
    busy = await make_request(uuid.uuid4())
    done = await make_request(uuid.uuid4())
    await _update(db, lost, requested_at=long_ago)
    await _update(db, abandoned, requested_at=long_ago, status=DocumentStatus.RENDERING,
                  attempted_at=long_ago)  # fmt: skip
    await _update(db, busy, requested_at=long_ago, status=DocumentStatus.RENDERING,
                  attempted_at=utc_now())  # fmt: skip
    await _update(db, done, requested_at=long_ago, status=DocumentStatus.READY)
    ctx = {"deps": deps, "redis": arq_pool}
    assert await sweep_unfinished(ctx) == 2
    queued = await arq_pool.queued_jobs(queue_name=deps.settings.queue_name)
    assert {j.job_id for j in queued} == {render_job_id(lost.id), render_job_id(abandoned.id)}
    assert {tuple(j.args) for j in queued} == {(str(lost.id),), (str(abandoned.id),)}
    assert fresh.id not in {j.args[0] for j in queued}
    assert await sweep_unfinished(ctx) == 0  # already queued: no second job


# arq 0.28's Worker.close() calls redis-py's deprecated `close()`.
@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_a_real_worker_renders_an_enqueued_request(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker, arq_pool: ArqRedis,
    redis_url: str,
) -> None:  # fmt: skip
    document = await make_request()
    queue = deps.settings.queue_name
    assert await enqueue_render(arq_pool, document.id, queue_name=queue)
    assert not await enqueue_render(arq_pool, document.id, queue_name=queue)  # one job per id
    worker = Worker(
        functions=WorkerSettings.functions,
        queue_name=queue,
        redis_settings=redis_settings(redis_url),
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
        ctx={"deps": deps},
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert (await _stored(db, document)).status is DocumentStatus.READY
    # The finished job left no key behind, so the request can be woken again.
    assert await enqueue_render(arq_pool, document.id, queue_name=queue)


def test_redis_settings_accept_tcp_and_unix_socket_urls() -> None:
    tcp = redis_settings("redis://:secret@cache.internal:6380/2")
    assert (tcp.host, tcp.port, tcp.database, tcp.password) == ("cache.internal", 6380, 2, "secret")
    unix = redis_settings("unix:///srv/zikao/.run/my%20redis/redis.sock?db=3")
    assert unix.unix_socket_path == "/srv/zikao/.run/my redis/redis.sock"
    assert unix.database == 3
