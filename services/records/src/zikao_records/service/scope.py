"""Who may act on what. Candidates' data follows the one rule of `zikao_kit.access` (the
candidate themself; staff of the candidate's region; provincial staff, admins, services);
venues belong to the region of their district staff (`staff_region`: None for province-wide
staff and admins).

Records knows a candidate's region from identity's signed token: the `region` claim, stored
with the major choice and on each sign-up; the latest one named counts (`candidate_regions`).
A candidate whose region records has never seen is left to themself and the province-wide
roles."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import access
from zikao_kit.auth import Principal, Role
from zikao_kit.errors import ForbiddenError
from zikao_records.errors import OutOfRegionError
from zikao_records.models import Venue
from zikao_records.repository.candidates import CandidateRepository

STAFF_ROLES = (Role.STAFF, Role.ADMIN)


def ensure_admin(principal: Principal) -> None:
    if principal.role is not Role.ADMIN:
        raise ForbiddenError("仅限省级管理员操作")


def ensure_provincial(principal: Principal) -> None:
    """Province-wide operations (seat allocation, publishing): admins and provincial staff."""
    if access.staff_region(principal) is not None:
        raise OutOfRegionError("仅限省级工作人员操作")


def ensure_region(principal: Principal, region_code: str | None) -> None:
    """Staff act on things of `region_code` (a venue's region) only in their own region."""
    scope = access.staff_region(principal)
    if scope is not None and scope != region_code:
        raise OutOfRegionError()


def covered_region(principal: Principal, asked: str | None) -> str | None:
    """The region a staff member's list or run covers: district staff their own (asking for
    another is `OutOfRegionError`); province-wide staff the one asked for, None for all."""
    own = access.staff_region(principal)
    if own is None:
        return asked
    ensure_region(principal, asked or own)
    return own


def ensure_venue(principal: Principal, venue: Venue) -> None:
    ensure_region(principal, venue.region_code)


async def candidate_regions(
    session: AsyncSession, candidate_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The region records knows for each candidate (left out when unknown), in one query."""
    return await CandidateRepository(session).regions(candidate_ids)


async def ensure_candidate(
    session: AsyncSession, principal: Principal, candidate_id: uuid.UUID
) -> None:
    """`ForbiddenError` unless `principal` may read (and, as staff, act on) the candidate's
    data."""
    region = (await candidate_regions(session, [candidate_id])).get(candidate_id)
    access.ensure_may_read_candidate(principal, candidate_id, region)
