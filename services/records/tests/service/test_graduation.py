"""`service/graduation.py`: the graduation audit."""

import uuid
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from zikao_kit.db import Sessionmaker, utc_now
from zikao_records import models
from zikao_records.models import PlanCategory
from zikao_records.service import graduation
from zikao_records.service.graduation import GroupRule, PlanItem, RequirementKind, Standing
from zikao_records.testing import BENKE, a_choice, a_result, a_sitting, add, ago

ONE = uuid.UUID("00000000-0000-4000-8000-000000000001")
VERIFIED = Standing(diploma_verified=True, origin="NON_RELATED")


def course(code: str, credits: int = 4, kind: models.CourseKind = models.CourseKind.THEORY):
    scheme = models.GradeScheme.FIVE_LEVEL if kind is models.CourseKind.PRACTICE else None
    return models.Course(
        code=code, name=f"课程{code}", credits=credits, kind=kind, grade_scheme=scheme
    )


def major(electives_needed: int = 8) -> models.Major:
    return models.Major(
        code="050101",
        name="汉语言文学",
        level=models.MajorLevel.BENKE,
        school="西南大学",
        elective_credits_needed=electives_needed,
    )


PLAN = [
    PlanItem(course("00002"), PlanCategory.REQUIRED),
    PlanItem(course("00001"), PlanCategory.REQUIRED),
    PlanItem(course("00011", credits=5), PlanCategory.ELECTIVE, "A"),
    PlanItem(course("00012", credits=4), PlanCategory.ELECTIVE),
    PlanItem(course("90001", kind=models.CourseKind.PRACTICE), PlanCategory.PRACTICE),
    PlanItem(course("90002", kind=models.CourseKind.PRACTICE), PlanCategory.THESIS),
]


def test_the_audit_names_everything_missing_in_plan_order() -> None:
    audit = graduation.audit_graduation(major(), PLAN, {"00002", "00011"}, standing=VERIFIED)
    assert [(m.kind, m.course_code) for m in audit.missing] == [
        (RequirementKind.REQUIRED_COURSE, "00001"),
        (RequirementKind.ELECTIVE_CREDITS, None),
        (RequirementKind.PRACTICE, "90001"),
        (RequirementKind.THESIS, "90002"),
    ]
    assert audit.missing[0].course_name == "课程00001"
    assert audit.missing[1].detail == "选考课程还差3学分（已获5学分，需8学分）"
    assert (audit.required_passed, audit.required_total) == (1, 4)
    assert (audit.elective_credits, audit.elective_credits_needed) == (5, 8)
    assert not audit.eligible


def test_the_audit_is_eligible_when_nothing_is_missing() -> None:
    passed = {"00001", "00002", "00011", "00012", "90001", "90002"}
    audit = graduation.audit_graduation(major(), PLAN, passed, standing=VERIFIED)
    assert audit.eligible
    assert audit.missing == ()
    assert (audit.required_passed, audit.elective_credits) == (4, 9)


def test_courses_outside_the_plan_do_not_count() -> None:
    audit = graduation.audit_graduation(
        major(electives_needed=0), PLAN, {"03708", "00001"}, standing=VERIFIED
    )
    assert [m.course_code for m in audit.missing] == ["00002", "90001", "90002"]


@given(st.sets(st.sampled_from([i.course.code for i in PLAN])), st.integers(0, 12))
def test_the_audit_is_eligible_exactly_when_its_counts_are_complete(
    passed: set[str], needed: int
) -> None:
    audit = graduation.audit_graduation(major(needed), PLAN, passed, standing=VERIFIED)
    short = audit.elective_credits < needed
    assert len(audit.missing) == audit.required_total - audit.required_passed + short
    assert audit.eligible == (audit.required_passed == audit.required_total and not short)
    more = graduation.audit_graduation(major(needed), PLAN, passed | {"00001"}, standing=VERIFIED)
    assert len(more.missing) <= len(audit.missing)


GROUPS = [GroupRule("A", "文学选考", min_courses=1)]
ADDED = [
    models.AddedCourse(
        major_code="050101", origin="NON_RELATED", course_code="00535", origin_name="x"
    ),
    models.AddedCourse(major_code="050101", origin="OTHER", course_code="00529", origin_name="y"),
]
ADDED_COURSES = {"00535": course("00535"), "00529": course("00529")}
EVERYTHING = {"00001", "00002", "00011", "00012", "90001", "90002", "00535"}


def audit(passed: set[str], standing: Standing = VERIFIED) -> graduation.GraduationAudit:
    return graduation.audit_graduation(
        major(),
        PLAN,
        passed,
        groups=GROUPS,
        added=ADDED,
        added_courses=ADDED_COURSES,
        standing=standing,
        today=date(2027, 5, 1),
    )


def test_a_benke_candidate_takes_the_added_courses_of_their_origin_only() -> None:
    found = audit(EVERYTHING - {"00535"})
    assert [(m.kind, m.course_code, m.detail) for m in found.missing] == [
        (RequirementKind.ADDED_COURSE, "00535", "加考：还需通过 00535 课程00535")
    ]
    assert (found.required_passed, found.required_total) == (4, 5)
    assert audit(EVERYTHING).eligible


def test_an_elective_group_short_is_said_in_the_one_elective_item() -> None:
    found = audit(EVERYTHING - {"00011"} | {"00012"})
    assert [m.kind for m in found.missing] == [RequirementKind.ELECTIVE_CREDITS]
    assert found.missing[0].detail == (
        "选考课程还差4学分（已获4学分，需8学分）；选考课程组「文学选考」还差1门"
    )


def test_an_unverified_diploma_a_sanction_and_a_graduated_major_each_stop_graduation() -> None:
    unverified = audit(EVERYTHING, Standing())
    assert [(m.kind, m.detail) for m in unverified.missing] == [
        (RequirementKind.DIPLOMA, "本科需核验专科（或以上）毕业证书")
    ]
    banned = audit(EVERYTHING, Standing(True, "NON_RELATED", blocked_until=date(2027, 10, 31)))
    assert [(m.kind, m.detail) for m in banned.missing] == [
        (RequirementKind.SANCTION, "违规处理：2027-10-31 前不能申请毕业")
    ]
    served = audit(EVERYTHING, Standing(True, "NON_RELATED", blocked_until=date(2027, 5, 1)))
    assert served.eligible  # the delay ends on its day
    done = audit(EVERYTHING, Standing(True, "NON_RELATED", graduated=True))
    assert [m.kind for m in done.missing] == [RequirementKind.GRADUATED]


PLAN_CODES = sorted(EVERYTHING | {"00529"})


@given(st.sets(st.sampled_from(PLAN_CODES)), st.sampled_from(PLAN_CODES))
def test_a_new_pass_never_adds_a_missing_item_and_an_expired_one_adds_at_most_one(
    passed: set[str], code: str
) -> None:
    before = audit(passed)
    more = audit(passed | {code})
    less = audit(passed - {code})
    assert len(more.missing) <= len(before.missing)
    assert len(less.missing) <= len(before.missing) + 1
    assert before.eligible == (not before.missing)
    assert before.eligible == (
        before.required_passed == before.required_total
        and before.elective_credits >= before.elective_credits_needed
        and "00011" in passed
    )


async def test_graduation_audits_only_for_candidates_with_a_major(db: Sessionmaker) -> None:
    other = uuid.uuid4()
    await add(db, a_sitting("2026-04", scores=ago(1)))
    await add(db, a_choice(ONE), a_result(ONE, "03708", sitting="2026-04", score=75))
    async with db() as session:
        audits = await graduation.graduation_audits(
            session, [ONE, other], now=utc_now(), validity_years=None
        )
    assert set(audits) == {ONE}
    audit = audits[ONE]
    assert audit.major.code == BENKE
    assert (audit.required_passed, audit.required_total) == (1, 9)
    assert "03708" not in {m.course_code for m in audit.missing}
