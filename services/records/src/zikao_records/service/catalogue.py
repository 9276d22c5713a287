"""The catalogue: courses, majors and their plans, as data files (`courses.csv`, `majors.json`)
and as admins save them one by one (audited).

The files are loaded in every environment by `python -m zikao_records migrate`; loading again
updates what changed, and a plan becomes exactly what its file says.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError
from zikao_records import text
from zikao_records.models import AuditEntry, CourseKind, GradeScheme, MajorLevel, PlanCategory
from zikao_records.repository.catalogue import CourseRepository, MajorRepository
from zikao_records.service import scope

COURSES_FILE = "courses.csv"
MAJORS_FILE = "majors.json"
_COURSE_CODE = re.compile(r"^\d{5}$")
MAX_CREDITS = 50


class CatalogueError(ValueError):
    """A catalogue file says something impossible; names the file and the entry."""


@dataclass(frozen=True)
class MajorEntry:
    columns: dict[str, Any]
    plan: dict[str, PlanCategory]
    groups: list[dict[str, Any]] = field(default_factory=list)
    group_of: dict[str, str] = field(default_factory=dict)
    added: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Catalogue:
    courses: list[dict[str, Any]]
    majors: list[MajorEntry]


def read_catalogue(folder: Path) -> Catalogue:
    courses = read_courses(folder / COURSES_FILE)
    majors = read_majors(folder / MAJORS_FILE, {c["code"] for c in courses})
    return Catalogue(courses, majors)


def read_courses(path: Path) -> list[dict[str, Any]]:
    """`code,name,credits,kind,grade_scheme` rows; practice courses name their grade scheme."""
    with path.open(encoding="utf-8") as handle:
        return [_course(path, row) for row in csv.DictReader(handle)]


def _course(path: Path, row: dict[str, str]) -> dict[str, Any]:
    code = row["code"].strip()
    try:
        kind = CourseKind(row["kind"].strip())
        scheme = GradeScheme(row["grade_scheme"].strip()) if row["grade_scheme"].strip() else None
        credits = int(row["credits"])
    except ValueError as error:
        raise CatalogueError(f"{path.name}: course {code}: {error}") from error
    if not _COURSE_CODE.match(code) or (kind is CourseKind.PRACTICE) != (scheme is not None):
        raise CatalogueError(f"{path.name}: course {code}: bad code or grade scheme")
    return {
        "code": code,
        "name": row["name"].strip(),
        "credits": credits,
        "kind": kind,
        "grade_scheme": scheme,
    }


def read_majors(path: Path, courses: set[str]) -> list[MajorEntry]:
    """Majors with their plan: course codes under REQUIRED, ELECTIVE, PRACTICE, THESIS."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return [_major(path, entry, courses) for entry in document["majors"]]


def _major(path: Path, entry: dict[str, Any], courses: set[str]) -> MajorEntry:
    code = str(entry["code"])
    plan = {
        course: PlanCategory(category)
        for category, codes in entry["plan"].items()
        for course in codes
    }
    added = [
        {"origin": a["origin"], "origin_name": a["name"], "course_code": course}
        for a in entry.get("added", [])
        for course in a["courses"]
    ]
    unknown = sorted((set(plan) | {a["course_code"] for a in added}) - courses)
    if unknown:
        raise CatalogueError(f"{path.name}: major {code}: unknown courses {', '.join(unknown)}")
    if sum(len(codes) for codes in entry["plan"].values()) != len(plan):
        raise CatalogueError(f"{path.name}: major {code}: a course is listed twice")
    columns = {
        "code": code,
        "name": entry["name"],
        "level": MajorLevel(entry["level"]),
        "school": entry["school"],
        "elective_credits_needed": int(entry["electiveCreditsNeeded"]),
    }
    groups, group_of = _groups(path, code, entry.get("electiveGroups", []), plan)
    return MajorEntry(columns, plan, groups, group_of, added)


def _groups(
    path: Path, major: str, entries: list[dict[str, Any]], plan: dict[str, PlanCategory]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Elective groups, each with one minimum (credits or courses) over electives of the plan."""
    groups, group_of = [], {}
    for entry in entries:
        group = {
            "code": str(entry["code"]),
            "name": entry["name"],
            "min_credits": entry.get("minCredits"),
            "min_courses": entry.get("minCourses"),
        }
        if (group["min_credits"] is None) == (group["min_courses"] is None):
            raise CatalogueError(f"{path.name}: major {major}: group {group['code']}: one minimum")
        for course in entry["courses"]:
            if plan.get(course) is not PlanCategory.ELECTIVE or course in group_of:
                raise CatalogueError(
                    f"{path.name}: major {major}: group {group['code']}: {course} is not a "
                    "free elective of the plan"
                )
            group_of[course] = group["code"]
        groups.append(group)
    return groups, group_of


async def load_catalogue(session: AsyncSession, folder: Path) -> Catalogue:
    """Upserts the courses and majors of `folder` and replaces each major's plan."""
    catalogue = read_catalogue(folder)
    await CourseRepository(session).upsert(catalogue.courses)
    majors = MajorRepository(session)
    await majors.upsert([m.columns for m in catalogue.majors])
    for major in catalogue.majors:
        await majors.replace_plan(major.columns["code"], major.plan, major.group_of)
        await majors.replace_groups(major.columns["code"], major.groups)
        await majors.replace_added(major.columns["code"], major.added)
    return catalogue


async def save_course(
    session: AsyncSession,
    staff: Principal,
    *,
    code: str,
    name: str,
    credits: int,
    kind: CourseKind,
    grade_scheme: GradeScheme | None,
) -> None:
    scope.ensure_admin(staff)
    code = text.code(code, "code", text.COURSE_CODE)
    name = text.plain(name, "name", 100)
    text.within(credits, "credits", 0, MAX_CREDITS)
    if (kind is CourseKind.PRACTICE) != (grade_scheme is not None):
        raise InvalidInputError("gradeScheme", "实践课程须有等级制，理论课程不设等级制")
    row = {
        "code": code,
        "name": name,
        "credits": credits,
        "kind": kind,
        "grade_scheme": grade_scheme,
    }
    await CourseRepository(session).upsert([row])
    audit.record(session, AuditEntry, staff, "catalogue.course_saved", target=f"course:{code}")


@dataclass(frozen=True)
class MajorInput:
    code: str
    name: str
    level: MajorLevel
    school: str
    elective_credits_needed: int
    parts: Mapping[PlanCategory, Sequence[str]]  # course codes per part of the plan


async def save_major(session: AsyncSession, staff: Principal, data: MajorInput) -> str:
    """Creates or updates a major and makes its parts its whole plan; returns its code."""
    scope.ensure_admin(staff)
    data = _checked_major(data)
    plan = _plan(data.parts)
    known = await CourseRepository(session).get_many(plan)
    unknown = sorted(set(plan) - set(known))
    if unknown:
        raise InvalidInputError("plan", f"以下课程不存在：{'、'.join(unknown)}")
    majors = MajorRepository(session)
    columns = {
        "code": data.code,
        "name": data.name,
        "level": data.level,
        "school": data.school,
        "elective_credits_needed": data.elective_credits_needed,
    }
    await majors.upsert([columns])
    await majors.replace_plan(data.code, plan)
    target = f"major:{data.code}"
    audit.record(session, AuditEntry, staff, "catalogue.major_saved", target=target)
    return data.code


def _checked_major(data: MajorInput) -> MajorInput:
    text.within(data.elective_credits_needed, "electiveCreditsNeeded", 0, 10 * MAX_CREDITS)
    parts = {
        part: text.codes(list(codes), part.value.lower(), text.COURSE_CODE)
        for part, codes in data.parts.items()
    }
    return replace(
        data,
        code=text.code(data.code, "code", text.MAJOR_CODE),
        name=text.plain(data.name, "name", 100),
        school=text.plain(data.school, "school", 100),
        parts=parts,
    )


def _plan(parts: Mapping[PlanCategory, Sequence[str]]) -> dict[str, PlanCategory]:
    """Course code → part; a course named twice (in one part or two) is refused."""
    plan: dict[str, PlanCategory] = {}
    for part, codes in parts.items():
        for code in codes:
            if code in plan:
                message = f"课程{code}在考试计划中出现了两次"
                raise InvalidInputError("plan", message, code="duplicate_course")
            plan[code] = part
    return plan
