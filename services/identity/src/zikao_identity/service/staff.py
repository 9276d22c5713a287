"""Staff work on candidate records: accounts, ID reveal, photos, ticket re-issue; all audited."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity import idnumber, text
from zikao_identity.deps import IdentityDeps
from zikao_identity.models import AuditEntry, Candidate, StaffAccount
from zikao_identity.password_policy import check_password
from zikao_identity.passwords import hash_password
from zikao_identity.repository import CandidateRepository, RegionRepository, StaffRepository
from zikao_identity.service.candidates import can_read_candidate, personal_data
from zikao_kit.access import may_read_region, ticket_region
from zikao_kit.audit import record
from zikao_kit.auth import Principal, Role
from zikao_kit.db import utc_now
from zikao_kit.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError

USERNAME = re.compile(r"[a-z][a-z0-9_.-]{2,49}")
USERNAME_RAW_MAX = 200
STAFF_ROLES = (Role.STAFF, Role.ADMIN, Role.AUDITOR)
STAFF_WORK = (Role.STAFF, Role.ADMIN)


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


def username_of(raw: str) -> str:
    """A username as typed (NFKC, trimmed, lower case): what accounts are created and looked
    up by."""
    return unicodedata.normalize("NFKC", raw).strip().lower()


async def create_staff(
    session: AsyncSession, blocklist: frozenset[str], actor: Principal, data: NewStaff
) -> StaffAccount:
    username = username_of(data.username)
    if len(data.username) > USERNAME_RAW_MAX or not USERNAME.fullmatch(username):
        raise InvalidInputError("username", "用户名为3–50位小写字母、数字或 _ . -，以字母开头")
    name = text.clean(data.name, field="name", max_length=50, message="请填写姓名（50字以内）")
    if data.role not in STAFF_ROLES:
        raise InvalidInputError("role", "角色只能是工作人员、管理员或审计员")
    region = await _staff_region(session, data) if data.role is Role.STAFF else None
    check_password(data.password, blocklist=blocklist, personal=(username,))
    staff_repository = StaffRepository(session)
    if await staff_repository.by_username(username) is not None:
        raise UsernameTakenError()
    staff = StaffAccount(
        username=username,
        name=name,
        role=data.role.value,
        region_code=region,
        password_hash=await hash_password(data.password),
    )
    staff_repository.add(staff)
    await session.flush()
    detail = {"username": username, "role": data.role.value, "region": region}
    record(session, AuditEntry, actor, "create_staff", target=f"staff:{staff.id}", detail=detail)
    return staff


async def _staff_region(session: AsyncSession, data: NewStaff) -> str:
    """The region of a district staff member: one of the region table."""
    code = text.region_code(data.region_code or "", field="regionCode")
    if await RegionRepository(session).get(code) is None:
        raise InvalidInputError("regionCode", "区县工作人员须指定所属区县")
    return code


async def candidate_for(
    session: AsyncSession, actor: Principal, candidate_id: uuid.UUID, *, lock: bool = False
) -> Candidate:
    """The candidate, if `actor` may work on them (staff: their own region only)."""
    candidates = CandidateRepository(session)
    found = await (candidates.get_for_update if lock else candidates.get)(candidate_id)
    if found is None or actor.role not in STAFF_WORK or not can_read_candidate(actor, found):
        raise NotFoundError("考生不存在或不在您的管辖范围")
    return found


def reason_of(reason: str | None, *, required: bool) -> str | None:
    """A staff action's reason: 2–200 characters when `required`, else at most 200."""
    return _reason(reason, required=required)


def _reason(reason: str | None, *, required: bool) -> str | None:
    message = "请说明原因（2–200字）" if required else "原因最多200字"
    given = text.clean(
        reason or "", field="reason", max_length=200, min_length=2 if required else 0,
        message=message,
    )  # fmt: skip
    return given or None


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
    record(session, AuditEntry, actor, "reveal_id_number", candidate_id=candidate.id, reason=why)
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
    record(
        session,
        AuditEntry,
        actor,
        "reissue_ticket",
        candidate_id=candidate.id,
        reason=why,
        detail={"reissue": count},
    )
    await session.flush()
    return candidate


async def find_by_ticket_number(
    session: AsyncSession, principal: Principal, ticket_number: str
) -> uuid.UUID | None:
    """Staff search: `InvalidInputError` for what is not a ticket number (look-alikes too);
    `ForbiddenError` for a number of a district the caller may not read, decided from the
    number itself (its first four digits), so such a caller learns nothing, not even whether it
    was ever issued."""
    number = idnumber.ticket_number(ticket_number)
    if not may_read_region(principal, ticket_region(number)):
        raise ForbiddenError()
    candidate = await CandidateRepository(session).by_ticket_number(number)
    return candidate.id if candidate else None
