"""Batch graduation audits: staff audit every candidate of a major and/or region in the worker,
a page of candidates per transaction, with progress; the outcome rows feed the list of the
eligible and its export. A retried or re-woken run goes on after the last candidate it wrote."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import access, audit
from zikao_kit.auth import Principal
from zikao_kit.db import Sessionmaker, utc_now
from zikao_records import errors
from zikao_records.models import (
    AuditEntry,
    AuditRunStatus,
    GraduationAuditRow,
    GraduationAuditRun,
)
from zikao_records.repository.catalogue import MajorRepository
from zikao_records.repository.graduation import AuditRunRepository
from zikao_records.service import scope
from zikao_records.service.graduation import graduation_audits
from zikao_records.service.scores import CHONGQING_TRANSFERS, TransferRule

logger = logging.getLogger("zikao.records.graduation")
PAGE = 2000


async def start_run(
    session: AsyncSession,
    staff: Principal,
    *,
    major_code: str | None,
    region_code: str | None,
    now: datetime,
) -> GraduationAuditRun:
    """A new run (enqueue its job after the commit). District staff audit their own region
    only; a major that does not exist is `MajorNotFoundError`."""
    region_code = scope.covered_region(staff, region_code)
    if major_code is not None and not await MajorRepository(session).get_many([major_code]):
        raise errors.MajorNotFoundError()
    run = GraduationAuditRun(
        major_code=major_code,
        region_code=region_code,
        requested_by=staff.subject,
        requested_at=now,
    )
    session.add(run)
    await session.flush()
    audit.record(
        session,
        AuditEntry,
        staff,
        "graduation.batch_audit",
        target=f"graduation-audit:{run.id}",
        detail={"major": major_code, "region": region_code},
    )
    return run


async def run_audit(
    db: Sessionmaker,
    run_id: uuid.UUID,
    *,
    validity_years: int | None,
    transfers: TransferRule = CHONGQING_TRANSFERS,
    page: int = PAGE,
) -> GraduationAuditRun | None:
    """Audits the run's candidates page by page (each page one transaction, its rows and the
    run's progress together); safe to run twice. None for an unknown run."""
    async with db.begin() as session:
        runs = AuditRunRepository(session)
        run = await runs.get(run_id, lock=True)
        if run is None or run.status in (AuditRunStatus.DONE, AuditRunStatus.FAILED):
            return run
        run.status = AuditRunStatus.RUNNING
        run.started_at = run.started_at or utc_now()
        run.candidates_total = await runs.count(
            major_code=run.major_code, region_code=run.region_code
        )
        session.add(run)
        done, eligible, last = await runs.progress(run_id)
        major, region = run.major_code, run.region_code
    try:
        while True:
            async with db.begin() as session:
                runs = AuditRunRepository(session)
                ids = await runs.candidates(
                    major_code=major, region_code=region, after=last, limit=page
                )
                if not ids:
                    break
                rows = await _outcomes(session, run_id, ids, validity_years, transfers)
                await runs.save_rows(rows)
                done += len(rows)
                eligible += sum(1 for row in rows if row["eligible"])
                await runs.set_progress(run_id, done=done, eligible=eligible)
                last = ids[-1]
    except Exception:
        logger.exception("graduation audit run failed", extra={"run": str(run_id)})
        await _finish(db, run_id, AuditRunStatus.FAILED, error="the audit failed; see the log")
        raise
    return await _finish(db, run_id, AuditRunStatus.DONE)


async def _outcomes(
    session: AsyncSession,
    run_id: uuid.UUID,
    ids: list[uuid.UUID],
    validity_years: int | None,
    transfers: TransferRule,
) -> list[dict[str, Any]]:
    """The page's outcome rows (`GraduationAuditRow` columns; plain values, as building 2,000
    table models a page cost more than auditing them)."""
    audits = await graduation_audits(
        session,
        ids,
        now=utc_now(),
        validity_years=validity_years,
        transfers=transfers,
        plan_ahead=False,
    )
    regions = await scope.candidate_regions(session, ids)
    return [
        {
            "run_id": run_id,
            "candidate_id": candidate_id,
            "major_code": found.major.code,
            "region_code": regions.get(candidate_id),
            "eligible": found.eligible,
            "missing": len(found.missing),
            "required_passed": found.required_passed,
            "required_total": found.required_total,
            "elective_credits": found.elective_credits,
        }
        for candidate_id, found in audits.items()
    ]


async def _finish(
    db: Sessionmaker, run_id: uuid.UUID, status: AuditRunStatus, *, error: str | None = None
) -> GraduationAuditRun | None:
    async with db.begin() as session:
        run = await AuditRunRepository(session).get(run_id, lock=True)
        if run is None:
            return None
        run.status = status
        run.finished_at = utc_now()
        run.error = error
        session.add(run)
    return run


async def readable_run(
    session: AsyncSession, staff: Principal, run_id: uuid.UUID
) -> GraduationAuditRun:
    """A run the staff member may read (their region's, or any for province-wide staff)."""
    run = await AuditRunRepository(session).get(run_id)
    if run is None:
        raise errors.AuditRunNotFoundError()
    own = access.staff_region(staff)
    if own is not None and run.region_code != own:
        raise errors.AuditRunNotFoundError()
    return run


async def eligible_rows(
    db: Sessionmaker, run_id: uuid.UUID, *, page: int = PAGE
) -> AsyncIterator[list[GraduationAuditRow]]:
    """The run's eligible candidates, a page at a time (an export holds one page in memory)."""
    after: uuid.UUID | None = None
    while True:
        async with db() as session:
            rows = list(
                await AuditRunRepository(session).rows(
                    run_id, eligible_only=True, after=after, limit=page
                )
            )
        if not rows:
            return
        yield rows
        after = rows[-1].candidate_id
