"""The graduation audit as the graph shows it, with the way there (`plan`). Applications,
the diploma and batch audits: `schema/graduation_applications.py`."""

from __future__ import annotations

from enum import Enum

import strawberry

from zikao_records.schema.catalogue import Major
from zikao_records.service import graduation
from zikao_records.service.plan_ahead import Option, PlanAhead


@strawberry.enum(description="What a graduation audit finds missing.")
class RequirementKind(Enum):
    REQUIRED_COURSE = strawberry.enum_value("REQUIRED_COURSE", description="必考课程")
    ELECTIVE_CREDITS = strawberry.enum_value("ELECTIVE_CREDITS", description="选考课程学分")
    PRACTICE = strawberry.enum_value("PRACTICE", description="实践考核")
    THESIS = strawberry.enum_value("THESIS", description="毕业论文")
    ADDED_COURSE = strawberry.enum_value(
        "ADDED_COURSE", description="加考 of the candidate's origin"
    )
    DIPLOMA = strawberry.enum_value("DIPLOMA", description="本科: a verified 专科 diploma")
    SANCTION = strawberry.enum_value("SANCTION", description="a violation delays graduation")
    GRADUATED = strawberry.enum_value("GRADUATED", description="the major was already graduated")


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
    plan: GraduationPlan | None = strawberry.field(
        description="the way there from the next open sitting; null when no sitting is open"
    )

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
            plan=(
                GraduationPlan.from_plan(audit.next_sitting, audit.plan)
                if audit.plan is not None and audit.next_sitting is not None
                else None
            ),
        )


@strawberry.type(description="A course the way to graduation suggests.")
class SuggestedCourse:
    code: str
    name: str
    credits: int


@strawberry.type(
    description="The way to graduation (毕业规划): the courses to sign up for in the next open "
    "sitting (no two in one slot, at most its maximum, required courses first) and how many "
    "sittings graduation takes at best, if each later sitting examines every course still needed."
)
class GraduationPlan:
    sitting: str = strawberry.field(description="the next sitting open for sign-up")
    courses: list[SuggestedCourse]
    still_to_pass: list[SuggestedCourse] = strawberry.field(
        description="every course still to pass on this way, the next sitting's included"
    )
    sittings_at_best: int = strawberry.field(description="the next sitting included")

    @classmethod
    def from_plan(cls, sitting: str, plan: PlanAhead) -> GraduationPlan:
        def course(option: Option) -> SuggestedCourse:
            return SuggestedCourse(code=option.code, name=option.name, credits=option.credits)

        return cls(
            sitting=sitting,
            courses=[course(o) for o in plan.courses],
            still_to_pass=[course(o) for o in plan.to_take],
            sittings_at_best=plan.sittings_at_best,
        )
