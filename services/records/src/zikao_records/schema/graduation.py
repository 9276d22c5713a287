"""The graduation audit as the graph shows it."""

from __future__ import annotations

from enum import Enum

import strawberry

from zikao_records.schema.catalogue import Major
from zikao_records.service import graduation


@strawberry.enum(description="What a graduation audit finds missing.")
class RequirementKind(Enum):
    REQUIRED_COURSE = strawberry.enum_value("REQUIRED_COURSE", description="必考课程")
    ELECTIVE_CREDITS = strawberry.enum_value("ELECTIVE_CREDITS", description="选考课程学分")
    PRACTICE = strawberry.enum_value("PRACTICE", description="实践考核")
    THESIS = strawberry.enum_value("THESIS", description="毕业论文")
    ADDED_COURSE = strawberry.enum_value("ADDED_COURSE", description="加考 of the candidate's origin")
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
