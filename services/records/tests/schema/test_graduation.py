"""Graduation in the graph: `applyForGraduation` as the contract sends it, the way there on the
audit, staff's decision, the diploma and batch audits."""

import uuid
from pathlib import Path

import pytest
from redis.asyncio import Redis

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.repository.catalogue import MajorRepository
from zikao_records.settings import RecordsSettings
from zikao_records.testing import (
    ZHUANKE,
    a_choice,
    a_result,
    a_sitting,
    a_slot,
    a_timetable,
    add,
    ago,
    an_open_sitting,
    run,
)

CONTRACT = Path(__file__).parents[4] / "clients" / "candidate.graphql"
YUZHONG = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
BEIBEI = Principal(subject="staff-0109", role=Role.STAFF, region_code="0109")
PROVINCE = Principal(subject="staff-province", role=Role.STAFF)

AUDIT = """query($id: ID!) { _entities(representations: [{__typename: "Candidate", id: $id}]) {
  ... on Candidate { graduationAudit { eligible missing { kind courseCode detail }
    plan { sitting courses { code } stillToPass { code } sittingsAtBest } } } } }"""
MINE = """query($id: ID!) { _entities(representations: [{__typename: "Candidate", id: $id}]) {
  ... on Candidate { graduationApplications { id status } } } }"""
DECIDE = """mutation($id: ID!, $approve: Boolean!, $reason: String) {
  decideGraduation(id: $id, approve: $approve, reason: $reason) {
    __typename ... on GraduationDecided { application { status reason } }
    ... on Problem { code } } }"""
QUEUE = """query { graduationApplications { __typename
  ... on GraduationApplicationPage { items { candidateId status } nextCursor } } }"""
START = """mutation($major: String) { startGraduationAudit(majorCode: $major) { __typename
  ... on GraduationAuditStarted { run { id status regionCode } } ... on Problem { code } } }"""


def contract_operation(name: str) -> str:
    """The operation `name` of clients/candidate.graphql, exactly as the frontends send it."""
    text = CONTRACT.read_text()
    start = text.index(f"mutation {name}")
    end = text.find("\nmutation ", start + 1)
    following = text.find("\nquery ", start + 1)
    ends = [e for e in (end, following) if e != -1]
    return text[start : min(ends)] if ends else text[start:]


@pytest.fixture
def settings(database_url: str) -> RecordsSettings:
    return RecordsSettings(database_url=database_url, graduation_windows=["01-01/12-31"])


def as_candidate(who: uuid.UUID) -> Principal:
    return Principal(subject=str(who), role=Role.CANDIDATE, region_code="0103")


async def passing_everything(db: Sessionmaker, *, but: frozenset[str] = frozenset()) -> uuid.UUID:
    candidate = uuid.uuid4()
    async with db() as session:
        plan = await MajorRepository(session).plans([ZHUANKE])
    await add(db, a_sitting("2025-10", scores=ago(30)))
    choice = a_choice(candidate, ZHUANKE)
    choice.region_code = "0103"
    results = [
        a_result(candidate, c.code, sitting="2025-10", grade="合格")
        if c.kind is models.CourseKind.PRACTICE
        else a_result(candidate, c.code, sitting="2025-10", score=80)
        for _, c in plan
        if c.code not in but
    ]
    await add(db, choice, *results)
    return candidate


async def test_the_contracts_apply_for_graduation_lists_what_is_missing(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    candidate = await passing_everything(db, but=frozenset({"03706"}))
    operation = contract_operation("ApplyForGraduation")
    data = await run(db, redis, settings, as_candidate(candidate), operation)
    answer = data["applyForGraduation"]
    assert answer["__typename"] == "NotEligible"
    assert answer["code"] == "not_eligible"
    assert [m["courseCode"] for m in answer["missing"]] == ["03706"]
    assert answer["missing"][0]["detail"].startswith("还需通过 03706")


async def test_an_eligible_candidate_applies_and_staff_of_their_region_approve(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    candidate = await passing_everything(db)
    operation = contract_operation("ApplyForGraduation")
    applied = (await run(db, redis, settings, as_candidate(candidate), operation))[
        "applyForGraduation"
    ]
    assert applied["__typename"] == "GraduationApplied"
    assert applied["application"]["status"] == "PENDING"
    again = await run(db, redis, settings, as_candidate(candidate), operation)
    assert again["applyForGraduation"]["code"] == "graduation_already_applied"
    queue = (await run(db, redis, settings, YUZHONG, QUEUE))["graduationApplications"]
    assert queue["items"] == [{"candidateId": str(candidate), "status": "PENDING"}]
    assert (await run(db, redis, settings, BEIBEI, QUEUE))["graduationApplications"]["items"] == []
    application_id = applied["application"]["id"]
    refused = await run(db, redis, settings, BEIBEI, DECIDE, id=application_id, approve=True)
    assert refused["decideGraduation"]["code"] == "forbidden"
    decided = await run(db, redis, settings, YUZHONG, DECIDE, id=application_id, approve=True)
    assert decided["decideGraduation"]["application"] == {"status": "APPROVED", "reason": None}
    audit = (await run(db, redis, settings, as_candidate(candidate), AUDIT, id=str(candidate)))[
        "_entities"
    ][0]["graduationAudit"]
    assert [m["kind"] for m in audit["missing"]] == ["GRADUATED"]
    mine = (await run(db, redis, settings, as_candidate(candidate), MINE, id=str(candidate)))[
        "_entities"
    ][0]["graduationApplications"]
    assert mine == [{"id": application_id, "status": "APPROVED"}]
    other = uuid.uuid4()
    with pytest.raises(AssertionError, match="forbidden|Forbidden|无权"):
        await run(db, redis, settings, as_candidate(other), MINE, id=str(candidate))


async def test_the_audit_plans_the_way_there_from_the_next_open_sitting(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    missing = frozenset({"03706", "12656", "00041", "90301"})
    candidate = await passing_everything(db, but=missing)
    sitting = an_open_sitting("2030-10", max_courses=2)
    slots = [a_slot("2030-10", hour=h) for h in (1, 5)]
    await add(db, sitting)
    await add(db, *slots)
    await add(db, *a_timetable("2030-10", slots, {"03706": 0, "12656": 0, "00041": 1}))
    audit = (await run(db, redis, settings, as_candidate(candidate), AUDIT, id=str(candidate)))[
        "_entities"
    ][0]["graduationAudit"]
    plan = audit["plan"]
    assert plan["sitting"] == "2030-10"
    assert [c["code"] for c in plan["courses"]] == ["00041", "03706"]  # one per slot, required
    assert {c["code"] for c in plan["stillToPass"]} == missing
    assert plan["sittingsAtBest"] == 2


async def test_staff_start_a_batch_audit_of_their_region(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    started = (await run(db, redis, settings, YUZHONG, START, major=ZHUANKE))[
        "startGraduationAudit"
    ]
    assert started["__typename"] == "GraduationAuditStarted"
    assert started["run"]["status"] == "PENDING"
    assert started["run"]["regionCode"] == "0103"
    bad = (await run(db, redis, settings, YUZHONG, START, major="x"))["startGraduationAudit"]
    assert bad["code"] == "bad_format"
