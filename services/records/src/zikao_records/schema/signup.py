"""Sign-up (报考) in the graph: `registrationOptions`, `chooseMajor`, `registerForExams`,
`cancelExamRegistration`, served as `clients/candidate.graphql` sends them; a sign-up as the graph
shows it (with its seat once published)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.problems import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from zikao_records.schema.catalogue import Course, Major
from zikao_records.schema.common import SlotConflict, answer, parse_sitting, unpaid_lapse
from zikao_records.schema.sittings import ExamSlot
from zikao_records.schema.violations import ExamBanned
from zikao_records.service import absence, exemptions, signup
from zikao_records.settings import records_settings


@strawberry.type(description="An exam venue (考点).")
class Venue:
    name: str
    address: str


@strawberry.type(description="Where a candidate sits an exam.")
class SeatAssignment:
    venue: Venue
    room: int = strawberry.field(description="考场号")
    seat: int = strawberry.field(description="座位号")

    @classmethod
    def from_view(cls, view: signup.SeatView) -> SeatAssignment:
        venue = Venue(name=view.venue.name, address=view.venue.address)
        return cls(venue=venue, room=view.room, seat=view.seat)


@strawberry.type(description="A sign-up (报考) for one course of a sitting.")
class ExamRegistration:
    course: Course
    slot: ExamSlot
    paid: bool
    fee_yuan: int = strawberry.field(description="the fee in whole yuan")
    seat: SeatAssignment | None = strawberry.field(
        description="null until the sitting's seat allocation is published"
    )

    @classmethod
    def from_view(cls, view: signup.ExamView) -> ExamRegistration:
        return cls(
            course=Course.from_model(view.course),
            slot=ExamSlot.from_model(view.slot),
            paid=view.paid,
            fee_yuan=view.registration.fee_yuan,
            seat=SeatAssignment.from_view(view.seat) if view.seat else None,
        )

    @classmethod
    def from_signed_up(cls, made: signup.SignedUp) -> ExamRegistration:
        return cls(
            course=Course.from_model(made.course),
            slot=ExamSlot.from_model(made.slot),
            paid=made.paid,
            fee_yuan=made.registration.fee_yuan,
            seat=None,
        )


@strawberry.type(description="A course the candidate may sign up for in a sitting.")
class RegistrationOption:
    course: Course
    slot: ExamSlot
    fee_yuan: int = strawberry.field(description="the fee in whole yuan")
    already_passed: bool = strawberry.field(description="passed before (retakes are allowed)")

    @classmethod
    def from_option(cls, option: signup.Option) -> RegistrationOption:
        return cls(
            course=Course.from_model(option.course),
            slot=ExamSlot.from_model(option.slot),
            fee_yuan=option.fee_yuan,
            already_passed=option.already_passed,
        )


@strawberry.type(description="The major is chosen.")
class MajorChosen:
    major: Major


@strawberry.type(description="The sign-ups are made, unpaid until the payment arrives.")
class ExamsRegistered:
    registrations: list[ExamRegistration]
    total_fee_yuan: int


@strawberry.type(description="The sign-up is cancelled (refunded when it was paid).")
class ExamRegistrationCancelled:
    course_code: str


ChooseMajorResult = Annotated[
    MajorChosen | InvalidInput | Unauthenticated | Forbidden | NotFound | Conflict | RateLimited,
    strawberry.union("ChooseMajorResult"),
]
RegisterForExamsResult = Annotated[
    ExamsRegistered
    | SlotConflict
    | ExamBanned
    | InvalidInput
    | Unauthenticated
    | Forbidden
    | NotFound
    | Conflict
    | RateLimited,
    strawberry.union("RegisterForExamsResult"),
]
CancelExamRegistrationResult = Annotated[
    ExamRegistrationCancelled
    | InvalidInput
    | Unauthenticated
    | Forbidden
    | NotFound
    | Conflict
    | RateLimited,
    strawberry.union("CancelExamRegistrationResult"),
]


@strawberry.type
class SignupQuery:
    @strawberry.field(description="My major's courses examined in the sitting, with slot and fee.")
    async def registration_options(
        self, info: Info[Context, None], sitting: str
    ) -> list[RegistrationOption]:
        candidate_id = info.context.require_principal().candidate_id
        settings = records_settings(info.context.settings)
        async with info.context.db() as session:
            options = await signup.registration_options(
                session,
                candidate_id=candidate_id,
                sitting_code=parse_sitting(sitting),
                now=utc_now(),
                validity_years=settings.pass_validity_years,
                transfers=exemptions.transfer_rule(settings),
            )
        return [RegistrationOption.from_option(option) for option in options]


@strawberry.type
class SignupMutation:
    @strawberry.mutation(description="Choose (or change) my major; passes keep counting.")
    async def choose_major(self, info: Info[Context, None], major_code: str) -> ChooseMajorResult:
        async def run() -> MajorChosen:
            principal = info.context.require_principal()
            async with info.context.db.begin() as session:
                major = await signup.choose_major(
                    session,
                    candidate_id=principal.candidate_id,
                    major_code=major_code,
                    region_code=principal.region_code,
                    now=utc_now(),
                )
            return MajorChosen(major=Major.from_model(major))

        return await answer(run)

    @strawberry.mutation(description="Sign up for courses of my major's plan (报考), unpaid.")
    async def register_for_exams(
        self, info: Info[Context, None], sitting: str, course_codes: list[str]
    ) -> RegisterForExamsResult:
        async def run() -> ExamsRegistered:
            principal = info.context.require_principal()
            async with info.context.db.begin() as session:
                made = await signup.register_for_exams(
                    session,
                    candidate_id=principal.candidate_id,
                    sitting_code=parse_sitting(sitting),
                    course_codes=course_codes,
                    region_code=principal.region_code,
                    now=utc_now(),
                    lapse=unpaid_lapse(info.context),
                    absence=absence.absence_rule(records_settings(info.context.settings)),
                )
            registrations = [ExamRegistration.from_signed_up(s) for s in made]
            total = sum(r.fee_yuan for r in registrations)
            return ExamsRegistered(registrations=registrations, total_fee_yuan=total)

        return await answer(run)

    @strawberry.mutation(description="Cancel a sign-up before the window closes.")
    async def cancel_exam_registration(
        self, info: Info[Context, None], sitting: str, course_code: str
    ) -> CancelExamRegistrationResult:
        async def run() -> ExamRegistrationCancelled:
            principal = info.context.require_principal()
            async with info.context.db.begin() as session:
                await signup.cancel_registration(
                    session,
                    candidate_id=principal.candidate_id,
                    sitting_code=parse_sitting(sitting),
                    course_code=course_code,
                    now=utc_now(),
                    lapse=unpaid_lapse(info.context),
                )
            return ExamRegistrationCancelled(course_code=course_code)

        return await answer(run)
