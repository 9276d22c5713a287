"""Payments in the graph: a payment staff saw, recorded by hand (audited). The provider's
notifications come over HTTP (`routes`)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_kit.db import utc_now
from zikao_records import text
from zikao_records.schema.common import (
    Problems,
    answer,
    parse_id,
    parse_sitting,
    staff_principal,
    unpaid_lapse,
)
from zikao_records.service import scope
from zikao_records.service.payments import PaymentNotice, record_payment_by_hand

MAX_REFERENCE = 50  # a manual payment's transaction id is `manual:<reference>`, at most 64
MAX_AMOUNT_YUAN = 100_000


@strawberry.enum(description="Whether a payment paid sign-ups, or is to be refunded.")
class PaymentStatus(Enum):
    APPLIED = "APPLIED"
    REFUND_DUE = "REFUND_DUE"


@strawberry.input(description="A payment staff saw (counter, bank transfer); audited.")
class ManualPaymentInput:
    candidate_id: strawberry.ID
    sitting: str
    course_codes: list[str]
    amount_yuan: int
    reference: str = strawberry.field(description="the receipt or transfer number")


@strawberry.type
class PaymentRecorded:
    status: PaymentStatus
    reason: str | None = strawberry.field(description="why a refund is due, if it is")
    repeated: bool = strawberry.field(description="this reference was recorded before")


RecordPaymentResult = Annotated[PaymentRecorded | Problems, strawberry.union("RecordPaymentResult")]


@strawberry.type
class PaymentsMutation:
    @strawberry.mutation(description="Staff: record a payment seen by hand (audited).")
    async def record_payment(
        self, info: Info[Context, None], input: ManualPaymentInput
    ) -> RecordPaymentResult:
        async def run() -> PaymentRecorded:
            principal = staff_principal(info)
            candidate_id = parse_id(input.candidate_id)
            reference = text.plain(input.reference, "reference", MAX_REFERENCE)
            notice = PaymentNotice(
                transaction_id=f"manual:{reference}",
                candidate_id=candidate_id,
                sitting_code=parse_sitting(input.sitting),
                course_codes=tuple(text.codes(input.course_codes, "courseCodes", text.COURSE_CODE)),
                amount_yuan=text.within(input.amount_yuan, "amountYuan", 0, MAX_AMOUNT_YUAN),
            )
            lapse = unpaid_lapse(info.context)
            async with info.context.db.begin() as session:
                await scope.ensure_candidate(session, principal, candidate_id)
                outcome = await record_payment_by_hand(
                    session, notice, staff=principal, now=utc_now(), lapse=lapse
                )
            payment = outcome.payment
            return PaymentRecorded(
                status=PaymentStatus(payment.status.value),
                reason=payment.reason,
                repeated=outcome.repeated,
            )

        return await answer(run)
