import asyncio
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from zikao_identity import service
from zikao_identity.crypto import Vault
from zikao_identity.settings import IdentitySettings
from zikao_identity.testing import TODAY, MakeCandidate, an_id_number, new_candidate
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, create_engine, create_sessionmaker
from zikao_kit.errors import InvalidInputError


async def test_a_new_candidate_gets_a_ticket_number_and_masked_data(
    make_candidate: MakeCandidate, db: Sessionmaker, vault: Vault
) -> None:
    candidate = await make_candidate(an_id_number(123))
    assert candidate.ticket_number.startswith("0106262")
    assert len(candidate.ticket_number) == 12
    assert candidate.gender.value == "MALE"
    owner = Principal(subject=str(candidate.id), role=Role.CANDIDATE)
    async with db() as session:
        views = await service.candidate_views(session, vault, owner, [candidate.id])
    view = views[candidate.id]
    assert view.masked_id_number == an_id_number(123)[:4] + "*" * 10 + an_id_number(123)[-4:]
    assert view.masked_phone == "137****5678"


async def test_ticket_numbers_follow_in_sequence(make_candidate: MakeCandidate) -> None:
    first = await make_candidate(an_id_number(2))
    second = await make_candidate(an_id_number(4))
    assert int(second.ticket_number[-5:]) == int(first.ticket_number[-5:]) + 1


async def test_the_same_id_number_twice_points_to_recovery(make_candidate: MakeCandidate) -> None:
    await make_candidate(an_id_number(6))
    with pytest.raises(service.DuplicateIdNumberError) as raised:
        await make_candidate(an_id_number(6).lower(), phone="13900000000")
    assert "找回准考证号" in raised.value.message


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("name", {"name": " "}),
        ("phone", {"phone": "12345"}),
        ("regionCode", {"region_code": "9999"}),
        ("idNumber", {"id_number": "500106199001011239"}),
    ],
)
async def test_bad_fields_are_named_and_nothing_is_written(
    make_candidate: MakeCandidate,
    db: Sessionmaker,
    vault: Vault,
    field: str,
    overrides: dict[str, str],
) -> None:
    fields = dict(overrides)
    number = fields.pop("id_number", an_id_number(8))
    with pytest.raises(InvalidInputError) as raised:
        await make_candidate(number, **fields)
    assert raised.value.field == field
    async with db.begin() as session:  # the good number is still free
        await service.create_candidate(session, vault, new_candidate(an_id_number(8)), today=TODAY)


def test_ticket_period_halves() -> None:
    assert service.ticket_period(date(2026, 4, 1)) == "261"
    assert service.ticket_period(date(2026, 6, 30)) == "261"
    assert service.ticket_period(date(2026, 7, 1)) == "262"


async def test_concurrent_allocations_never_repeat(engine: AsyncEngine) -> None:
    """200 allocations over four districts in separate transactions, all at once."""
    sessions = create_sessionmaker(engine)
    far_future = date(2099, 3, 1)

    async def allocate(region: str) -> str:
        async with sessions.begin() as session:
            return await service.allocate_ticket_number(session, region, far_future)

    regions = ["0101", "0103", "0112", "0243"]
    numbers = await asyncio.gather(*(allocate(regions[i % 4]) for i in range(200)))
    assert len(set(numbers)) == 200
    for region in regions:
        mine = sorted(int(n[-5:]) for n in numbers if n.startswith(region))
        assert mine == list(range(1, 51))


def test_who_may_read_a_candidate() -> None:
    from zikao_identity.models import Candidate, Gender

    candidate = Candidate(
        ticket_number="010626200001",
        name="x",
        data_key_id="k",
        id_number_sealed=b"",
        id_number_index=b"",
        phone_sealed=b"",
        gender=Gender.MALE,
        birth_date=date(1990, 1, 1),
        region_code="0106",
        password_hash="",
        security_question="",
        security_answer_hash="",
    )
    assert service.can_read_candidate(Principal(str(candidate.id), Role.CANDIDATE), candidate)
    assert not service.can_read_candidate(Principal("someone", Role.CANDIDATE), candidate)
    assert service.can_read_candidate(Principal("s", Role.STAFF, region_code="0106"), candidate)
    assert not service.can_read_candidate(Principal("s", Role.STAFF, region_code="0103"), candidate)
    assert service.can_read_candidate(Principal("a", Role.ADMIN), candidate)
    assert not service.can_read_candidate(Principal("x", Role.AUDITOR), candidate)
    assert service.can_read_candidate(Principal("p", Role.STAFF), candidate)  # provincial office


async def test_200_concurrent_registrations_never_share_a_ticket_number(database_url: str) -> None:
    """Whole registrations (hashing included), each in its own transaction, all at once."""
    engine = create_engine(database_url, schema="identity", pool_size=10)
    sessions = create_sessionmaker(engine)
    settings = IdentitySettings(database_url=database_url)
    vault = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)
    day = date(2098, 9, 1)
    regions = ["0101", "0103", "0112", "0243"]

    async def register(i: int) -> str:
        data = new_candidate(
            an_id_number(i, born="19800101", region="510105"), region_code=regions[i % 4]
        )
        async with sessions.begin() as session:
            return (await service.create_candidate(session, vault, data, today=day)).ticket_number

    try:
        numbers = await asyncio.gather(*(register(i) for i in range(200)))
    finally:
        await engine.dispose()
    assert len(set(numbers)) == 200
    for region in regions:
        mine = sorted(int(n[-5:]) for n in numbers if n.startswith(region + "982"))
        assert mine == list(range(1, 51))


async def test_one_id_number_registered_twice_at_once_is_one_candidate(database_url: str) -> None:
    """Both registrations pass the look-up before either commits; the unique index decides and
    the loser gets the conflict the candidate can act on, not an internal error."""
    engine = create_engine(database_url, schema="identity", pool_size=2)
    sessions = create_sessionmaker(engine)
    settings = IdentitySettings(database_url=database_url)
    vault = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)
    number = an_id_number(1, born="19790707", region="510105")

    async def register(phone: str) -> str:
        data = new_candidate(number, phone=phone, region_code="0243")
        async with sessions.begin() as session:
            created = await service.create_candidate(session, vault, data, today=date(2097, 3, 1))
            return created.ticket_number

    try:
        outcomes = await asyncio.gather(
            register("13700000001"), register("13700000002"), return_exceptions=True
        )
    finally:
        await engine.dispose()
    assert sorted(type(o).__name__ for o in outcomes) == ["DuplicateIdNumberError", "str"]
