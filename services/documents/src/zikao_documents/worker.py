"""The documents worker: `arq zikao_documents.worker.WorkerSettings`.

Redis only carries wake-ups; each job re-reads its request from PostgreSQL, and a cron sweeper
re-enqueues requests whose wake-up was lost. A worker killed mid-render leaves its request
RENDERING with a lease of `DOCUMENTS_RENDERING_LEASE_SECONDS`; once it ran out, the next sweep
(every `DOCUMENTS_SWEEP_EVERY_SECONDS`) wakes the request under a new job id, so it is ready
again within lease + sweep period + one render (about 30 s by default).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from arq import Retry, func
from arq.connections import ArqRedis
from sqlalchemy.exc import InterfaceError, OperationalError

from zikao_documents import batches, fonts, rendering, sources
from zikao_documents.graph import GraphClient, UpstreamError
from zikao_documents.jobs import (
    PREPARE_JOB,
    RENDER_JOB,
    RENDER_MANY_JOB,
    enqueue_prepare,
    enqueue_render,
    enqueue_renders,
)
from zikao_documents.models import SCHEMA
from zikao_documents.render import RenderError
from zikao_documents.settings import DocumentsSettings, get_settings
from zikao_documents.storage import LocalStorage, Storage
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.logging import reset_request_id, set_request_id
from zikao_kit.worker import close_database, open_database, queue_cron, redis_settings

logger = logging.getLogger("zikao.documents.worker")
WorkerContext = dict[str, Any]
# Worth another attempt: the disk or the database hiccuped, not the document.
TRANSIENT_ERRORS = (OSError, OperationalError, InterfaceError)
READY, SKIPPED, FAILED = "ready", "skipped", "failed"


@dataclass(frozen=True)
class WorkerDeps:
    """What every job needs, made once at start-up and kept in the arq context."""

    settings: DocumentsSettings
    db: Sessionmaker
    storage: Storage
    graph: GraphClient | None = None


def deps_of(ctx: WorkerContext) -> WorkerDeps:
    deps = ctx["deps"]
    if not isinstance(deps, WorkerDeps):
        raise TypeError("the worker context holds no WorkerDeps")
    return deps


async def render_document(
    ctx: WorkerContext, document_id: str, request_id: str | None = None
) -> str:
    """Renders one request to a stored PDF; safe to run twice. Returns what happened: ready,
    skipped (nothing to do, or another job finished it) or failed."""
    token = set_request_id(request_id or ctx.get("job_id"))
    try:
        outcomes = await _render(deps_of(ctx), [uuid.UUID(document_id)])
        return outcomes.get(uuid.UUID(document_id), SKIPPED)
    finally:
        reset_request_id(token)


async def render_documents(
    ctx: WorkerContext, document_ids: list[str], request_id: str | None = None
) -> dict[str, int]:
    """Renders a chunk of requests (a sitting's tickets), each on its own terms as
    `render_document` would; one job instead of one per request spares the Redis round trips
    and the transactions per ticket. Returns how many ended in each way."""
    token = set_request_id(request_id or ctx.get("job_id"))
    try:
        outcomes = await _render(deps_of(ctx), [uuid.UUID(i) for i in document_ids])
        return dict(Counter(outcomes.get(uuid.UUID(i), SKIPPED) for i in document_ids))
    finally:
        reset_request_id(token)


def retry_delay(settings: DocumentsSettings, attempt: int) -> timedelta:
    """The wait before attempt `attempt + 1`: the backoff, doubled after each failure."""
    return timedelta(seconds=settings.retry_backoff_seconds * 2 ** (attempt - 1))


async def _render(deps: WorkerDeps, document_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Counts the attempts, draws and stores the PDFs, records them; a transient failure puts
    its requests back for a retry of the job (`Retry`) or, out of attempts, fails them."""
    settings = deps.settings
    lease = timedelta(seconds=settings.rendering_lease_seconds)
    async with deps.db.begin() as session:
        drafts = await rendering.begin_attempts(
            session, document_ids, max_attempts=settings.render_max_attempts, lease=lease
        )
    if not drafts:
        return {}
    results = await asyncio.to_thread(rendering.render_all, drafts)
    failed = {
        draft.document_id: result.code
        for draft, result in zip(drafts, results, strict=True)
        if isinstance(result, RenderError)
    }
    stored, transient = await _store(deps.storage, results)
    outcomes = await _record(deps, stored, failed, transient)
    if transient:
        retrying = [draft for draft in drafts if draft.document_id in transient]
        await _retry_or_fail(deps, retrying, transient, outcomes)
    return outcomes


async def _store(
    storage: Storage, results: list[rendering.Rendered | RenderError]
) -> tuple[list[rendering.Rendered], dict[uuid.UUID, str]]:
    """Writes the rendered files side by side (each write waits on the disk's sync); returns
    those stored and the error codes of those not."""
    rendered = [result for result in results if not isinstance(result, RenderError)]
    written = await asyncio.gather(
        *(storage.write(result.storage_key, result.pdf) for result in rendered),
        return_exceptions=True,
    )
    stored, transient = [], {}
    for result, error in zip(rendered, written, strict=True):
        if error is None:
            stored.append(result)
        elif isinstance(error, TRANSIENT_ERRORS):
            transient[result.document_id] = f"transient:{type(error).__name__}"
        else:
            raise error
    return stored, transient


async def _record(
    deps: WorkerDeps,
    stored: list[rendering.Rendered],
    failed: dict[uuid.UUID, str],
    transient: dict[uuid.UUID, str],
) -> dict[uuid.UUID, str]:
    """One transaction for the chunk's files READY and its permanent failures; what happened
    to each (a stored file another job recorded first is skipped). A transient database error
    adds the stored ones to `transient`."""
    try:
        async with deps.db.begin() as session:
            ready = await rendering.record_ready(session, stored)
            for document_id, code in failed.items():
                await rendering.mark_failed(session, document_id, code)
    except TRANSIENT_ERRORS as error:
        transient.update({f.document_id: f"transient:{type(error).__name__}" for f in stored})
        return {}
    outcomes = {f.document_id: SKIPPED for f in stored}
    outcomes.update({document_id: READY for document_id in ready})
    outcomes.update({document_id: FAILED for document_id in failed})
    return outcomes


async def _retry_or_fail(
    deps: WorkerDeps,
    drafts: list[rendering.Draft],
    codes: dict[uuid.UUID, str],
    outcomes: dict[uuid.UUID, str],
) -> None:
    """After a transient failure: requests out of attempts fail; the others wait for the job's
    retry after the backoff of the latest attempt (`Retry`), the sweeper's once it is overdue
    by a lease."""
    settings = deps.settings
    retrying = [d for d in drafts if d.attempt < settings.render_max_attempts]
    for draft in drafts:
        if draft.attempt >= settings.render_max_attempts:
            await _fail(deps, draft.document_id, codes[draft.document_id])
            outcomes[draft.document_id] = FAILED
    if not retrying:
        return
    attempt = max(draft.attempt for draft in retrying)
    delay = retry_delay(settings, attempt)
    due_by = utc_now() + delay + timedelta(seconds=settings.rendering_lease_seconds)
    async with deps.db.begin() as session:
        for draft in retrying:
            code = codes[draft.document_id]
            await rendering.retry_later(session, draft.document_id, code, due_by=due_by)
    extra = {"documents": len(retrying), "attempt": attempt, "error": code}
    logger.warning("render attempt failed; retrying", extra=extra)
    raise Retry(defer=delay)


async def _fail(deps: WorkerDeps, document_id: uuid.UUID, code: str) -> None:
    async with deps.db.begin() as session:
        await rendering.mark_failed(session, document_id, code)


async def prepare_ticket_batch(
    ctx: WorkerContext, batch_id: str, request_id: str | None = None, chunk: int = 0
) -> int:
    """Requests the tickets of the batch's next chunk of candidates (their facts read from
    identity and records with the service token), wakes their renders after the commit, and
    wakes itself for the chunk after; returns how many candidates it prepared."""
    token = set_request_id(request_id or ctx.get("job_id"))
    try:
        deps = deps_of(ctx)
        done = await _prepare_chunk(deps, uuid.UUID(batch_id), ctx["redis"])
        if done:
            queue = deps.settings.queue_name
            await enqueue_prepare(
                ctx["redis"], uuid.UUID(batch_id), chunk=chunk + 1, queue_name=queue
            )
        return done
    finally:
        reset_request_id(token)


async def _prepare_chunk(deps: WorkerDeps, batch_id: uuid.UUID, redis: ArqRedis) -> int:
    graph = deps.graph or GraphClient(deps.settings)
    async with deps.db.begin() as session:
        members = await batches.next_chunk(session, batch_id)
        if not members:
            return 0
        batch = await batches.batch_of(session, batch_id)
        ids = [m.candidate_id for m in members]
        try:
            facts = await sources.ticket_facts(graph, ids, batch.sitting)
        except UpstreamError as error:
            raise Retry(defer=deps.settings.retry_backoff_seconds) from error
        requested = await batches.prepare(
            session, members, facts, issuer=deps.settings.issuer, now=utc_now()
        )
    waiting = [(d.id, d.attempts) for d in requested if not d.is_done]
    await enqueue_renders(redis, waiting, queue_name=deps.settings.queue_name)
    return len(members)


async def sweep_unfinished(ctx: WorkerContext) -> int:
    """Re-enqueues unfinished requests whose wake-up seems lost; returns how many."""
    deps = deps_of(ctx)
    settings = deps.settings
    async with deps.db() as session:
        stale = await rendering.stale_requests(
            session,
            pending_after=timedelta(seconds=settings.sweep_pending_after_seconds),
            now=utc_now(),
        )
    redis: ArqRedis = ctx["redis"]
    queue = settings.queue_name
    enqueued = [
        await enqueue_render(redis, document_id, attempts=attempts, queue_name=queue)
        for document_id, attempts in stale
    ]
    if stale:
        logger.info(
            "swept unfinished requests", extra={"stale": len(stale), "enqueued": sum(enqueued)}
        )
    return sum(enqueued) + await _sweep_batches(deps, redis)


async def _sweep_batches(deps: WorkerDeps, redis: ArqRedis) -> int:
    """Wakes ticket batches still preparing after `DOCUMENTS_SWEEP_PENDING_AFTER_SECONDS`
    (their chain of chunk jobs may have died with a worker)."""
    older_than = timedelta(seconds=deps.settings.sweep_pending_after_seconds)
    async with deps.db() as session:
        stalled = await batches.stalled(session, older_than=older_than)
    queue = deps.settings.queue_name
    woken = [await enqueue_prepare(redis, i, chunk=0, queue_name=queue) for i in stalled]
    return sum(woken)


async def startup(ctx: WorkerContext) -> None:
    # Parse (and on a new machine first convert) the PDF fonts before any job's timeout runs.
    await asyncio.to_thread(fonts.register)
    settings = get_settings()
    db = open_database(ctx, "documents-worker", settings, SCHEMA, pool_size=settings.db_pool_size)
    storage = LocalStorage(settings.storage_dir)
    graph = GraphClient(settings)
    ctx["deps"] = WorkerDeps(settings=settings, db=db, storage=storage, graph=graph)


_settings = get_settings()


class WorkerSettings:
    functions = [
        func(
            render_document,
            name=RENDER_JOB,
            keep_result=0,  # a finished job leaves no key behind
            max_tries=_settings.render_max_attempts + 2,  # PostgreSQL counts attempts first
            timeout=_settings.render_timeout_seconds,
        ),
        func(
            render_documents,
            name=RENDER_MANY_JOB,
            keep_result=0,
            max_tries=_settings.render_max_attempts + 2,
            timeout=_settings.render_timeout_seconds,
        ),
        func(
            prepare_ticket_batch,
            name=PREPARE_JOB,
            keep_result=0,
            max_tries=_settings.render_max_attempts + 2,
            timeout=_settings.render_timeout_seconds,
        ),
    ]
    cron_jobs = [
        queue_cron(
            sweep_unfinished,
            _settings.queue_name,
            second=set(range(0, 60, _settings.sweep_every_seconds)),
            run_at_startup=True,
            keep_result=0,
            timeout=_settings.render_timeout_seconds,
        )
    ]
    # arq keeps a started job's in-progress key for the longest timeout + 10 s: with short
    # timeouts everywhere a killed worker's job runs again within that, even without the
    # sweeper. Failed jobs keep no result key, which would refuse their id for an hour.
    job_timeout = _settings.render_timeout_seconds
    # arq takes at most `max_jobs` (10) jobs a poll, then waits `poll_delay` (0.5 s by default):
    # that held a worker to 20 renders a second whatever the machine. Polling every 50 ms lifts
    # the cap to 200 a second (an idle worker's poll is one ZRANGEBYSCORE).
    poll_delay = 0.05
    # A chunk job renders `RENDER_CHUNK` tickets; arq's default of 10 jobs side by side put 200
    # renders on one core at once, and on a busy machine a chunk then outran its timeout. Four
    # keep a core busy while others wait on PostgreSQL.
    max_jobs = 4
    keep_result = 0
    on_startup = startup
    on_shutdown = close_database
    redis_settings = redis_settings(_settings.redis_url)
    queue_name = _settings.queue_name
