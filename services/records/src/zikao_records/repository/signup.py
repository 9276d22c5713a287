"""SQL of exam sign-ups (报考): the plan offered in a sitting, live sign-ups (with their seats),
lapses, bans."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Row, and_, func, or_, select, tuple_, union, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    AddedCourse,
    CandidateMajor,
    Course,
    ExamBan,
    ExamRegistration,
    ExamSlot,
    PlanCourse,
    RegistrationStatus,
    SeatAssignment,
    Sitting,
    SittingCourse,
    Venue,
)
from zikao_records.repository.base import CandidateSitting

LIVE = (RegistrationStatus.UNPAID, RegistrationStatus.PAID)
OfferRow = Row[SittingCourse, Course, ExamSlot]


class SignupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def choose_major(
        self, candidate_id: uuid.UUID, major_code: str, region_code: str | None, now: datetime
    ) -> None:
        """Records the choice; a region already known stays when the token names none."""
        values = {
            "candidate_id": candidate_id,
            "major_code": major_code,
            "chosen_at": now,
            "region_code": region_code,
        }
        statement = insert(CandidateMajor).values(values)
        region = statement.excluded.region_code
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["candidate_id"],
                set_={
                    "major_code": statement.excluded.major_code,
                    "chosen_at": statement.excluded.chosen_at,
                    "region_code": func.coalesce(region, col(CandidateMajor.region_code)),
                },
            )
        )

    async def lock_choice(self, candidate_id: uuid.UUID) -> CandidateMajor | None:
        """The candidate's choice, locked: one sign-up of a candidate at a time."""
        statement = (
            select(CandidateMajor)
            .where(col(CandidateMajor.candidate_id) == candidate_id)
            .with_for_update()
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def plan_codes(self, major_code: str) -> set[str]:
        """Every course a candidate of the major may sign up for: the plan and its 加考."""
        plan = select(col(PlanCourse.course_code)).where(col(PlanCourse.major_code) == major_code)
        added = select(col(AddedCourse.course_code)).where(
            col(AddedCourse.major_code) == major_code
        )
        return set((await self.session.execute(union(plan, added))).scalars())

    async def offered(self, sitting_code: str, codes: Collection[str]) -> Sequence[OfferRow]:
        """The courses among `codes` examined in the sitting, with their slot, in time order."""
        statement = (
            select(SittingCourse, Course, ExamSlot)
            .join(Course, col(Course.code) == col(SittingCourse.course_code))
            .join(ExamSlot, col(ExamSlot.id) == col(SittingCourse.slot_id))
            .where(
                col(SittingCourse.sitting_code) == sitting_code,
                col(SittingCourse.course_code).in_(list(codes)),
            )
            .order_by(col(ExamSlot.starts_at), col(Course.code))
        )
        return (await self.session.execute(statement)).all()

    async def live(self, candidate_id: uuid.UUID, sitting_code: str) -> Sequence[ExamRegistration]:
        statement = select(ExamRegistration).where(
            col(ExamRegistration.candidate_id) == candidate_id,
            col(ExamRegistration.sitting_code) == sitting_code,
            col(ExamRegistration.status).in_(LIVE),
        )
        return (await self.session.execute(statement)).scalars().all()

    async def lapse(
        self, *, before: datetime, now: datetime, candidate_id: uuid.UUID | None = None
    ) -> int:
        """Unpaid sign-ups made before `before` become LAPSED; returns how many."""
        statement = (
            update(ExamRegistration)
            .where(
                col(ExamRegistration.status) == RegistrationStatus.UNPAID,
                col(ExamRegistration.created_at) < before,
            )
            .values(status=RegistrationStatus.LAPSED, closed_at=now)
        )
        if candidate_id is not None:
            statement = statement.where(col(ExamRegistration.candidate_id) == candidate_id)
        result = await self.session.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def banned_until(self, candidate_id: uuid.UUID, sitting_code: str) -> str | None:
        """The last sitting of the latest-ending ban covering the sitting; None when none does."""
        statement = select(func.max(col(ExamBan.last_sitting))).where(
            col(ExamBan.candidate_id) == candidate_id,
            col(ExamBan.first_sitting) <= sitting_code,
            col(ExamBan.last_sitting) >= sitting_code,
        )
        last: str | None = (await self.session.execute(statement)).scalar_one()
        return last

    async def add(self, registrations: Sequence[ExamRegistration]) -> None:
        self.session.add_all(registrations)
        await self.session.flush()


# Seat and venue are outer-joined: None until a seat is assigned.
ExamRow = Row[ExamRegistration, Course, ExamSlot, Sitting, SeatAssignment | None, Venue | None]


class RegistrationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def live(
        self, keys: Collection[CandidateSitting], *, unpaid_since: datetime
    ) -> Sequence[ExamRow]:
        """Paid sign-ups, and unpaid ones made since `unpaid_since` (older ones have lapsed),
        with their course, slot, sitting and seat (when one is assigned)."""
        statement = (
            select(ExamRegistration, Course, ExamSlot, Sitting, SeatAssignment, Venue)
            .join(Course, col(Course.code) == col(ExamRegistration.course_code))
            .join(ExamSlot, col(ExamSlot.id) == col(ExamRegistration.slot_id))
            .join(Sitting, col(Sitting.code) == col(ExamRegistration.sitting_code))
            .outerjoin(
                SeatAssignment, col(SeatAssignment.registration_id) == col(ExamRegistration.id)
            )
            .outerjoin(Venue, col(Venue.id) == col(SeatAssignment.venue_id))
            .where(
                tuple_(col(ExamRegistration.candidate_id), col(ExamRegistration.sitting_code)).in_(
                    list(keys)
                ),
                or_(
                    col(ExamRegistration.status) == RegistrationStatus.PAID,
                    and_(
                        col(ExamRegistration.status) == RegistrationStatus.UNPAID,
                        col(ExamRegistration.created_at) >= unpaid_since,
                    ),
                ),
            )
            .order_by(col(ExamSlot.starts_at), col(ExamRegistration.course_code))
        )
        return (await self.session.execute(statement)).all()
