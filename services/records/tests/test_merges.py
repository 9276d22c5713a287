"""成绩合并 over records' graph with identity's real app: B's results, reviews, sign-ups,
payments and grounds move to A (clashes resolved: the better result, the answered review, the
paid sign-up), B is cancelled in identity, both audit; nothing is lost; a failed merge — refused
by records or by identity after records moved the rows — changes nothing."""

import json
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from zikao_identity import models as identity_models
from zikao_identity.testing import an_id_number
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.testing import a_choice, a_result, a_sitting, a_slot, add, ago, an_open_sitting

PUBLISHED, OPEN = "2031-10", "2032-04"
PROVINCE = Principal("staff-p", Role.STAFF)
YUZHONG = Principal("staff-0103", Role.STAFF, region_code="0103")
MERGE = """mutation($kept: ID!, $merged: ID!, $reason: String!) {
  mergeCandidates(keptId: $kept, mergedId: $merged, reason: $reason) { __typename
  ... on CandidatesMerged { kept { id } moved { kind count } droppedResults droppedReviews
      closedSignups repeatedInIdentity }
  ... on InvalidInput { field code } ... on Problem { code message } } }"""
REASON = "同一考生两个准考证号"
Identity = Any  # conftest's InProcessIdentity


async def merge(
    http: httpx.AsyncClient, identity: Identity, who: Principal, kept: Any, merged: Any
) -> Any:
    headers = {"authorization": f"Bearer {identity.token(who)}"}
    variables = {"kept": str(kept), "merged": str(merged), "reason": REASON}
    body = (await http.post("/graphql", json={"query": MERGE, "variables": variables},
                            headers=headers)).json()  # fmt: skip
    assert "errors" not in body, body
    return body["data"]["mergeCandidates"]


async def records_of(db: Sessionmaker, *people: uuid.UUID) -> dict[str, list[tuple[Any, ...]]]:
    """Everything records holds of `people`, as comparable rows."""
    tables = {
        "results": (models.ExamResult, ("candidate_id", "sitting_code", "course_code", "score",
                                         "grade", "status", "source")),
        "reviews": (models.ScoreReview, ("candidate_id", "sitting_code", "course_code", "status")),
        "signups": (models.ExamRegistration, ("candidate_id", "sitting_code", "course_code",
                                              "status", "fee_yuan")),
        "payments": (models.Payment, ("candidate_id", "transaction_id", "amount_yuan")),
        "choices": (models.CandidateMajor, ("candidate_id", "major_code")),
    }  # fmt: skip
    found: dict[str, list[tuple[Any, ...]]] = {}
    async with db() as session:
        for name, (model, columns) in tables.items():
            statement = select(*(getattr(model, c) for c in columns)).where(
                model.candidate_id.in_(people)  # type: ignore[attr-defined]
            )
            found[name] = sorted(map(tuple, await session.execute(statement)), key=str)
    return found


async def audited(db: Sessionmaker, model: Any, action: str) -> int:
    async with db() as session:
        statement = select(func.count()).select_from(model).where(model.action == action)
        return int((await session.execute(statement)).scalar_one())


async def two_records(db: Sessionmaker, identity: Identity) -> tuple[uuid.UUID, uuid.UUID]:
    """A and B, one person twice: clashing and separate results, reviews, sign-ups."""
    a = await identity.register("赵合并", an_id_number(21, born="19900303", region="500103"))
    b = await identity.register("赵合并", an_id_number(22, born="19900303", region="500103"))
    slot = a_slot(OPEN)
    await add(db, a_sitting(PUBLISHED, scores=ago(2)), an_open_sitting(OPEN), a_choice(a),
              a_choice(b))  # fmt: skip
    await add(db, slot)
    exemption = a_result(b, "00012", source=models.ResultSource.EXEMPTION)
    await add(
        db,
        a_result(a, "03708", sitting=PUBLISHED, score=55),
        a_result(b, "03708", sitting=PUBLISHED, score=72),
        a_result(a, "03709", sitting=PUBLISHED, score=65),
        a_result(b, "00015", sitting=PUBLISHED, score=80),
        exemption,
    )
    await add(db, models.Exemption(result_id=exemption.id, certificate="CET-4",
                                   certificate_number="CET4-2020-1"))  # fmt: skip
    await add(
        db,
        models.ScoreReview(candidate_id=a, sitting_code=PUBLISHED, course_code="03708"),
        models.ScoreReview(candidate_id=b, sitting_code=PUBLISHED, course_code="03708",
                           status=models.ReviewStatus.UNCHANGED, answered_at=ago(1)),
    )  # fmt: skip
    payment = models.Payment(
        transaction_id=f"t-{uuid.uuid4().hex[:8]}", candidate_id=b, sitting_code=OPEN,
        amount_yuan=40, source=models.PaymentSource.NOTIFICATION,
        status=models.PaymentStatus.APPLIED,
    )  # fmt: skip
    await add(db, payment)
    paid = models.RegistrationStatus.PAID

    def signup(who: uuid.UUID, course: str, status: models.RegistrationStatus) -> Any:
        return models.ExamRegistration(candidate_id=who, sitting_code=OPEN, course_code=course,
                                       slot_id=slot.id, fee_yuan=40, status=status)  # fmt: skip

    await add(db, signup(a, "03708", paid), signup(b, "03708", paid),
              signup(b, "00015", models.RegistrationStatus.UNPAID))  # fmt: skip
    return a, b


async def test_b_moves_into_a_and_nothing_is_lost(
    records_app: httpx.AsyncClient, identity: Identity, db: Sessionmaker
) -> None:
    a, b = await two_records(db, identity)
    before = await records_of(db, a, b)
    done = await merge(records_app, identity, PROVINCE, a, b)
    assert done["__typename"] == "CandidatesMerged", done
    after = await records_of(db, a, b)
    assert all(row[0] == a for rows in after.values() for row in rows)  # B holds nothing
    assert await records_of(db, b) == {name: [] for name in before}
    # Results: the better 03708 (B's 72) stays, A's 55 is named as dropped; the rest moved.
    assert {(r[1], r[2], r[3]) for r in after["results"]} == {
        (PUBLISHED, "03708", 72), (PUBLISHED, "03709", 65), (PUBLISHED, "00015", 80),
        (None, "00012", None),
    }  # fmt: skip
    assert len(after["results"]) == len(before["results"]) - 1
    assert [json.loads(d)["score"] for d in done["droppedResults"]] == [55]
    # Reviews: the answered one stays.
    assert [(r[2], r[3]) for r in after["reviews"]] == [("03708", models.ReviewStatus.UNCHANGED)]
    # Sign-ups: all three kept; the second paid 03708 is now a refund due.
    statuses = sorted((r[2], r[3].value) for r in after["signups"])
    assert statuses == [("00015", "UNPAID"), ("03708", "PAID"), ("03708", "REFUNDED")]
    assert [r[1:] for r in after["payments"]] == [r[1:] for r in before["payments"]]
    assert [r[1] for r in after["choices"]] == [before["choices"][0][1]]
    async with db() as session:
        grounds = await session.execute(select(func.count()).select_from(models.Exemption))
        cancelled = await session.get(identity_models.Candidate, b)
    assert grounds.scalar_one() == 1
    assert cancelled is not None
    assert cancelled.merged_into == a
    assert cancelled.cancelled_at is not None
    assert await audited(db, models.AuditEntry, "candidate.merged") == 1
    assert await audited(db, identity_models.AuditEntry, "merge_candidate") == 1
    again = await merge(records_app, identity, PROVINCE, a, b)
    assert again["repeatedInIdentity"] is True
    assert await records_of(db, a, b) == after


async def test_a_failed_merge_changes_nothing(
    records_app: httpx.AsyncClient, identity: Identity, db: Sessionmaker
) -> None:
    a, b = await two_records(db, identity)
    stranger = uuid.uuid4()  # records holds rows of it, identity knows no such candidate
    await add(db, a_result(stranger, "03706", sitting=PUBLISHED, score=90))
    before = await records_of(db, a, b, stranger)
    refusals = [
        (YUZHONG, a, b, "Forbidden"),  # district staff: records refuses first
        (PROVINCE, a, a, "InvalidInput"),
        (PROVINCE, a, stranger, "NotFound"),  # identity refuses after records moved the rows
    ]
    for who, kept, merged, kind in refusals:
        answer = await merge(records_app, identity, who, kept, merged)
        assert answer["__typename"] == kind, answer
        assert await records_of(db, a, b, stranger) == before
    c = await identity.register("钱另一", an_id_number(23, born="19900303", region="500103"))
    assert (await merge(records_app, identity, PROVINCE, c, b))["__typename"] == "CandidatesMerged"
    moved = await records_of(db, a, b, stranger, c)
    refused = await merge(records_app, identity, PROVINCE, a, b)  # B is C's now in identity
    assert (refused["__typename"], refused["code"]) == ("Conflict", "already_merged")
    assert await records_of(db, a, b, stranger, c) == moved
    assert await audited(db, models.AuditEntry, "candidate.merged") == 1
