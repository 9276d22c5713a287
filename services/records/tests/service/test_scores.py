"""`service/scores.py`: passes (expiry, the best of a course), published results."""

import uuid
from datetime import UTC, date, datetime

from zikao_kit.db import Sessionmaker, utc_now
from zikao_records import models
from zikao_records.models import ResultSource
from zikao_records.service import scores
from zikao_records.testing import a_result, a_sitting, add, ago

ONE = uuid.UUID("00000000-0000-4000-8000-000000000001")
TODAY = date(2026, 11, 25)


def course(code: str, credits: int = 4, kind: models.CourseKind = models.CourseKind.THEORY):
    scheme = models.GradeScheme.FIVE_LEVEL if kind is models.CourseKind.PRACTICE else None
    return models.Course(
        code=code, name=f"课程{code}", credits=credits, kind=kind, grade_scheme=scheme
    )


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
