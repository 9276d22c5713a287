"""Staff operations in the graph (GraphiQL): catalogue (admin), sittings and timetables (admin),
venues and rooms (district staff in their region), seat allocation runs (province), payments
recorded by hand (audited)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

import strawberry
from arq.connections import ArqRedis
from strawberry.types import Info

from zikao_kit import access
from zikao_kit.auth import Principal
from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_kit.errors import NotFoundError
from zikao_kit.problems import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from zikao_records import models, text
from zikao_records.jobs import enqueue_allocation
from zikao_records.repository.catalogue import CourseRepository, MajorRepository
from zikao_records.repository.seating import AllocationRepository, VenueRepository
from zikao_records.schema.candidate import parse_sitting
from zikao_records.schema.catalogue import Course, Major, Sitting
from zikao_records.schema.problems import answer
from zikao_records.schema.staff_types import (
    CourseInput,
    CourseSaved,
    MajorInput,
    MajorSaved,
    ManualPaymentInput,
    PaymentRecorded,
    PaymentStatus,
    SeatAllocationRun,
    SeatAllocationStarted,
    SeatsPublished,
    SittingInput,
    SittingSaved,
    StaffVenue,
    TimetableEntryInput,
    TimetableSet,
    VenueEditInput,
    VenueInput,
    VenueRemoved,
    VenueSaved,
)
from zikao_records.service import catalogue, scope, seating, sittings, venues
from zikao_records.service.payments import PaymentNotice, record_payment_by_hand
from zikao_records.settings import records_settings

MAX_REFERENCE = 50  # a manual payment's transaction id is `manual:<reference>`, at most 64
MAX_AMOUNT_YUAN = 100_000
Problems = InvalidInput | Unauthenticated | Forbidden | NotFound | Conflict
SaveCourseResult = Annotated[CourseSaved | Problems, strawberry.union("SaveCourseResult")]
SaveMajorResult = Annotated[MajorSaved | Problems, strawberry.union("SaveMajorResult")]
SaveSittingResult = Annotated[SittingSaved | Problems, strawberry.union("SaveSittingResult")]
SetTimetableResult = Annotated[TimetableSet | Problems, strawberry.union("SetTimetableResult")]
SaveVenueResult = Annotated[VenueSaved | Problems, strawberry.union("SaveVenueResult")]
RemoveVenueResult = Annotated[VenueRemoved | Problems, strawberry.union("RemoveVenueResult")]
StartSeatAllocationResult = Annotated[
    SeatAllocationStarted | Problems, strawberry.union("StartSeatAllocationResult")
]
PublishSeatsResult = Annotated[SeatsPublished | Problems, strawberry.union("PublishSeatsResult")]
RecordPaymentResult = Annotated[PaymentRecorded | Problems, strawberry.union("RecordPaymentResult")]


def _staff(info: Info[Context, None]) -> Principal:
    principal = info.context.require_principal(*scope.STAFF_ROLES)
    return principal


def _id(value: strawberry.ID) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise NotFoundError() from error


async def _venue(info: Info[Context, None], venue_id: uuid.UUID) -> StaffVenue:
    """The venue as just saved (its transaction committed)."""
    async with info.context.db() as session:
        repository = VenueRepository(session)
        venue = await repository.get(venue_id)
        rooms = list(await repository.rooms([venue_id]))
    if venue is None:
        raise NotFoundError()
    return StaffVenue.from_model(venue, rooms)


@strawberry.type
class StaffQuery:
    @strawberry.field(description="Staff: venues and rooms (district staff: their region's).")
    async def venues(
        self, info: Info[Context, None], region_code: str | None = None
    ) -> list[StaffVenue]:
        principal = _staff(info)
        if region_code is not None:
            region_code = text.code(region_code, "regionCode", text.REGION_CODE)
        region = access.staff_region(principal) or region_code
        async with info.context.db() as session:
            repository = VenueRepository(session)
            venues = await repository.all(region)
            rooms = await repository.rooms(v.id for v in venues)
        return [StaffVenue.from_model(v, [r for r in rooms if r.venue_id == v.id]) for v in venues]

    @strawberry.field(description="Staff: a seat allocation run and its progress.")
    async def seat_allocation(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> SeatAllocationRun | None:
        _staff(info)
        async with info.context.db() as session:
            run = await AllocationRepository(session).get(_id(id))
        return SeatAllocationRun.from_model(run) if run is not None else None


@strawberry.type
class StaffMutation:
    @strawberry.mutation(description="Admin: create or update a course.")
    async def save_course(self, info: Info[Context, None], input: CourseInput) -> SaveCourseResult:
        async def run() -> CourseSaved:
            async with info.context.db.begin() as session:
                await catalogue.save_course(
                    session,
                    _staff(info),
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
                code = await catalogue.save_major(session, _staff(info), data)
                major = (await MajorRepository(session).get_many([code]))[code]
            return MajorSaved(major=Major.from_model(major))

        return await answer(run)

    @strawberry.mutation(description="Admin: create or update a sitting (windows, fees, maximum).")
    async def save_sitting(
        self, info: Info[Context, None], input: SittingInput
    ) -> SaveSittingResult:
        async def run() -> SittingSaved:
            data = sittings.SittingInput(**vars(input))
            settings = records_settings(info.context.settings)
            async with info.context.db.begin() as session:
                saved = await sittings.save_sitting(session, _staff(info), data, settings)
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
                    session, _staff(info), sitting_code=code, entries=rows
                )
                saved = await sittings.get_sitting(session, code)
            return TimetableSet(sitting=Sitting.from_model(saved, utc_now()), courses=count)

        return await answer(run)

    @strawberry.mutation(description="Staff: add a venue (考点) with rooms, in their region.")
    async def add_venue(self, info: Info[Context, None], input: VenueInput) -> SaveVenueResult:
        async def run() -> VenueSaved:
            regions = records_settings(info.context.settings).regions
            async with info.context.db.begin() as session:
                venue = await venues.add_venue(
                    session,
                    _staff(info),
                    name=input.name,
                    address=input.address,
                    region_code=input.region_code,
                    rooms=input.rooms,
                    seats=input.seats,
                    regions=regions,
                )
            return VenueSaved(venue=await _venue(info, venue.id))

        return await answer(run)

    @strawberry.mutation(description="Staff: correct a venue's name or address (audited).")
    async def edit_venue(
        self, info: Info[Context, None], venue_id: strawberry.ID, input: VenueEditInput
    ) -> SaveVenueResult:
        async def run() -> VenueSaved:
            async with info.context.db.begin() as session:
                venue = await venues.edit_venue(
                    session,
                    _staff(info),
                    venue_id=_id(venue_id),
                    name=input.name,
                    address=input.address,
                )
            return VenueSaved(venue=await _venue(info, venue.id))

        return await answer(run)

    @strawberry.mutation(description="Staff: remove a venue and its rooms while no seat uses them.")
    async def remove_venue(
        self, info: Info[Context, None], venue_id: strawberry.ID
    ) -> RemoveVenueResult:
        async def run() -> VenueRemoved:
            async with info.context.db.begin() as session:
                await venues.remove_venue(session, _staff(info), venue_id=_id(venue_id))
            return VenueRemoved(id=venue_id)

        return await answer(run)

    @strawberry.mutation(description="Staff: add rooms (考场) to a venue of their region.")
    async def add_rooms(
        self, info: Info[Context, None], venue_id: strawberry.ID, count: int, seats: int = 30
    ) -> SaveVenueResult:
        async def run() -> VenueSaved:
            async with info.context.db.begin() as session:
                await venues.add_rooms(
                    session, _staff(info), venue_id=_id(venue_id), count=count, seats=seats
                )
            return VenueSaved(venue=await _venue(info, _id(venue_id)))

        return await answer(run)

    @strawberry.mutation(description="Staff: change a room's seats (never below a seat in use).")
    async def set_room_seats(
        self, info: Info[Context, None], venue_id: strawberry.ID, number: int, seats: int
    ) -> SaveVenueResult:
        async def run() -> VenueSaved:
            async with info.context.db.begin() as session:
                await venues.set_room_seats(
                    session, _staff(info), venue_id=_id(venue_id), number=number, seats=seats
                )
            return VenueSaved(venue=await _venue(info, _id(venue_id)))

        return await answer(run)

    @strawberry.mutation(description="Staff: remove a room while no seat assignment uses it.")
    async def remove_room(
        self, info: Info[Context, None], venue_id: strawberry.ID, number: int
    ) -> SaveVenueResult:
        async def run() -> VenueSaved:
            async with info.context.db.begin() as session:
                await venues.remove_room(
                    session, _staff(info), venue_id=_id(venue_id), number=number
                )
            return VenueSaved(venue=await _venue(info, _id(venue_id)))

        return await answer(run)

    @strawberry.mutation(description="Province: start seat allocation for a sitting (a job).")
    async def start_seat_allocation(
        self, info: Info[Context, None], sitting: str, seed: int | None = None
    ) -> StartSeatAllocationResult:
        async def run() -> SeatAllocationStarted:
            principal = _staff(info)
            scope.ensure_provincial(principal)
            async with info.context.db.begin() as session:
                made = await seating.start_allocation(
                    session,
                    sitting_code=parse_sitting(sitting),
                    staff=principal,
                    seed=seed,
                    now=utc_now(),
                )
            queue = info.context.extras.get("queue")
            if isinstance(queue, ArqRedis):  # else the worker's sweeper wakes it
                name = records_settings(info.context.settings).queue_name
                await enqueue_allocation(queue, made.id, queue_name=name)
            return SeatAllocationStarted(run=SeatAllocationRun.from_model(made))

        return await answer(run)

    @strawberry.mutation(description="Province: show the allocated seats to candidates now.")
    async def publish_seats(self, info: Info[Context, None], sitting: str) -> PublishSeatsResult:
        async def run() -> SeatsPublished:
            principal = _staff(info)
            scope.ensure_provincial(principal)
            async with info.context.db.begin() as session:
                at = await seating.publish_seats(
                    session, sitting_code=parse_sitting(sitting), staff=principal, now=utc_now()
                )
            return SeatsPublished(sitting=sitting, published_at=at)

        return await answer(run)

    @strawberry.mutation(description="Staff: record a payment seen by hand (audited).")
    async def record_payment(
        self, info: Info[Context, None], input: ManualPaymentInput
    ) -> RecordPaymentResult:
        async def run() -> PaymentRecorded:
            principal = _staff(info)
            candidate_id = _id(input.candidate_id)
            reference = text.plain(input.reference, "reference", MAX_REFERENCE)
            notice = PaymentNotice(
                transaction_id=f"manual:{reference}",
                candidate_id=candidate_id,
                sitting_code=parse_sitting(input.sitting),
                course_codes=tuple(text.codes(input.course_codes, "courseCodes", text.COURSE_CODE)),
                amount_yuan=text.within(input.amount_yuan, "amountYuan", 0, MAX_AMOUNT_YUAN),
            )
            lapse = timedelta(minutes=records_settings(info.context.settings).unpaid_lapse_minutes)
            async with info.context.db.begin() as session:
                await scope.ensure_candidate(session, principal, candidate_id)
                outcome = await record_payment_by_hand(
                    session, notice, staff=principal, now=utc_now(), lapse=lapse
                )
            payment = outcome.payment
            return PaymentRecorded(
                status=PaymentStatus(payment.status.value),
                reason=payment.reason,
                repeated=outcome.repeated,
            )

        return await answer(run)
