"""The catalogue in the graph: courses and majors (public), and saving them (admins)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_records import models
from zikao_records.repository.catalogue import CourseRepository, MajorRepository
from zikao_records.schema.common import Problems, answer, batch_one, staff_principal
from zikao_records.service import catalogue


@strawberry.enum(description="The level of a major.")
class MajorLevel(Enum):
    ZHUANKE = strawberry.enum_value("ZHUANKE", description="专科")
    BENKE = strawberry.enum_value("BENKE", description="本科")


@strawberry.enum(description="How a course is examined.")
class CourseKind(Enum):
    THEORY = strawberry.enum_value("THEORY", description="written exam, scored 0–100, pass ≥ 60")
    PRACTICE = strawberry.enum_value("PRACTICE", description="实践考核, graded")


COURSE_KINDS = {models.CourseKind(kind.name): kind for kind in CourseKind}


@strawberry.enum(description="How a practice course is graded.")
class GradeScheme(Enum):
    FIVE_LEVEL = strawberry.enum_value("FIVE_LEVEL", description="优秀/良好/中等/及格/不及格")
    PASS_FAIL = strawberry.enum_value("PASS_FAIL", description="合格/不合格")


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


@strawberry.input
class CourseInput:
    code: str
    name: str
    credits: int
    kind: CourseKind
    grade_scheme: GradeScheme | None = None


@strawberry.input(description="A major and its whole plan (course codes per part).")
class MajorInput:
    code: str
    name: str
    level: MajorLevel
    school: str
    elective_credits_needed: int
    required: list[str]
    elective: list[str] = strawberry.field(default_factory=list)
    practice: list[str] = strawberry.field(default_factory=list)
    thesis: list[str] = strawberry.field(default_factory=list)


@strawberry.type
class CourseSaved:
    course: Course


@strawberry.type
class MajorSaved:
    major: Major


SaveCourseResult = Annotated[CourseSaved | Problems, strawberry.union("SaveCourseResult")]
SaveMajorResult = Annotated[MajorSaved | Problems, strawberry.union("SaveMajorResult")]


async def _courses(_context: Context, session: AsyncSession, codes: list[str]) -> dict[str, Course]:
    found = await CourseRepository(session).get_many(codes)
    return {code: Course.from_model(course) for code, course in found.items()}


async def _majors(_context: Context, session: AsyncSession, codes: list[str]) -> dict[str, Major]:
    found = await MajorRepository(session).get_many(codes)
    return {code: Major.from_model(major) for code, major in found.items()}


@strawberry.type
class CatalogueQuery:
    @strawberry.field(
        description="The majors a candidate may choose, of one level if given. Nullable so "
        "that a page asking for it beside other services' fields still gets those while "
        "records cannot answer."
    )
    async def majors(
        self, info: Info[Context, None], level: MajorLevel | None = None
    ) -> list[Major] | None:
        wanted = models.MajorLevel[level.name] if level is not None else None
        async with info.context.db() as session:
            majors = await MajorRepository(session).all(wanted)
        return [Major.from_model(major) for major in majors]


@strawberry.type
class CatalogueMutation:
    @strawberry.mutation(description="Admin: create or update a course.")
    async def save_course(self, info: Info[Context, None], input: CourseInput) -> SaveCourseResult:
        async def run() -> CourseSaved:
            async with info.context.db.begin() as session:
                await catalogue.save_course(
                    session,
                    staff_principal(info),
                    code=input.code,
                    name=input.name,
                    credits=input.credits,
                    kind=models.CourseKind[input.kind.name],
                    grade_scheme=(
                        models.GradeScheme[input.grade_scheme.name] if input.grade_scheme else None
                    ),
                )
                course = (await CourseRepository(session).get_many([input.code]))[input.code]
            return CourseSaved(course=Course.from_model(course))

        return await answer(run)

    @strawberry.mutation(description="Admin: create or update a major and its whole plan.")
    async def save_major(self, info: Info[Context, None], input: MajorInput) -> SaveMajorResult:
        async def run() -> MajorSaved:
            data = catalogue.MajorInput(
                code=input.code,
                name=input.name,
                level=models.MajorLevel[input.level.name],
                school=input.school,
                elective_credits_needed=input.elective_credits_needed,
                parts={
                    models.PlanCategory.REQUIRED: input.required,
                    models.PlanCategory.ELECTIVE: input.elective,
                    models.PlanCategory.PRACTICE: input.practice,
                    models.PlanCategory.THESIS: input.thesis,
                },
            )
            async with info.context.db.begin() as session:
                code = await catalogue.save_major(session, staff_principal(info), data)
                major = (await MajorRepository(session).get_many([code]))[code]
            return MajorSaved(major=Major.from_model(major))

        return await answer(run)
