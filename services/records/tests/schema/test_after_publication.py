"""Certificates, exemptions, transfers and violations through records' schema: a candidate
applies with the contract's operation text and sees the application on `Candidate`; staff list
their region's applications; the documents service reads one; staff record an exemption, a
transfer and a violation (district staff only for their region's candidates); a cancelled
result shows CANCELLED in the cached results at once; a ban refuses sign-up with `ExamBanned`."""

import uuid
from typing import Any

import pytest
from contract import client_operations
from graphql import print_ast
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlmodel import col

from zikao_kit import clock
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.testing import make_context
from zikao_records import models
from zikao_records.schema import schema
from zikao_records.settings import RecordsSettings
from zikao_records.testing import (
    ZHUANKE,
    a_result,
    a_sitting,
    a_slot,
    a_timetable,
    add,
    ago,
    an_open_sitting,
)

SITTING = "2026-10"
APPLY = """mutation ApplyForCourseCertificate($sitting: String!, $courseCode: String!) {
  applyForCourseCertificate(sitting: $sitting, courseCode: $courseCode) {
    __typename
    ... on CertificateApplied { application { id readyOn } }
    ... on Problem { code message }
  }
}"""
MINE = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate {
  certificateApplications { id sitting course { code } score status readyOn }
  results(sitting: "2026-10") { course { code } score passed status }
  passedCourses { course { code } source }
  exemptions { course { code } certificate certificateNumber }
  transfers { course { code } province sitting score }
  violations { sitting course { code } reason cancelsResult banSittings bannedUntil } } } }"""
ONE = """query($id: ID!) { certificateApplication(id: $id) { id candidateId sitting
  course { code name } score readyOn status } }"""
LIST = """query($s: String!, $after: ID) { certificateApplications(sitting: $s, after: $after) {
  id course { code } } }"""
EXEMPT = """mutation($c: ID!) { recordExemption(candidateId: $c, courseCode: "00015",
  certificate: "全国大学英语四级（CET-4）", certificateNumber: "CET4-001") { __typename
  ... on ExemptionRecorded { passedCourse { course { code } source } }
  ... on Problem { code message } } }"""
TRANSFER = """mutation($c: ID!, $p: String!) { recordTransfer(candidateId: $c, courseCode: "00043",
  province: $p, sitting: "2024-10", score: 71) { __typename
  ... on TransferRecorded { passedCourse { course { code } source score } }
  ... on InvalidInput { field } ... on Problem { code message } } }"""
VIOLATE = """mutation($input: ViolationInput!) { recordViolation(input: $input) { __typename
  ... on ViolationRecorded { violation { id bannedUntil cancelsResult } }
  ... on InvalidInput { field } ... on Problem { code message } } }"""
REGISTER = """mutation($s: String!, $c: [String!]!) {
  registerForExams(sitting: $s, courseCodes: $c) { __typename
  ... on ExamBanned { code untilSitting } ... on Problem { code message } } }"""
YUZHONG = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
BEIBEI = Principal(subject="staff-0109", role=Role.STAFF, region_code="0109")
DOCUMENTS = Principal(subject="documents", role=Role.SERVICE)


@pytest.fixture
async def candidate(db: Sessionmaker) -> uuid.UUID:
    """A candidate of 0103 (大数据与会计) with 00041 passed (64) and 03706 failed (52)."""
    one = uuid.uuid4()
    choice = models.CandidateMajor(candidate_id=one, major_code=ZHUANKE, region_code="0103")
    await add(db, a_sitting(SITTING, scores=ago(1)), choice)
    await _years_known(db)
    await add(
        db,
        a_result(one, "00041", sitting=SITTING, score=64),
        a_result(one, "03706", sitting=SITTING, score=52),
    )
    return one


async def _years_known(db: Sessionmaker) -> None:
    """This year and the next complete in the calendar: published yesterday, the certificate's
    ready day may fall in a year the holiday seed does not hold yet (staff would enter its
    holidays when announced); such a year counts here as plain weekdays."""
    year = clock.in_beijing(utc_now()).year
    async with db.begin() as session:
        for missing in (year, year + 1):
            if await session.get(models.CalendarYear, missing) is None:
                session.add(models.CalendarYear(year=missing, source="test"))


def as_candidate(who: uuid.UUID) -> Principal:
    return Principal(subject=str(who), role=Role.CANDIDATE, region_code="0103")


async def run(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    principal: Principal,
    query: str,
    **variables: Any,
) -> Any:
    context = make_context(db, redis, settings, principal)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


async def mine(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, who: uuid.UUID
) -> dict[str, Any]:
    data = await run(
        db, redis, settings, as_candidate(who), MINE,
        r=[{"__typename": "Candidate", "id": str(who)}],
    )  # fmt: skip
    return dict(data["_entities"][0])


def test_the_contract_operation_is_the_one_tested() -> None:
    [operation] = [o for o in client_operations() if o.name == "ApplyForCourseCertificate"]
    assert " ".join(print_ast(operation.document).split()) == " ".join(APPLY.split())


async def test_a_candidate_applies_once_and_reads_the_application(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    me = as_candidate(candidate)
    applied = (await run(db, redis, settings, me, APPLY, sitting=SITTING, courseCode="00041"))[
        "applyForCourseCertificate"
    ]
    assert applied["__typename"] == "CertificateApplied", applied
    application = applied["application"]
    again = await run(db, redis, settings, me, APPLY, sitting=SITTING, courseCode="00041")
    assert again["applyForCourseCertificate"]["code"] == "certificate_already_applied"
    failed = await run(db, redis, settings, me, APPLY, sitting=SITTING, courseCode="03706")
    assert failed["applyForCourseCertificate"]["code"] == "no_pass"
    bad = await run(db, redis, settings, me, APPLY, sitting=SITTING, courseCode="０００４１")
    assert bad["applyForCourseCertificate"]["__typename"] == "InvalidInput"
    seen = (await mine(db, redis, settings, candidate))["certificateApplications"]
    assert seen == [
        {
            "id": application["id"],
            "sitting": SITTING,
            "course": {"code": "00041"},
            "score": 64,
            "status": "APPLIED",
            "readyOn": application["readyOn"],
        }
    ]
    read = await run(db, redis, settings, DOCUMENTS, ONE, id=application["id"])
    assert read["certificateApplication"]["candidateId"] == str(candidate)
    assert read["certificateApplication"]["score"] == 64
    assert (await run(db, redis, settings, BEIBEI, ONE, id=application["id"])) == {
        "certificateApplication": None
    }
    listed = await run(db, redis, settings, YUZHONG, LIST, s=SITTING)
    assert [a["id"] for a in listed["certificateApplications"]] == [application["id"]]
    assert (await run(db, redis, settings, BEIBEI, LIST, s=SITTING)) == {
        "certificateApplications": []
    }


async def test_staff_record_exemptions_and_transfers_in_their_region(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    refused = await run(db, redis, settings, BEIBEI, EXEMPT, c=str(candidate))
    assert refused["recordExemption"]["__typename"] == "Forbidden"
    exempted = await run(db, redis, settings, YUZHONG, EXEMPT, c=str(candidate))
    assert exempted["recordExemption"]["passedCourse"] == {
        "course": {"code": "00015"},
        "source": "EXEMPTION",
    }
    twice = await run(db, redis, settings, YUZHONG, EXEMPT, c=str(candidate))
    assert twice["recordExemption"]["code"] == "already_credited"
    unknown = await run(db, redis, settings, YUZHONG, TRANSFER, c=str(candidate), p="四川")
    assert unknown["recordTransfer"]["field"] == "province"
    moved = await run(db, redis, settings, YUZHONG, TRANSFER, c=str(candidate), p="四川省")
    assert moved["recordTransfer"]["passedCourse"]["source"] == "TRANSFER"
    seen = await mine(db, redis, settings, candidate)
    assert seen["exemptions"] == [
        {"course": {"code": "00015"}, "certificate": "全国大学英语四级（CET-4）",
         "certificateNumber": "CET4-001"},
    ]  # fmt: skip
    assert seen["transfers"] == [
        {"course": {"code": "00043"}, "province": "四川省", "sitting": "2024-10", "score": 71}
    ]
    # one local pass: the transfer waits for five (专科)
    assert {(p["course"]["code"], p["source"]) for p in seen["passedCourses"]} == {
        ("00041", "EXAM"),
        ("00015", "EXEMPTION"),
    }


async def test_a_violation_cancels_the_cached_result_and_bans_sign_up(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidate: uuid.UUID
) -> None:
    before = await mine(db, redis, settings, candidate)  # fills the results cache
    assert {r["course"]["code"]: r["status"] for r in before["results"]} == {
        "00041": "NORMAL",
        "03706": "NORMAL",
    }
    violation = {
        "candidateId": str(candidate), "sitting": SITTING, "courseCode": "00041",
        "reason": "携带手机进入考场", "cancelResult": True, "banSittings": 1,
    }  # fmt: skip
    elsewhere = await run(db, redis, settings, BEIBEI, VIOLATE, input=violation)
    assert elsewhere["recordViolation"]["__typename"] == "Forbidden"
    empty = await run(db, redis, settings, YUZHONG, VIOLATE, input={**violation, "reason": " "})
    assert empty["recordViolation"]["field"] == "reason"
    recorded = await run(db, redis, settings, YUZHONG, VIOLATE, input=violation)
    assert recorded["recordViolation"]["violation"]["bannedUntil"] == "2027-04"
    after = await mine(db, redis, settings, candidate)
    assert {r["course"]["code"]: (r["status"], r["passed"]) for r in after["results"]} == {
        "00041": ("CANCELLED", False),
        "03706": ("NORMAL", False),
    }
    assert after["passedCourses"] == []
    [shown] = after["violations"]
    assert (shown["bannedUntil"], shown["cancelsResult"], shown["course"]) == (
        "2027-04", True, {"code": "00041"},
    )  # fmt: skip
    slot = a_slot("2027-04")
    await add(db, an_open_sitting("2027-04"))
    await add(db, slot)
    await add(db, *a_timetable("2027-04", [slot], {"00043": 0}))
    me = as_candidate(candidate)
    banned = await run(db, redis, settings, me, REGISTER, s="2027-04", c=["00043"])
    assert banned["registerForExams"] == {
        "__typename": "ExamBanned",
        "code": "exam_banned",
        "message": "因违规处理，2027-04考次（含）之前不能报考",
        "untilSitting": "2027-04",
    }


async def test_the_absence_rule_limits_the_next_sign_up(
    db: Sessionmaker, redis: Redis, database_url: str
) -> None:
    settings = RecordsSettings(
        database_url=database_url, absence_rule_sittings=2, absence_rule_max_courses=1
    )
    one = uuid.uuid4()
    choice = models.CandidateMajor(candidate_id=one, major_code=ZHUANKE, region_code="0103")
    absent = models.ResultStatus.ABSENT
    await add(db, a_sitting("2025-10", scores=ago(300)), a_sitting("2026-04", scores=ago(120)))
    await add(db, choice, an_open_sitting("2027-10"))
    await add(
        db,
        a_result(one, "00041", sitting="2025-10", status=absent),
        a_result(one, "03706", sitting="2026-04", status=absent),
        a_result(one, "00043", sitting="2026-04", status=absent),
    )
    slots = [a_slot("2027-10", hour=h) for h in (1, 6)]
    await add(db, *slots)
    await add(db, *a_timetable("2027-10", slots, {"00043": 0, "00144": 1}))
    me = as_candidate(one)
    limited = await run(db, redis, settings, me, REGISTER, s="2027-10", c=["00043", "00144"])
    assert limited["registerForExams"]["code"] == "absence_limit"
    async with db() as session:
        statement = (
            select(func.count())
            .select_from(models.ExamRegistration)
            .where(col(models.ExamRegistration.candidate_id) == one)
        )
        assert (await session.execute(statement)).scalar_one() == 0
    one_course = await run(db, redis, settings, me, REGISTER, s="2027-10", c=["00043"])
    assert one_course["registerForExams"]["__typename"] == "ExamsRegistered"
    off = RecordsSettings(database_url=database_url)
    other = await run(db, redis, off, me, REGISTER, s="2027-10", c=["00144"])
    assert other["registerForExams"]["__typename"] == "ExamsRegistered"
