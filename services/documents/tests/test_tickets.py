"""Admission tickets on request: when one may be had (the rules over records' and identity's
facts), one document per content, a new version superseding the old, and verification."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio import Redis

from zikao_documents import service
from zikao_documents.content import AdmissionTicketContent, parse_content
from zikao_documents.facts import (
    NO_PHOTO,
    NOT_SEATED,
    NOT_SIGNED_UP,
    OUTSIDE_PRINTING_WINDOW,
    SEATS_NOT_PUBLISHED,
    DocumentUnavailableError,
    ticket_content,
    ticket_missing,
)
from zikao_documents.models import DocumentKind, DocumentRequest
from zikao_documents.schema import schema
from zikao_documents.settings import DocumentsSettings
from zikao_documents.sources import TicketFacts
from zikao_documents.testing import WANZHOU
from zikao_documents.testing_facts import ISSUER, NOW, OPENS, exam, facts, person
from zikao_documents.worker import WorkerDeps, render_document
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.errors import ForbiddenError, InvalidInputError
from zikao_kit.testing import make_context


def candidate(facts: TicketFacts) -> Principal:
    return Principal(subject=str(facts.person.id), role=Role.CANDIDATE, region_code=WANZHOU)


async def ask(db: Sessionmaker, facts: TicketFacts, now: datetime = NOW) -> DocumentRequest:
    async with db.begin() as session:
        return await service.request_admission_ticket(
            session, by=candidate(facts), facts=facts, issuer=ISSUER, now=now
        )


async def reread(db: Sessionmaker, document: DocumentRequest) -> DocumentRequest:
    async with db() as session:
        found = await service.get_document(session, document.id)
    assert found is not None
    return found


def test_a_seated_paid_candidate_with_a_photo_in_the_window_misses_nothing() -> None:
    assert ticket_missing(facts(), NOW) == []


@pytest.mark.parametrize(
    ("now", "open_"),
    [
        (OPENS - timedelta(seconds=1), False),
        (OPENS, True),
        (datetime(2026, 10, 25, 8, 59, tzinfo=UTC), True),
        (datetime(2026, 10, 25, 9, 0, tzinfo=UTC), False),
    ],
)
def test_the_printing_window_runs_from_its_opening_until_the_last_exam_ends(
    now: datetime, open_: bool
) -> None:
    assert (OUTSIDE_PRINTING_WINDOW not in ticket_missing(facts(), now)) is open_


def test_every_missing_thing_is_named() -> None:
    unpaid = facts(exam(paid=False), who=person(photo=False), seats_published=False)
    assert ticket_missing(unpaid, OPENS - timedelta(days=1)) == [
        OUTSIDE_PRINTING_WINDOW,
        NOT_SIGNED_UP,
        SEATS_NOT_PUBLISHED,
        NO_PHOTO,
    ]
    assert ticket_missing(facts(exam(seat=None)), NOW) == [NOT_SEATED]


def test_the_ticket_shows_paid_exams_in_time_order_and_no_unpaid_ones() -> None:
    later, earlier = exam("00015", day=25), exam("03708", day=24)
    content = ticket_content(ISSUER, facts(later, exam("00018", paid=False), earlier))
    assert [e["course_code"] for e in content["exams"]] == ["03708", "00015"]
    assert content["exams"][0]["room"] == "012"
    assert content["exams"][0]["seat"] == "07"
    assert content["candidate"]["masked_id_number"] == "5001**********1232"
    assert "major" not in content  # no major chosen: the ticket prints none


def test_the_ticket_names_the_major_records_shows() -> None:
    chosen = dataclasses.replace(facts(), major=("530302", "大数据与会计", "ZHUANKE"))
    content = ticket_content(ISSUER, chosen)
    assert content["major"] == {"code": "530302", "name": "大数据与会计", "level": "专科"}
    parsed = parse_content(DocumentKind.ADMISSION_TICKET, content)
    assert isinstance(parsed, AdmissionTicketContent)
    assert parsed.major is not None
    assert parsed.major.name == "大数据与会计"


async def test_a_missing_photo_is_a_typed_refusal_that_records_nothing(db: Sessionmaker) -> None:
    without = facts(who=person(photo=False))
    with pytest.raises(DocumentUnavailableError) as refused:
        await ask(db, without)
    assert refused.value.code == NO_PHOTO
    assert refused.value.missing == [NO_PHOTO]
    async with db() as session:
        assert (
            await service.documents_by_candidate(session, candidate(without), [without.person.id])
            == {}
        )


async def test_asking_twice_gives_the_same_document(db: Sessionmaker) -> None:
    mine = facts()
    first, second = await ask(db, mine), await ask(db, mine)
    assert first.id == second.id
    assert first.superseded_at is None


async def test_a_seat_change_makes_a_new_version_and_supersedes_the_old(db: Sessionmaker) -> None:
    who = person()
    old = await ask(db, facts(exam(seat=7), who=who))
    new = await ask(db, facts(exam(seat=8), who=who))
    assert new.id != old.id
    old = await reread(db, old)
    assert old.superseded_at is not None
    assert old.superseded_by == new.id
    assert (await reread(db, new)).superseded_at is None
    # Moved back: the first version shows the seats again; it is current, the second is not.
    again = await ask(db, facts(exam(seat=7), who=who))
    assert again.id == old.id
    assert (await reread(db, again)).superseded_at is None
    assert (await reread(db, new)).superseded_by == old.id


async def test_only_the_candidate_asks_for_their_own_ticket(db: Sessionmaker) -> None:
    mine = facts()
    someone_else = Principal(subject=str(uuid.uuid4()), role=Role.CANDIDATE)
    with pytest.raises(ForbiddenError):
        async with db.begin() as session:
            await service.request_admission_ticket(
                session, by=someone_else, facts=mine, issuer=ISSUER, now=NOW
            )


async def test_a_printed_code_verifies_with_a_masked_name_and_superseded_after_a_change(
    db: Sessionmaker, deps: WorkerDeps
) -> None:
    who = person()
    old = await ask(db, facts(exam(seat=7), who=who))
    async with db() as session:
        assert await service.verify(session, old.verification_code) is None  # not issued yet
    assert await render_document({"deps": deps}, str(old.id)) == "ready"
    printed = "-".join(old.verification_code[i : i + 4] for i in range(0, 12, 4)).lower()
    async with db() as session:
        found = await service.verify(session, printed)
    assert found is not None
    assert (found.kind, found.sitting, found.masked_name) == (
        DocumentKind.ADMISSION_TICKET,
        "2026-10",
        "张*",
    )
    assert found.superseded is False
    assert found.issued_at == old.requested_at
    await ask(db, facts(exam(seat=9), who=who))
    async with db() as session:
        later = await service.verify(session, old.verification_code)
    assert later is not None
    assert later.superseded is True


async def test_a_well_formed_unknown_code_verifies_nothing(db: Sessionmaker) -> None:
    async with db() as session:
        assert await service.verify(session, "0000-0000-0000") is None


@pytest.mark.parametrize("name", ["张三", "欧阳明华", "李"])
def test_a_name_is_masked_after_its_first_character(name: str) -> None:
    masked = service.mask_name(name)
    assert masked[0] == name[0]
    assert set(masked[1:]) <= {"*"}
    assert len(masked) == len(name)


CODES = st.text(alphabet=service.CODE_ALPHABET, min_size=12, max_size=12)


@given(CODES, st.booleans(), st.booleans())
def test_a_code_as_printed_or_typed_reads_back(code: str, dashed: bool, lower: bool) -> None:
    text = "-".join(code[i : i + 4] for i in range(0, 12, 4)) if dashed else code
    assert service.normalize_code(text.lower() if lower else text) == code


@given(st.text(max_size=80))
def test_any_other_text_is_a_typed_refusal_or_a_code(text: str) -> None:
    codes: list[str] = []
    try:
        code = service.normalize_code(text)
    except InvalidInputError as error:
        codes.append(error.code)
    else:
        assert len(code) == 12
        assert set(code) <= set(service.CODE_ALPHABET)
    assert codes in ([], ["invalid_code"])


def test_full_width_digits_are_not_a_code() -> None:
    with pytest.raises(InvalidInputError):
        service.normalize_code("０１２３４５６７８９AB")


def test_unused_facts_fields_do_not_change_the_content() -> None:
    """The hash covers what the ticket shows: a sitting's publication time is not on it."""
    base = facts()
    moved = dataclasses.replace(
        base, sitting=dataclasses.replace(base.sitting, seats_published_at=NOW)
    )
    assert ticket_content(ISSUER, base) == ticket_content(ISSUER, moved)


VERIFY = """query($code: String!) { verifyDocument(code: $code) { __typename
  ... on Problem { code } ... on RateLimited { retryAfterSeconds } } }"""


async def test_verifying_is_rate_limited_per_client(
    db: Sessionmaker, redis: Redis, settings: DocumentsSettings
) -> None:
    limited = settings.model_copy(
        update={"verify_limit": 2, "redis_prefix": f"test-{uuid.uuid4().hex}"}
    )
    answers = []
    for _ in range(3):
        context = make_context(db, redis, limited, None)
        result = await schema.execute(
            VERIFY, variable_values={"code": "0000-0000-0000"}, context_value=context
        )
        assert result.errors is None
        assert result.data is not None
        answers.append(result.data["verifyDocument"])
    assert [a["__typename"] for a in answers] == ["NotFound", "NotFound", "RateLimited"]
    assert 0 < answers[2]["retryAfterSeconds"] <= limited.verify_window_seconds


REQUEST = """mutation($s: String!) { requestAdmissionTicket(sitting: $s) { __typename
  ... on Problem { code } } }"""
GENERATE = """mutation($s: String!, $r: String) { generateAdmissionTickets(sitting: $s,
  regionCode: $r) { __typename ... on Problem { code } } }"""
NASTY_SITTINGS = ["２０２６-１０", "2026-10\x00", "2026-1", "' OR 1=1 --", "考" * 5000, ""]


@pytest.mark.parametrize("text", NASTY_SITTINGS)
async def test_a_malformed_sitting_is_a_typed_problem_before_anything_is_read(
    db: Sessionmaker, redis: Redis, settings: DocumentsSettings, text: str
) -> None:
    who = Principal(subject=str(uuid.uuid4()), role=Role.CANDIDATE, region_code=WANZHOU)
    staff = Principal(subject="staff-wanzhou", role=Role.STAFF, region_code=WANZHOU)
    asked = [
        (REQUEST, who, {"s": text}),
        (GENERATE, staff, {"s": text, "r": None}),
    ]
    for query, principal, variables in asked:
        context = make_context(db, redis, settings, principal)
        result = await schema.execute(query, variable_values=variables, context_value=context)
        assert result.errors is None
        assert result.data is not None
        answer = next(iter(result.data.values()))
        assert (answer["__typename"], answer["code"]) == ("InvalidInput", "invalid_sitting")


async def test_only_staff_generate_tickets_and_only_for_their_district(
    db: Sessionmaker, redis: Redis, settings: DocumentsSettings
) -> None:
    answers = []
    for principal, region in [
        (Principal(subject=str(uuid.uuid4()), role=Role.CANDIDATE), None),
        (Principal(subject="staff-wanzhou", role=Role.STAFF, region_code=WANZHOU), "0103"),
        (Principal(subject="staff-wanzhou", role=Role.STAFF, region_code=WANZHOU), "０１０３"),
    ]:
        context = make_context(db, redis, settings, principal)
        result = await schema.execute(
            GENERATE, variable_values={"s": "2026-10", "r": region}, context_value=context
        )
        assert result.data is not None
        answers.append(result.data["generateAdmissionTickets"]["code"])
    assert answers == ["forbidden", "forbidden", "invalid_region"]
