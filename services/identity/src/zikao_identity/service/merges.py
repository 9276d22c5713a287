"""Merging duplicate ticket numbers (成绩合并), identity's part: the duplicate record is
cancelled, naming the candidate it was merged into; it can no longer log in (its sessions are
revoked) and stays findable by staff. Records moves the results, sign-ups and reviews, and asks
for this in the same step (see records' `service.merges`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity.models import AuditEntry, Candidate
from zikao_identity.repository import CandidateRepository, RefreshTokenRepository
from zikao_identity.service.staff import STAFF_WORK, reason_of
from zikao_kit.access import staff_region
from zikao_kit.audit import record
from zikao_kit.auth import Principal
from zikao_kit.db import utc_now
from zikao_kit.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError


class AlreadyMergedError(ConflictError):
    code = "already_merged"
    default_message = "该准考证号已合并到另一考生"


class KeptCandidateCancelledError(ConflictError):
    code = "kept_candidate_cancelled"
    default_message = "保留的准考证号已注销"


@dataclass(frozen=True)
class Cancelled:
    candidate: Candidate
    repeated: bool  # it was merged into the same candidate before; nothing changed now


async def cancel_merged(
    session: AsyncSession,
    actor: Principal,
    candidate_id: uuid.UUID,
    kept_id: uuid.UUID,
    reason: str,
) -> Cancelled:
    """Cancels `candidate_id` as merged into `kept_id` (provincial staff and admins), audited
    `merge_candidate`; asking again for the same pair changes nothing."""
    if actor.role not in STAFF_WORK or staff_region(actor) is not None:
        raise ForbiddenError("仅限省级工作人员合并准考证号")
    why = reason_of(reason, required=True)
    if candidate_id == kept_id:
        raise InvalidInputError("keptId", "不能合并到同一考生", code="same_candidate")
    merged, kept = await _locked(session, candidate_id, kept_id)
    if merged.merged_into == kept_id:
        return Cancelled(merged, repeated=True)
    if merged.cancelled_at is not None:
        raise AlreadyMergedError()
    if kept.cancelled_at is not None:
        raise KeptCandidateCancelledError()
    now = utc_now()
    merged.merged_into, merged.cancelled_at = kept_id, now
    revoked = await RefreshTokenRepository(session).revoke_subject(str(merged.id), now)
    record(
        session,
        AuditEntry,
        actor,
        "merge_candidate",
        candidate_id=merged.id,
        target=f"candidate:{kept_id}",
        reason=why,
        detail={"keptId": str(kept_id), "sessionsRevoked": revoked},
    )
    await session.flush()
    return Cancelled(merged, repeated=False)


async def _locked(
    session: AsyncSession, candidate_id: uuid.UUID, kept_id: uuid.UUID
) -> tuple[Candidate, Candidate]:
    """Both records, locked in id order (two merges of one pair never deadlock)."""
    candidates = CandidateRepository(session)
    found = {}
    for key in sorted((candidate_id, kept_id)):
        row = await candidates.get_for_update(key)
        if row is None:
            raise NotFoundError("考生不存在")
        found[key] = row
    return found[candidate_id], found[kept_id]
