"""SQL of violations (违规), their bans, graduation delays, and the absences the absence rule
reads."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import Course, ExamResult, ResultStatus, Sitting, Violation


class ViolationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *rows: object) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def of(
        self, candidate_ids: Iterable[uuid.UUID]
    ) -> Sequence[Row[Violation, Course | None]]:
        statement = (
            select(Violation, Course)
            .outerjoin(Course, col(Course.code) == col(Violation.course_code))
            .where(col(Violation.candidate_id).in_(set(candidate_ids)))
            .order_by(col(Violation.recorded_at).desc())
        )
        return (await self.session.execute(statement)).all()

    async def graduation_delays(
        self, candidate_ids: Iterable[uuid.UUID], *, after: date
    ) -> dict[uuid.UUID, date]:
        """The latest graduation delay of each candidate that ends after `after`."""
        until = func.max(col(Violation.graduation_delayed_until))
        statement = (
            select(col(Violation.candidate_id), until)
            .where(
                col(Violation.candidate_id).in_(set(candidate_ids)),
                col(Violation.graduation_delayed_until) > after,
            )
            .group_by(col(Violation.candidate_id))
        )
        rows = await self.session.execute(statement)
        return {candidate_id: until for candidate_id, until in rows if until is not None}


class AbsenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def recent_sittings(
        self, candidate_id: uuid.UUID, *, before: str, now: datetime, limit: int
    ) -> list[bool]:
        """For the candidate's latest `limit` published sittings before `before` with results,
        newest first: whether every result of the sitting is an absence."""
        all_absent = func.bool_and(col(ExamResult.status) == ResultStatus.ABSENT)
        statement = (
            select(all_absent)
            .join(Sitting, col(Sitting.code) == col(ExamResult.sitting_code))
            .where(
                col(ExamResult.candidate_id) == candidate_id,
                col(ExamResult.sitting_code) < before,
                col(Sitting.scores_published_at) <= now,
            )
            .group_by(col(ExamResult.sitting_code))
            .order_by(col(ExamResult.sitting_code).desc())
            .limit(limit)
        )
        return [bool(row[0]) for row in await self.session.execute(statement)]
