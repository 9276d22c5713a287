"""Publishing a sitting's scores (成绩发布): the whole sitting at once.

Visibility of every result of a sitting hangs on one column, `sitting.scores_published_at`:
publishing is the update of that one row, so a reader's query (which joins the sitting) sees
all of the sitting's results or none. Nothing else can make part of a sitting visible: an
import is applied in one transaction under the sitting's row lock (the lock publication takes),
and refused once the sitting is published; publication is refused while an import of the
sitting is still open (checking, waiting for acceptance or applying), so no accepted file
arrives after release. Provincial staff and admins only; audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.errors import ConflictError
from zikao_records.models import AuditEntry, ExamResult, Sitting
from zikao_records.models.imports import ScoreImport
from zikao_records.service import scope
from zikao_records.service.imports import OPEN_STATUSES, ScoresPublishedError
from zikao_records.service.sittings import get_sitting, published_by


class ImportsPendingError(ConflictError):
    code = "imports_pending"
    default_message = "本考次还有未完成的成绩导入，请先确认或等待完成后再发布"


async def publish_scores(
    session: AsyncSession, staff: Principal, sitting_code: str, *, now: datetime
) -> Sitting:
    """Publishes the sitting's scores at `now` (the caller tells the results cache after the
    commit); `scores_published` when they already are, `imports_pending` while an import is
    open."""
    scope.ensure_provincial(staff)
    sitting = await get_sitting(session, sitting_code, lock=True)
    if published_by(sitting.scores_published_at, now) is not None:
        raise ScoresPublishedError("本考次成绩已发布")
    pending = await session.execute(
        select(func.count()).where(
            col(ScoreImport.sitting_code) == sitting_code,
            col(ScoreImport.status).in_(OPEN_STATUSES),
        )
    )
    if pending.scalar_one():
        raise ImportsPendingError()
    results = await session.execute(
        select(func.count()).where(col(ExamResult.sitting_code) == sitting_code)
    )
    count = int(results.scalar_one())
    scheduled = sitting.scores_published_at
    sitting.scores_published_at = now
    session.add(sitting)
    await session.flush()
    audit.record(
        session,
        AuditEntry,
        staff,
        "scores.published",
        target=f"sitting:{sitting_code}",
        detail={
            "sitting": sitting_code,
            "results": count,
            "scheduled": None if scheduled is None else scheduled.isoformat(),
        },
    )
    return sitting
