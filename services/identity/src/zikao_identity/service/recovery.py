"""Ticket recovery (找回准考证号), forgotten passwords and password changes.

Recovery and reset-start are enumeration targets: every failure has the same shape and
costs about the same (one indexed lookup), and both are limited per ID and per client."""

from __future__ import annotations

import hmac
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity import idnumber
from zikao_identity.deps import IdentityDeps
from zikao_identity.models import Candidate, PasswordResetMail
from zikao_identity.password_policy import check_password
from zikao_identity.passwords import hash_password, verify_answer, verify_password
from zikao_identity.repository import CandidateRepository, ResetMailRepository
from zikao_identity.service.candidates import ID_PURPOSE, personal_data
from zikao_identity.service.sessions import end_sessions, token_hash
from zikao_kit.db import utc_now
from zikao_kit.errors import InvalidInputError, NotFoundError

HOUR = 3600


class NoMatchError(NotFoundError):
    code = "no_match"
    default_message = "信息不匹配或尚未注册，请核对后重试"


class ResetExpiredError(NotFoundError):
    code = "reset_expired"
    default_message = "找回密码已超时，请重新开始"


class NoEmailError(NotFoundError):
    code = "no_email"
    default_message = "未登记电子邮箱，请通过密保问题找回密码"


@dataclass(frozen=True)
class ResetStarted:
    reset_id: str
    security_question: str
    masked_email: str | None


def mask_email(email: str | None) -> str | None:
    """`z***@example.com`."""
    if not email:
        return None
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def _same_name(recorded: str, given: str) -> bool:
    def clean(name: str) -> bytes:
        return "".join(unicodedata.normalize("NFKC", name).split()).encode()

    return hmac.compare_digest(clean(recorded), clean(given))


async def _limit(deps: IdentityDeps, action: str, index: bytes, client: str) -> None:
    s = deps.settings
    await deps.limits.hit(
        f"{action}-id", index.hex()[:32], limit=s.recovery_per_id, window_seconds=HOUR
    )
    await deps.limits.hit(
        f"{action}-client", client, limit=s.recovery_per_client, window_seconds=HOUR
    )


async def recover_ticket_number(
    session: AsyncSession,
    deps: IdentityDeps,
    *,
    name: str,
    id_number: str,
    client: str,
    today: date,
) -> str:
    number = idnumber.validate(id_number, today=today)
    index = deps.vault.blind_index(number, ID_PURPOSE)
    await _limit(deps, "recover", index, client)
    candidate = await CandidateRepository(session).by_id_index(index)
    if candidate is None or not _same_name(candidate.name, name):
        raise NoMatchError()
    return candidate.ticket_number


async def start_password_reset(
    session: AsyncSession,
    deps: IdentityDeps,
    *,
    ticket_number: str,
    id_number: str,
    client: str,
    today: date,
) -> ResetStarted:
    ticket = idnumber.ticket_number(ticket_number)
    index = deps.vault.blind_index(idnumber.validate(id_number, today=today), ID_PURPOSE)
    await _limit(deps, "reset", index, client)
    candidate = await CandidateRepository(session).by_ticket_number(ticket)
    if candidate is None or not hmac.compare_digest(candidate.id_number_index, index):
        raise NoMatchError()
    reset_id = await deps.resets.start(candidate.id)
    return ResetStarted(reset_id, candidate.security_question, mask_email(candidate.email))


async def _reset_candidate(session: AsyncSession, deps: IdentityDeps, reset_id: str) -> Candidate:
    candidate_id = await deps.resets.candidate(reset_id)
    candidate = (
        await CandidateRepository(session).get_for_update(candidate_id) if candidate_id else None
    )
    if candidate is None:
        raise ResetExpiredError()
    return candidate


async def reset_with_answer(
    session: AsyncSession, deps: IdentityDeps, *, reset_id: str, answer: str, new_password: str
) -> datetime:
    candidate = await _reset_candidate(session, deps, reset_id)
    _check_new_password(deps, candidate, new_password)
    left = await deps.resets.spend_try(reset_id)
    if left < 0:
        raise ResetExpiredError("密保答案错误次数过多，请重新开始")
    if not await verify_answer(candidate.security_answer_hash, answer):
        if left == 0:
            await deps.resets.end(reset_id)
            raise InvalidInputError("answer", "密保答案不正确，请重新开始", code="wrong_answer")
        raise InvalidInputError("answer", f"密保答案不正确，还可尝试{left}次", code="wrong_answer")
    await deps.resets.end(reset_id)
    return await set_password(session, candidate, new_password)


async def request_reset_mail(
    session: AsyncSession, deps: IdentityDeps, *, reset_id: str
) -> tuple[uuid.UUID, str]:
    """Records a reset mail to send (the worker sends it); its id and the masked address."""
    candidate = await _reset_candidate(session, deps, reset_id)
    masked = mask_email(candidate.email)
    if masked is None:
        raise NoEmailError()
    await deps.limits.hit("reset-mail", str(candidate.id), limit=3, window_seconds=HOUR)
    mail = PasswordResetMail(candidate_id=candidate.id)
    ResetMailRepository(session).add(mail)
    await session.flush()
    return mail.id, masked


async def reset_with_token(
    session: AsyncSession, deps: IdentityDeps, *, token: str, new_password: str
) -> datetime:
    mails = ResetMailRepository(session)
    mail = await mails.by_token_for_update(token_hash(token.strip()))
    now = utc_now()
    if mail is None or mail.used_at is not None or not mail.expires_at or mail.expires_at <= now:
        raise InvalidInputError(
            "token", "重置链接无效或已过期，请重新申请", code="reset_link_invalid"
        )
    candidate = await CandidateRepository(session).get_for_update(mail.candidate_id)
    if candidate is None:
        raise InvalidInputError(
            "token", "重置链接无效或已过期，请重新申请", code="reset_link_invalid"
        )
    _check_new_password(deps, candidate, new_password)
    return await set_password(session, candidate, new_password)


async def change_password(
    session: AsyncSession,
    deps: IdentityDeps,
    *,
    candidate_id: uuid.UUID,
    old_password: str,
    new_password: str,
    confirm_password: str,
) -> datetime:
    candidate = await CandidateRepository(session).get_for_update(candidate_id)
    if candidate is None:
        raise NotFoundError("考生信息不存在")
    if new_password != confirm_password:
        raise InvalidInputError(
            "confirmPassword", "两次输入的新密码不一致", code="password_mismatch"
        )
    key = f"candidate:{candidate.id}"
    await deps.limits.reserve((key, deps.account_backoff))
    if not await verify_password(candidate.password_hash, old_password):
        raise InvalidInputError("oldPassword", "原密码不正确", code="wrong_password")
    await deps.limits.clear(key)
    _check_new_password(deps, candidate, new_password)
    return await set_password(session, candidate, new_password)


def _check_new_password(deps: IdentityDeps, candidate: Candidate, password: str) -> None:
    number, phone = personal_data(deps.vault, candidate)
    personal = (number, phone, candidate.ticket_number)
    check_password(password, field="newPassword", blocklist=deps.blocklist, personal=personal)


async def set_password(session: AsyncSession, candidate: Candidate, password: str) -> datetime:
    """Sets a new password and ends every session and outstanding reset link."""
    now = utc_now()
    candidate.password_hash = await hash_password(password)
    candidate.password_changed_at = now
    await end_sessions(session, str(candidate.id))
    await ResetMailRepository(session).use_all(candidate.id, now)
    await session.flush()
    return now
