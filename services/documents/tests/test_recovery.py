"""A worker killed mid-render, its Redis keys gone: every document is still made, once.

Real processes on a queue of the test's own, the session's database (rows committed, removed
at the end) and the shared Redis (only this queue's keys are deleted)."""

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from arq.connections import ArqRedis, create_pool
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from zikao_documents import service
from zikao_documents.jobs import enqueue_render, enqueue_renders, render_chunk_job_id
from zikao_documents.models import DocumentKind, DocumentRequest, DocumentStatus
from zikao_documents.testing import ticket_content
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, create_sessionmaker
from zikao_kit.worker import redis_settings

REQUESTED = 5
STALLED = "zikao_documents.testing.StalledWorkerSettings"  # takes 2, never finishes them
WORKER = "zikao_documents.worker.WorkerSettings"
RECOVERY_LIMIT_SECONDS = 60


class WorkerProcess:
    """`arq <settings>` in a process of its own, its log in a file."""

    def __init__(self, settings: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            argv = [sys.executable, "-m", "arq", settings]
            self.popen = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def problems(self) -> list[str]:
        """The warnings and errors this worker logged."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if '"warning"' in line or '"error"' in line]

    def readies(self, document_id: uuid.UUID) -> int:
        """How many times this worker logged the document as rendered and stored."""
        lines = self.log.read_text(errors="replace").splitlines()
        return sum("document ready" in line and str(document_id) in line for line in lines)


@pytest.fixture
def committed(engine: AsyncEngine) -> Sessionmaker:
    """Sessions that commit: the workers are other processes."""
    return create_sessionmaker(engine)


@pytest.fixture
def queue_name() -> str:
    return f"test:documents:recovery:{uuid.uuid4().hex}"


@pytest.fixture
def worker_env(
    database_url: str, redis_url: str, tmp_path: Path, queue_name: str
) -> dict[str, str]:
    return {
        **os.environ,
        "DOCUMENTS_DATABASE_URL": database_url,
        "DOCUMENTS_REDIS_URL": redis_url,
        "DOCUMENTS_QUEUE_NAME": queue_name,
        "DOCUMENTS_STORAGE_DIR": str(tmp_path / "documents"),
    }


@pytest.fixture
async def queue(redis_url: str, queue_name: str) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(redis_settings(redis_url))
    yield pool
    await _flush(pool, queue_name, [])
    await pool.aclose()


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for process in started:
        process.stop()


async def _flush(redis: ArqRedis, queue_name: str, document_ids: list[uuid.UUID]) -> int:
    """Deletes this queue and arq's keys of its jobs (never anything else: Redis is shared)."""
    keys = [queue_name, f"{queue_name}:health-check"]
    for document_id in document_ids:
        keys += [key async for key in redis.scan_iter(match=f"arq:*:render:{document_id}:*")]
    chunk = render_chunk_job_id([(document_id, 0) for document_id in document_ids])
    keys += [key async for key in redis.scan_iter(match=f"arq:*:{chunk}")]
    keys += [key async for key in redis.scan_iter(match=f"arq:*:cron:*:{queue_name}:*")]
    return int(await redis.delete(*keys))


async def _request(committed: Sessionmaker) -> DocumentRequest:
    candidate_id = uuid.uuid4()
    by = Principal(subject=str(candidate_id), role=Role.CANDIDATE, region_code="0101")
    async with committed.begin() as session:
        return await service.request_document(
            session,
            by=by,
            candidate_id=candidate_id,
            kind=DocumentKind.ADMISSION_TICKET,
            sitting="2026-10",
            content=ticket_content(),
        )


async def _states(committed: Sessionmaker, ids: list[uuid.UUID]) -> list[DocumentRequest]:
    async with committed() as session:
        found = await session.execute(
            select(DocumentRequest).where(col(DocumentRequest.id).in_(ids))
        )
        return list(found.scalars().all())


async def _wait_for(
    committed: Sessionmaker, ids: list[uuid.UUID], status: DocumentStatus, count: int, *,
    within: float,
) -> float:  # fmt: skip
    """Seconds until `count` of the requests have `status` (fails after `within`)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        states = await _states(committed, ids)
        if sum(document.status is status for document in states) >= count:
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    pytest.fail(f"not {count} × {status} within {within} s: {[d.status for d in states]}")


async def _remove(committed: Sessionmaker, ids: list[uuid.UUID]) -> None:
    async with committed.begin() as session:
        await session.execute(delete(DocumentRequest).where(col(DocumentRequest.id).in_(ids)))


# Redis lost: only the sweeper's lease rule brings the documents back. Redis kept: the dead
# jobs' keys are still there (arq's in-progress keys among them), and must not hold them up.
# Chunked: all of them woken in one job (as a sitting's batch wakes them), all interrupted.
@pytest.mark.parametrize(
    ("redis_lost", "chunked"),
    [(True, False), (False, False), (True, True)],
    ids=["redis-flushed", "redis-kept", "chunk-redis-flushed"],
)
async def test_a_killed_workers_documents_are_ready_once_within_a_minute(
    committed: Sessionmaker, queue: ArqRedis, queue_name: str, worker_env: dict[str, str],
    workers: list[WorkerProcess], tmp_path: Path, redis_lost: bool, chunked: bool,
) -> None:  # fmt: skip
    ids: list[uuid.UUID] = []
    try:
        for _ in range(REQUESTED):
            document = await _request(committed)  # committed, then woken: never the reverse
            ids.append(document.id)
            if not chunked:
                assert await enqueue_render(queue, document.id, attempts=0, queue_name=queue_name)
        if chunked:
            woken = [(i, 0) for i in ids]
            assert await enqueue_renders(queue, woken, queue_name=queue_name) == 1
        stalled = WorkerProcess(STALLED, worker_env, tmp_path / "stalled.log")
        workers.append(stalled)
        busy = REQUESTED if chunked else 2
        await _wait_for(committed, ids, DocumentStatus.RENDERING, busy, within=60)
        await asyncio.sleep(0.5)  # all inside their render, under their leases
        stalled.kill()
        killed_at = time.monotonic()
        at_kill = {d.id: d for d in await _states(committed, ids)}
        interrupted = {i for i, d in at_kill.items() if d.status is DocumentStatus.RENDERING}
        assert len(interrupted) == busy, stalled.problems()
        if redis_lost:
            assert await _flush(queue, queue_name, ids) > 0  # the queue and its jobs are gone

        fresh = WorkerProcess(WORKER, worker_env, tmp_path / "worker.log")
        workers.append(fresh)
        await _wait_for(committed, ids, DocumentStatus.READY, REQUESTED, within=60)
        recovered_in = time.monotonic() - killed_at
        print(f"redis lost={redis_lost}: all ready {recovered_in:.1f} s after the kill")  # noqa: T201
        assert recovered_in < RECOVERY_LIMIT_SECONDS

        storage = Path(worker_env["DOCUMENTS_STORAGE_DIR"])
        for document in await _states(committed, ids):
            assert document.sha256 is not None
            assert document.ready_at is not None
            # One attempt more than when the worker died, the one that made it: 2 for the
            # interrupted ones, 1 for those still queued (unless a transient error had struck).
            assert document.attempts == at_kill[document.id].attempts + 1
            assert document.lease_until is None
            files = sorted((storage / str(document.id)).iterdir())
            assert [f.name for f in files] == [f"{document.sha256}.pdf"]  # no second, no .part
            assert hashlib.sha256(files[0].read_bytes()).hexdigest() == document.sha256
            assert (stalled.readies(document.id), fresh.readies(document.id)) == (0, 1)
    finally:
        for process in workers:
            process.stop()
        await _flush(queue, queue_name, ids)
        await _remove(committed, ids)
