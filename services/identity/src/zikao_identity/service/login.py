"""Log-in of candidates (ticket number or ID number) and staff (username), with backoff after
repeated wrong passwords per account and per client, each attempt counted before it is
verified."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity import idnumber
from zikao_identity.deps import IdentityDeps
from zikao_identity.models import Candidate
from zikao_identity.passwords import verify_password
from zikao_identity.repository import CandidateRepository, StaffRepository
from zikao_identity.service.candidates import ID_PURPOSE
from zikao_identity.service.sessions import Grant, IssuedSession, open_session
from zikao_identity.service.staff import username_of
from zikao_kit.auth import Role
from zikao_kit.errors import InvalidInputError, UnauthenticatedError


class InvalidCredentialsError(UnauthenticatedError):
    code = "invalid_credentials"
    default_message = "账号或密码错误"


async def find_candidate(session: AsyncSession, deps: IdentityDeps, login: str) -> Candidate | None:
    """The candidate whose ticket number or ID number is `login` (None when nobody's)."""
    value = idnumber.normalize(login)
    candidates = CandidateRepository(session)
    if idnumber.has_ticket_shape(value):
        return await candidates.by_ticket_number(value)
    if idnumber.has_id_shape(value):
        return await candidates.by_id_index(deps.vault.blind_index(value, ID_PURPOSE))
    raise InvalidInputError("login", "请输入12位准考证号或18位身份证号", code="login_malformed")


def account_key(deps: IdentityDeps, kind: str, login: str, found: uuid.UUID | None) -> str:
    """The backoff key of an account: its id, or a keyed hash of an unknown login (so unknown
    and known logins back off alike, and Redis never holds a login in clear)."""
    if found is not None:
        return f"{kind}:{found}"
    return f"{kind}:?" + deps.vault.blind_index(login, "login").hex()[:32]


async def log_in_candidate(
    session: AsyncSession, deps: IdentityDeps, *, login: str, password: str, client: str
) -> IssuedSession:
    candidate = await find_candidate(session, deps, login)
    if candidate is not None and candidate.cancelled_at is not None:
        candidate = None  # merged into another record (成绩合并): that one logs in
    key = account_key(
        deps, "candidate", idnumber.normalize(login), candidate.id if candidate else None
    )
    hashed = candidate.password_hash if candidate else None
    await check_password(deps, key, client, hashed, password)
    if candidate is None:  # unreachable: an unknown login never passes the check
        raise InvalidCredentialsError()
    grant = Grant(str(candidate.id), Role.CANDIDATE, candidate.region_code)
    return await _open(session, deps, grant)


async def log_in_staff(
    session: AsyncSession, deps: IdentityDeps, *, username: str, password: str, client: str
) -> IssuedSession:
    name = username_of(username)
    staff = await StaffRepository(session).by_username(name)
    if staff is not None and not staff.active:
        staff = None
    key = account_key(deps, "staff", name, staff.id if staff else None)
    await check_password(deps, key, client, staff.password_hash if staff else None, password)
    if staff is None:  # unreachable: an unknown login never passes the check
        raise InvalidCredentialsError()
    return await _open(session, deps, Grant(str(staff.id), Role(staff.role), staff.region_code))


async def check_password(
    deps: IdentityDeps, key: str, client: str, hashed: str | None, password: str
) -> None:
    """Counts the attempt on the account `key` and the client before the (slow) hash is
    verified, so that parallel attempts cannot get more verified than the backoff allows; a
    right password clears the account and does not count against the client."""
    client_key = f"client:{client}"
    reservation = await deps.limits.reserve(
        (key, deps.account_backoff), (client_key, deps.client_backoff)
    )
    if not await verify_password(hashed, password):
        raise InvalidCredentialsError()
    await deps.limits.clear(key)
    await deps.limits.release(reservation, client_key)


async def _open(session: AsyncSession, deps: IdentityDeps, grant: Grant) -> IssuedSession:
    return await open_session(
        session,
        deps.signer,
        grant,
        access_minutes=deps.settings.access_token_minutes,
        refresh_days=deps.settings.refresh_token_days,
    )
