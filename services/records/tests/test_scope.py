"""The one read rule (zikao_kit.access) on every candidate-owned field and staff operation on a
candidate, with the candidate's region as records knows it."""

import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context
from zikao_records import models
from zikao_records.schema import schema
from zikao_records.settings import RecordsSettings
from zikao_records.testing import a_choice, a_result, a_sitting, a_slot, add, ago, an_open_sitting

WANZHOU, YUZHONG = "0101", "0103"
YUZHONG_STAFF = Principal(subject="staff-0103", role=Role.STAFF, region_code=YUZHONG)
PROVINCIAL = Principal(subject="staff-province", role=Role.STAFF)
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
SERVICE = Principal(subject="documents", role=Role.SERVICE)
ARGS = {"exams": '(sitting: "2026-10")', "results": '(sitting: "2026-04")'}
PAY = """mutation($i: ManualPaymentInput!) { recordPayment(input: $i) { __typename
  ... on Problem { code } } }"""


def candidate_fields() -> dict[str, str]:
    """Every field records adds to the Candidate entity, with a selection that reads it."""
    definition = schema._schema.type_map["Candidate"]
    fields: dict[str, str] = {}
    for name, field in definition.fields.items():  # type: ignore[attr-defined]
        if name == "id":
            continue
        kind = field.type
        while hasattr(kind, "of_type"):
            kind = kind.of_type
        selection = " { __typename }" if hasattr(kind, "fields") else ""
        fields[name] = f"{name}{ARGS.get(name, '')}{selection}"
    return fields


FIELDS = candidate_fields()


async def read(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    who: Principal,
    field: str,
    candidate_id: uuid.UUID,
) -> Any:
    query = (
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate { "
        + FIELDS[field]
        + " } } }"
    )
    context = make_context(db, redis, settings, who)
    variables = {"r": [{"__typename": "Candidate", "id": str(candidate_id)}]}
    return await schema.execute(query, variable_values=variables, context_value=context)


@pytest.fixture
async def candidates(db: Sessionmaker) -> dict[str | None, uuid.UUID]:
    """A 万州区 and a 渝中区 candidate (each with a major, a sign-up, a result and a review), and
    one whose region records never learnt."""
    slot = a_slot("2026-10")
    await add(db, a_sitting("2026-04", scores=ago(1)), a_sitting("2026-10"))
    await add(db, slot)
    found: dict[str | None, uuid.UUID] = {}
    for region in (WANZHOU, YUZHONG, None):
        one = found[region] = uuid.uuid4()
        choice = a_choice(one)
        choice.region_code = region
        registration = models.ExamRegistration(
            candidate_id=one,
            sitting_code="2026-10",
            course_code="03709",
            slot_id=slot.id,
            fee_yuan=40,
            region_code=region,
        )
        review = models.ScoreReview(candidate_id=one, sitting_code="2026-04", course_code="03708")
        await add(db, choice, registration, a_result(one, "03708", sitting="2026-04", score=61))
        await add(db, review)
    return found


def test_every_candidate_field_is_covered() -> None:
    assert set(FIELDS) >= {
        "major",
        "exams",
        "results",
        "passedCourses",
        "scoreReviews",
        "graduationAudit",
    }


@pytest.mark.parametrize("field", sorted(FIELDS))
async def test_district_staff_read_their_own_district_only(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    candidates: dict[str | None, uuid.UUID],
    field: str,
) -> None:
    own = await read(db, redis, settings, YUZHONG_STAFF, field, candidates[YUZHONG])
    assert own.errors is None, own.errors
    for region in (WANZHOU, None):
        other = await read(db, redis, settings, YUZHONG_STAFF, field, candidates[region])
        assert other.errors is not None, (field, region)
        assert [e.extensions["code"] for e in other.errors] == ["forbidden"]


@pytest.mark.parametrize("who", [PROVINCIAL, ADMIN, SERVICE], ids=["provincial", "admin", "svc"])
@pytest.mark.parametrize("field", sorted(FIELDS))
async def test_province_wide_roles_read_every_district(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    candidates: dict[str | None, uuid.UUID],
    field: str,
    who: Principal,
) -> None:
    for one in candidates.values():
        result = await read(db, redis, settings, who, field, one)
        assert result.errors is None, (field, result.errors)


async def test_the_region_of_a_sign_up_counts_when_the_choice_has_none(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, candidates: dict[str | None, Any]
) -> None:
    one = candidates[None]
    async with db.begin() as session:
        await session.execute(
            update(models.ExamRegistration)
            .where(col(models.ExamRegistration.candidate_id) == one)
            .values(region_code=YUZHONG)
        )
    result = await read(db, redis, settings, YUZHONG_STAFF, "major", one)
    assert result.errors is None, result.errors


@pytest.mark.parametrize(
    ("who", "region", "answer"),
    [
        (YUZHONG_STAFF, WANZHOU, "forbidden"),
        (YUZHONG_STAFF, None, "forbidden"),
        (YUZHONG_STAFF, YUZHONG, "PaymentRecorded"),
        (PROVINCIAL, WANZHOU, "PaymentRecorded"),
        (ADMIN, None, "PaymentRecorded"),
    ],
)
async def test_payments_by_hand_follow_the_same_rule(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    who: Principal,
    region: str | None,
    answer: str,
) -> None:
    one = uuid.uuid4()
    choice = a_choice(one)
    choice.region_code = region
    await add(db, an_open_sitting("2031-04"), choice)
    payment = {
        "candidateId": str(one),
        "sitting": "2031-04",
        "courseCodes": ["03708"],
        "amountYuan": 40,
        "reference": "RCPT-9",
    }
    context = make_context(db, redis, settings, who)
    result = await schema.execute(PAY, variable_values={"i": payment}, context_value=context)
    assert result.errors is None, result.errors
    outcome = result.data["recordPayment"]
    assert outcome.get("code", outcome["__typename"]) == answer
