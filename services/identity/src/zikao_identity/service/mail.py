"""Password-reset mails: the worker makes the one-time token as it writes the mail."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity.repository import CandidateRepository, ResetMailRepository
from zikao_identity.service.sessions import token_hash
from zikao_identity.settings import IdentitySettings
from zikao_kit.clock import in_beijing

SUBJECT = "自考服务：重置密码"


@dataclass(frozen=True)
class ResetMail:
    to: str
    link: str
    minutes: int
    name: str
    expires_at: datetime

    def message(self, sender: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.to
        message["Subject"] = SUBJECT
        message.set_content(
            f"{self.name}，您好：\n\n"
            f"请在{self.minutes}分钟内（{deadline(self.expires_at)}前）打开下面的链接设置新密码"
            "（链接只能使用一次）：\n\n"
            f"{self.link}\n\n"
            "如果不是您本人申请，请忽略本邮件，您的密码不会改变。\n"
        )
        return message


def deadline(moment: datetime) -> str:
    """A time as candidates read it: Beijing time, to the minute, said to be so."""
    return f"北京时间 {in_beijing(moment):%Y-%m-%d %H:%M}"


async def issue_reset_mail(
    session: AsyncSession, settings: IdentitySettings, mail_id: uuid.UUID, now: datetime
) -> ResetMail | None:
    """Makes the link of a recorded reset mail, or None when it was sent already, was
    overtaken by a password change, or waited too long (a job may run twice)."""
    mails = ResetMailRepository(session)
    mail = await mails.get_for_update(mail_id)
    minutes = settings.reset_link_minutes
    if mail is None or mail.sent_at is not None or mail.used_at is not None:
        return None
    if mail.created_at <= now - timedelta(minutes=minutes):
        return None
    candidate = await CandidateRepository(session).get(mail.candidate_id)
    if candidate is None or not candidate.email:
        return None
    token = secrets.token_urlsafe(32)
    mail.token_hash = token_hash(token)
    mail.sent_at = now
    mail.expires_at = expires_at = now + timedelta(minutes=minutes)
    await session.flush()
    # The token travels in the fragment: browsers never send it to a server or log it.
    link = f"{settings.reset_link_url}#token={token}"
    return ResetMail(candidate.email, link, minutes, candidate.name, expires_at)
