"""The graduation audit (毕业审核): what a major's plan still asks of a candidate."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_records.models import Course, Major, PlanCategory
from zikao_records.repository.catalogue import MajorRepository
from zikao_records.service.scores import passed_courses
from zikao_records.service.signup import chosen_majors

MANDATORY = (PlanCategory.REQUIRED, PlanCategory.PRACTICE, PlanCategory.THESIS)


class RequirementKind(StrEnum):
    REQUIRED_COURSE = "REQUIRED_COURSE"
    ELECTIVE_CREDITS = "ELECTIVE_CREDITS"
    PRACTICE = "PRACTICE"
    THESIS = "THESIS"


@dataclass(frozen=True)
class PlanItem:
    course: Course
    category: PlanCategory


@dataclass(frozen=True)
class MissingItem:
    kind: RequirementKind
    course_code: str | None
    course_name: str | None
    detail: str


@dataclass(frozen=True)
class GraduationAudit:
    major: Major
    missing: tuple[MissingItem, ...]
    required_passed: int
    required_total: int
    elective_credits: int
    elective_credits_needed: int

    @property
    def eligible(self) -> bool:
        return not self.missing


def audit_graduation(
    major: Major, plan: Iterable[PlanItem], passed: Collection[str]
) -> GraduationAudit:
    """What the plan of `major` still asks of a candidate who passed the courses `passed`.

    Required, practice and thesis courses must each be passed (together they make
    `required_total`); the elective courses passed must reach the major's elective credits."""
    items = sorted(plan, key=lambda i: i.course.code)
    mandatory = [i for i in items if i.category in MANDATORY]
    missing = [_missing_course(i) for i in mandatory if i.course.code not in passed]
    required_passed = len(mandatory) - len(missing)
    electives = sum(
        i.course.credits
        for i in items
        if i.category is PlanCategory.ELECTIVE and i.course.code in passed
    )
    if electives < major.elective_credits_needed:
        missing.append(_missing_credits(electives, major.elective_credits_needed))
    missing.sort(key=lambda m: _KIND_ORDER.index(m.kind))  # stable: codes stay in order
    return GraduationAudit(
        major=major,
        missing=tuple(missing),
        required_passed=required_passed,
        required_total=len(mandatory),
        elective_credits=electives,
        elective_credits_needed=major.elective_credits_needed,
    )


_KIND_ORDER = list(RequirementKind)
_COURSE_KINDS = {
    PlanCategory.REQUIRED: (RequirementKind.REQUIRED_COURSE, "必考课程尚未合格"),
    PlanCategory.PRACTICE: (RequirementKind.PRACTICE, "实践考核尚未合格"),
    PlanCategory.THESIS: (RequirementKind.THESIS, "毕业论文尚未通过"),
}


def _missing_course(item: PlanItem) -> MissingItem:
    kind, detail = _COURSE_KINDS[item.category]
    return MissingItem(kind, item.course.code, item.course.name, detail)


def _missing_credits(have: int, need: int) -> MissingItem:
    detail = f"选考课程还差{need - have}学分（已获{have}学分，需{need}学分）"
    return MissingItem(RequirementKind.ELECTIVE_CREDITS, None, None, detail)


async def graduation_audits(
    session: AsyncSession,
    candidate_ids: Collection[uuid.UUID],
    *,
    now: datetime,
    validity_years: int | None,
) -> dict[uuid.UUID, GraduationAudit]:
    """The audit of each candidate who has chosen a major (the others have none)."""
    majors = await chosen_majors(session, candidate_ids)
    if not majors:
        return {}
    plans: dict[str, list[PlanItem]] = defaultdict(list)
    for plan_course, course in await MajorRepository(session).plans(
        {m.code for m in majors.values()}
    ):
        plans[plan_course.major_code].append(PlanItem(course, plan_course.category))
    passes = await passed_courses(session, majors, now=now, validity_years=validity_years)
    return {
        candidate_id: audit_graduation(
            major, plans[major.code], {p.course.code for p in passes.get(candidate_id, [])}
        )
        for candidate_id, major in majors.items()
    }
