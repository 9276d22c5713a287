"""Merging duplicate ticket numbers (成绩合并): provincial staff merge candidate B into A.
Every row of B moves to A — results, reviews, sign-ups (their seats follow), payments, bans,
violations, certificate applications, the major choice — and identity cancels B, in the same
step: records moves the rows in its transaction, then asks identity (with the staff member's own
token) to cancel B, and commits only once identity has; identity's refusal (or silence) rolls
everything back, so a failed merge changes nothing. Were records' commit itself to fail after
identity's cancellation, merging the same pair again completes it (identity answers `repeated`).

Where A and B both hold a row that may exist once, one stays:
- results of a course in a sitting (or an exemption or transfer of a course): the better one —
  a pass before a failure, then the higher mark (a score, or a grade's mark: 优秀 90 … 及格 60),
  then the later recorded; on a full tie A's. The other is deleted (what pointed at it now points
  at the one kept) and named in the audit entry;
- reviews of a course in a sitting: an answered one before a pending one, else A's;
- live sign-ups of a course in a sitting: a paid one before an unpaid one, else A's; the other
  is closed — REFUNDED if it was paid (it then shows among the refunds due), else CANCELLED;
- live certificate applications of a course: A's; B's is CANCELLED;
- the major choice: A's, when A has one.
Both sides audit: records `candidate.merged`, identity `merge_candidate`."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.db import utc_now
from zikao_kit.errors import InvalidInputError
from zikao_records import text
from zikao_records.models import (
    AuditEntry,
    CertificateApplication,
    ExamRegistration,
    ExamResult,
    RecordsModel,
    RegistrationStatus,
    ReviewStatus,
    ScoreReview,
)
from zikao_records.models.certificates import CertificateStatus
from zikao_records.repository.merges import PLAIN, MergeRepository
from zikao_records.service import scope
from zikao_records.service.scores import pass_mark

MAX_REASON = 200
CancelInIdentity = Callable[[], Awaitable[bool]]  # True: identity had cancelled B before


@dataclass
class Merged:
    moved: dict[str, int] = field(default_factory=dict)
    dropped_results: list[dict[str, Any]] = field(default_factory=list)
    dropped_reviews: int = 0
    closed_signups: int = 0
    repeated_in_identity: bool = False


def result_rank(result: ExamResult) -> tuple[bool, int, Any]:
    return (result.passed, pass_mark(result), result.recorded_at)


def result_key(result: ExamResult) -> tuple[str | None, str, str | None]:
    source = None if result.sitting_code is not None else result.source.value
    return (result.sitting_code, result.course_code, source)


async def merge_candidates(
    session: AsyncSession,
    principal: Principal,
    *,
    kept: uuid.UUID,
    merged: uuid.UUID,
    reason: str,
    cancel_in_identity: CancelInIdentity,
) -> Merged:
    scope.ensure_provincial(principal)
    why = text.plain(reason, "reason", MAX_REASON)
    if kept == merged:
        raise InvalidInputError("mergedId", "不能合并到同一考生", code="same_candidate")
    repository = MergeRepository(session)
    await repository.lock(kept, merged)
    done = Merged()
    await _results(repository, kept, merged, done)
    await _reviews(repository, kept, merged, done)
    await _signups(repository, kept, merged, done)
    await _certificates(repository, kept, merged)
    await _choice(repository, kept, merged, done)
    moving: tuple[type[RecordsModel], ...] = (
        *PLAIN, ExamResult, ScoreReview, ExamRegistration, CertificateApplication,
    )  # fmt: skip
    for model in moving:
        done.moved[str(model.__tablename__)] = await repository.move(model, merged, kept)
    done.moved["candidate_ticket"] = await repository.forget_ticket(merged)
    await session.flush()
    _audit(session, principal, kept, merged, why, done)
    done.repeated_in_identity = await cancel_in_identity()
    return done


async def _results(repository: MergeRepository, kept: uuid.UUID, merged: uuid.UUID,
                   done: Merged) -> None:  # fmt: skip
    theirs = {result_key(r): r for r in await repository.results(kept)}
    for mine in await repository.results(merged):
        other = theirs.get(result_key(mine))
        if other is None:
            continue
        winner, loser = (mine, other) if result_rank(mine) > result_rank(other) else (other, mine)
        done.dropped_results.append(_described(loser))
        await repository.drop_result(loser.id, winner.id)


def _described(result: ExamResult) -> dict[str, Any]:
    return {
        "sitting": result.sitting_code, "course": result.course_code, "score": result.score,
        "grade": result.grade, "status": result.status.value, "source": result.source.value,
    }  # fmt: skip


async def _reviews(repository: MergeRepository, kept: uuid.UUID, merged: uuid.UUID,
                   done: Merged) -> None:  # fmt: skip
    theirs = {(r.sitting_code, r.course_code): r for r in await repository.reviews(kept)}
    for mine in await repository.reviews(merged):
        other = theirs.get((mine.sitting_code, mine.course_code))
        if other is None:
            continue
        answered = mine.status is not ReviewStatus.PENDING
        loser = other if answered and other.status is ReviewStatus.PENDING else mine
        await repository.delete_review(loser.id)
        done.dropped_reviews += 1


async def _signups(repository: MergeRepository, kept: uuid.UUID, merged: uuid.UUID,
                   done: Merged) -> None:  # fmt: skip
    theirs = {(r.sitting_code, r.course_code): r for r in await repository.live_signups(kept)}
    now = utc_now()
    for mine in await repository.live_signups(merged):
        other = theirs.get((mine.sitting_code, mine.course_code))
        if other is None:
            continue
        paid_mine = mine.status is RegistrationStatus.PAID
        loser = other if paid_mine and other.status is not RegistrationStatus.PAID else mine
        loser.status = _closed(loser.status)
        loser.closed_at = now
        done.closed_signups += 1
    await repository.session.flush()


def _closed(status: RegistrationStatus) -> RegistrationStatus:
    if status is RegistrationStatus.PAID:
        return RegistrationStatus.REFUNDED
    return RegistrationStatus.CANCELLED


async def _certificates(repository: MergeRepository, kept: uuid.UUID, merged: uuid.UUID) -> None:
    theirs = {c.course_code for c in await repository.live_certificates(kept)}
    for mine in await repository.live_certificates(merged):
        if mine.course_code in theirs:
            mine.status = CertificateStatus.CANCELLED
    await repository.session.flush()


async def _choice(repository: MergeRepository, kept: uuid.UUID, merged: uuid.UUID,
                  done: Merged) -> None:  # fmt: skip
    mine = await repository.choice(merged)
    if mine is None:
        return
    if await repository.choice(kept) is None:
        mine.candidate_id = kept
        done.moved["candidate_major"] = 1
    else:
        await repository.drop_choice(merged)
        done.moved["candidate_major"] = 0


def _audit(
    session: AsyncSession, principal: Principal, kept: uuid.UUID, merged: uuid.UUID, why: str,
    done: Merged,
) -> None:  # fmt: skip
    detail: dict[str, Any] = {
        "keptId": str(kept),
        "moved": done.moved,
        "droppedResults": done.dropped_results,
        "droppedReviews": done.dropped_reviews,
        "closedSignups": done.closed_signups,
    }
    audit.record(
        session, AuditEntry, principal, "candidate.merged", candidate_id=merged,
        target=f"candidate:{kept}", reason=why, detail=detail,
    )  # fmt: skip
