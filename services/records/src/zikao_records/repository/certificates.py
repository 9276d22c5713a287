"""SQL of course certificate applications (课程合格证书申请)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import Row, Select, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import CertificateApplication, CertificateStatus, Course, ExamResult

ApplicationRow = Row[CertificateApplication, Course, ExamResult]


class CertificateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, application: CertificateApplication) -> bool:
        """Inserts `application` unless the candidate already has a live one for the course
        (also under concurrency: the unique index decides); whether it was inserted."""
        statement = (
            insert(CertificateApplication)
            .values(application.model_dump())
            .on_conflict_do_nothing(
                index_elements=["candidate_id", "course_code"],
                index_where=text("status = 'APPLIED'"),
            )
            .returning(col(CertificateApplication.id))
        )
        return (await self.session.execute(statement)).first() is not None

    async def of(self, candidate_ids: Iterable[uuid.UUID]) -> Sequence[ApplicationRow]:
        statement = (
            _joined()
            .where(col(CertificateApplication.candidate_id).in_(set(candidate_ids)))
            .order_by(col(CertificateApplication.applied_at).desc(), col(Course.code))
        )
        return (await self.session.execute(statement)).all()

    async def get(self, application_id: uuid.UUID) -> ApplicationRow | None:
        statement = _joined().where(col(CertificateApplication.id) == application_id)
        return (await self.session.execute(statement)).first()

    async def in_sitting(
        self, sitting_code: str, *, region_code: str | None, after: uuid.UUID | None, limit: int
    ) -> Sequence[ApplicationRow]:
        """One page of a sitting's applications (of one region, or all for None), by id."""
        statement = _joined().where(col(CertificateApplication.sitting_code) == sitting_code)
        if region_code is not None:
            statement = statement.where(col(CertificateApplication.region_code) == region_code)
        if after is not None:
            statement = statement.where(col(CertificateApplication.id) > after)
        statement = statement.order_by(col(CertificateApplication.id)).limit(limit)
        return (await self.session.execute(statement)).all()

    async def cancel_of_result(self, result_id: uuid.UUID) -> int:
        """Cancels the applications of a result (cancelled for a violation); how many."""
        statement = (
            update(CertificateApplication)
            .where(
                col(CertificateApplication.result_id) == result_id,
                col(CertificateApplication.status) == CertificateStatus.APPLIED,
            )
            .values(status=CertificateStatus.CANCELLED)
        )
        result = await self.session.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]


def _joined() -> Select[CertificateApplication, Course, ExamResult]:
    return (
        select(CertificateApplication, Course, ExamResult)
        .join(Course, col(Course.code) == col(CertificateApplication.course_code))
        .join(ExamResult, col(ExamResult.id) == col(CertificateApplication.result_id))
    )
