"""Who may read or act on a candidate's data: the one rule every service applies.

Allowed: the candidate themself; staff of the candidate's region (district staff); provincial
staff (staff without a region) and admins; internal services. Nobody else: not auditors (they
read the audit trail), not another candidate, not staff of another region. A service that does
not know the candidate's region passes `None`, which only the candidate themself and the
province-wide roles get past: an unknown region never widens access.
"""

from __future__ import annotations

import uuid

from zikao_kit.auth import Principal, Role
from zikao_kit.errors import ForbiddenError

PROVINCE_WIDE = frozenset({Role.ADMIN, Role.SERVICE})


def is_provincial(principal: Principal) -> bool:
    """Admins and staff of the provincial office (staff without a region)."""
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.STAFF and principal.region_code is None


def staff_region(principal: Principal) -> str | None:
    """The one region a staff member works in; None for province-wide staff and admins.
    `ForbiddenError` for anyone who is not staff."""
    if principal.role not in (Role.STAFF, Role.ADMIN):
        raise ForbiddenError()
    return None if is_provincial(principal) else principal.region_code


def may_read_candidate(
    principal: Principal, candidate_id: uuid.UUID | str, region_code: str | None
) -> bool:
    """Whether `principal` may read (and staff act on) the data of the candidate
    `candidate_id`, whose region is `region_code` (None when the service does not know it)."""
    if principal.role is Role.CANDIDATE:
        return principal.subject == str(candidate_id)
    return may_read_region(principal, region_code)


def may_read_region(principal: Principal, region_code: str | None) -> bool:
    """Whether `principal` may read candidates of the region `region_code` (staff searches):
    province-wide roles everywhere, district staff in their own region, nobody else."""
    if principal.role in PROVINCE_WIDE or is_provincial(principal):
        return True
    if principal.role is Role.STAFF:
        return region_code is not None and principal.region_code == region_code
    return False


def ensure_may_read_candidate(
    principal: Principal, candidate_id: uuid.UUID | str, region_code: str | None
) -> None:
    """`ForbiddenError` unless `may_read_candidate`."""
    if not may_read_candidate(principal, candidate_id, region_code):
        raise ForbiddenError()


def ticket_region(ticket_number: str) -> str:
    """The region (city + district, 4 digits) a ticket number was issued in: its first four
    digits, fixed for the candidate's whole career."""
    return ticket_number[:4]
