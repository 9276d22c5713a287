import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from zikao_kit.db import Sessionmaker, utc_now
from zikao_records import models
from zikao_records.models import PlanCategory, ResultSource
from zikao_records.service import graduation, scores, signup, sittings
from zikao_records.service.graduation import PlanItem, RequirementKind
from zikao_records.testing import BENKE, a_choice, a_result, a_sitting, a_slot, add, ago

ONE = uuid.UUID("00000000-0000-4000-8000-000000000001")
TODAY = date(2026, 11, 25)


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
    PlanItem(course("00011", credits=5), PlanCategory.ELECTIVE),
    PlanItem(course("00012", credits=4), PlanCategory.ELECTIVE),
    PlanItem(course("90001", kind=models.CourseKind.PRACTICE), PlanCategory.PRACTICE),
    PlanItem(course("90002", kind=models.CourseKind.PRACTICE), PlanCategory.THESIS),
]


# --- publication -------------------------------------------------------------------------


def test_a_publication_time_shows_only_once_it_has_come() -> None:
    now = utc_now()
    assert sittings.published_by(now - timedelta(seconds=1), now) == now - timedelta(seconds=1)
    assert sittings.published_by(now + timedelta(seconds=1), now) is None
    assert sittings.published_by(None, now) is None


# --- passes --------------------------------------------------------------------------------


def test_passes_count_forever_unless_the_province_limits_them() -> None:
    result = a_result(ONE, "03708", sitting="2026-04", score=70)
    assert scores.pass_expiry(result, None) is None
    assert scores.pass_expiry(result, 8) == date(2034, 3, 31)


def test_a_pass_without_sitting_expires_from_the_day_it_was_recorded() -> None:
    leap = datetime(2024, 2, 28, 17, tzinfo=UTC)  # 29 February in Beijing
    exemption = a_result(ONE, "00015", source=ResultSource.EXEMPTION, recorded_at=leap)
    assert scores.pass_expiry(exemption, 8) == date(2032, 2, 28)
    assert scores.pass_expiry(exemption, 7) == date(2031, 2, 28)  # no 29 February in 2031


def test_the_best_pass_of_a_course_is_the_highest_mark() -> None:
    c = course("03708")
    passes = [
        (a_result(ONE, "03708", sitting="2025-04", score=72), c),
        (a_result(ONE, "03708", sitting="2025-10", score=88), c),
        (a_result(ONE, "03708", sitting="2026-04", score=65), c),
    ]
    [best] = scores.best_passes(passes, today=TODAY, validity_years=None)
    assert (best.result.score, best.result.sitting_code, best.expires_on) == (88, "2025-10", None)


def test_grades_rank_practice_passes_and_marked_passes_beat_exemptions() -> None:
    practice, english = course("90001", kind=models.CourseKind.PRACTICE), course("00015")
    passes = [
        (a_result(ONE, "90001", sitting="2025-04", grade="及格"), practice),
        (a_result(ONE, "90001", sitting="2025-10", grade="良好"), practice),
        (a_result(ONE, "00015", source=ResultSource.EXEMPTION), english),
        (a_result(ONE, "00015", sitting="2024-10", score=61), english),
    ]
    best = scores.best_passes(passes, today=TODAY, validity_years=None)
    assert [(p.course.code, p.result.grade, p.result.score) for p in best] == [
        ("00015", None, 61),
        ("90001", "良好", None),
    ]


def test_expired_passes_no_longer_count() -> None:
    c = course("03708")
    passes = [
        (a_result(ONE, "03708", sitting="2016-04", score=95), c),
        (a_result(ONE, "03708", sitting="2019-10", score=61), c),
    ]
    [best] = scores.best_passes(passes, today=TODAY, validity_years=8)
    assert (best.result.sitting_code, best.expires_on) == ("2019-10", date(2027, 9, 30))
    assert scores.best_passes(passes[:1], today=TODAY, validity_years=8) == []


# --- graduation audit ----------------------------------------------------------------------


def test_the_audit_names_everything_missing_in_plan_order() -> None:
    audit = graduation.audit_graduation(major(), PLAN, {"00002", "00011"})
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
    audit = graduation.audit_graduation(major(), PLAN, passed)
    assert audit.eligible
    assert audit.missing == ()
    assert (audit.required_passed, audit.elective_credits) == (4, 9)


def test_courses_outside_the_plan_do_not_count() -> None:
    audit = graduation.audit_graduation(major(electives_needed=0), PLAN, {"03708", "00001"})
    assert [m.course_code for m in audit.missing] == ["00002", "90001", "90002"]


@given(st.sets(st.sampled_from([i.course.code for i in PLAN])), st.integers(0, 12))
def test_the_audit_is_eligible_exactly_when_its_counts_are_complete(
    passed: set[str], needed: int
) -> None:
    audit = graduation.audit_graduation(major(needed), PLAN, passed)
    short = audit.elective_credits < needed
    assert len(audit.missing) == audit.required_total - audit.required_passed + short
    assert audit.eligible == (audit.required_passed == audit.required_total and not short)
    more = graduation.audit_graduation(major(needed), PLAN, passed | {"00001"})
    assert len(more.missing) <= len(audit.missing)


# --- reads against the database ------------------------------------------------------------


async def test_results_stay_hidden_until_the_sitting_is_published(db: Sessionmaker) -> None:
    await add(db, a_sitting("2026-04", scores=ago(1)), a_sitting("2026-10", scores=ago(-1)))
    await add(
        db,
        a_result(ONE, "03708", sitting="2026-04", score=80),
        a_result(ONE, "03709", sitting="2026-10", score=50),
    )
    keys = [(ONE, "2026-04"), (ONE, "2026-10")]
    async with db() as session:
        found = await scores.published_results(session, keys, now=utc_now())
    assert [r.result.score for r in found[ONE, "2026-04"]] == [80]
    assert (ONE, "2026-10") not in found


async def test_passed_courses_leave_out_failures_and_unpublished_sittings(
    db: Sessionmaker,
) -> None:
    await add(db, a_sitting("2026-04", scores=ago(1)), a_sitting("2026-10"))
    await add(
        db,
        a_result(ONE, "03708", sitting="2026-04", score=59),
        a_result(ONE, "03709", sitting="2026-10", score=90),
        a_result(ONE, "00037", sitting="2026-04", status=models.ResultStatus.ABSENT),
        a_result(ONE, "00015", source=ResultSource.EXEMPTION),
    )
    async with db() as session:
        found = await scores.passed_courses(session, [ONE], now=utc_now(), validity_years=None)
    assert [(p.course.code, p.result.source) for p in found[ONE]] == [
        ("00015", ResultSource.EXEMPTION)
    ]


async def test_exams_show_live_sign_ups_and_seats_once_published(db: Sessionmaker) -> None:
    await add(db, a_sitting("2026-04", seats=ago(1)), a_sitting("2026-10", seats=ago(-1)))
    april, october = a_slot("2026-04"), a_slot("2026-10")
    venue = models.Venue(name="重庆市第一中学", address="沙坪坝正街42号", region_code="0106")
    await add(db, april, october, venue)
    live = [
        _sign_up("2026-04", "03708", april, models.RegistrationStatus.PAID),
        _sign_up("2026-10", "03709", october, models.RegistrationStatus.PAID),
        _sign_up("2026-10", "00037", october, models.RegistrationStatus.UNPAID),
    ]
    gone = [
        _sign_up("2026-10", "00538", october, models.RegistrationStatus.UNPAID, ago(1)),
        _sign_up("2026-10", "00539", october, models.RegistrationStatus.CANCELLED),
    ]
    await add(db, *live, *gone)
    seats = [
        models.SeatAssignment(
            registration_id=r.id, slot_id=r.slot_id, venue_id=venue.id, room=3, seat=17
        )
        for r in live[:2]
    ]
    await add(db, *seats)
    async with db() as session:
        found = await signup.exams(
            session,
            [(ONE, "2026-04"), (ONE, "2026-10")],
            now=utc_now(),
            lapse=timedelta(minutes=30),
        )
    [april_exam] = found[ONE, "2026-04"]
    assert april_exam.paid
    assert april_exam.seat is not None
    assert april_exam.seat.seat == 17
    october_exams = found[ONE, "2026-10"]
    assert [(e.course.code, e.paid, e.seat) for e in october_exams] == [
        ("00037", False, None),
        ("03709", True, None),
    ]


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


def _sign_up(
    sitting: str,
    course_code: str,
    slot: models.ExamSlot,
    status: models.RegistrationStatus,
    created_at: datetime | None = None,
) -> models.ExamRegistration:
    return models.ExamRegistration(
        candidate_id=ONE,
        sitting_code=sitting,
        course_code=course_code,
        slot_id=slot.id,
        fee_yuan=40,
        status=status,
        created_at=created_at or utc_now(),
    )
