"""The records worker: `arq zikao_records.worker.WorkerSettings` (queue `zikao:records`).

Jobs: seat allocation runs; score imports (check, then apply; `service.imports`); batch
graduation audits (`service.graduation_batch`). A cron sweeper wakes runs whose wake-up was lost
(or whose worker died) and moves unpaid sign-ups past their time to LAPSED; others wake open
score imports and batch graduation audits.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from arq import func
from arq.connections import ArqRedis

from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.logging import reset_request_id, set_request_id
from zikao_kit.worker import close_database, open_database, queue_cron, redis_settings
from zikao_records.directory import IdentityClient
from zikao_records.import_settings import import_settings
from zikao_records.jobs import (
    ALLOCATE_JOB,
    GRADUATION_AUDIT_JOB,
    IMPORT_JOB,
    enqueue_allocation,
    enqueue_graduation_audit,
    enqueue_score_import,
)
from zikao_records.list_settings import list_settings
from zikao_records.models import SCHEMA
from zikao_records.repository.graduation import AuditRunRepository
from zikao_records.repository.seating import AllocationRepository
from zikao_records.repository.signup import SignupRepository
from zikao_records.service import graduation_batch, imports
from zikao_records.service.exemptions import transfer_rule
from zikao_records.service.seating import run_allocation
from zikao_records.settings import RecordsSettings, get_settings

logger = logging.getLogger("zikao.records.worker")
WorkerContext = dict[str, Any]
ALLOCATION_TIMEOUT_SECONDS = 600
IMPORT_TIMEOUT_SECONDS = 1800
GRADUATION_AUDIT_TIMEOUT_SECONDS = 1800
GRADUATION_AUDIT_SWEEP_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class WorkerDeps:
    settings: RecordsSettings
    db: Sessionmaker


def deps_of(ctx: WorkerContext) -> WorkerDeps:
    deps = ctx["deps"]
    if not isinstance(deps, WorkerDeps):
        raise TypeError("the worker context holds no WorkerDeps")
    return deps


async def allocate_seats(ctx: WorkerContext, run_id: str, request_id: str | None = None) -> str:
    """Applies one allocation run; safe to run twice. Returns the run's status."""
    token = set_request_id(request_id or ctx.get("job_id"))
    try:
        run = await run_allocation(deps_of(ctx).db, uuid.UUID(run_id))
        return run.status.value if run is not None else "missing"
    finally:
        reset_request_id(token)


async def run_score_import(
    ctx: WorkerContext, import_id: str, request_id: str | None = None
) -> str:
    """Checks (and, when clean or accepted, applies) one score import; safe to run twice.
    Returns the import's status."""
    token = set_request_id(request_id or ctx.get("job_id"))
    try:
        step = import_settings().import_check_lines
        identity = IdentityClient(list_settings())  # ticket numbers records does not know yet
        async with identity.connected() as tickets:
            found = await imports.run_import(
                deps_of(ctx).db, uuid.UUID(import_id), step=step, tickets=tickets
            )
        return found.status.value if found is not None else "missing"
    finally:
        reset_request_id(token)


async def sweep_imports(ctx: WorkerContext) -> int:
    """Wakes the open score imports again (a wake-up lost, a worker died); the job id keeps a
    running one from starting twice. Returns the imports woken."""
    deps = deps_of(ctx)
    async with deps.db() as session:
        waiting = await imports.unfinished_imports(session)
    redis: ArqRedis = ctx["redis"]
    name = deps.settings.queue_name
    return sum([await enqueue_score_import(redis, i, queue_name=name) for i in waiting])


async def run_graduation_audit(
    ctx: WorkerContext, run_id: str, request_id: str | None = None
) -> str:
    """Audits the candidates of one batch run, going on after the last one written; safe to
    run twice. Returns the run's status."""
    token = set_request_id(request_id or ctx.get("job_id"))
    try:
        deps = deps_of(ctx)
        settings = deps.settings
        run = await graduation_batch.run_audit(
            deps.db,
            uuid.UUID(run_id),
            validity_years=settings.pass_validity_years,
            transfers=transfer_rule(settings),
        )
        return run.status.value if run is not None else "missing"
    finally:
        reset_request_id(token)


async def sweep_graduation_audits(ctx: WorkerContext) -> int:
    """Wakes batch audits left pending or running (a wake-up lost, a worker died); the job id
    keeps a running one from starting twice. Returns the runs woken."""
    deps = deps_of(ctx)
    async with deps.db() as session:
        stale = await AuditRunRepository(session).stale(
            before=utc_now() - GRADUATION_AUDIT_SWEEP_AFTER
        )
    redis: ArqRedis = ctx["redis"]
    name = deps.settings.queue_name
    return sum([await enqueue_graduation_audit(redis, r, queue_name=name) for r in stale])


async def sweep(ctx: WorkerContext) -> int:
    """Lapses overdue unpaid sign-ups; wakes stale runs again. Returns the runs woken."""
    deps = deps_of(ctx)
    settings, now = deps.settings, utc_now()
    async with deps.db.begin() as session:
        lapsed = await SignupRepository(session).lapse(
            before=now - timedelta(minutes=settings.unpaid_lapse_minutes), now=now
        )
        stale = await AllocationRepository(session).stale(
            pending_before=now - timedelta(seconds=settings.allocation_sweep_after_seconds),
            running_before=now - timedelta(seconds=settings.allocation_lease_seconds),
        )
    redis: ArqRedis = ctx["redis"]
    woken = [await enqueue_allocation(redis, r, queue_name=settings.queue_name) for r in stale]
    if lapsed or stale:
        logger.info("swept", extra={"lapsed": lapsed, "stale_runs": len(stale)})
    return sum(woken)


async def startup(ctx: WorkerContext) -> None:
    settings = get_settings()
    db = open_database(ctx, "records-worker", settings, SCHEMA, pool_size=settings.db_pool_size)
    ctx["deps"] = WorkerDeps(settings=settings, db=db)


_settings = get_settings()


class WorkerSettings:
    functions = [
        func(
            allocate_seats,
            name=ALLOCATE_JOB,
            keep_result=0,
            max_tries=3,
            timeout=ALLOCATION_TIMEOUT_SECONDS,
        ),
        func(
            run_score_import,
            name=IMPORT_JOB,
            keep_result=0,
            max_tries=3,
            timeout=IMPORT_TIMEOUT_SECONDS,
        ),
        func(
            run_graduation_audit,
            name=GRADUATION_AUDIT_JOB,
            keep_result=0,
            max_tries=3,
            timeout=GRADUATION_AUDIT_TIMEOUT_SECONDS,
        ),
    ]
    cron_jobs = [
        queue_cron(sweep, _settings.queue_name, second={0, 30}, run_at_startup=True, keep_result=0),
        queue_cron(sweep_imports, _settings.queue_name, second={15}, keep_result=0),
        queue_cron(sweep_graduation_audits, _settings.queue_name, second={45}, keep_result=0),
    ]
    on_startup = startup
    on_shutdown = close_database
    redis_settings = redis_settings(_settings.redis_url)
    queue_name = _settings.queue_name
