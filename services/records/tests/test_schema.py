import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context
from zikao_records import models
from zikao_records.schema import schema
from zikao_records.settings import RecordsSettings
from zikao_records.testing import (
    BENKE,
    a_choice,
    a_result,
    a_sitting,
    a_slot,
    add,
    ago,
)

ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate {
  major { code name level school }
  exams(sitting: "2026-10") { course { code name } slot { startsAt endsAt } paid feeYuan
    seat { venue { name address } room seat } }
  results(sitting: "2026-04") { course { code name kind } score grade passed status }
  passedCourses { course { code name credits kind } score grade source sitting expiresOn }
  scoreReviews { id sitting course { code name } status requestedAt answeredAt
    originalScore correctedScore }
  graduationAudit { major { code } eligible missing { kind courseCode courseName detail }
    requiredPassed requiredTotal electiveCredits electiveCreditsNeeded }
} } }"""
RESULTS = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate {
  results(sitting: "2026-10") { course { code } score } } } }"""
PASSES = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate {
  passedCourses { course { code } score source sitting } } } }"""
AUDIT = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate {
  graduationAudit { eligible missing { kind courseCode detail } requiredPassed requiredTotal
    electiveCredits electiveCreditsNeeded } } } }"""


def reps(*ids: uuid.UUID) -> dict[str, Any]:
    return {"r": [{"__typename": "Candidate", "id": str(i)} for i in ids]}


def as_candidate(candidate_id: uuid.UUID) -> Principal:
    return Principal(subject=str(candidate_id), role=Role.CANDIDATE)


async def run(
    query: str,
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    principal: Principal | None = None,
    variables: dict[str, Any] | None = None,
) -> Any:
    context = make_context(db, redis, settings, principal)
    return await schema.execute(query, variable_values=variables, context_value=context)


@contextmanager
def counting_selects(connection: AsyncConnection) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)


async def test_sittings_are_public_and_hide_scheduled_publication(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    await add(db, a_sitting("2026-04", scores=ago(1)), a_sitting("2026-10", scores=ago(-1)))
    await add(db, a_slot("2026-10", hour=6), a_slot("2026-10", hour=1))
    query = "{ sittings { code name scoresPublishedAt examSlots { startsAt endsAt } } }"
    result = await run(query, db, redis, settings)
    assert result.errors is None
    october, april = result.data["sittings"]
    assert (october["code"], october["name"], october["scoresPublishedAt"]) == (
        "2026-10",
        "2026年10月",
        None,
    )
    assert [s["startsAt"] for s in october["examSlots"]] == [
        "2026-10-15T09:00:00+08:00",
        "2026-10-15T14:00:00+08:00",
    ]
    assert april["scoresPublishedAt"] is not None
    assert april["examSlots"] == []


async def test_majors_of_a_level(db: Sessionmaker, redis: Redis, settings: RecordsSettings) -> None:
    result = await run("{ majors(level: BENKE) { code name level school } }", db, redis, settings)
    assert result.errors is None
    assert {"code": BENKE, "name": "汉语言文学", "level": "BENKE", "school": "西南大学"} in (
        result.data["majors"]
    )
    assert {m["level"] for m in result.data["majors"]} == {"BENKE"}


async def test_entities_answer_every_field_with_one_query_each(
    db: Sessionmaker, db_connection: AsyncConnection, redis: Redis, settings: RecordsSettings
) -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    await _records_of(db, one, two)
    staff = Principal(subject="staff-1", role=Role.STAFF)
    with counting_selects(db_connection) as selects:
        result = await run(ENTITIES, db, redis, settings, staff, reps(one, two))
    assert result.errors is None
    first, second = result.data["_entities"]
    assert first["major"] == {
        "code": BENKE,
        "name": "汉语言文学",
        "level": "BENKE",
        "school": "西南大学",
    }
    assert first["exams"] == [
        {
            "course": {"code": "03709", "name": "马克思主义基本原理概论"},
            "slot": {
                "startsAt": "2026-10-15T09:00:00+08:00",
                "endsAt": "2026-10-15T11:30:00+08:00",
            },
            "paid": True,
            "feeYuan": 40,
            "seat": None,
        }
    ]
    assert first["results"][0]["course"] == {
        "code": "03708",
        "name": "中国近现代史纲要",
        "kind": "THEORY",
    }
    assert first["results"][0]["status"] == "NORMAL"
    assert first["scoreReviews"][0]["status"] == "PENDING"
    assert first["graduationAudit"]["requiredTotal"] == 9
    assert second["major"] is None
    assert second["graduationAudit"] is None
    assert second["exams"] == second["results"] == second["passedCourses"] == []
    # One query (or one per batch step) per field, however many candidates are asked for: as
    # many with two more asked for (regions, major, exams, results, passes and their courses,
    # reviews; the audit's major, plan, groups, added courses, passes, standing, next sitting).
    with counting_selects(db_connection) as four:
        await run(ENTITIES, db, redis, settings, staff, reps(one, two, uuid.uuid4(), uuid.uuid4()))
    assert len(selects) == len(four)


async def test_another_candidate_is_forbidden(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    one, two = uuid.uuid4(), uuid.uuid4()
    await _records_of(db, one, two)
    result = await run(PASSES, db, redis, settings, as_candidate(two), reps(one))
    assert result.data["_entities"] == [None]
    assert result.errors[0].extensions["code"] == "forbidden"
    auditor = Principal(subject="a", role=Role.AUDITOR)
    result = await run(PASSES, db, redis, settings, auditor, reps(one))
    assert result.errors[0].extensions["code"] == "forbidden"
    result = await run(PASSES, db, redis, settings, None, reps(one))
    assert result.errors[0].extensions["code"] == "unauthenticated"


async def test_results_are_hidden_until_the_whole_sitting_is_published(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    one = uuid.uuid4()
    october = a_sitting("2026-10")
    await add(db, october)
    await add(db, a_result(one, "03708", sitting="2026-10", score=77))
    result = await run(RESULTS, db, redis, settings, as_candidate(one), reps(one))
    assert result.data["_entities"] == [{"results": []}]
    async with db.begin() as session:
        (await session.merge(october)).scores_published_at = ago(0.01)
    result = await run(RESULTS, db, redis, settings, as_candidate(one), reps(one))
    assert result.data["_entities"] == [{"results": [{"course": {"code": "03708"}, "score": 77}]}]


async def test_passed_courses_keep_the_best_result_of_each_course(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    one = uuid.uuid4()
    await add(
        db,
        a_sitting("2025-04", scores=ago(500)),
        a_sitting("2025-10", scores=ago(300)),
        a_sitting("2026-04", scores=ago(100)),
        a_sitting("2026-10"),
    )
    await add(
        db,
        a_result(one, "03708", sitting="2025-04", score=58),
        a_result(one, "03708", sitting="2025-10", score=72),
        a_result(one, "03708", sitting="2026-04", score=65),
        a_result(one, "03709", sitting="2026-10", score=90),
        a_result(one, "00015", source=models.ResultSource.EXEMPTION),
    )
    result = await run(PASSES, db, redis, settings, as_candidate(one), reps(one))
    assert result.errors is None
    assert result.data["_entities"][0]["passedCourses"] == [
        {"course": {"code": "00015"}, "score": None, "source": "EXEMPTION", "sitting": None},
        {"course": {"code": "03708"}, "score": 72, "source": "EXAM", "sitting": "2025-10"},
    ]


async def test_the_graduation_audit_says_what_is_missing(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    one = uuid.uuid4()
    required = ["03708", "03709", "00037", "00537", "00538", "00539", "00540"]
    await add(db, a_sitting("2026-04", scores=ago(1)))
    await add(
        db,
        a_choice(one),
        *(a_result(one, code, sitting="2026-04", score=70) for code in [*required, "13000"]),
    )
    result = await run(AUDIT, db, redis, settings, as_candidate(one), reps(one))
    assert result.errors is None
    audit = result.data["_entities"][0]["graduationAudit"]
    assert audit == {
        "eligible": False,
        "missing": [
            {
                "kind": "REQUIRED_COURSE",
                "courseCode": "00541",
                "detail": "还需通过 00541 语言学概论",
            },
            {
                "kind": "ELECTIVE_CREDITS",
                "courseCode": None,
                "detail": "选考课程还差3学分（已获7学分，需10学分）",
            },
            {
                "kind": "THESIS",
                "courseCode": "90501",
                "detail": "还需通过 90501 汉语言文学毕业论文",
            },
            {"kind": "DIPLOMA", "courseCode": None, "detail": "本科需核验专科（或以上）毕业证书"},
        ],
        "requiredPassed": 7,
        "requiredTotal": 9,
        "electiveCredits": 7,
        "electiveCreditsNeeded": 10,
    }


async def _records_of(db: Sessionmaker, one: uuid.UUID, two: uuid.UUID) -> None:
    """`one` has a major, a paid sign-up, a published result and a review; `two` nothing."""
    slot = a_slot("2026-10")
    await add(db, a_sitting("2026-04", scores=ago(1)), a_sitting("2026-10"))
    await add(db, slot)
    await add(
        db,
        a_choice(one),
        a_result(one, "03708", sitting="2026-04", score=61),
        models.ExamRegistration(
            candidate_id=one,
            sitting_code="2026-10",
            course_code="03709",
            slot_id=slot.id,
            fee_yuan=40,
            status=models.RegistrationStatus.PAID,
        ),
        models.ScoreReview(
            candidate_id=one, sitting_code="2026-04", course_code="03708", original_score=61
        ),
    )
