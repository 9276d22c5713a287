"""Refunds due (payments that paid nothing, paid sign-ups closed as refunded) by district, paged;
marking one paid out once, audited; refusals change nothing."""

import uuid
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import func, select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.settings import RecordsSettings
from zikao_records.testing import ZHUANKE, a_sitting, a_slot, add, ago, run_one

SITTING = "2033-04"
YUZHONG = Principal("staff-0103", Role.STAFF, region_code="0103")
JIANGBEI = Principal("staff-0105", Role.STAFF, region_code="0105")
PROVINCE = Principal("staff-p", Role.STAFF)
DUE = """query($first: Int!, $after: String) { refundsDue(first: $first, after: $after) {
  __typename ... on RefundPage { nextCursor items { source id candidate { id } courseCode
  amountYuan reason } } ... on InvalidInput { field } ... on Problem { code } } }"""
MARK = """mutation($source: RefundSource!, $id: ID!, $ref: String!) {
  markRefunded(source: $source, id: $id, reference: $ref) { __typename
  ... on RefundMarked { amountYuan reference } ... on InvalidInput { field code }
  ... on Problem { code } } }"""


def payment(candidate: uuid.UUID, status: models.PaymentStatus, reason: str | None) -> Any:
    return models.Payment(
        transaction_id=f"t-{uuid.uuid4().hex[:10]}", candidate_id=candidate, sitting_code=SITTING,
        amount_yuan=80, source=models.PaymentSource.NOTIFICATION, status=status, reason=reason,
        received_at=ago(3),
    )  # fmt: skip


async def refunds(db: Sessionmaker) -> int:
    async with db() as session:
        found = await session.execute(select(func.count()).select_from(models.Refund))
        return int(found.scalar_one())


async def test_refunds_due_by_district_and_marked_once(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    here, there = uuid.uuid4(), uuid.uuid4()
    slot = a_slot(SITTING)
    await add(
        db,
        a_sitting(SITTING),
        models.CandidateMajor(candidate_id=here, major_code=ZHUANKE, region_code="0103"),
        models.CandidateMajor(candidate_id=there, major_code=ZHUANKE, region_code="0105"),
    )
    await add(db, slot)
    duplicate = payment(here, models.PaymentStatus.REFUND_DUE, "already_paid")
    applied = payment(here, models.PaymentStatus.APPLIED, None)
    cancelled = models.ExamRegistration(
        candidate_id=there, sitting_code=SITTING, course_code="03708", slot_id=slot.id,
        fee_yuan=40, status=models.RegistrationStatus.REFUNDED, closed_at=ago(1),
        region_code="0105",
    )  # fmt: skip
    await add(db, duplicate, applied, cancelled)

    async def run(who: Principal, query: str, **variables: Any) -> Any:
        return await run_one(db, redis, settings, who, query, **variables)

    mine = await run(YUZHONG, DUE, first=10)
    assert [(i["source"], i["amountYuan"], i["reason"]) for i in mine["items"]] == [
        ("PAYMENT", 80, "already_paid")
    ]
    first = await run(PROVINCE, DUE, first=1)
    second = await run(PROVINCE, DUE, first=1, after=first["nextCursor"])
    assert [i["id"] for i in first["items"] + second["items"]] == [
        str(duplicate.id), str(cancelled.id),
    ]  # fmt: skip
    assert second["nextCursor"] is None
    refusals = [
        (JIANGBEI, "PAYMENT", duplicate.id, "RCPT-1", "Forbidden"),
        (YUZHONG, "PAYMENT", applied.id, "RCPT-1", "Conflict"),
        (YUZHONG, "SIGNUP", uuid.uuid4(), "RCPT-1", "NotFound"),
        (YUZHONG, "PAYMENT", duplicate.id, " ", "InvalidInput"),
        (YUZHONG, "PAYMENT", duplicate.id, "\u202eRCPT", "InvalidInput"),
    ]
    for who, source, source_id, reference, kind in refusals:
        answer = await run(who, MARK, source=source, id=str(source_id), ref=reference)
        assert answer["__typename"] == kind, answer
    assert await refunds(db) == 0
    done = await run(YUZHONG, MARK, source="PAYMENT", id=str(duplicate.id), ref="工行-001")
    assert done == {"__typename": "RefundMarked", "amountYuan": 80, "reference": "工行-001"}
    again = await run(PROVINCE, MARK, source="PAYMENT", id=str(duplicate.id), ref="工行-002")
    assert (again["__typename"], again["code"]) == ("Conflict", "already_refunded")
    assert (await run(YUZHONG, DUE, first=10))["items"] == []
    signup = await run(JIANGBEI, MARK, source="SIGNUP", id=str(cancelled.id), ref="现金-7")
    assert signup["amountYuan"] == 40
    assert (await run(PROVINCE, DUE, first=10))["items"] == []
    async with db() as session:
        audited = await session.execute(
            select(func.count()).where(models.AuditEntry.action == "refund.paid")
        )
    assert audited.scalar_one() == 2
    bad = await run(PROVINCE, DUE, first=10, after="bm90IGEgY3Vyc29y")
    assert (bad["__typename"], bad["field"], bad["code"]) == ("InvalidInput", "after", "bad_cursor")
