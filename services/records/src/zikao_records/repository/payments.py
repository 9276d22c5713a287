"""SQL of payments (audit entries are written with `zikao_kit.audit.record`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from zikao_records.models import ExamRegistration, Payment, RegistrationStatus


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_transaction(self, transaction_id: str) -> Payment | None:
        statement = select(Payment).where(col(Payment.transaction_id) == transaction_id)
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def add(self, payment: Payment) -> None:
        self.session.add(payment)
        await self.session.flush()

    async def mark_paid(
        self, registration_ids: Sequence[uuid.UUID], payment_id: uuid.UUID, now: datetime
    ) -> None:
        await self.session.execute(
            update(ExamRegistration)
            .where(col(ExamRegistration.id).in_(list(registration_ids)))
            .values(status=RegistrationStatus.PAID, paid_at=now, payment_id=payment_id)
        )
