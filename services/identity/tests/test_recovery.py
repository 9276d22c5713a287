"""Ticket recovery, password reset by question and by e-mail (through a real SMTP server)."""

import asyncio
import email
import re
import socket
from collections.abc import Iterator
from datetime import timedelta, timezone
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import text

from zikao_identity import models
from zikao_identity.deps import IdentityDeps
from zikao_identity.testing import (
    LOG_IN,
    NEW_CAPTCHA,
    RECOVER,
    RESET_WITH_ANSWER,
    RESET_WITH_TOKEN,
    SEND_RESET_EMAIL,
    START_RESET,
    Gql,
    MakeCandidate,
    an_id_number,
    captcha_for,
)
from zikao_identity.worker import WorkerDeps, send_password_reset_email
from zikao_kit.db import Sessionmaker

NEW = "a brand new secret"


async def _recover(gql: Gql, name: str, number: str) -> Any:
    captcha = captcha_for(await gql(NEW_CAPTCHA))
    data = await gql(RECOVER, {"name": name, "id": number, "captcha": captcha})
    return data["recoverTicketNumber"]


async def _start(gql: Gql, ticket: str, number: str) -> Any:
    captcha = captcha_for(await gql(NEW_CAPTCHA))
    data = await gql(START_RESET, {"ticket": ticket, "id": number, "captcha": captcha})
    return data["startPasswordReset"]


async def _logs_in(gql: Gql, ticket: str, password: str) -> bool:
    captcha = captcha_for(await gql(NEW_CAPTCHA))
    data = await gql(LOG_IN, {"login": ticket, "password": password, "captcha": captcha})
    return bool(data["logIn"]["__typename"] == "LoggedIn")


async def test_recovery_shows_the_number_and_fails_alike(
    gql: Gql, make_candidate: MakeCandidate
) -> None:
    number = an_id_number(401)
    candidate = await make_candidate(number, name="欧阳娜娜")
    found = await _recover(gql, " 欧阳 娜娜 ", number.lower())
    assert found == {"__typename": "TicketNumberRecovered", "ticketNumber": candidate.ticket_number}
    wrong_name = await _recover(gql, "欧阳娜", number)
    unknown = await _recover(gql, "欧阳娜娜", an_id_number(403))
    assert wrong_name == unknown
    assert wrong_name["code"] == "no_match"


async def test_recovery_is_limited_per_id_number(
    gql: Gql, make_candidate: MakeCandidate, deps: IdentityDeps
) -> None:
    number = an_id_number(405)
    await make_candidate(number)
    for _ in range(deps.settings.recovery_per_id):
        assert (await _recover(gql, "别人", number))["__typename"] == "NotFound"
    limited = await _recover(gql, "王五", number)
    assert limited["__typename"] == "RateLimited"
    assert limited["retryAfterSeconds"] > 0
    assert (await _recover(gql, "王五", an_id_number(407)))["__typename"] == "NotFound"


async def test_reset_by_security_question_three_tries(
    gql: Gql, make_candidate: MakeCandidate
) -> None:
    number = an_id_number(409)
    candidate = await make_candidate(number)
    assert (await _start(gql, candidate.ticket_number, an_id_number(411)))["code"] == "no_match"
    started = await _start(gql, candidate.ticket_number, number)
    assert started["securityQuestion"] == "我的出生地"
    assert started["maskedEmail"] is None
    reset = started["resetId"]

    async def attempt(answer: str, new: str = NEW) -> Any:
        variables = {"reset": reset, "answer": answer, "new": new}
        return (await gql(RESET_WITH_ANSWER, variables))["resetPasswordWithAnswer"]

    assert (await attempt("沙坪坝", "12345678"))["field"] == "newPassword"  # costs no try
    assert (await attempt("渝中"))["field"] == "answer"
    assert (await attempt("江北"))["field"] == "answer"
    assert (await attempt(" 沙坪坝 "))["__typename"] == "PasswordChanged"
    assert (await attempt("沙坪坝"))["code"] == "reset_expired"  # one use
    assert await _logs_in(gql, candidate.ticket_number, NEW)

    again = (await _start(gql, candidate.ticket_number, number))["resetId"]
    reset = again
    for wrong in ("一", "二", "三"):
        assert (await attempt(wrong))["field"] == "answer"
    assert (await attempt("沙坪坝"))["code"] == "reset_expired"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content or b""))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


RESET_PAGE = "https://candidates.zikao.example/account/reset-password"


def _link_token(message: email.message.Message) -> str:
    """The token of the mail's link, which must be the site's reset page (`RESET_PAGE`)."""
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"(\S+)#token=([A-Za-z0-9_-]+)", body.decode())
    assert found is not None
    assert found.group(1) == RESET_PAGE
    return found.group(2)


async def test_reset_by_email_link_to_the_sites_reset_page(
    gql: Gql,
    make_candidate: MakeCandidate,
    deps: IdentityDeps,
    db: Sessionmaker,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    number = an_id_number(413)
    candidate = await make_candidate(number, email="wangwu@example.com")
    started = await _start(gql, candidate.ticket_number, number)
    assert started["maskedEmail"] == "w***@example.com"
    sent = (await gql(SEND_RESET_EMAIL, {"reset": started["resetId"]}))["sendPasswordResetEmail"]
    assert sent == {"__typename": "PasswordResetEmailSent", "maskedEmail": "w***@example.com"}
    mail_id = await _last_mail_id(db)
    settings = deps.settings.model_copy(update={"smtp_port": port, "reset_link_url": RESET_PAGE})
    ctx: dict[str, Any] = {"deps": WorkerDeps(settings=settings, db=db), "job_try": 1}
    assert await send_password_reset_email(ctx, str(mail_id)) == "sent"
    assert await send_password_reset_email(ctx, str(mail_id)) == "skipped"  # a job may run twice
    await asyncio.sleep(0)
    (message,) = inbox.messages
    assert message["To"] == "wangwu@example.com"
    token = _link_token(message)
    assert _deadline(message) == await _link_expiry_in_beijing(db, mail_id)

    async def reset(token: str, new: str = NEW) -> Any:
        return (await gql(RESET_WITH_TOKEN, {"token": token, "new": new}))["resetPasswordWithToken"]

    assert (await reset("forged"))["field"] == "token"
    assert (await reset(token, "password"))["field"] == "newPassword"
    assert (await reset(token))["__typename"] == "PasswordChanged"
    assert (await reset(token, "yet another secret"))["field"] == "token"  # one use
    assert await _logs_in(gql, candidate.ticket_number, NEW)


async def test_no_email_on_record(gql: Gql, make_candidate: MakeCandidate) -> None:
    number = an_id_number(415)
    candidate = await make_candidate(number)
    started = await _start(gql, candidate.ticket_number, number)
    refused = (await gql(SEND_RESET_EMAIL, {"reset": started["resetId"]}))["sendPasswordResetEmail"]
    assert refused["code"] == "no_email"
    assert (await gql(SEND_RESET_EMAIL, {"reset": "made-up"}))["sendPasswordResetEmail"][
        "code"
    ] == "reset_expired"


async def _last_mail_id(db: Sessionmaker) -> Any:
    async with db() as session:
        return (
            await session.execute(
                text("SELECT id FROM identity.password_reset_mail ORDER BY created_at DESC LIMIT 1")
            )
        ).scalar_one()


def _deadline(message: email.message.Message) -> str:
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"北京时间 (\d{4}-\d\d-\d\d \d\d:\d\d)前", body.decode())
    assert found is not None, "the mail says until when its link works, in Beijing time"
    return found.group(1)


async def _link_expiry_in_beijing(db: Sessionmaker, mail_id: Any) -> str:
    async with db() as session:
        mail = await session.get(models.PasswordResetMail, mail_id)
    assert mail is not None
    assert mail.expires_at is not None
    beijing = mail.expires_at.astimezone(timezone(timedelta(hours=8)))
    return f"{beijing:%Y-%m-%d %H:%M}"
