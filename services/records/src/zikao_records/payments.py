"""Payment of sign-ups: unpaid → paid (→ refunded on cancellation); unpaid → lapsed.

A payment names the candidate, the sitting and the courses it pays for, and its amount. It
pays them only when every one is unpaid (and not lapsed) and the amount is their fees' sum;
otherwise it pays nothing and is kept as REFUND_DUE with the reason (a duplicate payment of
paid sign-ups, a late one after they lapsed, a wrong amount). A provider's transaction id is
recorded once: the same notification again changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
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
from zikao_records.signup import get_sitting


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
