"""Records' part of the graph: the catalogue and sittings (public), and the candidate's exams,
results, passes, reviews and graduation audit on the `Candidate` entity."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.graphql import build_schema
from zikao_records import models
from zikao_records.repository.catalogue import MajorRepository
from zikao_records.repository.sittings import SittingRepository
from zikao_records.schema.candidate import Candidate
from zikao_records.schema.catalogue import Course, Major, MajorLevel, Sitting
from zikao_records.schema.signup import SignupMutation, SignupQuery
from zikao_records.schema.staff import StaffMutation, StaffQuery


@strawberry.type
class Query(SignupQuery, StaffQuery):
    @strawberry.field(description="Exam sittings, newest first. Public.")
    async def sittings(self, info: Info[Context, None]) -> list[Sitting]:
        async with info.context.db() as session:
            sittings = await SittingRepository(session).all()
        now = utc_now()
        return [Sitting.from_model(sitting, now) for sitting in sittings]

    @strawberry.field(description="The majors a candidate may choose, of one level if given.")
    async def majors(
        self, info: Info[Context, None], level: MajorLevel | None = None
    ) -> list[Major]:
        wanted = models.MajorLevel[level.name] if level is not None else None
        async with info.context.db() as session:
            majors = await MajorRepository(session).all(wanted)
        return [Major.from_model(major) for major in majors]


@strawberry.type
class Mutation(SignupMutation, StaffMutation):
    pass


schema = build_schema("records", query=Query, mutation=Mutation, types=[Candidate, Course, Sitting])

__all__ = ["schema"]
