"""Graduation applications (毕业申请): a candidate applies inside a graduation window when the
audit finds nothing missing; staff of the candidate's region (or province-wide) approve, which
records the graduation and closes the major for new sign-ups, or reject with a reason. Staff
also record the verified 专科 diploma a 本科 candidate graduates on. Every staff act is
audited."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit, clock
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError
from zikao_records import errors
from zikao_records.graduation_windows import Window
from zikao_records.models import (
    AuditEntry,
    GraduationApplication,
    GraduationStatus,
    PriorDiploma,
)
from zikao_records.repository.candidates import CandidateRepository
from zikao_records.repository.graduation import GraduationRepository
from zikao_records.service import scope
from zikao_records.service.graduation import GraduationAudit, graduation_audits
from zikao_records.service.scores import CHONGQING_TRANSFERS, TransferRule

ORIGIN = re.compile(r"^[A-Z][A-Z0-9_]{0,29}$")
DIPLOMA_NUMBER = re.compile(r"^[0-9A-Za-z-]{6,40}$")


@dataclass(frozen=True)
class ApplicationView:
    application: GraduationApplication


async def verify_diploma(
    session: AsyncSession,
    staff: Principal,
    candidate_id: uuid.UUID,
    *,
    diploma_number: str,
    origin: str,
    now: datetime,
) -> PriorDiploma:
    """Records that staff verified the candidate's 专科 (or higher) diploma, and the origin it
    gives (which picks the major's added courses); replaces an earlier verification."""
    await scope.ensure_candidate(session, staff, candidate_id)
    if DIPLOMA_NUMBER.match(diploma_number) is None:
        raise InvalidInputError(
            "diplomaNumber", "毕业证书编号格式不正确", code="bad_diploma_number"
        )
    if ORIGIN.match(origin) is None:
        raise InvalidInputError("origin", "专科来源代码格式不正确", code="bad_origin")
    diploma = PriorDiploma(
        candidate_id=candidate_id,
        diploma_number=diploma_number,
        origin=origin,
        verified_by=staff.subject,
        verified_at=now,
    )
    await GraduationRepository(session).save_diploma(diploma)
    audit.record(
        session,
        AuditEntry,
        staff,
        "diploma.verified",
        candidate_id=candidate_id,
        target=f"diploma:{candidate_id}",
        detail={"origin": origin},
    )
    return diploma


async def apply(
    session: AsyncSession,
    candidate_id: uuid.UUID,
    *,
    windows: Sequence[Window],
    now: datetime,
    validity_years: int | None,
    transfers: TransferRule = CHONGQING_TRANSFERS,
) -> ApplicationView:
    """The candidate's application; `GraduationWindowClosedError` outside every window,
    `MajorNotChosenError` without a major, `NotEligibleError` (listing what is missing) unless
    the audit finds nothing, `GraduationAlreadyAppliedError` while one is pending or approved."""
    if not any(window.holds(clock.in_beijing(now).date()) for window in windows):
        raise errors.GraduationWindowClosedError()
    found = await _audit(session, candidate_id, now, validity_years, transfers)
    if not found.eligible:
        raise errors.NotEligibleError(found.missing)
    regions = await CandidateRepository(session).regions([candidate_id])
    application = GraduationApplication(
        candidate_id=candidate_id,
        major_code=found.major.code,
        region_code=regions.get(candidate_id),
        applied_at=now,
    )
    if not await GraduationRepository(session).add_application(application):
        raise errors.GraduationAlreadyAppliedError()
    return ApplicationView(application)


async def decide(
    session: AsyncSession,
    staff: Principal,
    application_id: uuid.UUID,
    *,
    approve: bool,
    reason: str | None,
    now: datetime,
    validity_years: int | None,
    transfers: TransferRule = CHONGQING_TRANSFERS,
) -> ApplicationView:
    """Staff's decision on a pending application, audited. An approval audits the candidate
    again (a violation or an expired pass since applying refuses it with `NotEligibleError`);
    a rejection needs a reason."""
    repository = GraduationRepository(session)
    application = await repository.application(application_id, lock=True)
    if application is None:
        raise errors.GraduationApplicationNotFoundError()
    await scope.ensure_candidate(session, staff, application.candidate_id)
    if application.status is not GraduationStatus.PENDING:
        raise errors.GraduationDecidedError()
    if approve:
        found = await _audit(session, application.candidate_id, now, validity_years, transfers)
        if found.major.code != application.major_code:
            raise errors.MajorChangedError()
        if not found.eligible:
            raise errors.NotEligibleError(found.missing)
    elif not reason:
        raise InvalidInputError("reason", "不予通过时请填写原因", code="reason_required")
    application.status = GraduationStatus.APPROVED if approve else GraduationStatus.REJECTED
    application.decided_at = now
    application.decided_by = staff.subject
    application.reason = reason
    session.add(application)
    audit.record(
        session,
        AuditEntry,
        staff,
        "graduation.approved" if approve else "graduation.rejected",
        candidate_id=application.candidate_id,
        target=f"graduation:{application.id}",
        detail={"major": application.major_code, "reason": reason},
    )
    return ApplicationView(application)


async def _audit(
    session: AsyncSession,
    candidate_id: uuid.UUID,
    now: datetime,
    validity_years: int | None,
    transfers: TransferRule,
) -> GraduationAudit:
    audits = await graduation_audits(
        session,
        [candidate_id],
        now=now,
        validity_years=validity_years,
        transfers=transfers,
        plan_ahead=False,
    )
    if candidate_id not in audits:
        raise errors.MajorNotChosenError()
    return audits[candidate_id]


async def applications_of(
    session: AsyncSession, candidate_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ApplicationView]]:
    found: dict[uuid.UUID, list[ApplicationView]] = {key: [] for key in candidate_ids}
    for application in await GraduationRepository(session).applications_of(candidate_ids):
        found[application.candidate_id].append(ApplicationView(application))
    return found


async def queue(
    session: AsyncSession,
    staff: Principal,
    *,
    status: GraduationStatus,
    region_code: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[ApplicationView]:
    """Staff's audit queue: applications of a status, oldest first; district staff see their
    region only (asking for another is `OutOfRegionError`)."""
    region_code = scope.covered_region(staff, region_code)
    rows = await GraduationRepository(session).queue(
        status=status, region_code=region_code, after=after, limit=limit
    )
    return [ApplicationView(row) for row in rows]
