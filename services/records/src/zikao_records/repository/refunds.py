"""SQL of refunds: what is due (payments that paid nothing, paid sign-ups closed as REFUNDED,
neither yet refunded), one keyset page at a time, and refunds paid out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import func, literal, null, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import (
    CandidateMajor,
    ExamRegistration,
    Payment,
    PaymentStatus,
    Refund,
    RegistrationStatus,
)

PAYMENT, SIGNUP = "PAYMENT", "SIGNUP"
DueKey = tuple[datetime, uuid.UUID]


@dataclass(frozen=True)
class DueRefund:
    kind: str  # PAYMENT or SIGNUP
    id: uuid.UUID
    candidate_id: uuid.UUID
    sitting_code: str
    course_code: str | None
    amount_yuan: int
    reason: str | None
    due_since: datetime

    @property
    def key(self) -> DueKey:
        return (self.due_since, self.id)


class RefundRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due(
        self, *, region_code: str | None, sitting: str | None, after: DueKey | None, limit: int
    ) -> list[DueRefund]:
        """Refunds due, oldest first (of candidates of `region_code` when given)."""
        payments: Any = (
            select(
                literal(PAYMENT).label("kind"),
                col(Payment.id).label("id"),
                col(Payment.candidate_id).label("candidate_id"),
                col(Payment.sitting_code).label("sitting_code"),
                null().label("course_code"),
                col(Payment.amount_yuan).label("amount_yuan"),
                col(Payment.reason).label("reason"),
                col(Payment.received_at).label("at"),
                col(CandidateMajor.region_code).label("region"),
            )  # fmt: skip
            .outerjoin(
                CandidateMajor, col(CandidateMajor.candidate_id) == col(Payment.candidate_id)
            )
            .outerjoin(Refund, col(Refund.payment_id) == col(Payment.id))
            .where(col(Payment.status) == PaymentStatus.REFUND_DUE, col(Refund.id).is_(None))
        )
        signup = ExamRegistration
        closed = func.coalesce(col(signup.closed_at), col(signup.paid_at), col(signup.created_at))
        signups = (
            select(
                literal(SIGNUP),
                col(signup.id),
                col(signup.candidate_id),
                col(signup.sitting_code),
                col(signup.course_code),
                col(signup.fee_yuan),
                literal("cancelled"),
                closed,
                col(signup.region_code),
            )  # fmt: skip
            .outerjoin(Refund, col(Refund.registration_id) == col(signup.id))
            .where(col(signup.status) == RegistrationStatus.REFUNDED, col(Refund.id).is_(None))
        )
        due = union_all(payments, signups).subquery()
        statement = select(*(due.c[name] for name in _COLUMNS)).order_by(due.c.at, due.c.id)
        if region_code is not None:
            statement = statement.where(due.c.region == region_code)
        if sitting is not None:
            statement = statement.where(due.c.sitting_code == sitting)
        if after is not None:
            statement = statement.where(tuple_(due.c.at, due.c.id) > tuple_(*after))
        rows = await self.session.execute(statement.limit(limit))
        return [DueRefund(*cast(tuple[Any, ...], row)) for row in rows]

    async def payment(self, payment_id: uuid.UUID) -> Payment | None:
        return await self.session.get(Payment, payment_id, with_for_update=True)

    async def signup(self, registration_id: uuid.UUID) -> ExamRegistration | None:
        return await self.session.get(ExamRegistration, registration_id, with_for_update=True)

    async def refunded(self, *, payment_id: uuid.UUID | None, registration_id: uuid.UUID | None
                       ) -> Refund | None:  # fmt: skip
        statement = select(Refund).where(
            col(Refund.payment_id) == payment_id
            if payment_id is not None
            else col(Refund.registration_id) == registration_id
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, refund: Refund) -> None:
        self.session.add(refund)
        await self.session.flush()


_COLUMNS = ("kind", "id", "candidate_id", "sitting_code", "course_code", "amount_yuan", "reason",
            "at")  # fmt: skip
