"""Sessions: a short access token and a rotating refresh token (stored as its sha256)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity.models import RefreshToken
from zikao_identity.repository import (
    CandidateRepository,
    RefreshTokenRepository,
    StaffRepository,
)
from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import Role
from zikao_kit.db import utc_now
from zikao_kit.errors import UnauthenticatedError


class SessionEndedError(UnauthenticatedError):
    code = "session_ended"
    default_message = "登录已失效，请重新登录"


@dataclass(frozen=True)
class Grant:
    """Who a session is for: the token's subject, role and region (a staff member's scope, or
    the district a candidate registered in, which records uses to seat and scope)."""

    subject: str
    role: Role
    region_code: str | None = None


@dataclass(frozen=True)
class IssuedSession:
    access_token: str
    refresh_token: str
    expires_at: datetime


def token_hash(token: str) -> bytes:
    """Refresh and reset tokens are 256-bit random strings: a plain sha256 suffices."""
    return hashlib.sha256(token.encode()).digest()


async def open_session(
    session: AsyncSession,
    signer: TokenSigner,
    grant: Grant,
    *,
    access_minutes: int,
    refresh_days: int,
    family_id: uuid.UUID | None = None,
) -> IssuedSession:
    refresh = secrets.token_urlsafe(32)
    RefreshTokenRepository(session).add(
        RefreshToken(
            token_hash=token_hash(refresh),
            family_id=family_id or uuid.uuid4(),
            subject=grant.subject,
            role=grant.role.value,
            expires_at=utc_now() + timedelta(days=refresh_days),
        )
    )
    access = signer.issue(
        subject=grant.subject,
        role=grant.role,
        minutes=access_minutes,
        region_code=grant.region_code,
    )
    expires_at = datetime.fromtimestamp(access.expires_at, UTC)
    return IssuedSession(access.token, refresh, expires_at)


async def rotate(session: AsyncSession, refresh_token: str) -> RefreshToken | None:
    """Uses up a refresh token and returns it, or None when it was used before: then its
    whole family is revoked (someone replayed it). `SessionEndedError` when it is unknown,
    revoked or expired."""
    tokens = RefreshTokenRepository(session)
    row = await tokens.by_hash_for_update(token_hash(refresh_token))
    now = utc_now()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise SessionEndedError()
    if row.used_at is not None:
        await tokens.revoke_family(row.family_id, now)
        return None
    row.used_at = now
    return row


async def current_grant(session: AsyncSession, row: RefreshToken) -> Grant:
    """The grant as it stands now: a removed or deactivated account gets no new session."""
    role = Role(row.role)
    if role is Role.CANDIDATE:
        candidate = await CandidateRepository(session).get(uuid.UUID(row.subject))
        if candidate is None or candidate.cancelled_at is not None:  # merged into another
            raise SessionEndedError()
        return Grant(row.subject, role, candidate.region_code)
    staff = await StaffRepository(session).get(uuid.UUID(row.subject))
    if staff is None or not staff.active or staff.role != row.role:
        raise SessionEndedError()
    return Grant(row.subject, role, staff.region_code)


async def end_sessions(session: AsyncSession, subject: str) -> int:
    """Revokes every refresh token of `subject` (log-out, password change or reset)."""
    return await RefreshTokenRepository(session).revoke_subject(subject, utc_now())
