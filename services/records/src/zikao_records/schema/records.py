"""A candidate's records as the graph shows them: sign-ups, seats, results, passes, reviews,
and the graduation audit."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from zikao_records.schema.catalogue import Course, ExamSlot, Major
from zikao_records.service import graduation, scores, signup


@strawberry.enum(description="How a result stands.")
class ResultStatus(Enum):
    NORMAL = strawberry.enum_value("NORMAL", description="sat the exam")
    ABSENT = strawberry.enum_value("ABSENT", description="缺考")
    CANCELLED = strawberry.enum_value("CANCELLED", description="cancelled for a violation (违规)")


@strawberry.enum(description="Where a pass comes from.")
class ResultSource(Enum):
    EXAM = strawberry.enum_value("EXAM", description="a written exam")
    PRACTICE = strawberry.enum_value("PRACTICE", description="实践考核")
    THESIS = strawberry.enum_value("THESIS", description="毕业论文")
    EXEMPTION = strawberry.enum_value("EXEMPTION", description="免考, recorded by staff")
    TRANSFER = strawberry.enum_value("TRANSFER", description="转考, from another province")


@strawberry.enum(description="Where a score review (成绩复查) stands.")
class ReviewStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="not answered yet")
    UNCHANGED = strawberry.enum_value("UNCHANGED", description="the score stands")
    CORRECTED = strawberry.enum_value("CORRECTED", description="the score was corrected")


@strawberry.enum(description="What a graduation audit finds missing.")
class RequirementKind(Enum):
    REQUIRED_COURSE = strawberry.enum_value("REQUIRED_COURSE", description="必考课程")
    ELECTIVE_CREDITS = strawberry.enum_value("ELECTIVE_CREDITS", description="选考课程学分")
    PRACTICE = strawberry.enum_value("PRACTICE", description="实践考核")
    THESIS = strawberry.enum_value("THESIS", description="毕业论文")


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


@strawberry.type(description="A result of a published sitting (考试结果).")
class ExamResult:
    course: Course
    score: int | None = strawberry.field(description="0–100 for theory courses")
    grade: str | None = strawberry.field(description="优秀/良好/中等/及格/不及格 or 合格/不合格")
    passed: bool
    status: ResultStatus

    @classmethod
    def from_view(cls, view: scores.ResultView) -> ExamResult:
        result = view.result
        return cls(
            course=Course.from_model(view.course),
            score=result.score,
            grade=result.grade,
            passed=result.passed,
            status=ResultStatus(result.status.value),
        )


@strawberry.type(description="The best valid pass of a course (各科合格成绩).")
class PassedCourse:
    course: Course
    score: int | None
    grade: str | None
    source: ResultSource
    sitting: str | None = strawberry.field(description="null for exemptions and transfers")
    expires_on: date | None = strawberry.field(
        description="the last day the pass counts; null where passes count forever"
    )

    @classmethod
    def from_view(cls, view: scores.PassView) -> PassedCourse:
        result = view.result
        return cls(
            course=Course.from_model(view.course),
            score=result.score,
            grade=result.grade,
            source=ResultSource(result.source.value),
            sitting=result.sitting_code,
            expires_on=view.expires_on,
        )


@strawberry.type(description="A score review (成绩复查) and its answer.")
class ScoreReview:
    id: strawberry.ID
    sitting: str
    course: Course
    status: ReviewStatus
    reason: str | None
    requested_at: datetime
    answered_at: datetime | None
    original_score: int | None
    corrected_score: int | None

    @classmethod
    def from_view(cls, view: scores.ReviewView) -> ScoreReview:
        review = view.review
        return cls(
            id=strawberry.ID(str(review.id)),
            sitting=review.sitting_code,
            course=Course.from_model(view.course),
            status=ReviewStatus(review.status.value),
            reason=review.reason,
            requested_at=review.requested_at,
            answered_at=review.answered_at,
            original_score=review.original_score,
            corrected_score=review.corrected_score,
        )


@strawberry.type(description="Something a candidate still needs to graduate.")
class MissingRequirement:
    kind: RequirementKind
    course_code: str | None
    course_name: str | None
    detail: str = strawberry.field(description="what is missing, in words for the candidate")

    @classmethod
    def from_item(cls, item: graduation.MissingItem) -> MissingRequirement:
        return cls(
            kind=RequirementKind(item.kind.value),
            course_code=item.course_code,
            course_name=item.course_name,
            detail=item.detail,
        )


@strawberry.type(description="What a candidate still needs to graduate in their major.")
class GraduationAudit:
    major: Major
    eligible: bool
    missing: list[MissingRequirement]
    required_passed: int = strawberry.field(
        description="required, practice and thesis courses passed"
    )
    required_total: int
    elective_credits: int
    elective_credits_needed: int

    @classmethod
    def from_audit(cls, audit: graduation.GraduationAudit) -> GraduationAudit:
        return cls(
            major=Major.from_model(audit.major),
            eligible=audit.eligible,
            missing=[MissingRequirement.from_item(item) for item in audit.missing],
            required_passed=audit.required_passed,
            required_total=audit.required_total,
            elective_credits=audit.elective_credits,
            elective_credits_needed=audit.elective_credits_needed,
        )
