import hashlib
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from arq import Retry, Worker
from arq.connections import ArqRedis, create_pool

from zikao_documents import service
from zikao_documents.jobs import RENDER_CHUNK, enqueue_render, enqueue_renders, render_job_id
from zikao_documents.models import DocumentRequest, DocumentStatus
from zikao_documents.rendering import ATTEMPTS_EXHAUSTED
from zikao_documents.settings import DocumentsSettings
from zikao_documents.storage import LocalStorage
from zikao_documents.testing import MakeRequest
from zikao_documents.worker import (
    WorkerDeps,
    WorkerSettings,
    render_document,
    render_documents,
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
    """A disk whose first `failures` writes fail (all of them by default); remembers when."""

    def __init__(self, root: Path, failures: int = 1_000) -> None:
        super().__init__(root)
        self.failures = failures
        self.writes: list[float] = []

    async def write(self, key: str, data: bytes) -> None:
        self.writes.append(time.monotonic())
        if len(self.writes) <= self.failures:
            raise OSError(28, "No space left on device")
        await super().write(key, data)


async def _work_off(deps: WorkerDeps, redis_url: str, max_jobs: int = 10) -> Worker:
    """Runs a real arq worker on the test's queue until it is empty (deferred retries too);
    jobs that run side by side share the test's one connection, so give one at a time to
    jobs of several transactions each."""
    worker = Worker(
        functions=WorkerSettings.functions,
        queue_name=deps.settings.queue_name,
        redis_settings=redis_settings(redis_url),
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
        keep_result=0,
        max_jobs=max_jobs,
        ctx={"deps": deps},
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


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


async def test_a_transient_error_retries_with_backoff_until_attempts_run_out(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker
) -> None:
    document = await make_request()
    broken = WorkerDeps(deps.settings, deps.db, BrokenDisk(deps.settings.storage_dir))
    backoff, lease = deps.settings.retry_backoff_seconds, deps.settings.rendering_lease_seconds
    for attempt in range(1, deps.settings.render_max_attempts):
        with pytest.raises(Retry) as retry:
            await render_document({"deps": broken}, str(document.id))
        delay = backoff * 2 ** (attempt - 1)
        assert retry.value.defer_score == delay * 1000
        waiting = await _stored(db, document)
        assert (waiting.status, waiting.attempts) == (DocumentStatus.PENDING, attempt)
        assert waiting.last_error == "transient:OSError"
        # The sweeper leaves it to the retry until the retry is overdue by a lease.
        assert waiting.lease_until is not None
        due_in = (waiting.lease_until - utc_now()).total_seconds()
        assert delay + lease - 5 < due_in <= delay + lease
    assert await render_document({"deps": broken}, str(document.id)) == "failed"
    failed = await _stored(db, document)
    assert (failed.status, failed.attempts) == (
        DocumentStatus.FAILED,
        broken.settings.render_max_attempts,
    )
    assert failed.last_error == "transient:OSError"
    assert failed.lease_until is None


async def test_a_request_another_job_holds_is_skipped_without_an_attempt(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker
) -> None:
    document = await make_request()
    leased = utc_now() + timedelta(seconds=10)
    await _update(db, document, status=DocumentStatus.RENDERING, attempts=1,
                  lease_until=leased)  # fmt: skip
    assert await render_document({"deps": deps}, str(document.id)) == "skipped"
    held = await _stored(db, document)
    assert (held.status, held.attempts) == (DocumentStatus.RENDERING, 1)
    # Once the lease ran out its job is gone: the next job takes the request over.
    await _update(db, document, lease_until=utc_now() - timedelta(seconds=1))
    assert await render_document({"deps": deps}, str(document.id)) == "ready"
    ready = await _stored(db, document)
    assert (ready.status, ready.attempts, ready.lease_until) == (DocumentStatus.READY, 2, None)


async def test_a_request_out_of_attempts_fails(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker
) -> None:
    document = await make_request()
    limit = deps.settings.render_max_attempts
    await _update(db, document, status=DocumentStatus.RENDERING, attempts=limit)
    assert await render_document({"deps": deps}, str(document.id)) == "skipped"
    failed = await _stored(db, document)
    assert (failed.status, failed.last_error) == (DocumentStatus.FAILED, ATTEMPTS_EXHAUSTED)


async def test_a_chunk_job_renders_and_records_each_request_on_its_own(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker, storage: LocalStorage
) -> None:
    fresh, other, done, broken = [await make_request() for _ in range(4)]
    assert await render_document({"deps": deps}, str(done.id)) == "ready"
    await _update(db, broken, content={"broken": True})
    ids = [str(d.id) for d in (fresh, other, done, broken)] + [str(uuid.uuid4())]
    assert await render_documents({"deps": deps}, ids) == {"ready": 2, "skipped": 2, "failed": 1}
    for document in (fresh, other):
        ready = await _stored(db, document)
        assert (ready.status, ready.attempts, ready.lease_until) == (DocumentStatus.READY, 1, None)
        assert ready.storage_key is not None
        assert hashlib.sha256(await storage.read(ready.storage_key)).hexdigest() == ready.sha256
    assert (await _stored(db, done)).attempts == 1  # done before: no second attempt
    failed = await _stored(db, broken)
    assert (failed.status, failed.last_error) == (DocumentStatus.FAILED, "invalid_content")
    assert await render_documents({"deps": deps}, ids) == {"skipped": 5}


async def test_a_chunk_retries_only_what_a_transient_error_stopped(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker
) -> None:
    first, second = await make_request(), await make_request()
    flaky = WorkerDeps(deps.settings, deps.db, BrokenDisk(deps.settings.storage_dir, failures=1))
    ids = [str(first.id), str(second.id)]
    with pytest.raises(Retry) as retry:
        await render_documents({"deps": flaky}, ids)
    assert retry.value.defer_score == deps.settings.retry_backoff_seconds * 1000
    waiting, ready = await _stored(db, first), await _stored(db, second)
    assert (waiting.status, waiting.last_error) == (DocumentStatus.PENDING, "transient:OSError")
    assert ready.status is DocumentStatus.READY
    assert await render_documents({"deps": flaky}, ids) == {"ready": 1, "skipped": 1}
    again, untouched = await _stored(db, first), await _stored(db, second)
    assert (again.status, again.attempts, again.last_error) == (DocumentStatus.READY, 2, None)
    assert (untouched.attempts, untouched.ready_at) == (1, ready.ready_at)


async def test_the_sweeper_wakes_requests_whose_wake_up_was_lost(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker, arq_pool: ArqRedis
) -> None:
    now = utc_now()
    long_ago, past, later = (
        now - timedelta(minutes=30),
        now - timedelta(seconds=1),
        now + timedelta(seconds=9),
    )
    rows = {name: await make_request(uuid.uuid4()) for name in
            ("lost", "fresh", "abandoned", "busy", "retry_due", "retry_lost", "done")}  # fmt: skip
    await _update(db, rows["lost"], requested_at=long_ago)
    for name, status, lease in [
        ("abandoned", DocumentStatus.RENDERING, past),
        ("busy", DocumentStatus.RENDERING, later),
        ("retry_due", DocumentStatus.PENDING, later),
        ("retry_lost", DocumentStatus.PENDING, past),
        ("done", DocumentStatus.READY, None),
    ]:
        await _update(db, rows[name], requested_at=long_ago, status=status, attempts=1,
                      attempted_at=long_ago, lease_until=lease)  # fmt: skip
    ctx = {"deps": deps, "redis": arq_pool}
    assert await sweep_unfinished(ctx) == 3
    queued = await arq_pool.queued_jobs(queue_name=deps.settings.queue_name)
    lost, abandoned, retry_lost = rows["lost"].id, rows["abandoned"].id, rows["retry_lost"].id
    assert {j.job_id for j in queued} == {
        render_job_id(lost, 0),  # the id its first wake-up had: no second while that is queued
        render_job_id(abandoned, 1),  # a new id: the dead job's keys may still be in Redis
        render_job_id(retry_lost, 1),
    }
    assert {tuple(j.args) for j in queued} == {(str(i),) for i in (lost, abandoned, retry_lost)}
    assert await sweep_unfinished(ctx) == 0  # already queued: no second job


# arq 0.28's Worker.close() calls redis-py's deprecated `close()`.
@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_a_real_worker_renders_an_enqueued_request(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker, arq_pool: ArqRedis,
    redis_url: str,
) -> None:  # fmt: skip
    document = await make_request()
    queue = deps.settings.queue_name
    assert await enqueue_render(arq_pool, document.id, attempts=0, queue_name=queue)
    assert not await enqueue_render(arq_pool, document.id, attempts=0, queue_name=queue)
    worker = await _work_off(deps, redis_url)
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert (await _stored(db, document)).status is DocumentStatus.READY
    # The finished job left no key behind, so the request can be woken again.
    assert await enqueue_render(arq_pool, document.id, attempts=0, queue_name=queue)


@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_a_real_worker_renders_many_requests_a_chunk_a_job(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker, arq_pool: ArqRedis,
    redis_url: str,
) -> None:  # fmt: skip
    documents = [await make_request() for _ in range(RENDER_CHUNK + 3)]
    waiting = [(d.id, 0) for d in documents]
    queue = deps.settings.queue_name
    assert await enqueue_renders(arq_pool, waiting, queue_name=queue) == 2
    assert await enqueue_renders(arq_pool, waiting, queue_name=queue) == 0  # already queued
    worker = await _work_off(deps, redis_url, max_jobs=1)
    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)
    stored = [await _stored(db, d) for d in documents]
    assert {(s.status, s.attempts) for s in stored} == {(DocumentStatus.READY, 1)}


@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_a_real_worker_retries_a_transient_failure_after_a_backoff(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker, arq_pool: ArqRedis,
    redis_url: str,
) -> None:  # fmt: skip
    document = await make_request()
    settings = deps.settings.model_copy(update={"retry_backoff_seconds": 0.3})
    disk = BrokenDisk(settings.storage_dir, failures=1)
    flaky = WorkerDeps(settings, deps.db, disk)
    assert await enqueue_render(arq_pool, document.id, attempts=0, queue_name=settings.queue_name)
    worker = await _work_off(flaky, redis_url)
    assert (worker.jobs_retried, worker.jobs_complete, worker.jobs_failed) == (1, 1, 0)
    assert disk.writes[1] - disk.writes[0] >= 0.3
    ready = await _stored(db, document)
    assert (ready.status, ready.attempts, ready.last_error) == (DocumentStatus.READY, 2, None)
    assert hashlib.sha256(await disk.read(f"{document.id}/{ready.sha256}.pdf")).hexdigest() == (
        ready.sha256
    )


@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_a_real_worker_gives_a_failing_render_up_after_the_set_tries(
    make_request: MakeRequest, deps: WorkerDeps, db: Sessionmaker, arq_pool: ArqRedis,
    redis_url: str,
) -> None:  # fmt: skip
    document = await make_request()
    settings = deps.settings.model_copy(
        update={"retry_backoff_seconds": 0.2, "render_max_attempts": 3}
    )
    disk = BrokenDisk(settings.storage_dir)
    assert await enqueue_render(arq_pool, document.id, attempts=0, queue_name=settings.queue_name)
    worker = await _work_off(WorkerDeps(settings, deps.db, disk), redis_url)
    assert (worker.jobs_retried, worker.jobs_complete, worker.jobs_failed) == (2, 1, 0)
    gaps = [later - earlier for earlier, later in itertools.pairwise(disk.writes)]
    assert len(gaps) == 2
    assert gaps[0] >= 0.2
    assert gaps[1] >= 0.4  # doubled
    failed = await _stored(db, document)
    assert (failed.status, failed.attempts) == (DocumentStatus.FAILED, 3)
    assert failed.last_error == "transient:OSError"
    assert not settings.storage_dir.exists() or not any(settings.storage_dir.rglob("*.pdf"))


def test_redis_settings_accept_tcp_and_unix_socket_urls() -> None:
    tcp = redis_settings("redis://:secret@cache.internal:6380/2")
    assert (tcp.host, tcp.port, tcp.database, tcp.password) == ("cache.internal", 6380, 2, "secret")
    unix = redis_settings("unix:///srv/zikao/.run/my%20redis/redis.sock?db=3")
    assert unix.unix_socket_path == "/srv/zikao/.run/my redis/redis.sock"
    assert unix.database == 3
