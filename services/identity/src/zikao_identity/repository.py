"""Every SQL statement of identity."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_identity.models import Candidate, CandidatePhoto, Region, TicketSequence


class RegionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> Sequence[Region]:
        result = await self.session.execute(select(Region).order_by(Region.code))
        return result.scalars().all()

    async def get(self, code: str) -> Region | None:
        return await self.session.get(Region, code)

    async def get_many(self, codes: Iterable[str]) -> dict[str, Region]:
        result = await self.session.execute(select(Region).where(col(Region.code).in_(set(codes))))
        return {r.code: r for r in result.scalars()}

    async def upsert(self, rows: Sequence[dict[str, str]]) -> None:
        statement = insert(Region).values(list(rows))
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["code"],
                set_={"name": statement.excluded.name, "city": statement.excluded.city},
            )
        )


class TicketSequenceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_value(self, region_code: str, period: str) -> int:
        """Atomically takes the next sequence number; concurrent callers queue on the row."""
        insert_row = insert(TicketSequence).values(
            region_code=region_code, period=period, last_value=1
        )
        statement = insert_row.on_conflict_do_update(
            index_elements=["region_code", "period"],
            set_={"last_value": col(TicketSequence.last_value) + 1},
        ).returning(col(TicketSequence.last_value))
        return int((await self.session.execute(statement)).scalar_one())


class CandidateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, candidate: Candidate) -> None:
        self.session.add(candidate)

    async def get(self, candidate_id: uuid.UUID) -> Candidate | None:
        return await self.session.get(Candidate, candidate_id)

    async def get_many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Candidate]:
        result = await self.session.execute(
            select(Candidate).where(col(Candidate.id).in_(set(ids)))
        )
        return {c.id: c for c in result.scalars()}

    async def by_id_index(self, index: bytes) -> Candidate | None:
        result = await self.session.execute(
            select(Candidate).where(col(Candidate.id_number_index) == index)
        )
        return result.scalar_one_or_none()

    async def with_photo(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        result = await self.session.execute(
            select(col(CandidatePhoto.candidate_id)).where(
                col(CandidatePhoto.candidate_id).in_(set(ids))
            )
        )
        return set(result.scalars())
