"""Candidates: regions, ticket numbers, registration, who may read a record."""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity import idnumber
from zikao_identity.crypto import Sealed, Vault
from zikao_identity.models import Candidate, Gender
from zikao_identity.password_policy import check_password, common_passwords
from zikao_identity.passwords import hash_answer, hash_password, normalize_answer
from zikao_identity.repository import (
    CandidateRepository,
    RegionRepository,
    TicketSequenceRepository,
)
from zikao_kit.auth import Principal, Role
from zikao_kit.errors import ConflictError, InvalidInputError

ID_PURPOSE = "id_number"
PHONE_PURPOSE = "phone"
MAX_SEQUENCE = 99_999
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


class DuplicateIdNumberError(ConflictError):
    code = "id_number_registered"
    default_message = "该身份证号已注册，请通过“找回准考证号”找回"


class TicketNumbersExhaustedError(ConflictError):
    code = "ticket_numbers_exhausted"
    default_message = "本区县本期准考证号已分配完，请联系考试机构"


@dataclass(frozen=True)
class NewCandidate:
    name: str
    id_number: str
    phone: str
    email: str | None
    password: str
    region_code: str
    security_question: str
    security_answer: str


@dataclass(frozen=True)
class CandidateView:
    """What a candidate (or permitted staff) may see of a record: personal data masked."""

    id: uuid.UUID
    ticket_number: str
    name: str
    masked_id_number: str
    masked_phone: str
    email: str | None
    gender: Gender
    region_code: str
    has_photo: bool
    ticket_reissue_count: int
    ticket_reissued_at: datetime | None


async def load_regions(session: AsyncSession, path: Path) -> int:
    """Loads (or updates) the region table from a CSV of `code,name,city`."""
    with path.open(encoding="utf-8") as handle:
        rows = [
            {"code": r["code"], "name": r["name"], "city": r["city"]}
            for r in csv.DictReader(handle)
        ]
    await RegionRepository(session).upsert(rows)
    return len(rows)


def ticket_period(day: date) -> str:
    """`YYH`: two-digit year and half (1 = January–June, the April sitting; 2 = the rest)."""
    return f"{day.year % 100:02d}{1 if day.month <= 6 else 2}"


async def allocate_ticket_number(session: AsyncSession, region_code: str, today: date) -> str:
    period = ticket_period(today)
    sequence = await TicketSequenceRepository(session).next_value(region_code, period)
    if sequence > MAX_SEQUENCE:
        raise TicketNumbersExhaustedError()
    return f"{region_code}{period}{sequence:05d}"


def validate_new_candidate(
    data: NewCandidate, today: date, blocklist: frozenset[str] | None = None
) -> str:
    """Checks the fields that need no database; returns the normalised ID number."""
    if not 1 <= len(data.name.strip()) <= 50 or any(c.isdigit() for c in data.name):
        raise InvalidInputError("name", "请填写与身份证一致的姓名")
    number = idnumber.validate(data.id_number, today=today)
    if not _PHONE.match(data.phone):
        raise InvalidInputError("phone", "请填写11位中国大陆手机号")
    if data.email is not None and (len(data.email) > 254 or not _EMAIL.match(data.email)):
        raise InvalidInputError("email", "电子邮箱格式不正确")
    check_password(data.password, blocklist=blocklist, personal=(number, data.phone))
    if not 1 <= len(data.security_question.strip()) <= 100:
        raise InvalidInputError("securityQuestion", "请填写密保问题（100字以内）")
    if not 1 <= len(normalize_answer(data.security_answer)) <= 100:
        raise InvalidInputError("securityAnswer", "请填写密保答案（100字以内）")
    if not re.fullmatch(r"\d{4}", data.region_code):
        raise InvalidInputError("regionCode", "请选择报名所在区县")
    return number


async def create_candidate(
    session: AsyncSession,
    vault: Vault,
    data: NewCandidate,
    *,
    today: date,
    blocklist: frozenset[str] | None = None,
) -> Candidate:
    """Records a new candidate with a fresh ticket number; the ID number must be new.

    The slow hashes come first, so the ticket sequence row is locked only briefly."""
    blocklist = blocklist if blocklist is not None else common_passwords()
    number = validate_new_candidate(data, today, blocklist)
    password_hash = await hash_password(data.password)
    answer_hash = await hash_answer(data.security_answer)
    if await RegionRepository(session).get(data.region_code) is None:
        raise InvalidInputError("regionCode", "请选择报名所在区县")
    index = vault.blind_index(number, ID_PURPOSE)
    candidates = CandidateRepository(session)
    if await candidates.by_id_index(index) is not None:
        raise DuplicateIdNumberError()
    ticket_number = await allocate_ticket_number(session, data.region_code, today)
    # A ticket number is only known now; the policy refuses a password that contains it.
    check_password(data.password, blocklist=blocklist, personal=(ticket_number,))
    sealed_id = vault.seal(number, ID_PURPOSE)
    candidate = Candidate(
        ticket_number=ticket_number,
        name=data.name.strip(),
        data_key_id=sealed_id.key_id,
        id_number_sealed=sealed_id.blob,
        id_number_index=index,
        phone_sealed=vault.seal(data.phone, PHONE_PURPOSE).blob,
        email=data.email,
        gender=Gender.MALE if idnumber.is_male(number) else Gender.FEMALE,
        birth_date=idnumber.birth_date(number),
        region_code=data.region_code,
        password_hash=password_hash,
        security_question=data.security_question.strip(),
        security_answer_hash=answer_hash,
    )
    candidates.add(candidate)
    try:
        await session.flush()
    except IntegrityError:  # the same ID number registered at the same moment
        raise DuplicateIdNumberError() from None
    return candidate


def personal_data(vault: Vault, candidate: Candidate) -> tuple[str, str]:
    """The candidate's ID number and phone, decrypted (for rules only, never shown)."""
    key_id = candidate.data_key_id
    number = vault.open(Sealed(key_id, candidate.id_number_sealed), ID_PURPOSE)
    phone = vault.open(Sealed(key_id, candidate.phone_sealed), PHONE_PURPOSE)
    return number, phone


def can_read_candidate(principal: Principal, candidate: Candidate) -> bool:
    """The candidate themself, staff of the candidate's region, admins and internal services."""
    if principal.role is Role.CANDIDATE:
        return principal.subject == str(candidate.id)
    if principal.role is Role.STAFF:
        return principal.region_code == candidate.region_code
    return principal.role in (Role.ADMIN, Role.SERVICE)


async def candidate_views(
    session: AsyncSession, vault: Vault, principal: Principal, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, CandidateView]:
    """Masked views of the candidates `principal` may read (others are left out)."""
    repository = CandidateRepository(session)
    found = await repository.get_many(ids)
    readable = {i: c for i, c in found.items() if can_read_candidate(principal, c)}
    with_photo = await repository.with_photo(readable) if readable else set()
    return {i: view_of(vault, c, i in with_photo) for i, c in readable.items()}


def view_of(vault: Vault, candidate: Candidate, has_photo: bool) -> CandidateView:
    """What may be shown of a record: the ID number and phone masked."""
    number, phone = personal_data(vault, candidate)
    return CandidateView(
        id=candidate.id,
        ticket_number=candidate.ticket_number,
        name=candidate.name,
        masked_id_number=idnumber.mask(number),
        masked_phone=idnumber.mask_phone(phone),
        email=candidate.email,
        gender=candidate.gender,
        region_code=candidate.region_code,
        has_photo=has_photo,
        ticket_reissue_count=candidate.ticket_reissue_count,
        ticket_reissued_at=candidate.ticket_reissued_at,
    )
