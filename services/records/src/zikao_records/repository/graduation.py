"""SQL of graduation: verified diplomas, applications and batch audits."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    AuditRunStatus,
    CandidateMajor,
    GraduationApplication,
    GraduationAuditRow,
    GraduationAuditRun,
    GraduationStatus,
    PriorDiploma,
    Sitting,
    SittingCourse,
)
from zikao_records.models.sittings import ExamSlot


class GraduationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def diplomas(self, candidate_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, PriorDiploma]:
        statement = select(PriorDiploma).where(
            col(PriorDiploma.candidate_id).in_(set(candidate_ids))
        )
        rows = (await self.session.execute(statement)).scalars()
        return {row.candidate_id: row for row in rows}

    async def save_diploma(self, diploma: PriorDiploma) -> None:
        """Records (or replaces) the candidate's verified diploma."""
        values = diploma.model_dump()
        statement = insert(PriorDiploma).values(values)
        updates = {k: statement.excluded[k] for k in values if k != "candidate_id"}
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["candidate_id"], set_=updates)
        )

    async def graduated(self, candidate_ids: Collection[uuid.UUID]) -> set[tuple[uuid.UUID, str]]:
        """(candidate, major) pairs with an approved graduation."""
        statement = select(
            col(GraduationApplication.candidate_id), col(GraduationApplication.major_code)
        ).where(
            col(GraduationApplication.candidate_id).in_(set(candidate_ids)),
            col(GraduationApplication.status) == GraduationStatus.APPROVED,
        )
        return {(row[0], row[1]) for row in (await self.session.execute(statement)).all()}

    async def add_application(self, application: GraduationApplication) -> bool:
        """Inserts unless one is already pending or approved for the candidate and major (also
        under concurrency); whether it was inserted."""
        statement = (
            insert(GraduationApplication)
            .values(application.model_dump())
            .on_conflict_do_nothing(
                index_elements=["candidate_id", "major_code"],
                index_where=text("status IN ('PENDING', 'APPROVED')"),  # the partial index's
            )
            .returning(col(GraduationApplication.id))
        )
        return (await self.session.execute(statement)).first() is not None

    async def application(
        self, application_id: uuid.UUID, *, lock: bool = False
    ) -> GraduationApplication | None:
        statement = select(GraduationApplication).where(
            col(GraduationApplication.id) == application_id
        )
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def applications_of(
        self, candidate_ids: Collection[uuid.UUID]
    ) -> Sequence[GraduationApplication]:
        statement = (
            select(GraduationApplication)
            .where(col(GraduationApplication.candidate_id).in_(set(candidate_ids)))
            .order_by(col(GraduationApplication.applied_at).desc())
        )
        return (await self.session.execute(statement)).scalars().all()

    async def queue(
        self,
        *,
        status: GraduationStatus,
        region_code: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[GraduationApplication]:
        """Applications of a status, oldest first, of one region (None: every region)."""
        statement = select(GraduationApplication).where(col(GraduationApplication.status) == status)
        if region_code is not None:
            statement = statement.where(col(GraduationApplication.region_code) == region_code)
        if after is not None:
            key = (col(GraduationApplication.applied_at), col(GraduationApplication.id))
            statement = statement.where(func.row(*key) > func.row(*after))
        statement = statement.order_by(
            col(GraduationApplication.applied_at), col(GraduationApplication.id)
        ).limit(limit)
        return (await self.session.execute(statement)).scalars().all()

    async def next_sitting(self, now: datetime) -> Sitting | None:
        """The first sitting whose sign-up has not closed yet."""
        statement = (
            select(Sitting)
            .where(col(Sitting.registration_closes_at) > now)
            .order_by(col(Sitting.registration_closes_at))
            .limit(1)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def slots(self, sitting_code: str) -> dict[str, str]:
        """Each course the sitting examines, with its slot (as text)."""
        statement = (
            select(col(SittingCourse.course_code), col(ExamSlot.id))
            .join(ExamSlot, col(ExamSlot.id) == col(SittingCourse.slot_id))
            .where(col(SittingCourse.sitting_code) == sitting_code)
        )
        return {row[0]: str(row[1]) for row in (await self.session.execute(statement)).all()}


class AuditRunRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, run_id: uuid.UUID, *, lock: bool = False) -> GraduationAuditRun | None:
        statement = select(GraduationAuditRun).where(col(GraduationAuditRun.id) == run_id)
        if lock:
            statement = statement.with_for_update(skip_locked=True)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def candidates(
        self,
        *,
        major_code: str | None,
        region_code: str | None,
        after: uuid.UUID | None,
        limit: int,
    ) -> list[uuid.UUID]:
        """The next page of candidates whose chosen major (and region) the run covers."""
        statement = select(col(CandidateMajor.candidate_id))
        if major_code is not None:
            statement = statement.where(col(CandidateMajor.major_code) == major_code)
        if region_code is not None:
            statement = statement.where(col(CandidateMajor.region_code) == region_code)
        if after is not None:
            statement = statement.where(col(CandidateMajor.candidate_id) > after)
        statement = statement.order_by(col(CandidateMajor.candidate_id)).limit(limit)
        return list((await self.session.execute(statement)).scalars())

    async def count(self, *, major_code: str | None, region_code: str | None) -> int:
        statement = select(func.count()).select_from(CandidateMajor)
        if major_code is not None:
            statement = statement.where(col(CandidateMajor.major_code) == major_code)
        if region_code is not None:
            statement = statement.where(col(CandidateMajor.region_code) == region_code)
        return int((await self.session.execute(statement)).scalar_one())

    async def save_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Writes a page of outcomes (`GraduationAuditRow` columns); a page written before (a
        retried job) is replaced."""
        if not rows:
            return
        values = list(rows)
        statement = insert(GraduationAuditRow).values(values)
        keys = ["run_id", "candidate_id"]
        updates = {k: statement.excluded[k] for k in values[0] if k not in keys}
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=keys, set_=updates)
        )

    async def progress(self, run_id: uuid.UUID) -> tuple[int, int, uuid.UUID | None]:
        """(candidates done, of them eligible, the last candidate done) as the run's rows say:
        where a retried run goes on from."""
        mine = col(GraduationAuditRow.run_id) == run_id
        statement = select(
            func.count(), func.count().filter(col(GraduationAuditRow.eligible))
        ).where(mine)
        done, eligible = (await self.session.execute(statement)).one()
        latest = (
            select(col(GraduationAuditRow.candidate_id))
            .where(mine)
            .order_by(col(GraduationAuditRow.candidate_id).desc())
            .limit(1)
        )
        last = (await self.session.execute(latest)).scalar_one_or_none()
        return int(done), int(eligible), last

    async def set_progress(self, run_id: uuid.UUID, *, done: int, eligible: int) -> None:
        await self.session.execute(
            update(GraduationAuditRun)
            .where(col(GraduationAuditRun.id) == run_id)
            .values(candidates_done=done, eligible=eligible)
        )

    async def rows(
        self, run_id: uuid.UUID, *, eligible_only: bool, after: uuid.UUID | None, limit: int
    ) -> Sequence[GraduationAuditRow]:
        statement = select(GraduationAuditRow).where(col(GraduationAuditRow.run_id) == run_id)
        if eligible_only:
            statement = statement.where(col(GraduationAuditRow.eligible))
        if after is not None:
            statement = statement.where(col(GraduationAuditRow.candidate_id) > after)
        statement = statement.order_by(col(GraduationAuditRow.candidate_id)).limit(limit)
        return (await self.session.execute(statement)).scalars().all()

    async def stale(self, *, before: datetime) -> list[uuid.UUID]:
        """Runs pending or running since before `before` (their job was lost)."""
        statement = select(col(GraduationAuditRun.id)).where(
            col(GraduationAuditRun.status).in_([AuditRunStatus.PENDING, AuditRunStatus.RUNNING]),
            col(GraduationAuditRun.requested_at) < before,
        )
        return list((await self.session.execute(statement)).scalars())
