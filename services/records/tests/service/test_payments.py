import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from zikao_devrun import free_port_numbers
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, utc_now
from zikao_records import models
from zikao_records.app import create_app
from zikao_records.models import PaymentSource, PaymentStatus, RegistrationStatus
from zikao_records.service import payments
from zikao_records.service.payments import PaymentNotice, apply_payment, record_payment_by_hand
from zikao_records.service.signup import register_for_exams
from zikao_records.settings import RecordsSettings
from zikao_records.testing import a_choice, a_slot, a_timetable, add, an_open_sitting

SITTING = "2030-10"
LAPSE = timedelta(minutes=30)


@pytest.fixture
async def signed_up(db: Sessionmaker) -> uuid.UUID:
    """A candidate with unpaid sign-ups for 03708 and 00037 (¥40 each)."""
    one = uuid.uuid4()
    await add(db, an_open_sitting(SITTING), a_choice(one))
    slots = [a_slot(SITTING, hour=1), a_slot(SITTING, hour=6)]
    await add(db, *slots)
    await add(db, *a_timetable(SITTING, slots, {"03708": 0, "00037": 1}))
    async with db.begin() as session:
        await register_for_exams(
            session,
            candidate_id=one,
            sitting_code=SITTING,
            course_codes=["03708", "00037"],
            region_code="0103",
            now=utc_now(),
            lapse=LAPSE,
        )
    return one


def notice(
    who: uuid.UUID, txn: str, amount: int = 80, codes: tuple[str, ...] = ("03708", "00037")
) -> PaymentNotice:
    return PaymentNotice(txn, who, SITTING, codes, amount)


async def pay(db: Sessionmaker, paid: PaymentNotice) -> models.Payment:
    async with db.begin() as session:
        outcome = await apply_payment(
            session, paid, source=PaymentSource.NOTIFICATION, now=utc_now(), lapse=LAPSE
        )
    return outcome.payment


async def statuses(db: Sessionmaker) -> list[str]:
    async with db() as session:
        rows = await session.execute(select(models.ExamRegistration.status))
        return sorted(rows.scalars())


async def test_a_payment_of_the_fees_pays_the_sign_ups_once(
    db: Sessionmaker, signed_up: uuid.UUID
) -> None:
    first = await pay(db, notice(signed_up, "wx-1"))
    assert first.status is PaymentStatus.APPLIED
    assert await statuses(db) == ["PAID", "PAID"]
    again = await pay(db, notice(signed_up, "wx-1"))
    assert again.id == first.id
    async with db() as session:
        assert len((await session.execute(select(models.Payment))).all()) == 1


async def test_a_second_payment_for_paid_sign_ups_is_marked_for_refund(
    db: Sessionmaker, signed_up: uuid.UUID
) -> None:
    await pay(db, notice(signed_up, "wx-1"))
    duplicate = await pay(db, notice(signed_up, "ali-7"))
    assert (duplicate.status, duplicate.reason) == (PaymentStatus.REFUND_DUE, "already_paid")


async def test_a_wrong_amount_or_a_lapsed_sign_up_pays_nothing(
    db: Sessionmaker, signed_up: uuid.UUID
) -> None:
    wrong = await pay(db, notice(signed_up, "wx-2", amount=40))
    assert (wrong.status, wrong.reason) == (PaymentStatus.REFUND_DUE, "amount_mismatch")
    async with db.begin() as session:
        for row in (await session.execute(select(models.ExamRegistration))).scalars():
            row.created_at -= timedelta(minutes=31)
    late = await pay(db, notice(signed_up, "wx-3"))
    assert (late.status, late.reason) == (PaymentStatus.REFUND_DUE, "not_payable")
    assert await statuses(db) == ["LAPSED", "LAPSED"]


async def test_staff_record_a_payment_by_hand_with_an_audit_entry(
    db: Sessionmaker, signed_up: uuid.UUID
) -> None:
    staff = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
    async with db.begin() as session:
        outcome = await record_payment_by_hand(
            session,
            notice(signed_up, "manual:RCPT-1", codes=("03708",), amount=40),
            staff=staff,
            now=utc_now(),
            lapse=LAPSE,
        )
    assert outcome.payment.source is PaymentSource.MANUAL
    assert await statuses(db) == ["PAID", "UNPAID"]
    async with db() as session:
        (entry,) = (await session.execute(select(models.AuditEntry))).scalars().all()
    assert (entry.actor, entry.action) == ("staff-0103", "payment.recorded")
    assert entry.detail["courses"] == ["03708"]


async def test_cancelling_a_paid_sign_up_refunds_it(db: Sessionmaker, signed_up: uuid.UUID) -> None:
    from zikao_records.service.signup import cancel_registration

    await pay(db, notice(signed_up, "wx-1"))
    async with db.begin() as session:
        cancelled = await cancel_registration(
            session,
            candidate_id=signed_up,
            sitting_code=SITTING,
            course_code="03708",
            now=utc_now(),
            lapse=LAPSE,
        )
    assert cancelled.status is RegistrationStatus.REFUNDED


@given(st.binary(max_size=200), st.text(max_size=20))
def test_only_the_right_signature_passes(body: bytes, key: str) -> None:
    key = "k" * 16 + key
    assert payments.signature_is_valid(key, body, payments.sign(key, body))
    assert not payments.signature_is_valid(key, body + b"x", payments.sign(key, body))
    assert not payments.signature_is_valid(key, body, None)


def test_a_notice_names_ids_codes_and_a_whole_amount() -> None:
    who = uuid.uuid4()
    good = {
        "transactionId": "wx-1",
        "candidateId": str(who),
        "sitting": SITTING,
        "courseCodes": ["03708"],
        "amountYuan": 40,
    }
    assert payments.parse_notice(json.dumps(good).encode()) == PaymentNotice(
        "wx-1", who, SITTING, ("03708",), 40
    )
    for field, value in (
        ("amountYuan", -1),
        ("amountYuan", True),
        ("courseCodes", []),
        ("sitting", "2030-1"),
        ("transactionId", "a b"),
    ):
        with pytest.raises(payments.BadNoticeError, match=field):
            payments.parse_notice(json.dumps(good | {field: value}).encode())
    with pytest.raises(payments.BadNoticeError):
        payments.parse_notice(b"[1]")


@pytest.fixture
async def records_http(settings: RecordsSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://records") as client:
            yield client


async def test_the_route_refuses_bad_signatures_and_bad_bodies(
    records_http: httpx.AsyncClient, settings: RecordsSettings
) -> None:
    body = b'{"transactionId": "x"}'
    unsigned = await records_http.post("/payments/notify", content=body)
    assert unsigned.status_code == 401
    forged = await records_http.post(
        "/payments/notify", content=body, headers={"x-signature": payments.sign("other" * 4, body)}
    )
    assert forged.status_code == 401
    signed = await records_http.post(
        "/payments/notify",
        content=body,
        headers={"x-signature": payments.sign(settings.payment_notify_key, body)},
    )
    assert signed.status_code == 400
    assert signed.json() == {"code": "bad_notice", "field": "candidateId"}


@pytest.mark.parametrize(
    "signature", ["签名".encode(), "é".encode("latin-1"), b"\xff" * 64, "ａ".encode() * 32]
)
async def test_a_signature_that_is_not_ascii_is_a_bad_signature(
    records_http: httpx.AsyncClient, signature: bytes
) -> None:
    forged = await records_http.post(
        "/payments/notify", content=b"{}", headers={"x-signature": signature}
    )
    assert (forged.status_code, forged.json()) == (401, {"code": "bad_signature"})


def test_production_refuses_the_development_notify_key() -> None:
    production = {
        "ZIKAO_ENV": "production",
        "DATABASE_URL": "postgresql://records@db.internal/zikao",
        "ZIKAO_JWKS_URL": "https://identity.internal/.well-known/jwks.json",
    }
    with pytest.raises(ValueError, match="RECORDS_PAYMENT_NOTIFY_KEY"):
        RecordsSettings(**production)  # type: ignore[arg-type]
    settings = RecordsSettings(**production, payment_notify_key="k" * 32)  # type: ignore[arg-type]
    assert settings.is_production


async def test_the_route_answers_unavailable_while_postgresql_is_away(
    settings: RecordsSettings,
) -> None:
    """A closed port stands for PostgreSQL restarting: a typed 503 the provider retries on,
    not a bare 500."""
    (closed,) = free_port_numbers(1)
    away = settings.model_copy(
        update={"database_url": f"postgresql://postgres@127.0.0.1:{closed}/records"}
    )
    app = create_app(away)
    body = json.dumps(
        {
            "transactionId": "wx-away-1",
            "candidateId": str(uuid.uuid4()),
            "sitting": "2026-10",
            "courseCodes": ["03708"],
            "amountYuan": 40,
        }
    ).encode()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://records") as client:
            answer = await client.post(
                "/payments/notify",
                content=body,
                headers={"x-signature": payments.sign(away.payment_notify_key, body)},
            )
    assert answer.status_code == 503
    assert answer.json() == {"code": "unavailable"}
    assert answer.headers["retry-after"] == "5"
