"""Who may act on what: admins everywhere, provincial staff (no region) everywhere, district
staff only on their region's venues and candidates.

Records knows a candidate's region from identity's signed token: the `region` claim, stored
with the major choice and on each sign-up. A candidate whose region records has never seen is
left to provincial staff and admins."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit.auth import Principal, Role
from zikao_kit.errors import ForbiddenError
from zikao_records.errors import OutOfRegionError
from zikao_records.models import CandidateMajor, Venue

STAFF_ROLES = (Role.STAFF, Role.ADMIN)


def region_scope(principal: Principal) -> str | None:
    """The one region a staff member may act in; None for the whole province."""
    if principal.role is Role.ADMIN:
        return None
    if principal.role is Role.STAFF:
        return principal.region_code
    raise ForbiddenError()


def ensure_admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise ForbiddenError("仅限省级管理员操作")


def ensure_provincial(principal: Principal) -> None:
    """Province-wide operations (seat allocation, publishing): admins and provincial staff."""
    if region_scope(principal) is not None:
        raise OutOfRegionError("仅限省级工作人员操作")


def ensure_region(principal: Principal, region_code: str | None) -> None:
    scope = region_scope(principal)
    if scope is not None and scope != region_code:
        raise OutOfRegionError()


def ensure_venue(principal: Principal, venue: Venue) -> None:
    ensure_region(principal, venue.region_code)


async def ensure_candidate(
    session: AsyncSession, principal: Principal, candidate_id: uuid.UUID
) -> None:
    """District staff act on a candidate only when records knows them to be of the region."""
    if region_scope(principal) is None:
        return
    choice = await session.get(CandidateMajor, candidate_id)
    ensure_region(principal, choice.region_code if choice else None)
