"""Refunds in the graph (staff): `refundsDue(sitting, first, after)` and
`markRefunded(source, id, reference)` (see `service.refunds`)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from zikao_kit.context import Context
from zikao_records.repository.refunds import DueRefund
from zikao_records.schema.candidate import Candidate
from zikao_records.schema.common import (
    Problems,
    answer,
    parse_id,
    parse_sitting,
    staff_principal,
)
from zikao_records.service import refunds
from zikao_records.service.refunds import MAX_REFERENCE

DEFAULT_PAGE = 50


@strawberry.enum(description="What a refund pays back.")
class RefundSource(Enum):
    PAYMENT = strawberry.enum_value("PAYMENT", description="a payment that paid nothing")
    SIGNUP = strawberry.enum_value("SIGNUP", description="a paid sign-up closed as refunded")


@strawberry.type(description="Money to pay back to a candidate.")
class RefundDue:
    source: RefundSource
    id: strawberry.ID = strawberry.field(description="the payment's or the sign-up's id")
    candidate: Candidate
    sitting: str
    course_code: str | None
    amount_yuan: int
    reason: str | None = strawberry.field(
        description="already_paid, not_payable, amount_mismatch (payments); cancelled (sign-ups)"
    )
    due_since: datetime

    @classmethod
    def of(cls, due: DueRefund) -> RefundDue:
        return cls(
            source=RefundSource(due.kind), id=strawberry.ID(str(due.id)),
            candidate=Candidate(id=strawberry.ID(str(due.candidate_id))),
            sitting=due.sitting_code, course_code=due.course_code, amount_yuan=due.amount_yuan,
            reason=due.reason, due_since=due.due_since,
        )  # fmt: skip


@strawberry.type(description="A page of refunds due, oldest first.")
class RefundPage:
    items: list[RefundDue]
    next_cursor: str | None


@strawberry.type(description="The refund is recorded as paid out.")
class RefundMarked:
    id: strawberry.ID
    amount_yuan: int
    reference: str
    refunded_at: datetime


RefundsDueResult = Annotated[RefundPage | Problems, strawberry.union("RefundsDueResult")]
MarkRefundedResult = Annotated[RefundMarked | Problems, strawberry.union("MarkRefundedResult")]


@strawberry.type
class RefundsQuery:
    @strawberry.field(description="Staff: refunds due (district staff: their region's).")
    async def refunds_due(
        self, info: Info[Context, None], sitting: str | None = None, first: int = DEFAULT_PAGE,
        after: str | None = None,
    ) -> RefundsDueResult:  # fmt: skip
        async def run() -> RefundPage:
            principal = staff_principal(info)
            code = parse_sitting(sitting) if sitting is not None else None
            async with info.context.db() as session:
                page = await refunds.refunds_due(
                    session, principal, sitting=code, first=first, after=after
                )
            return RefundPage(items=[RefundDue.of(d) for d in page.items],
                              next_cursor=page.next_cursor)  # fmt: skip

        return await answer(run)


@strawberry.type
class RefundsMutation:
    @strawberry.mutation(
        description=f"Staff: a refund paid out, with the bank's reference (≤ {MAX_REFERENCE})."
    )
    async def mark_refunded(
        self, info: Info[Context, None], source: RefundSource, id: strawberry.ID, reference: str
    ) -> MarkRefundedResult:
        async def run() -> RefundMarked:
            principal, source_id = staff_principal(info), parse_id(id)
            async with info.context.db.begin() as session:
                refund = await refunds.mark_refunded(
                    session, principal, kind=source.name, source_id=source_id,
                    reference=reference,
                )  # fmt: skip
            return RefundMarked(
                id=strawberry.ID(str(refund.id)), amount_yuan=refund.amount_yuan,
                reference=refund.reference, refunded_at=refund.refunded_at,
            )  # fmt: skip

        return await answer(run)
