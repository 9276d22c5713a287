"""Every SQL statement of identity."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_identity.models import (
    Candidate,
    CandidatePhoto,
    PasswordResetMail,
    RefreshToken,
    Region,
    StaffAccount,
    TicketSequence,
)


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


@dataclass(frozen=True)
class CandidateMatch:
    """What a staff search looks for: one of a ticket number, an ID number's blind index, or
    the beginning of a name."""

    ticket_number: str | None = None
    id_index: bytes | None = None
    name_prefix: str | None = None


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

    async def get_for_update(self, candidate_id: uuid.UUID) -> Candidate | None:
        return await self.session.get(Candidate, candidate_id, with_for_update=True)

    async def by_ticket_number(self, ticket_number: str) -> Candidate | None:
        result = await self.session.execute(
            select(Candidate).where(col(Candidate.ticket_number) == ticket_number)
        )
        return result.scalar_one_or_none()

    async def by_id_index(self, index: bytes) -> Candidate | None:
        result = await self.session.execute(
            select(Candidate).where(col(Candidate.id_number_index) == index)
        )
        return result.scalar_one_or_none()

    async def ticket_numbers(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        result = await self.session.execute(
            select(col(Candidate.id), col(Candidate.ticket_number)).where(
                col(Candidate.id).in_(set(ids))
            )
        )
        return {candidate_id: ticket for candidate_id, ticket in result.all()}

    async def search(
        self, match: CandidateMatch, *, region_code: str | None, after: str | None, limit: int
    ) -> Sequence[Candidate]:
        """Candidates matching `match` (of `region_code` when given), by ticket number, from
        the one after `after`; at most `limit`."""
        statement = select(Candidate).order_by(col(Candidate.ticket_number)).limit(limit)
        if match.ticket_number is not None:
            statement = statement.where(col(Candidate.ticket_number) == match.ticket_number)
        if match.id_index is not None:
            statement = statement.where(col(Candidate.id_number_index) == match.id_index)
        if match.name_prefix is not None:
            pattern = match.name_prefix.replace("\\", "\\\\").replace("%", "\\%")
            pattern = pattern.replace("_", "\\_") + "%"
            statement = statement.where(col(Candidate.name).like(pattern, escape="\\"))
        if region_code is not None:
            statement = statement.where(col(Candidate.region_code) == region_code)
        if after is not None:
            statement = statement.where(col(Candidate.ticket_number) > after)
        return (await self.session.execute(statement)).scalars().all()

    async def sealed_with_other_keys(self, active: str, limit: int) -> Sequence[Candidate]:
        """Candidates whose personal data an older key sealed, locked (others skip them)."""
        result = await self.session.execute(
            select(Candidate)
            .where(col(Candidate.data_key_id) != active)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return result.scalars().all()

    async def with_photo(self, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
        result = await self.session.execute(
            select(col(CandidatePhoto.candidate_id)).where(
                col(CandidatePhoto.candidate_id).in_(set(ids))
            )
        )
        return set(result.scalars())


class PhotoRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CandidatePhoto]:
        result = await self.session.execute(
            select(CandidatePhoto).where(col(CandidatePhoto.candidate_id).in_(set(ids)))
        )
        return {p.candidate_id: p for p in result.scalars()}

    async def put(self, photo: CandidatePhoto) -> None:
        values = photo.model_dump()
        statement = insert(CandidatePhoto).values(values)
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["candidate_id"],
                set_={k: statement.excluded[k] for k in values if k != "candidate_id"},
            )
        )


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, staff: StaffAccount) -> None:
        self.session.add(staff)

    async def get(self, staff_id: uuid.UUID) -> StaffAccount | None:
        return await self.session.get(StaffAccount, staff_id)

    async def names(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        result = await self.session.execute(
            select(col(StaffAccount.id), col(StaffAccount.name)).where(
                col(StaffAccount.id).in_(set(ids))
            )
        )
        return {staff_id: name for staff_id, name in result.all()}

    async def by_username(self, username: str) -> StaffAccount | None:
        result = await self.session.execute(
            select(StaffAccount).where(col(StaffAccount.username) == username)
        )
        return result.scalar_one_or_none()


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, token: RefreshToken) -> None:
        self.session.add(token)

    async def by_hash_for_update(self, token_hash: bytes) -> RefreshToken | None:
        result = await self.session.execute(
            select(RefreshToken).where(col(RefreshToken.token_hash) == token_hash).with_for_update()
        )
        return result.scalar_one_or_none()

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=at)
        )

    async def revoke_subject(self, subject: str, at: datetime) -> int:
        result = await self.session.execute(
            update(RefreshToken)
            .where(col(RefreshToken.subject) == subject, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=at)
            .returning(col(RefreshToken.id))
        )
        return len(result.all())


class ResetMailRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, mail: PasswordResetMail) -> None:
        self.session.add(mail)

    async def get_for_update(self, mail_id: uuid.UUID) -> PasswordResetMail | None:
        return await self.session.get(PasswordResetMail, mail_id, with_for_update=True)

    async def by_token_for_update(self, token_hash: bytes) -> PasswordResetMail | None:
        result = await self.session.execute(
            select(PasswordResetMail)
            .where(col(PasswordResetMail.token_hash) == token_hash)
            .with_for_update()
        )
        return result.scalar_one_or_none()

    async def use_all(self, candidate_id: uuid.UUID, at: datetime) -> None:
        """Ends every outstanding link of the candidate (after any password change)."""
        await self.session.execute(
            update(PasswordResetMail)
            .where(
                col(PasswordResetMail.candidate_id) == candidate_id,
                col(PasswordResetMail.used_at).is_(None),
            )
            .values(used_at=at)
        )
