"""Types and inputs of the staff operations (not in the candidates' contract)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from zikao_records import models
from zikao_records.schema.catalogue import Course, CourseKind, Major, MajorLevel, Sitting


@strawberry.enum(description="Where a seat allocation run stands.")
class AllocationStatus(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


@strawberry.enum(description="Whether a payment paid sign-ups, or is to be refunded.")
class PaymentStatus(Enum):
    APPLIED = "APPLIED"
    REFUND_DUE = "REFUND_DUE"


@strawberry.enum(description="How a practice course is graded.")
class GradeScheme(Enum):
    FIVE_LEVEL = strawberry.enum_value("FIVE_LEVEL", description="优秀/良好/中等/及格/不及格")
    PASS_FAIL = strawberry.enum_value("PASS_FAIL", description="合格/不合格")


@strawberry.type(description="An exam room (考场).")
class StaffRoom:
    number: int
    seats: int


@strawberry.type(description="An exam venue (考点) with its rooms, as staff see it.")
class StaffVenue:
    id: strawberry.ID
    name: str
    address: str
    region_code: str
    rooms: list[StaffRoom]

    @classmethod
    def from_model(cls, venue: models.Venue, rooms: list[models.Room]) -> StaffVenue:
        return cls(
            id=strawberry.ID(str(venue.id)),
            name=venue.name,
            address=venue.address,
            region_code=venue.region_code,
            rooms=[StaffRoom(number=r.number, seats=r.seats) for r in rooms],
        )


@strawberry.type(description="A run of seat allocation (考场编排) and its progress.")
class SeatAllocationRun:
    id: strawberry.ID
    sitting: str
    status: AllocationStatus
    seed: int = strawberry.field(description="the same seed and sign-ups give the same seats")
    slots_done: int
    slots_total: int
    seated: int
    kept: int = strawberry.field(description="seats kept from an earlier run")
    moved: int = strawberry.field(description="seats changed against an earlier run")
    unseated: int
    error: str | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_model(cls, run: models.SeatAllocation) -> SeatAllocationRun:
        return cls(
            id=strawberry.ID(str(run.id)),
            sitting=run.sitting_code,
            status=AllocationStatus(run.status.value),
            seed=run.seed,
            slots_done=run.slots_done,
            slots_total=run.slots_total,
            seated=run.seated,
            kept=run.kept,
            moved=run.moved,
            unseated=run.unseated,
            error=run.error,
            requested_at=run.requested_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


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


@strawberry.input
class SittingInput:
    code: str = strawberry.field(description="YYYY-MM")
    name: str
    registration_opens_at: datetime
    registration_closes_at: datetime
    ticket_printing_opens_at: datetime
    review_closes_at: datetime | None = None
    certificate_closes_at: datetime | None = None
    theory_fee_yuan: int | None = strawberry.field(default=None, description="default: setting")
    practice_fee_yuan: int | None = None
    max_courses: int | None = None


@strawberry.input(description="A course examined in the slot of these times.")
class TimetableEntryInput:
    course_code: str
    starts_at: datetime
    ends_at: datetime


@strawberry.input
class VenueInput:
    name: str
    address: str
    region_code: str
    rooms: int = 0
    seats: int = strawberry.field(default=30, description="seats of each room")


@strawberry.input(description="Corrections of a venue; a field left out stays as it is.")
class VenueEditInput:
    name: str | None = None
    address: str | None = None


@strawberry.input(description="A payment staff saw (counter, bank transfer); audited.")
class ManualPaymentInput:
    candidate_id: strawberry.ID
    sitting: str
    course_codes: list[str]
    amount_yuan: int
    reference: str = strawberry.field(description="the receipt or transfer number")


@strawberry.type
class CourseSaved:
    course: Course


@strawberry.type
class MajorSaved:
    major: Major


@strawberry.type
class SittingSaved:
    sitting: Sitting


@strawberry.type
class TimetableSet:
    sitting: Sitting
    courses: int


@strawberry.type
class VenueSaved:
    venue: StaffVenue


@strawberry.type
class VenueRemoved:
    id: strawberry.ID


@strawberry.type
class SeatAllocationStarted:
    run: SeatAllocationRun


@strawberry.type
class SeatsPublished:
    sitting: str
    published_at: datetime


@strawberry.type
class PaymentRecorded:
    status: PaymentStatus
    reason: str | None = strawberry.field(description="why a refund is due, if it is")
    repeated: bool = strawberry.field(description="this reference was recorded before")
