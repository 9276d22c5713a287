"""Every SQL statement of records."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    AddedCourse,
    CandidateMajor,
    Course,
    ElectiveGroup,
    ExamRegistration,
    ExamResult,
    ExamSlot,
    Major,
    MajorLevel,
    PlanCategory,
    PlanCourse,
    RegistrationStatus,
    ResultStatus,
    Room,
    ScoreReview,
    SeatAssignment,
    Sitting,
    SittingCourse,
    Venue,
)
from zikao_records.repository.base import upsert as _upsert

CandidateSitting = tuple[uuid.UUID, str]


class CourseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, rows: Sequence[Mapping[str, Any]]) -> None:
        await _upsert(self.session, Course, rows, ["code"])

    async def get_many(self, codes: Iterable[str]) -> dict[str, Course]:
        result = await self.session.execute(select(Course).where(col(Course.code).in_(set(codes))))
        return {c.code: c for c in result.scalars()}


class MajorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, rows: Sequence[Mapping[str, Any]]) -> None:
        await _upsert(self.session, Major, rows, ["code"])

    async def all(self, level: MajorLevel | None = None) -> Sequence[Major]:
        statement = select(Major).order_by(col(Major.level), col(Major.code))
        if level is not None:
            statement = statement.where(col(Major.level) == level)
        return (await self.session.execute(statement)).scalars().all()

    async def get_many(self, codes: Iterable[str]) -> dict[str, Major]:
        result = await self.session.execute(select(Major).where(col(Major.code).in_(set(codes))))
        return {m.code: m for m in result.scalars()}

    async def replace_plan(
        self,
        major_code: str,
        plan: Mapping[str, PlanCategory],
        group_of: Mapping[str, str] | None = None,
    ) -> None:
        """Makes `plan` (course code → category) the whole plan of the major; `group_of` puts
        electives in their groups."""
        groups = group_of or {}
        await self.session.execute(
            delete(PlanCourse).where(
                col(PlanCourse.major_code) == major_code,
                col(PlanCourse.course_code).not_in(list(plan)),
            )
        )
        rows = [
            {
                "major_code": major_code,
                "course_code": code,
                "category": category,
                "elective_group": groups.get(code),
            }
            for code, category in plan.items()
        ]
        await _upsert(self.session, PlanCourse, rows, ["major_code", "course_code"])

    async def replace_groups(self, major_code: str, groups: Sequence[Mapping[str, Any]]) -> None:
        """Makes `groups` the elective groups of the major."""
        await self.session.execute(
            delete(ElectiveGroup).where(
                col(ElectiveGroup.major_code) == major_code,
                col(ElectiveGroup.code).not_in([g["code"] for g in groups]),
            )
        )
        rows = [{"major_code": major_code, **group} for group in groups]
        await _upsert(self.session, ElectiveGroup, rows, ["major_code", "code"])

    async def replace_added(self, major_code: str, added: Sequence[Mapping[str, Any]]) -> None:
        """Makes `added` (origin, origin_name, course_code) the added courses of the major."""
        await self.session.execute(
            delete(AddedCourse).where(col(AddedCourse.major_code) == major_code)
        )
        rows = [{"major_code": major_code, **row} for row in added]
        await _upsert(self.session, AddedCourse, rows, ["major_code", "origin", "course_code"])

    async def groups(self, major_codes: Iterable[str]) -> Sequence[ElectiveGroup]:
        statement = (
            select(ElectiveGroup)
            .where(col(ElectiveGroup.major_code).in_(set(major_codes)))
            .order_by(col(ElectiveGroup.major_code), col(ElectiveGroup.code))
        )
        return (await self.session.execute(statement)).scalars().all()

    async def added(self, major_codes: Iterable[str]) -> Sequence[AddedCourse]:
        statement = (
            select(AddedCourse)
            .where(col(AddedCourse.major_code).in_(set(major_codes)))
            .order_by(col(AddedCourse.major_code), col(AddedCourse.origin))
        )
        return (await self.session.execute(statement)).scalars().all()

    async def plans(self, major_codes: Iterable[str]) -> Sequence[Row[PlanCourse, Course]]:
        statement = (
            select(PlanCourse, Course)
            .join(Course, col(Course.code) == col(PlanCourse.course_code))
            .where(col(PlanCourse.major_code).in_(set(major_codes)))
            .order_by(col(PlanCourse.major_code), col(PlanCourse.course_code))
        )
        return (await self.session.execute(statement)).all()

    async def chosen_by(self, candidate_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Major]:
        statement = (
            select(col(CandidateMajor.candidate_id), Major)
            .join(Major, col(Major.code) == col(CandidateMajor.major_code))
            .where(col(CandidateMajor.candidate_id).in_(set(candidate_ids)))
        )
        return {row[0]: row[1] for row in await self.session.execute(statement)}


class SittingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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


class VenueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert(self, rows: Sequence[Mapping[str, Any]]) -> None:
        await _upsert(self.session, Venue, rows, ["id"])

    async def upsert_rooms(self, rows: Sequence[Mapping[str, Any]]) -> None:
        await _upsert(self.session, Room, rows, ["id"])


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


class ResultRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def published(
        self, keys: Collection[CandidateSitting], *, now: datetime
    ) -> Sequence[Row[ExamResult, Course, str]]:
        """The results of sittings whose scores are published at `now`; none of the others."""
        statement = (
            select(ExamResult, Course, col(Sitting.code))
            .join(Course, col(Course.code) == col(ExamResult.course_code))
            .join(Sitting, col(Sitting.code) == col(ExamResult.sitting_code))
            .where(
                tuple_(col(ExamResult.candidate_id), col(ExamResult.sitting_code)).in_(list(keys)),
                col(Sitting.scores_published_at) <= now,
            )
            .order_by(col(ExamResult.course_code))
        )
        return (await self.session.execute(statement)).all()

    async def passes(
        self, candidate_ids: Iterable[uuid.UUID], *, now: datetime
    ) -> Sequence[Row[ExamResult, Course]]:
        """Passing results: of published sittings, or recorded without a sitting (exemptions,
        transfers)."""
        statement = (
            select(ExamResult, Course)
            .join(Course, col(Course.code) == col(ExamResult.course_code))
            .outerjoin(Sitting, col(Sitting.code) == col(ExamResult.sitting_code))
            .where(
                col(ExamResult.candidate_id).in_(set(candidate_ids)),
                col(ExamResult.passed).is_(True),
                col(ExamResult.status) == ResultStatus.NORMAL,
                or_(
                    col(ExamResult.sitting_code).is_(None),
                    col(Sitting.scores_published_at) <= now,
                ),
            )
        )
        return (await self.session.execute(statement)).all()


class ReviewRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def of(self, candidate_ids: Iterable[uuid.UUID]) -> Sequence[Row[ScoreReview, Course]]:
        statement = (
            select(ScoreReview, Course)
            .join(Course, col(Course.code) == col(ScoreReview.course_code))
            .where(col(ScoreReview.candidate_id).in_(set(candidate_ids)))
            .order_by(col(ScoreReview.requested_at).desc(), col(ScoreReview.course_code))
        )
        return (await self.session.execute(statement)).all()
