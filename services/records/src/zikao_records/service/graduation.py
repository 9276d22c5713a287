"""The graduation audit (毕业审核): what a major's plan still asks of a candidate."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import clock
from zikao_records.models import AddedCourse, Course, Major, MajorLevel, PlanCategory
from zikao_records.repository.catalogue import CourseRepository, MajorRepository
from zikao_records.repository.graduation import GraduationRepository
from zikao_records.service import violations
from zikao_records.service.plan_ahead import (
    ElectiveNeed,
    NextSitting,
    Option,
    PlanAhead,
    plan_ahead,
)
from zikao_records.service.scores import CHONGQING_TRANSFERS, TransferRule, passed_courses
from zikao_records.service.signup import chosen_majors

MANDATORY = (PlanCategory.REQUIRED, PlanCategory.PRACTICE, PlanCategory.THESIS)


class RequirementKind(StrEnum):
    REQUIRED_COURSE = "REQUIRED_COURSE"
    ELECTIVE_CREDITS = "ELECTIVE_CREDITS"
    PRACTICE = "PRACTICE"
    THESIS = "THESIS"
    ADDED_COURSE = "ADDED_COURSE"
    DIPLOMA = "DIPLOMA"
    SANCTION = "SANCTION"
    GRADUATED = "GRADUATED"


@dataclass(frozen=True)
class PlanItem:
    course: Course
    category: PlanCategory
    group: str | None = None  # the elective group of an elective course


@dataclass(frozen=True)
class GroupRule:
    """An elective group: at least `min_credits` credits or `min_courses` courses of it."""

    code: str
    name: str
    min_credits: int | None = None
    min_courses: int | None = None


@dataclass(frozen=True)
class Standing:
    """What the audit weighs beside passes; by default nothing is recorded."""

    diploma_verified: bool = False  # 本科: a 专科 (or higher) diploma verified by staff
    origin: str | None = None  # the origin that diploma gives, which picks the added courses
    blocked_until: date | None = None  # a violation's sanction: no graduation before this day
    graduated: bool = False  # the major was already graduated


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
    plan: PlanAhead | None = None  # the way there, from the next open sitting
    next_sitting: str | None = None

    @property
    def eligible(self) -> bool:
        return not self.missing


def audit_graduation(
    major: Major,
    plan: Iterable[PlanItem],
    passed: Collection[str],
    *,
    groups: Iterable[GroupRule] = (),
    added: Iterable[AddedCourse] = (),
    added_courses: Mapping[str, Course] | None = None,
    standing: Standing = Standing(),
    today: date | None = None,
) -> GraduationAudit:
    """What the plan of `major` still asks of a candidate who passed the courses `passed`.

    Required, practice and thesis courses must each be passed, and for a 本科 major the added
    courses (加考) of the candidate's origin (together they make `required_total`); the electives
    passed must reach each group's minimum and the major's elective credits (one item says all
    of it, so one lost pass adds at most one item); a 本科 major needs a verified 专科 diploma; a
    sanction delays graduation until its day has passed; a graduated major is done."""
    items = sorted(plan, key=lambda i: i.course.code)
    mandatory = [i for i in items if i.category in MANDATORY]
    missing = [_missing_course(i) for i in mandatory if i.course.code not in passed]
    extra = _added_for(major, added, added_courses or {}, standing)
    missing += [_missing_added(c) for c in extra if c.code not in passed]
    required_total = len(mandatory) + len(extra)
    electives = [i for i in items if i.category is PlanCategory.ELECTIVE]
    credits = sum(i.course.credits for i in electives if i.course.code in passed)
    short = _elective_shortfalls(major, electives, list(groups), passed, credits)
    if short:
        missing.append(MissingItem(RequirementKind.ELECTIVE_CREDITS, None, None, "；".join(short)))
    missing += _standing_items(major, standing, today)
    missing.sort(key=lambda m: _KIND_ORDER.index(m.kind))  # stable: codes stay in order
    course_items = sum(1 for m in missing if m.kind in _COURSE_ITEM_KINDS)
    return GraduationAudit(
        major=major,
        missing=tuple(missing),
        required_passed=required_total - course_items,
        required_total=required_total,
        elective_credits=credits,
        elective_credits_needed=major.elective_credits_needed,
    )


_KIND_ORDER = list(RequirementKind)
_COURSE_ITEM_KINDS = {
    RequirementKind.REQUIRED_COURSE,
    RequirementKind.PRACTICE,
    RequirementKind.THESIS,
    RequirementKind.ADDED_COURSE,
}
_COURSE_KINDS = {
    PlanCategory.REQUIRED: RequirementKind.REQUIRED_COURSE,
    PlanCategory.PRACTICE: RequirementKind.PRACTICE,
    PlanCategory.THESIS: RequirementKind.THESIS,
}


def _missing_course(item: PlanItem) -> MissingItem:
    course = item.course
    detail = f"还需通过 {course.code} {course.name}"
    return MissingItem(_COURSE_KINDS[item.category], course.code, course.name, detail)


def _missing_added(course: Course) -> MissingItem:
    detail = f"加考：还需通过 {course.code} {course.name}"
    return MissingItem(RequirementKind.ADDED_COURSE, course.code, course.name, detail)


def _added_for(
    major: Major,
    added: Iterable[AddedCourse],
    courses: Mapping[str, Course],
    standing: Standing,
) -> list[Course]:
    """The added courses (加考) of a 本科 major for the candidate's origin, by code."""
    if major.level is not MajorLevel.BENKE or standing.origin is None:
        return []
    codes = {
        a.course_code for a in added if (a.major_code, a.origin) == (major.code, standing.origin)
    }
    return sorted((courses[code] for code in codes if code in courses), key=lambda c: c.code)


def _elective_shortfalls(
    major: Major,
    electives: list[PlanItem],
    groups: list[GroupRule],
    passed: Collection[str],
    credits: int,
) -> list[str]:
    short = []
    if credits < major.elective_credits_needed:
        need = major.elective_credits_needed
        short.append(f"选考课程还差{need - credits}学分（已获{credits}学分，需{need}学分）")
    for group in sorted(groups, key=lambda g: g.code):
        done = [i.course for i in electives if i.group == group.code and i.course.code in passed]
        if group.min_credits is not None and sum(c.credits for c in done) < group.min_credits:
            gap = group.min_credits - sum(c.credits for c in done)
            short.append(f"选考课程组「{group.name}」还差{gap}学分")
        if group.min_courses is not None and len(done) < group.min_courses:
            short.append(f"选考课程组「{group.name}」还差{group.min_courses - len(done)}门")
    return short


def _standing_items(major: Major, standing: Standing, today: date | None) -> list[MissingItem]:
    items = []
    if major.level is MajorLevel.BENKE and not standing.diploma_verified:
        detail = "本科需核验专科（或以上）毕业证书"
        items.append(MissingItem(RequirementKind.DIPLOMA, None, None, detail))
    if standing.blocked_until is not None and (today is None or today < standing.blocked_until):
        detail = f"违规处理：{standing.blocked_until.isoformat()} 前不能申请毕业"
        items.append(MissingItem(RequirementKind.SANCTION, None, None, detail))
    if standing.graduated:
        items.append(MissingItem(RequirementKind.GRADUATED, None, None, "该专业已毕业"))
    return items


def elective_needs(
    major: Major, plan: Sequence[PlanItem], groups: Iterable[GroupRule], passed: Collection[str]
) -> list[ElectiveNeed]:
    """What the electives still lack, per group and for the plan's credits, with the electives
    not passed yet that could meet it."""
    electives = [i for i in plan if i.category is PlanCategory.ELECTIVE]
    options = {
        i.course.code: Option(i.course.code, i.course.name, i.course.credits) for i in electives
    }
    open_codes = [i.course.code for i in electives if i.course.code not in passed]
    needs = []
    for group in groups:
        members = [i for i in electives if i.group == group.code]
        done = [i.course for i in members if i.course.code in passed]
        credits = max((group.min_credits or 0) - sum(c.credits for c in done), 0)
        courses = max((group.min_courses or 0) - len(done), 0)
        if credits or courses:
            rest = tuple(options[i.course.code] for i in members if i.course.code not in passed)
            needs.append(ElectiveNeed(group.code, rest, credits=credits, courses=courses))
    have = sum(i.course.credits for i in electives if i.course.code in passed)
    if have < major.elective_credits_needed:
        rest = tuple(options[code] for code in open_codes)
        needs.append(ElectiveNeed(None, rest, credits=major.elective_credits_needed - have))
    return needs


def way_there(
    audit: GraduationAudit,
    plan: Sequence[PlanItem],
    groups: Iterable[GroupRule],
    passed: Collection[str],
    sitting: NextSitting,
    added_courses: Mapping[str, Course],
) -> PlanAhead:
    """The plan ahead of an audit: its missing courses (of the plan, or added) and the
    electives it lacks."""
    courses = {**added_courses, **{i.course.code: i.course for i in plan}}
    mandatory = [
        Option(code, courses[code].name, courses[code].credits)
        for m in audit.missing
        if m.kind in _COURSE_ITEM_KINDS and (code := m.course_code) is not None
    ]
    needs = elective_needs(audit.major, plan, groups, passed)
    return plan_ahead(mandatory, needs, sitting)


async def graduation_audits(
    session: AsyncSession,
    candidate_ids: Collection[uuid.UUID],
    *,
    now: datetime,
    validity_years: int | None,
    transfers: TransferRule = CHONGQING_TRANSFERS,
    plan_ahead: bool = True,
) -> dict[uuid.UUID, GraduationAudit]:
    """The audit of each candidate who has chosen a major (the others have none), with the way
    there from the next open sitting unless `plan_ahead` is False (batch audits)."""
    majors = await chosen_majors(session, candidate_ids)
    if not majors:
        return {}
    codes = {m.code for m in majors.values()}
    repository = MajorRepository(session)
    plans: dict[str, list[PlanItem]] = defaultdict(list)
    for plan_course, course in await repository.plans(codes):
        item = PlanItem(course, plan_course.category, plan_course.elective_group)
        plans[plan_course.major_code].append(item)
    groups: dict[str, list[GroupRule]] = defaultdict(list)
    for group in await repository.groups(codes):
        rule = GroupRule(group.code, group.name, group.min_credits, group.min_courses)
        groups[group.major_code].append(rule)
    added = list(await repository.added(codes))
    added_courses = await CourseRepository(session).get_many({a.course_code for a in added})
    passes = await passed_courses(
        session, majors, now=now, validity_years=validity_years, transfers=transfers
    )
    today = clock.in_beijing(now).date()
    standings = await load_standings(session, majors, today=today)
    sitting = await _next_sitting(session, now) if plan_ahead else None
    audits = {}
    for candidate_id, major in majors.items():
        passed = {p.course.code for p in passes.get(candidate_id, [])}
        audit = audit_graduation(
            major,
            plans[major.code],
            passed,
            groups=groups[major.code],
            added=added,
            added_courses=added_courses,
            standing=standings[candidate_id],
            today=today,
        )
        if sitting is not None:
            code, timetable = sitting
            way = way_there(
                audit, plans[major.code], groups[major.code], passed, timetable, added_courses
            )
            audit = replace(audit, plan=way, next_sitting=code)
        audits[candidate_id] = audit
    return audits


async def load_standings(
    session: AsyncSession, majors: Mapping[uuid.UUID, Major], *, today: date
) -> dict[uuid.UUID, Standing]:
    """What the audit weighs beside passes, for each candidate with a major."""
    repository = GraduationRepository(session)
    diplomas = await repository.diplomas(majors)
    graduated = await repository.graduated(majors)
    blocked = await violations.graduation_blocked_until(session, majors, today=today)
    found = {}
    for candidate_id, major in majors.items():
        diploma = diplomas.get(candidate_id)
        found[candidate_id] = Standing(
            diploma_verified=diploma is not None,
            origin=diploma.origin if diploma is not None else None,
            blocked_until=blocked.get(candidate_id),
            graduated=(candidate_id, major.code) in graduated,
        )
    return found


async def _next_sitting(session: AsyncSession, now: datetime) -> tuple[str, NextSitting] | None:
    repository = GraduationRepository(session)
    sitting = await repository.next_sitting(now)
    if sitting is None:
        return None
    return sitting.code, NextSitting(await repository.slots(sitting.code), sitting.max_courses)
