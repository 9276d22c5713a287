"""SQL of the catalogue: courses, majors, their plans, and the major each candidate chose."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    AddedCourse,
    CandidateMajor,
    Course,
    ElectiveGroup,
    Major,
    MajorLevel,
    PlanCategory,
    PlanCourse,
)
from zikao_records.repository.base import upsert as _upsert


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
