"""Staff work on candidate records: accounts, ID reveal, photos, ticket re-issue; all audited."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity.deps import IdentityDeps
from zikao_identity.models import AuditEntry, Candidate, StaffAccount
from zikao_identity.password_policy import check_password
from zikao_identity.passwords import hash_password
from zikao_identity.repository import (
    AuditRepository,
    CandidateRepository,
    RegionRepository,
    StaffRepository,
)
from zikao_identity.service.candidates import can_read_candidate, personal_data
from zikao_kit.auth import Principal, Role
from zikao_kit.db import utc_now
from zikao_kit.errors import ConflictError, InvalidInputError, NotFoundError

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{2,49}$")
STAFF_ROLES = (Role.STAFF, Role.ADMIN, Role.AUDITOR)


class UsernameTakenError(ConflictError):
    code = "username_taken"
    default_message = "该用户名已被使用"


@dataclass(frozen=True)
class NewStaff:
    username: str
    name: str
    role: Role
    region_code: str | None
    password: str


def audit(
    session: AsyncSession,
    actor: Principal,
    action: str,
    *,
    candidate_id: uuid.UUID | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    """Records a sensitive action. `detail` must never hold personal data."""
    AuditRepository(session).add(
        AuditEntry(
            actor=actor.subject,
            actor_role=actor.role.value,
            action=action,
            candidate_id=candidate_id,
            reason=reason,
            detail=detail,
        )
    )


async def create_staff(
    session: AsyncSession, blocklist: frozenset[str], actor: Principal, data: NewStaff
) -> StaffAccount:
    username = data.username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInputError("username", "用户名为3–50位小写字母、数字或 _ . -，以字母开头")
    if not 1 <= len(data.name.strip()) <= 50:
        raise InvalidInputError("name", "请填写姓名")
    if data.role not in STAFF_ROLES:
        raise InvalidInputError("role", "角色只能是工作人员、管理员或审计员")
    region = data.region_code if data.role is Role.STAFF else None
    if data.role is Role.STAFF and (not region or not await RegionRepository(session).get(region)):
        raise InvalidInputError("regionCode", "区县工作人员须指定所属区县")
    check_password(data.password, blocklist=blocklist, personal=(username,))
    staff_repository = StaffRepository(session)
    if await staff_repository.by_username(username) is not None:
        raise UsernameTakenError()
    staff = StaffAccount(
        username=username,
        name=data.name.strip(),
        role=data.role.value,
        region_code=region,
        password_hash=await hash_password(data.password),
    )
    staff_repository.add(staff)
    await session.flush()
    audit(session, actor, "create_staff", detail=f"{username} {data.role.value} {region or '-'}")
    return staff


async def candidate_for(
    session: AsyncSession, actor: Principal, candidate_id: uuid.UUID, *, lock: bool = False
) -> Candidate:
    """The candidate, if `actor` may work on them (staff: their own region only)."""
    candidates = CandidateRepository(session)
    found = await (candidates.get_for_update if lock else candidates.get)(candidate_id)
    if found is None or not can_read_candidate(actor, found) or actor.role is Role.CANDIDATE:
        raise NotFoundError("考生不存在或不在您的管辖范围")
    return found


def _reason(reason: str | None, *, required: bool) -> str | None:
    text = (reason or "").strip()
    if required and not 2 <= len(text) <= 200:
        raise InvalidInputError("reason", "请说明原因（2–200字）")
    if len(text) > 200:
        raise InvalidInputError("reason", "原因最多200字")
    return text or None


async def reveal_id_number(
    session: AsyncSession,
    deps: IdentityDeps,
    actor: Principal,
    candidate_id: uuid.UUID,
    reason: str,
) -> str:
    why = _reason(reason, required=True)
    candidate = await candidate_for(session, actor, candidate_id)
    number, _ = personal_data(deps.vault, candidate)
    audit(session, actor, "reveal_id_number", candidate_id=candidate.id, reason=why)
    return number


async def reissue_ticket(
    session: AsyncSession, actor: Principal, candidate_id: uuid.UUID, reason: str | None
) -> Candidate:
    """准考证补办: the number stays; the re-issue is counted, timed and audited."""
    why = _reason(reason, required=False)
    candidate = await candidate_for(session, actor, candidate_id, lock=True)
    candidate.ticket_reissue_count += 1
    candidate.ticket_reissued_at = utc_now()
    count = candidate.ticket_reissue_count
    audit(
        session, actor, "reissue_ticket", candidate_id=candidate.id, reason=why, detail=f"#{count}"
    )
    await session.flush()
    return candidate


async def find_by_ticket_number(session: AsyncSession, ticket_number: str) -> uuid.UUID | None:
    candidate = await CandidateRepository(session).by_ticket_number(ticket_number.strip())
    return candidate.id if candidate else None


async def audit_log(
    session: AsyncSession, *, limit: int, offset: int, action: str | None
) -> list[AuditEntry]:
    if not 1 <= limit <= 200 or offset < 0:
        raise InvalidInputError("limit", "每页1–200条")
    return list(await AuditRepository(session).latest(limit=limit, offset=offset, action=action))
