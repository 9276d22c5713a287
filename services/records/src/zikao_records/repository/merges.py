"""SQL of merging duplicate ticket numbers (成绩合并): every row of the merged-away candidate
moves to the kept one; rows that would clash with the kept candidate's are read first so the
service can decide which of each pair stays."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    CandidateMajor,
    CertificateApplication,
    ExamBan,
    ExamRegistration,
    ExamResult,
    Exemption,
    Payment,
    RecordsModel,
    ScoreReview,
    Transfer,
    Violation,
)
from zikao_records.models.certificates import CertificateStatus
from zikao_records.models.imports import CandidateTicket
from zikao_records.repository.signup import LIVE

# Tables whose rows name a candidate and clash with nothing: they simply move.
PLAIN: tuple[type[RecordsModel], ...] = (Payment, ExamBan, Violation)


class MergeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, *candidate_ids: uuid.UUID) -> None:
        """Both candidates' records, one merge (and, through their choice rows, one sign-up or
        payment) at a time; taken in id order so two merges of a pair never deadlock."""
        for candidate_id in sorted(candidate_ids):
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"records.candidate:{candidate_id}"},
            )
            await self.session.execute(
                select(col(CandidateMajor.candidate_id))
                .where(col(CandidateMajor.candidate_id) == candidate_id)
                .with_for_update()
            )

    async def results(self, candidate_id: uuid.UUID) -> Sequence[ExamResult]:
        statement = select(ExamResult).where(col(ExamResult.candidate_id) == candidate_id)
        return (await self.session.execute(statement)).scalars().all()

    async def reviews(self, candidate_id: uuid.UUID) -> Sequence[ScoreReview]:
        statement = select(ScoreReview).where(col(ScoreReview.candidate_id) == candidate_id)
        return (await self.session.execute(statement)).scalars().all()

    async def live_signups(self, candidate_id: uuid.UUID) -> Sequence[ExamRegistration]:
        statement = select(ExamRegistration).where(
            col(ExamRegistration.candidate_id) == candidate_id,
            col(ExamRegistration.status).in_(LIVE),
        )
        return (await self.session.execute(statement)).scalars().all()

    async def live_certificates(self, candidate_id: uuid.UUID) -> Sequence[CertificateApplication]:
        statement = select(CertificateApplication).where(
            col(CertificateApplication.candidate_id) == candidate_id,
            col(CertificateApplication.status) == CertificateStatus.APPLIED,
        )
        return (await self.session.execute(statement)).scalars().all()

    async def choice(self, candidate_id: uuid.UUID) -> CandidateMajor | None:
        return await self.session.get(CandidateMajor, candidate_id)

    async def drop_result(self, dropped: uuid.UUID, kept: uuid.UUID) -> None:
        """Deletes a result that lost a clash; what pointed at it points at the one kept (an
        exemption's or transfer's grounds only when the kept result has none)."""
        await self.session.execute(
            update(CertificateApplication)
            .where(col(CertificateApplication.result_id) == dropped)
            .values(result_id=kept)
        )
        for grounds in (Exemption, Transfer):
            taken = await self.session.get(grounds, kept)
            rows = delete(grounds) if taken else update(grounds).values(result_id=kept)
            await self.session.execute(rows.where(col(grounds.result_id) == dropped))
        await self.session.execute(delete(ExamResult).where(col(ExamResult.id) == dropped))

    async def delete_review(self, review_id: uuid.UUID) -> None:
        await self.session.execute(delete(ScoreReview).where(col(ScoreReview.id) == review_id))

    async def move(self, model: type[RecordsModel], merged: uuid.UUID, kept: uuid.UUID) -> int:
        """Moves every row of `model` naming `merged` to `kept`; how many moved."""
        column = col(model.candidate_id)  # type: ignore[attr-defined]
        result = await self.session.execute(
            update(model).where(column == merged).values(candidate_id=kept).returning(column)
        )
        return len(result.all())

    async def drop_choice(self, candidate_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(CandidateMajor).where(col(CandidateMajor.candidate_id) == candidate_id)
        )

    async def forget_ticket(self, candidate_id: uuid.UUID) -> int:
        """The merged-away ticket number no longer resolves (score files naming it are
        refused as an unknown number)."""
        result = await self.session.execute(
            delete(CandidateTicket)
            .where(col(CandidateTicket.candidate_id) == candidate_id)
            .returning(col(CandidateTicket.ticket_number))
        )
        return len(result.all())

    async def count(self, model: type[RecordsModel], candidate_id: uuid.UUID) -> int:
        column = col(model.candidate_id)  # type: ignore[attr-defined]
        statement = select(func.count()).select_from(model).where(column == candidate_id)
        return int((await self.session.execute(statement)).scalar_one())
