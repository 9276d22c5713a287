"""Course certificates end to end: a candidate applies through the gateway with the contract's
own ApplyForCourseCertificate text and sees the application on `me`; a second application is
refused; staff of another district do not see it, the candidate's district staff do, and the
documents service reads it; a violation recorded by district staff cancels the result, which
MyResults shows at once (the results cache is invalidated), and the application with it."""

from __future__ import annotations

import random
import uuid

import httpx
from e2e import OPERATIONS, RunningSystem, ask, register_candidate
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from zikao_identity.testing import an_id_number
from zikao_kit import clock
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker, utc_now
from zikao_records import models
from zikao_records.testing import ZHUANKE, a_result, a_sitting, ago

SITTING = "2038-04"  # a sitting no other end-to-end test uses
MINE = (
    "query { me { certificateApplications { id sitting course { code } score status readyOn } } }"
)
LIST = """query List($s: String!) { certificateApplications(sitting: $s) { id course { code } } }"""
ONE = """query One($id: ID!) { certificateApplication(id: $id) { candidateId sitting
  course { code name } score readyOn status } }"""
VIOLATE = """mutation Violate($input: ViolationInput!) { recordViolation(input: $input) {
  __typename ... on ViolationRecorded { violation { cancelsResult } }
  ... on Problem { code message } } }"""


async def a_published_pass(database_url: str, candidate_id: uuid.UUID) -> None:
    """A sitting published yesterday where the candidate (of 渝中区) passed 00041 with 77.

    The certificate's ready day may fall in next year: a year the holiday seed may not hold
    yet is entered as plain weekdays (staff would enter its holidays when announced)."""
    engine = create_engine(database_url, schema="records", pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            year = clock.in_beijing(utc_now()).year
            for missing in (year, year + 1):
                row = {"year": missing, "source": "end-to-end test"}
                await session.execute(
                    insert(models.CalendarYear).values(row).on_conflict_do_nothing()
                )
            session.add(a_sitting(SITTING, scores=ago(1)))
            choice = models.CandidateMajor(
                candidate_id=candidate_id, major_code=ZHUANKE, region_code="0103"
            )
            session.add(choice)
            await session.flush()
            session.add(a_result(candidate_id, "00041", sitting=SITTING, score=77))
    finally:
        await engine.dispose()


async def application_status(database_url: str, application_id: str) -> str:
    engine = create_engine(database_url, schema="records", pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            application = models.CertificateApplication
            statement = select(col(application.status)).where(
                col(application.id) == uuid.UUID(application_id)
            )
            return str((await session.execute(statement)).scalar_one().value)
    finally:
        await engine.dispose()


async def test_a_candidate_applies_and_a_violation_cancels_the_result(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    number = an_id_number(random.randint(1, 999), born="19940606", region="500103")
    candidate_id = await register_candidate(zikao.database_url, number)
    await a_published_pass(zikao.database_url, uuid.UUID(candidate_id))
    token = zikao.token(candidate_id, region="0103")

    apply = OPERATIONS["ApplyForCourseCertificate"]
    applied = await ask(client, zikao, apply, token, sitting=SITTING, courseCode="00041")
    made = applied["applyForCourseCertificate"]
    assert made["__typename"] == "CertificateApplied", made
    application = made["application"]
    assert application["readyOn"] > clock.in_beijing(utc_now()).date().isoformat()
    again = await ask(client, zikao, apply, token, sitting=SITTING, courseCode="00041")
    assert again["applyForCourseCertificate"]["code"] == "certificate_already_applied"
    failed = await ask(client, zikao, apply, token, sitting=SITTING, courseCode="03706")
    assert failed["applyForCourseCertificate"]["code"] == "no_pass"

    [mine] = (await ask(client, zikao, MINE, token))["me"]["certificateApplications"]
    assert mine == {
        "id": application["id"], "sitting": SITTING, "course": {"code": "00041"}, "score": 77,
        "status": "APPLIED", "readyOn": application["readyOn"],
    }  # fmt: skip
    beibei = zikao.token("staff-0109", Role.STAFF, region="0109")
    yuzhong = zikao.token("staff-0103", Role.STAFF, region="0103")
    assert (await ask(client, zikao, LIST, beibei, s=SITTING))["certificateApplications"] == []
    listed = (await ask(client, zikao, LIST, yuzhong, s=SITTING))["certificateApplications"]
    assert [a["id"] for a in listed] == [application["id"]]
    documents = zikao.token("documents", Role.SERVICE)
    read = (await ask(client, zikao, ONE, documents, id=application["id"]))[
        "certificateApplication"
    ]
    assert (read["candidateId"], read["course"]["code"], read["score"]) == (
        candidate_id,
        "00041",
        77,
    )

    results = OPERATIONS["MyResults"]
    [before] = (await ask(client, zikao, results, token, sitting=SITTING))["me"]["results"]
    assert (before["status"], before["passed"]) == ("NORMAL", True)
    violation = {
        "candidateId": candidate_id, "sitting": SITTING, "courseCode": "00041",
        "reason": "携带手机进入考场", "cancelResult": True,
    }  # fmt: skip
    refused = await ask(client, zikao, VIOLATE, beibei, input=violation)
    assert refused["recordViolation"]["__typename"] == "Forbidden"
    recorded = await ask(client, zikao, VIOLATE, yuzhong, input=violation)
    assert recorded["recordViolation"]["violation"] == {"cancelsResult": True}
    [after] = (await ask(client, zikao, results, token, sitting=SITTING))["me"]["results"]
    assert (after["status"], after["passed"], after["score"]) == ("CANCELLED", False, 77)
    passes = await ask(client, zikao, OPERATIONS["MyPassedCourses"], token)
    assert "00041" not in {p["course"]["code"] for p in passes["me"]["passedCourses"]}
    assert await application_status(zikao.database_url, application["id"]) == "CANCELLED"
