"""Candidates: regions, ticket numbers, registration, who may read a record."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zikao_identity import idnumber, text
from zikao_identity.crypto import Sealed, Vault
from zikao_identity.deps import IdentityDeps
from zikao_identity.models import Candidate, Gender
from zikao_identity.password_policy import check_password, common_passwords
from zikao_identity.passwords import hash_answer, hash_password, normalize_answer
from zikao_identity.repository import (
    CandidateRepository,
    RegionRepository,
    TicketSequenceRepository,
)
from zikao_kit.access import may_read_candidate
from zikao_kit.auth import Principal
from zikao_kit.errors import ConflictError, InvalidInputError

ID_PURPOSE = "id_number"
PHONE_PURPOSE = "phone"
MAX_SEQUENCE = 99_999
HOUR = 3600
ID_INDEX_CONSTRAINT = "uq_candidate_id_number_index"


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
    merged_into: uuid.UUID | None = None  # 成绩合并: cancelled, merged into this candidate
    cancelled_at: datetime | None = None


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
) -> NewCandidate:
    """Checks the fields that need no database; returns them as they are kept (the ID number
    normalised, text NFKC with white space collapsed)."""
    name = text.person_name(data.name)
    number = idnumber.validate(data.id_number, today=today)
    phone = text.phone(data.phone)
    email = text.email(data.email)
    check_password(data.password, blocklist=blocklist, personal=(number, phone))
    question = text.clean(
        data.security_question,
        field="securityQuestion",
        max_length=100,
        message="请填写密保问题（100字以内）",
    )
    answer = normalize_answer(data.security_answer[: 100 * text.RAW_FACTOR])
    if len(data.security_answer) > 100 * text.RAW_FACTOR or not 1 <= len(answer) <= 100:
        raise InvalidInputError("securityAnswer", "请填写密保答案（100字以内）")
    if text.has_hidden(answer):
        raise InvalidInputError("securityAnswer", "密保答案含有无法显示的字符")
    region = text.region_code(data.region_code)
    return replace(
        data,
        name=name,
        id_number=number,
        phone=phone,
        email=email,
        region_code=region,
        security_question=question,
    )


async def count_registration(deps: IdentityDeps, id_number: str, client: str) -> None:
    """Registration tells whether an ID number is registered: limited per number (its blind
    index, whichever client asks) and per client, like ticket recovery."""
    s = deps.settings
    index = deps.vault.blind_index(id_number, ID_PURPOSE).hex()[:32]
    await deps.limits.hit("register-id", index, limit=s.registration_per_id, window_seconds=HOUR)
    await deps.limits.hit(
        "register-client", client, limit=s.registration_per_client, window_seconds=HOUR
    )


async def refund_registration(deps: IdentityDeps, id_number: str, client: str) -> None:
    """Takes back the attempt `count_registration` counted when it failed on our side (the
    database away): it told nothing, and the candidate's retries must not lock them out."""
    index = deps.vault.blind_index(id_number, ID_PURPOSE).hex()[:32]
    await deps.limits.refund("register-id", index)
    await deps.limits.refund("register-client", client)


async def create_candidate(
    session: AsyncSession,
    vault: Vault,
    data: NewCandidate,
    *,
    today: date,
    blocklist: frozenset[str] | None = None,
    candidate_id: uuid.UUID | None = None,
) -> Candidate:
    """Records a new candidate with a fresh ticket number; the ID number must be new.
    `candidate_id` fixes the new id (the demo data's, which the other services' demo rows use);
    otherwise a random one.

    A known ID number is refused before any hash is computed; the slow hashes come before the
    ticket sequence row is touched, so that row is locked only briefly."""
    blocklist = blocklist if blocklist is not None else common_passwords()
    data = validate_new_candidate(data, today, blocklist)
    number = data.id_number
    if await RegionRepository(session).get(data.region_code) is None:
        raise InvalidInputError("regionCode", "请选择报名所在区县")
    index = vault.blind_index(number, ID_PURPOSE)
    candidates = CandidateRepository(session)
    if await candidates.by_id_index(index) is not None:
        raise DuplicateIdNumberError()
    password_hash = await hash_password(data.password)
    answer_hash = await hash_answer(data.security_answer)
    ticket_number = await allocate_ticket_number(session, data.region_code, today)
    # A ticket number is only known now; the policy refuses a password that contains it.
    check_password(data.password, blocklist=blocklist, personal=(ticket_number,))
    sealed_id = vault.seal(number, ID_PURPOSE)
    candidate = Candidate(
        id=candidate_id or uuid.uuid4(),
        ticket_number=ticket_number,
        name=data.name,
        data_key_id=sealed_id.key_id,
        id_number_sealed=sealed_id.blob,
        id_number_index=index,
        phone_sealed=vault.seal(data.phone, PHONE_PURPOSE).blob,
        email=data.email,
        gender=Gender.MALE if idnumber.is_male(number) else Gender.FEMALE,
        birth_date=idnumber.birth_date(number),
        region_code=data.region_code,
        password_hash=password_hash,
        security_question=data.security_question,
        security_answer_hash=answer_hash,
    )
    candidates.add(candidate)
    await _insert(session)
    return candidate


async def _insert(session: AsyncSession) -> None:
    """Flushes a new candidate. The same ID number registered at the same moment by another
    transaction is the one conflict expected here; any other (a ticket number handed out
    twice) is a fault and is raised as it is."""
    try:
        await session.flush()
    except IntegrityError as error:
        if constraint_name(error) == ID_INDEX_CONSTRAINT:
            raise DuplicateIdNumberError() from None
        raise


def constraint_name(error: IntegrityError) -> str | None:
    """The constraint a failed statement violated, as asyncpg reports it."""
    name = getattr(error.orig, "constraint_name", None)
    if name is None:  # SQLAlchemy's asyncpg adapter keeps the driver's error as the cause
        name = getattr(getattr(error.orig, "__cause__", None), "constraint_name", None)
    return name if isinstance(name, str) else None


def personal_data(vault: Vault, candidate: Candidate) -> tuple[str, str]:
    """The candidate's ID number and phone, decrypted (for rules only, never shown)."""
    key_id = candidate.data_key_id
    number = vault.open(Sealed(key_id, candidate.id_number_sealed), ID_PURPOSE)
    phone = vault.open(Sealed(key_id, candidate.phone_sealed), PHONE_PURPOSE)
    return number, phone


def can_read_candidate(principal: Principal, candidate: Candidate) -> bool:
    """The one rule of `zikao_kit.access`, for a candidate record at hand."""
    return may_read_candidate(principal, candidate.id, candidate.region_code)


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
        merged_into=candidate.merged_into,
        cancelled_at=candidate.cancelled_at,
    )
