# mypy: disallow-untyped-decorators=False
"""Forgotten ticket numbers and passwords."""

from __future__ import annotations

import logging
from typing import Annotated

import strawberry
from arq.connections import ArqRedis
from strawberry.types import Info

from zikao_identity.jobs import enqueue_reset_mail
from zikao_identity.schema.accounts import PasswordChanged, PasswordChangeResult
from zikao_identity.schema.common import (
    CaptchaInput,
    Problems,
    check_captcha,
    deps,
    today,
)
from zikao_identity.schema.common import (
    answer as result_of,
)
from zikao_identity.service import recovery
from zikao_kit.context import Context

logger = logging.getLogger("zikao.identity.recovery")


@strawberry.type
class TicketNumberRecovered:
    ticket_number: str


@strawberry.type
class PasswordResetStarted:
    reset_id: strawberry.ID = strawberry.field(description="valid for a few minutes")
    security_question: str
    masked_email: str | None = strawberry.field(description="null: no e-mail on record")


@strawberry.type
class PasswordResetEmailSent:
    masked_email: str


RecoverTicketNumberResult = Annotated[
    TicketNumberRecovered | Problems, strawberry.union("RecoverTicketNumberResult")
]
StartPasswordResetResult = Annotated[
    PasswordResetStarted | Problems, strawberry.union("StartPasswordResetResult")
]
SendPasswordResetEmailResult = Annotated[
    PasswordResetEmailSent | Problems, strawberry.union("SendPasswordResetEmailResult")
]


async def _recover(
    info: Info[Context, None], name: str, id_number: str, captcha: CaptchaInput
) -> TicketNumberRecovered:
    await check_captcha(info, captcha)
    async with info.context.db() as session:
        ticket_number = await recovery.recover_ticket_number(
            session,
            deps(info),
            name=name,
            id_number=id_number,
            client=info.context.client_address(),
            today=today(),
        )
    return TicketNumberRecovered(ticket_number=ticket_number)


async def _start(
    info: Info[Context, None], ticket_number: str, id_number: str, captcha: CaptchaInput
) -> PasswordResetStarted:
    await check_captcha(info, captcha)
    async with info.context.db() as session:
        started = await recovery.start_password_reset(
            session,
            deps(info),
            ticket_number=ticket_number,
            id_number=id_number,
            client=info.context.client_address(),
            today=today(),
        )
    return PasswordResetStarted(
        reset_id=strawberry.ID(started.reset_id),
        security_question=started.security_question,
        masked_email=started.masked_email,
    )


async def _with_answer(
    info: Info[Context, None], reset_id: str, answer_text: str, new_password: str
) -> PasswordChanged:
    async with info.context.db.begin() as session:
        changed_at = await recovery.reset_with_answer(
            session, deps(info), reset_id=reset_id, answer=answer_text, new_password=new_password
        )
    return PasswordChanged(changed_at=changed_at)


async def _send_mail(info: Info[Context, None], reset_id: str) -> PasswordResetEmailSent:
    async with info.context.db.begin() as session:
        mail_id, masked = await recovery.request_reset_mail(session, deps(info), reset_id=reset_id)
    queue = ArqRedis(info.context.redis.connection_pool)
    await enqueue_reset_mail(queue, mail_id, queue_name=deps(info).settings.queue_name)
    return PasswordResetEmailSent(masked_email=masked)


async def _with_token(info: Info[Context, None], token: str, new_password: str) -> PasswordChanged:
    async with info.context.db.begin() as session:
        changed_at = await recovery.reset_with_token(
            session, deps(info), token=token, new_password=new_password
        )
    return PasswordChanged(changed_at=changed_at)


@strawberry.type
class RecoveryMutation:
    @strawberry.mutation(description="找回准考证号: name + ID number + captcha.")
    async def recover_ticket_number(
        self, info: Info[Context, None], name: str, id_number: str, captcha: CaptchaInput
    ) -> RecoverTicketNumberResult:
        return await result_of(_recover(info, name, id_number, captcha))

    @strawberry.mutation(description="Forgotten password, step 1: ticket number + ID number.")
    async def start_password_reset(
        self, info: Info[Context, None], ticket_number: str, id_number: str, captcha: CaptchaInput
    ) -> StartPasswordResetResult:
        return await result_of(_start(info, ticket_number, id_number, captcha))

    @strawberry.mutation(description="Step 2, by the security question (3 tries).")
    async def reset_password_with_answer(
        self, info: Info[Context, None], reset_id: strawberry.ID, answer: str, new_password: str
    ) -> PasswordChangeResult:
        return await result_of(_with_answer(info, str(reset_id), answer, new_password))

    @strawberry.mutation(description="Step 2, by e-mail: a one-time link valid 30 minutes.")
    async def send_password_reset_email(
        self, info: Info[Context, None], reset_id: strawberry.ID
    ) -> SendPasswordResetEmailResult:
        return await result_of(_send_mail(info, str(reset_id)))

    @strawberry.mutation(description="Step 3 of the e-mail way: the token from the link.")
    async def reset_password_with_token(
        self, info: Info[Context, None], token: str, new_password: str
    ) -> PasswordChangeResult:
        return await result_of(_with_token(info, token, new_password))
