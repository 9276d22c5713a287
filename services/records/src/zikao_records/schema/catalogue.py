"""The public part of the graph: courses, majors, sittings and their exam slots."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from enum import Enum

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_records import models
from zikao_records.repository.catalogue import CourseRepository, MajorRepository
from zikao_records.repository.sittings import SittingRepository
from zikao_records.schema.loading import batch_many, batch_one
from zikao_records.service.sittings import published_by


@strawberry.enum(description="The level of a major.")
class MajorLevel(Enum):
    ZHUANKE = strawberry.enum_value("ZHUANKE", description="专科")
    BENKE = strawberry.enum_value("BENKE", description="本科")


@strawberry.enum(description="How a course is examined.")
class CourseKind(Enum):
    THEORY = strawberry.enum_value("THEORY", description="written exam, scored 0–100, pass ≥ 60")
    PRACTICE = strawberry.enum_value("PRACTICE", description="实践考核, graded")


@strawberry.federation.type(keys=["code"], description="A course (课程) of the catalogue.")
class Course:
    code: str = strawberry.field(description="5 digits, e.g. 03708")
    name: str
    credits: int
    kind: CourseKind

    @classmethod
    def from_model(cls, course: models.Course) -> Course:
        return cls(
            code=course.code,
            name=course.name,
            credits=course.credits,
            kind=CourseKind(course.kind.value),
        )

    @classmethod
    async def resolve_reference(cls, info: Info[Context, None], code: str) -> Course | None:
        loader = info.context.loader("records.courses", batch_one(info.context, _courses))
        return await loader.load(code)


@strawberry.federation.type(keys=["code"], description="A major (专业) and its examining school.")
class Major:
    code: str
    name: str
    level: MajorLevel
    school: str = strawberry.field(description="主考学校, the main examining school")

    @classmethod
    def from_model(cls, major: models.Major) -> Major:
        return cls(
            code=major.code,
            name=major.name,
            level=MajorLevel(major.level.value),
            school=major.school,
        )

    @classmethod
    async def resolve_reference(cls, info: Info[Context, None], code: str) -> Major | None:
        loader = info.context.loader("records.majors", batch_one(info.context, _majors))
        return await loader.load(code)


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


async def _courses(_context: Context, session: AsyncSession, codes: list[str]) -> dict[str, Course]:
    found = await CourseRepository(session).get_many(codes)
    return {code: Course.from_model(course) for code, course in found.items()}


async def _majors(_context: Context, session: AsyncSession, codes: list[str]) -> dict[str, Major]:
    found = await MajorRepository(session).get_many(codes)
    return {code: Major.from_model(major) for code, major in found.items()}


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
