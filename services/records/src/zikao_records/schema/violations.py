"""Violations (违规) in the graph: staff's `recordViolation` (audited, the candidate's region or
the province) with its sanctions; the `ExamBanned` problem sign-up answers during a ban; a
candidate's violations on the `Candidate` entity (`violations`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.problems import Problem, register_problem
from zikao_records import errors
from zikao_records.schema.catalogue import Course
from zikao_records.schema.common import Problems, answer, parse_id, staff_principal
from zikao_records.service import results_cache, violations
from zikao_records.settings import records_settings


@strawberry.type(description="A ban for a violation (违规) bars sign-up up to untilSitting.")
class ExamBanned(Problem):
    until_sitting: str = strawberry.field(description="the last banned sitting (included)")


register_problem(
    errors.ExamBannedUntilError,
    lambda e: ExamBanned(code=e.code, message=e.message, until_sitting=e.until_sitting),
)


@strawberry.type(description="A violation (违规) and its sanctions.")
class Violation:
    id: strawberry.ID
    sitting: str
    course: Course | None
    reason: str
    cancels_result: bool = strawberry.field(description="the course's result is cancelled")
    ban_sittings: int = strawberry.field(description="sittings the candidate may not sign up for")
    banned_until: str | None = strawberry.field(description="the last banned sitting")
    graduation_delayed_until: date | None = strawberry.field(
        description="graduation only from this day on"
    )
    recorded_at: datetime

    @classmethod
    def from_view(cls, view: violations.ViolationView) -> Violation:
        violation = view.violation
        return cls(
            id=strawberry.ID(str(violation.id)),
            sitting=violation.sitting_code,
            course=Course.from_model(view.course) if view.course else None,
            reason=violation.reason,
            cancels_result=violation.cancels_result,
            ban_sittings=violation.ban_sittings,
            banned_until=violation.banned_until,
            graduation_delayed_until=violation.graduation_delayed_until,
            recorded_at=violation.recorded_at,
        )


@strawberry.input(description="A violation and the sanctions staff decided (at least one).")
class ViolationInput:
    candidate_id: strawberry.ID
    sitting: str = strawberry.field(description="the sitting it happened in")
    reason: str
    course_code: str | None = None
    cancel_result: bool = strawberry.field(
        default=False, description="cancel the course's result of the sitting"
    )
    ban_sittings: int = strawberry.field(default=0, description="ban from the next N sittings")
    graduation_delayed_until: date | None = None


@strawberry.type(description="The violation is recorded and its sanctions carried out.")
class ViolationRecorded:
    violation: Violation


RecordViolationResult = Annotated[
    ViolationRecorded | Problems, strawberry.union("RecordViolationResult")
]


@strawberry.type
class ViolationsMutation:
    @strawberry.mutation(
        description="Staff: record a violation (违规) with its sanctions: the course's result "
        "cancelled, a ban from the next N sittings, graduation delayed until a date; audited."
    )
    async def record_violation(
        self, info: Info[Context, None], input: ViolationInput
    ) -> RecordViolationResult:
        async def run() -> ViolationRecorded:
            principal = staff_principal(info)
            record = violations.ViolationRecord(
                candidate_id=parse_id(input.candidate_id),
                sitting_code=input.sitting,
                course_code=input.course_code,
                reason=input.reason,
                cancel_result=input.cancel_result,
                ban_sittings=input.ban_sittings,
                graduation_delayed_until=input.graduation_delayed_until,
            )
            months = records_settings(info.context.settings).sitting_months
            async with info.context.db.begin() as session:
                view = await violations.record_violation(
                    session, principal, record, sitting_months=months, now=utc_now()
                )
            if view.violation.cancels_result:  # after the commit: readers refill from it
                violation = view.violation
                await results_cache.invalidate(
                    info.context, violation.candidate_id, violation.sitting_code
                )
            return ViolationRecorded(violation=Violation.from_view(view))

        return await answer(run)
