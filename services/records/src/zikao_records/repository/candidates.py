"""SQL of what records knows about candidates beyond their records: their region."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select, union_all
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import CandidateMajor, ExamRegistration


class CandidateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def regions(self, candidate_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        """The region each candidate's latest token named (with the major choice or a sign-up),
        in one query; candidates whose tokens never named one are left out."""
        ids = list(set(candidate_ids))
        if not ids:
            return {}
        choices = select(
            col(CandidateMajor.candidate_id),
            col(CandidateMajor.region_code),
            col(CandidateMajor.chosen_at),
        ).where(col(CandidateMajor.candidate_id).in_(ids))
        signups = select(
            col(ExamRegistration.candidate_id),
            col(ExamRegistration.region_code),
            col(ExamRegistration.created_at),
        ).where(col(ExamRegistration.candidate_id).in_(ids))
        known = union_all(choices, signups).subquery()
        statement = (
            select(known.c.candidate_id, known.c.region_code)
            .where(known.c.region_code.is_not(None))
            .ext(distinct_on(known.c.candidate_id))
            .order_by(known.c.candidate_id, known.c.chosen_at.desc())
        )
        return {row[0]: row[1] for row in await self.session.execute(statement)}
