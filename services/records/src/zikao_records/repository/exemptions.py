"""SQL of results recorded without a sitting: exemptions (免考) and transfers (转考)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import Row, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import Course, ExamResult, Exemption, ResultSource, Transfer


class CreditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_result(self, result: ExamResult) -> bool:
        """Inserts a result without sitting unless the candidate has one of the same source
        for the course (also under concurrency); whether it was inserted."""
        statement = (
            insert(ExamResult)
            .values(result.model_dump())
            .on_conflict_do_nothing(
                index_elements=["candidate_id", "course_code", "source"],
                index_where=text("sitting_code IS NULL"),
            )
            .returning(col(ExamResult.id))
        )
        return (await self.session.execute(statement)).first() is not None

    async def add(self, grounds: Exemption | Transfer) -> None:
        self.session.add(grounds)
        await self.session.flush()

    async def exemptions(
        self, candidate_ids: Iterable[uuid.UUID]
    ) -> Sequence[Row[ExamResult, Course, Exemption]]:
        statement = (
            select(ExamResult, Course, Exemption)
            .join(Course, col(Course.code) == col(ExamResult.course_code))
            .join(Exemption, col(Exemption.result_id) == col(ExamResult.id))
            .where(
                col(ExamResult.candidate_id).in_(set(candidate_ids)),
                col(ExamResult.source) == ResultSource.EXEMPTION,
            )
            .order_by(col(ExamResult.course_code))
        )
        return (await self.session.execute(statement)).all()

    async def transfers(
        self, candidate_ids: Iterable[uuid.UUID]
    ) -> Sequence[Row[ExamResult, Course, Transfer]]:
        statement = (
            select(ExamResult, Course, Transfer)
            .join(Course, col(Course.code) == col(ExamResult.course_code))
            .join(Transfer, col(Transfer.result_id) == col(ExamResult.id))
            .where(
                col(ExamResult.candidate_id).in_(set(candidate_ids)),
                col(ExamResult.source) == ResultSource.TRANSFER,
            )
            .order_by(col(ExamResult.course_code))
        )
        return (await self.session.execute(statement)).all()
