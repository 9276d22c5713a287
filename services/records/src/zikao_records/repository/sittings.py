"""SQL of sittings, their exam slots and timetables."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    ExamRegistration,
    ExamSlot,
    Sitting,
    SittingCourse,
)
from zikao_records.repository.base import upsert as _upsert

# Built once: read on every kept read of passes (release day's hot path).
_NEXT_PUBLICATION = select(func.min(col(Sitting.scores_published_at))).where(
    col(Sitting.scores_published_at) > bindparam("now")
)


class SittingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, code: str, *, lock: bool = False) -> Sitting | None:
        statement = select(Sitting).where(col(Sitting.code) == code)
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def next_publication(self, now: datetime) -> datetime | None:
        """The earliest publication time of any sitting still to come after `now`."""
        found = await self.session.execute(_NEXT_PUBLICATION, {"now": now})
        moment: datetime | None = found.scalar_one_or_none()
        return moment

    async def all(self) -> Sequence[Sitting]:
        statement = select(Sitting).order_by(col(Sitting.code).desc())
        return (await self.session.execute(statement)).scalars().all()

    async def get_many(self, codes: Iterable[str]) -> dict[str, Sitting]:
        statement = select(Sitting).where(col(Sitting.code).in_(set(codes)))
        return {s.code: s for s in (await self.session.execute(statement)).scalars()}

    async def slots(self, sitting_codes: Iterable[str]) -> Sequence[ExamSlot]:
        statement = (
            select(ExamSlot)
            .where(col(ExamSlot.sitting_code).in_(set(sitting_codes)))
            .order_by(col(ExamSlot.starts_at), col(ExamSlot.id))
        )
        return (await self.session.execute(statement)).scalars().all()

    async def upsert(self, sitting: Mapping[str, Any], slots: Sequence[Mapping[str, Any]]) -> None:
        await _upsert(self.session, Sitting, [sitting], ["code"])
        await _upsert(self.session, ExamSlot, slots, ["id"])

    async def upsert_slots(self, slots: Sequence[Mapping[str, Any]]) -> None:
        await _upsert(self.session, ExamSlot, slots, ["id"])

    async def upsert_courses(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Which slot examines which course (`sitting_code`, `course_code`, `slot_id`)."""
        await _upsert(self.session, SittingCourse, rows, ["sitting_code", "course_code"])

    async def timetable(self, sitting_code: str) -> dict[str, uuid.UUID]:
        """The slot of each course examined in the sitting."""
        statement = select(col(SittingCourse.course_code), col(SittingCourse.slot_id)).where(
            col(SittingCourse.sitting_code) == sitting_code
        )
        return {code: slot for code, slot in await self.session.execute(statement)}

    async def signed_up(self, sitting_code: str) -> set[tuple[str, uuid.UUID]]:
        """(course, slot) of every sign-up of the sitting, of any status: sign-ups are kept, and
        each names the slot its course had when it was made."""
        statement = (
            select(col(ExamRegistration.course_code), col(ExamRegistration.slot_id))
            .where(col(ExamRegistration.sitting_code) == sitting_code)
            .distinct()
        )
        return {(code, slot) for code, slot in await self.session.execute(statement)}

    async def remove_slots(self, slot_ids: Collection[uuid.UUID]) -> None:
        if slot_ids:
            await self.session.execute(delete(ExamSlot).where(col(ExamSlot.id).in_(slot_ids)))
