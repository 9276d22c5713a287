"""Sittings in the graph: sittings and their exam slots (public), saving a sitting and its
timetable (admins)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_records import models
from zikao_records.repository.sittings import SittingRepository
from zikao_records.schema.common import (
    Problems,
    answer,
    batch_many,
    batch_one,
    parse_sitting,
    staff_principal,
)
from zikao_records.service import results_cache, sittings
from zikao_records.service.sittings import published_by
from zikao_records.settings import records_settings


@strawberry.type(description="A time slot of a sitting's exam days.")
class ExamSlot:
    id: strawberry.ID
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def from_model(cls, slot: models.ExamSlot) -> ExamSlot:
        return cls(id=strawberry.ID(str(slot.id)), starts_at=slot.starts_at, ends_at=slot.ends_at)


@strawberry.federation.type(keys=["code"], description="An exam sitting (考次).")
class Sitting:
    code: str = strawberry.field(description="YYYY-MM, e.g. 2026-10")
    name: str = strawberry.field(description="e.g. 2026年10月")
    registration_opens_at: datetime
    registration_closes_at: datetime
    ticket_printing_opens_at: datetime
    scores_published_at: datetime | None = strawberry.field(description="null until published")
    seats_published_at: datetime | None = strawberry.field(
        description="when candidates see their seats; null until then"
    )
    review_closes_at: datetime | None = strawberry.field(description="成绩复查 window closes")
    certificate_closes_at: datetime | None = strawberry.field(
        description="course certificate applications close"
    )
    theory_fee_yuan: int = strawberry.field(description="fee of a theory course, whole yuan")
    practice_fee_yuan: int = strawberry.field(description="fee of a practice course, whole yuan")
    max_courses: int = strawberry.field(description="most courses a candidate signs up for")

    @strawberry.field(description="The exam slots, in time order.")
    async def exam_slots(self, info: Info[Context, None]) -> list[ExamSlot]:
        loader = info.context.loader("records.slots", batch_many(info.context, _slots))
        return await loader.load(self.code)

    @classmethod
    def from_model(cls, sitting: models.Sitting, now: datetime) -> Sitting:
        return cls(
            code=sitting.code,
            name=sitting.name,
            registration_opens_at=sitting.registration_opens_at,
            registration_closes_at=sitting.registration_closes_at,
            ticket_printing_opens_at=sitting.ticket_printing_opens_at,
            scores_published_at=published_by(sitting.scores_published_at, now),
            seats_published_at=published_by(sitting.seats_published_at, now),
            review_closes_at=sitting.review_closes_at,
            certificate_closes_at=sitting.certificate_closes_at,
            theory_fee_yuan=sitting.theory_fee_yuan,
            practice_fee_yuan=sitting.practice_fee_yuan,
            max_courses=sitting.max_courses,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[Context, None], code: str) -> Sitting | None:
        loader = info.context.loader("records.sittings", batch_one(info.context, _sittings))
        return await loader.load(code)


@strawberry.input
class SittingInput(sittings.SittingInput):
    """The service's `SittingInput`, with the graph's descriptions."""

    code: str = strawberry.field(description="YYYY-MM")
    theory_fee_yuan: int | None = strawberry.field(default=None, description="default: setting")


@strawberry.input(description="A course examined in the slot of these times.")
class TimetableEntryInput:
    course_code: str
    starts_at: datetime
    ends_at: datetime


@strawberry.type
class SittingSaved:
    sitting: Sitting


@strawberry.type
class TimetableSet:
    sitting: Sitting
    courses: int


SaveSittingResult = Annotated[SittingSaved | Problems, strawberry.union("SaveSittingResult")]
SetTimetableResult = Annotated[TimetableSet | Problems, strawberry.union("SetTimetableResult")]


async def _sittings(
    _context: Context, session: AsyncSession, codes: list[str]
) -> dict[str, Sitting]:
    found = await SittingRepository(session).get_many(codes)
    now = utc_now()
    return {code: Sitting.from_model(sitting, now) for code, sitting in found.items()}


async def _slots(
    _context: Context, session: AsyncSession, codes: list[str]
) -> dict[str, list[ExamSlot]]:
    found: dict[str, list[ExamSlot]] = defaultdict(list)
    for slot in await SittingRepository(session).slots(codes):
        found[slot.sitting_code].append(ExamSlot.from_model(slot))
    return found


@strawberry.type
class SittingsQuery:
    @strawberry.field(
        description="Exam sittings, newest first. Public. Nullable so that a page asking for "
        "it beside other services' fields still gets those while records cannot answer."
    )
    async def sittings(self, info: Info[Context, None]) -> list[Sitting] | None:
        async with info.context.db() as session:
            sittings = await SittingRepository(session).all()
        now = utc_now()
        return [Sitting.from_model(sitting, now) for sitting in sittings]


@strawberry.type
class SittingsMutation:
    @strawberry.mutation(description="Admin: create or update a sitting (windows, fees, maximum).")
    async def save_sitting(
        self, info: Info[Context, None], input: SittingInput
    ) -> SaveSittingResult:
        async def run() -> SittingSaved:
            settings = records_settings(info.context.settings)
            async with info.context.db.begin() as session:
                saved = await sittings.save_sitting(session, staff_principal(info), input, settings)
            # its score publication time may have been set or moved: readers read it again
            await results_cache.sitting_saved(info.context, saved.code)
            return SittingSaved(sitting=Sitting.from_model(saved, utc_now()))

        return await answer(run)

    @strawberry.mutation(description="Admin: put courses in the sitting's exam slots.")
    async def set_timetable(
        self, info: Info[Context, None], sitting: str, entries: list[TimetableEntryInput]
    ) -> SetTimetableResult:
        async def run() -> TimetableSet:
            rows = [(e.course_code, e.starts_at, e.ends_at) for e in entries]
            code = parse_sitting(sitting)
            async with info.context.db.begin() as session:
                count = await sittings.set_timetable(
                    session, staff_principal(info), sitting_code=code, entries=rows
                )
                saved = await sittings.get_sitting(session, code)
            return TimetableSet(sitting=Sitting.from_model(saved, utc_now()), courses=count)

        return await answer(run)
