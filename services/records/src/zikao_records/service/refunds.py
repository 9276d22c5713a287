"""Refunds due, and marking one paid out (staff of the candidate's region, provincial staff,
admins), audited `refund.paid`. Due: a payment that paid nothing (REFUND_DUE: a duplicate, a
late or a wrong amount — the whole amount) and a paid sign-up closed as REFUNDED (cancelled in
the window, or the second sign-up of a course after a merge — its fee). A refund is marked
once; its row is the proof (who, when, the bank's reference)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import access, audit
from zikao_kit.auth import Principal
from zikao_kit.errors import ConflictError, InvalidInputError, NotFoundError
from zikao_records import cursors, text
from zikao_records.models import (
    AuditEntry,
    PaymentStatus,
    Refund,
    RegistrationStatus,
)
from zikao_records.repository.refunds import PAYMENT, SIGNUP, DueRefund, RefundRepository
from zikao_records.service import scope
from zikao_records.service.lists import Page, page_size

MAX_REFERENCE = 50


class RefundNotFoundError(NotFoundError):
    code = "refund_not_found"
    default_message = "没有这笔付款或报考记录"


class NotRefundDueError(ConflictError):
    code = "not_refund_due"
    default_message = "这笔款项不需退还"


class AlreadyRefundedError(ConflictError):
    code = "already_refunded"
    default_message = "这笔款项已退还"


async def refunds_due(
    session: AsyncSession, principal: Principal, *, sitting: str | None, first: int,
    after: str | None,
) -> Page[DueRefund]:  # fmt: skip
    region = access.staff_region(principal)
    limit, start = page_size(first), _key(after)
    rows = await RefundRepository(session).due(
        region_code=region, sitting=sitting, after=start, limit=limit + 1
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].key if more else None
    cursor = cursors.encode((last[0].isoformat(), str(last[1]))) if last else None
    return Page(rows, cursor)


def _key(after: str | None) -> tuple[datetime, uuid.UUID] | None:
    key = cursors.decode(after, (str, str))
    if key is None:
        return None
    try:
        moment = datetime.fromisoformat(str(key[0]))
        if moment.tzinfo is None:
            raise ValueError(key[0])
        return (moment, uuid.UUID(str(key[1])))
    except ValueError:
        raise InvalidInputError("after", "分页游标无效", code="bad_cursor") from None


async def mark_refunded(
    session: AsyncSession, principal: Principal, *, kind: str, source_id: uuid.UUID,
    reference: str,
) -> Refund:  # fmt: skip
    given = text.plain(reference, "reference", MAX_REFERENCE)
    repository = RefundRepository(session)
    if kind == PAYMENT:
        payment = await repository.payment(source_id)
        if payment is None:
            raise RefundNotFoundError()
        due = payment.status is PaymentStatus.REFUND_DUE
        candidate_id, amount = payment.candidate_id, payment.amount_yuan
        found = await repository.refunded(payment_id=source_id, registration_id=None)
    else:
        signup = await repository.signup(source_id)
        if signup is None:
            raise RefundNotFoundError()
        due = signup.status is RegistrationStatus.REFUNDED
        candidate_id, amount = signup.candidate_id, signup.fee_yuan
        found = await repository.refunded(payment_id=None, registration_id=source_id)
    await scope.ensure_candidate(session, principal, candidate_id)
    if not due:
        raise NotRefundDueError()
    if found is not None:
        raise AlreadyRefundedError()
    refund = Refund(
        payment_id=source_id if kind == PAYMENT else None,
        registration_id=source_id if kind == SIGNUP else None,
        candidate_id=candidate_id, amount_yuan=amount, reference=given,
        refunded_by=principal.subject[:64],
    )  # fmt: skip
    await repository.add(refund)
    audit.record(
        session, AuditEntry, principal, "refund.paid", candidate_id=candidate_id,
        target=f"{kind.lower()}:{source_id}",
        detail={"amountYuan": amount, "reference": given, "refundId": str(refund.id)},
    )  # fmt: skip
    return refund
