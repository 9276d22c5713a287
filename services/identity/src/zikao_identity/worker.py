"""Identity's worker: `arq zikao_identity.worker.WorkerSettings` (its own queue).

Sends password-reset mails over SMTP. A job carries a mail id only; the token is made while
the row is locked, sent, and its hash committed after the SMTP server took the message."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

import aiosmtplib
from arq import Retry, func
from sqlalchemy.exc import InterfaceError, OperationalError

from zikao_identity.jobs import RESET_MAIL_JOB
from zikao_identity.models import SCHEMA
from zikao_identity.service.mail import ResetMail, issue_reset_mail
from zikao_identity.settings import IdentitySettings, get_settings
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.logging import reset_request_id, set_request_id
from zikao_kit.worker import close_database, open_database, redis_settings

logger = logging.getLogger("zikao.identity.worker")
WorkerContext = dict[str, Any]
TRANSIENT_ERRORS = (OSError, aiosmtplib.SMTPException, OperationalError, InterfaceError)
RETRY_SECONDS = 10
MAX_TRIES = 5


@dataclass(frozen=True)
class WorkerDeps:
    settings: IdentitySettings
    db: Sessionmaker


async def send_mail(settings: IdentitySettings, mail: ResetMail) -> None:
    await aiosmtplib.send(
        mail.message(settings.mail_from),
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        start_tls=settings.smtp_starttls,
        timeout=30,
    )


async def send_password_reset_email(
    ctx: WorkerContext, mail_id: str, request_id: str | None = None
) -> str:
    """Sends one recorded reset mail; a second run finds it sent and does nothing."""
    token = set_request_id(request_id or ctx.get("job_id"))
    deps: WorkerDeps = ctx["deps"]
    try:
        async with deps.db.begin() as session:
            mail = await issue_reset_mail(session, deps.settings, uuid.UUID(mail_id), utc_now())
            if mail is None:
                return "skipped"
            await send_mail(deps.settings, mail)
        logger.info("reset mail sent", extra={"mail_id": mail_id})
        return "sent"
    except TRANSIENT_ERRORS as error:
        tries = int(ctx.get("job_try", 1))
        extra = {"mail_id": mail_id, "try": tries, "error": type(error).__name__}
        logger.warning("reset mail not sent; retrying", extra=extra)
        raise Retry(defer=RETRY_SECONDS * tries) from None
    finally:
        reset_request_id(token)


async def startup(ctx: WorkerContext) -> None:
    settings = get_settings()
    db = open_database(ctx, "identity-worker", settings, SCHEMA, pool_size=2)
    ctx["deps"] = WorkerDeps(settings=settings, db=db)


_settings = get_settings()


class WorkerSettings:
    functions = [
        func(send_password_reset_email, name=RESET_MAIL_JOB, max_tries=MAX_TRIES, keep_result=0)
    ]
    on_startup = startup
    on_shutdown = close_database
    redis_settings = redis_settings(_settings.redis_url)
    queue_name = _settings.queue_name
