"""Staff's candidate search: by name (its beginning), ticket number or ID number (through the
blind index, so the number is never compared in clear), one page at a time, district staff in
their own region only."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity import idnumber, text
from zikao_identity.crypto import Vault
from zikao_identity.repository import CandidateMatch, CandidateRepository
from zikao_identity.service.candidates import ID_PURPOSE, CandidateView, view_of
from zikao_kit.access import staff_region
from zikao_kit.auth import Principal
from zikao_kit.errors import InvalidInputError

MAX_PAGE = 100


@dataclass(frozen=True)
class SearchPage:
    views: list[CandidateView]
    next_cursor: str | None  # `after` of the next page; None on the last


def match_of(vault: Vault, query: str) -> CandidateMatch:
    """A ticket number (12 digits), an ID number (18 characters) or a name's beginning, read as
    registration and log-in read them (full-width digits, a lower-case x)."""
    value = idnumber.normalize(query[:200])
    if idnumber.has_ticket_shape(value):
        return CandidateMatch(ticket_number=value)
    if idnumber.has_id_shape(value):
        return CandidateMatch(id_index=vault.blind_index(value, ID_PURPOSE))
    if any(char.isdigit() for char in value):
        raise InvalidInputError("query", "请输入姓名、12位准考证号或18位身份证号")
    return CandidateMatch(name_prefix=text.person_name(query, field="query"))


def encode_cursor(ticket_number: str) -> str:
    return base64.urlsafe_b64encode(f"t{ticket_number}".encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The ticket number a page ended at; `InvalidInputError` for anything this module did not
    write."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor[:40].encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raw = ""
    ticket = raw[1:]
    if not (raw.startswith("t") and idnumber.has_ticket_shape(ticket)) or (
        encode_cursor(ticket) != cursor
    ):
        raise InvalidInputError("after", "分页游标无效", code="bad_cursor")
    return ticket


def page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInputError("first", f"每页1–{MAX_PAGE}条", code="out_of_range")
    return first


async def search_candidates(
    session: AsyncSession,
    vault: Vault,
    principal: Principal,
    query: str,
    *,
    first: int = 20,
    after: str | None = None,
) -> SearchPage:
    """One page of the candidates matching `query` that `principal` may read (district staff:
    their region, filtered in SQL; provincial staff and admins: all), by ticket number.
    Cancelled (merged) records are found too, marked as such."""
    region = staff_region(principal)
    limit, start, match = page_size(first), decode_cursor(after), match_of(vault, query)
    repository = CandidateRepository(session)
    found = list(await repository.search(match, region_code=region, after=start, limit=limit + 1))
    more, found = len(found) > limit, found[:limit]
    with_photo = await repository.with_photo([c.id for c in found]) if found else set()
    views = [view_of(vault, c, c.id in with_photo) for c in found]
    return SearchPage(views, encode_cursor(found[-1].ticket_number) if more else None)
