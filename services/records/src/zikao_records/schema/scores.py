"""A candidate's results, passes and score reviews as the graph shows them."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry

from zikao_records import models
from zikao_records.schema.catalogue import COURSE_KINDS, Course
from zikao_records.service import scores


@strawberry.enum(description="How a result stands.")
class ResultStatus(Enum):
    NORMAL = strawberry.enum_value("NORMAL", description="sat the exam")
    ABSENT = strawberry.enum_value("ABSENT", description="缺考")
    CANCELLED = strawberry.enum_value("CANCELLED", description="cancelled for a violation (违规)")


RESULT_STATUSES = {models.ResultStatus(status.name): status for status in ResultStatus}


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


@strawberry.type(description="A result of a published sitting (考试结果).")
class ExamResult:
    course: Course
    score: int | None = strawberry.field(description="0–100 for theory courses")
    grade: str | None = strawberry.field(description="优秀/良好/中等/及格/不及格 or 合格/不合格")
    passed: bool
    status: ResultStatus

    @classmethod
    def from_line(cls, line: scores.ResultLine) -> ExamResult:
        return cls(
            course=Course(
                code=line.course_code,
                name=line.course_name,
                credits=line.course_credits,
                kind=COURSE_KINDS[line.course_kind],
            ),
            score=line.score,
            grade=line.grade,
            passed=line.passed,
            status=RESULT_STATUSES[line.status],
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
    deadline: date | None = strawberry.field(
        description="the last day (Beijing time) of the window the review was asked in"
    )
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
            deadline=review.deadline,
            answered_at=review.answered_at,
            original_score=review.original_score,
            corrected_score=review.corrected_score,
        )
