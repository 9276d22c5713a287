"""Payment of sign-ups: unpaid → paid (→ refunded on cancellation); unpaid → lapsed.

A payment names the candidate, the sitting and the courses it pays for, and its amount. It
pays them only when every one is unpaid (and not lapsed) and the amount is their fees' sum;
otherwise it pays nothing and is kept as REFUND_DUE with the reason (a duplicate payment of
paid sign-ups, a late one after they lapsed, a wrong amount). A provider's transaction id is
recorded once: the same notification again changes nothing.

The payment provider's notification: an HMAC-SHA256 signature over the raw body, then a JSON
body naming what was paid. The provider integration itself (making payment orders) is out of
scope; this is the shape records accepts.

```
POST /payments/notify
X-Signature: <hex HMAC-SHA256 of the raw body with RECORDS_PAYMENT_NOTIFY_KEY>
{"transactionId": "…", "candidateId": "<uuid>", "sitting": "2026-10",
 "courseCodes": ["03708", "00037"], "amountYuan": 80}
```
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_records import text
from zikao_records.models import (
    AuditEntry,
    ExamRegistration,
    Payment,
    PaymentSource,
    PaymentStatus,
    RegistrationStatus,
)
from zikao_records.repository.payments import PaymentRepository
from zikao_records.repository.signup import SignupRepository
from zikao_records.service.sittings import get_sitting

SIGNATURE_HEADER = "x-signature"
MAX_BODY_BYTES = 16 * 1024
_TRANSACTION = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@dataclass(frozen=True)
class PaymentNotice:
    """What a payment says it pays: ids and codes only."""

    transaction_id: str
    candidate_id: uuid.UUID
    sitting_code: str
    course_codes: tuple[str, ...]
    amount_yuan: int


@dataclass(frozen=True)
class PaymentOutcome:
    payment: Payment
    repeated: bool  # the transaction was recorded before; nothing changed now


def judge(
    live: Sequence[ExamRegistration], course_codes: Sequence[str], amount_yuan: int
) -> tuple[list[ExamRegistration], str | None]:
    """The sign-ups a payment pays, or none and the reason a refund is due."""
    named = [r for r in live if r.course_code in set(course_codes)]
    if not course_codes or len(named) != len(set(course_codes)):
        return [], "not_payable"
    if any(r.status is RegistrationStatus.PAID for r in named):
        return [], "already_paid"
    if sum(r.fee_yuan for r in named) != amount_yuan:
        return [], "amount_mismatch"
    return named, None


async def apply_payment(
    session: AsyncSession,
    notice: PaymentNotice,
    *,
    source: PaymentSource,
    now: datetime,
    lapse: timedelta,
    recorded_by: str | None = None,
) -> PaymentOutcome:
    """Records the payment once and moves the sign-ups it pays to PAID."""
    await get_sitting(session, notice.sitting_code)
    signups, payments = SignupRepository(session), PaymentRepository(session)
    await signups.lock_choice(notice.candidate_id)  # one payment of a candidate at a time
    known = await payments.by_transaction(notice.transaction_id)
    if known is not None:
        return PaymentOutcome(known, repeated=True)
    await signups.lapse(before=now - lapse, now=now, candidate_id=notice.candidate_id)
    live = await signups.live(notice.candidate_id, notice.sitting_code)
    paying, reason = judge(live, notice.course_codes, notice.amount_yuan)
    payment = Payment(
        transaction_id=notice.transaction_id,
        candidate_id=notice.candidate_id,
        sitting_code=notice.sitting_code,
        amount_yuan=notice.amount_yuan,
        source=source,
        status=PaymentStatus.APPLIED if paying else PaymentStatus.REFUND_DUE,
        reason=reason,
        received_at=now,
        recorded_by=recorded_by,
    )
    await payments.add(payment)
    await payments.mark_paid([r.id for r in paying], payment.id, now)
    return PaymentOutcome(payment, repeated=False)


async def record_payment_by_hand(
    session: AsyncSession,
    notice: PaymentNotice,
    *,
    staff: Principal,
    now: datetime,
    lapse: timedelta,
) -> PaymentOutcome:
    """A payment staff saw (at a counter, by bank transfer), applied and audited."""
    outcome = await apply_payment(
        session,
        notice,
        source=PaymentSource.MANUAL,
        now=now,
        lapse=lapse,
        recorded_by=staff.subject,
    )
    if not outcome.repeated:
        audit.record(
            session,
            AuditEntry,
            staff,
            "payment.recorded",
            candidate_id=notice.candidate_id,
            target=f"sitting:{notice.sitting_code}",
            detail={
                "courses": list(notice.course_codes),
                "amountYuan": notice.amount_yuan,
                "transactionId": notice.transaction_id,
                "status": outcome.payment.status.value,
            },
        )
    return outcome


class BadNoticeError(ValueError):
    """The body is not a notification records understands (says which part, nothing more)."""


def sign(key: str, body: bytes) -> str:
    """The hex signature of `body` (what the provider sends, and what tests send)."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signature_is_valid(key: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` (the header as sent) is the signature of `body`; a header that is not
    ASCII (which no hex signature is) is simply not it."""
    if signature is None or not signature.isascii():
        return False
    return hmac.compare_digest(sign(key, body), signature.strip().lower())


def parse_notice(body: bytes) -> PaymentNotice:
    try:
        data: Any = json.loads(body)
        if not isinstance(data, dict):
            raise BadNoticeError("body")
        return PaymentNotice(
            transaction_id=_matching(data.get("transactionId"), _TRANSACTION, "transactionId"),
            candidate_id=_candidate(data.get("candidateId")),
            sitting_code=_matching(data.get("sitting"), text.SITTING_CODE, "sitting"),
            course_codes=tuple(_courses(data.get("courseCodes"))),
            amount_yuan=_amount(data.get("amountYuan")),
        )
    except (ValueError, TypeError) as error:
        if isinstance(error, BadNoticeError):
            raise
        raise BadNoticeError("body") from error


def _matching(value: object, pattern: re.Pattern[str], name: str) -> str:
    if not isinstance(value, str) or not (value.isascii() and pattern.fullmatch(value)):
        raise BadNoticeError(name)
    return value


def _candidate(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise BadNoticeError("candidateId") from error


def _courses(value: object) -> list[str]:
    if not isinstance(value, list) or not value:
        raise BadNoticeError("courseCodes")
    return [_matching(code, text.COURSE_CODE, "courseCodes") for code in value]


def _amount(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadNoticeError("amountYuan")
    return value
