"""RegisterCandidate and NewCaptcha through identity's schema."""

import logging
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col

from zikao_devrun import free_port_numbers
from zikao_identity import models
from zikao_identity.deps import IdentityDeps
from zikao_identity.schema import schema
from zikao_identity.testing import (
    NEW_CAPTCHA,
    REGISTER,
    Gql,
    MakeCandidate,
    an_id_number,
    http_request,
    registration,
)
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, create_engine, create_sessionmaker
from zikao_kit.logging import JsonFormatter
from zikao_kit.testing import make_context

ME = "{ me { ticketNumber name maskedIdNumber maskedPhone email gender hasPhoto } }"


async def _register(gql: Gql, id_number: str, answer: str = "TEST", **overrides: Any) -> Any:
    captcha = (await gql(NEW_CAPTCHA))["newCaptcha"]
    data = await gql(
        REGISTER, {"input": registration(id_number, captcha["id"], answer, **overrides)}
    )
    return data["registerCandidate"]


async def test_registration_gives_a_ticket_number_and_masked_data(gql: Gql) -> None:
    number = an_id_number(201, born="20000229")
    registered = await _register(gql, number, email="wang@example.com")
    assert registered["__typename"] == "CandidateRegistered"
    ticket = registered["ticketNumber"]
    assert len(ticket) == 12
    assert ticket.startswith("0106")
    assert registered["candidate"]["maskedIdNumber"] == number[:4] + "*" * 10 + number[-4:]
    me = Principal(registered["candidate"]["id"], Role.CANDIDATE)
    mine = (await gql(ME, principal=me))["me"]
    assert mine["maskedPhone"] == "137****5678"
    assert mine["email"] == "wang@example.com"


async def test_the_same_id_number_twice_points_to_recovery(gql: Gql) -> None:
    number = an_id_number(203)
    await _register(gql, number)
    again = await _register(gql, number.lower(), phone="13900000000")
    assert again["__typename"] == "Conflict"
    assert again["code"] == "id_number_registered"
    assert "找回准考证号" in again["message"]


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("name", {"name": "  "}),
        ("idNumber", {"idNumber": "500106199001012039"}),
        ("phone", {"phone": "+8613712345678"}),
        ("email", {"email": "not-an-address"}),
        ("password", {"password": "short"}),
        ("password", {"password": "password123"}),
        ("password", {"password": "pw13712345678"}),
        ("regionCode", {"regionCode": "9999"}),
        ("regionCode", {"regionCode": "abc"}),
        ("securityQuestion", {"securityQuestion": ""}),
        ("securityAnswer", {"securityAnswer": "   "}),
        ("captcha", {}),
    ],
)
async def test_each_bad_field_is_named_and_nothing_is_written(
    gql: Gql, field: str, overrides: dict[str, str]
) -> None:
    number = an_id_number(205)
    answer = "WRONG" if field == "captcha" else "TEST"
    refused = await _register(gql, number, answer, **overrides)
    assert refused["__typename"] == "InvalidInput"
    assert refused["field"] == field
    assert (await _register(gql, number))["__typename"] == "CandidateRegistered"


async def test_a_password_containing_the_ticket_number_is_refused(gql: Gql) -> None:
    first = await _register(gql, an_id_number(207))
    following = int(first["ticketNumber"]) + 1
    refused = await _register(gql, an_id_number(209), password=f"x{following:012d}x")
    assert (refused["__typename"], refused["field"]) == ("InvalidInput", "password")
    assert (await _register(gql, an_id_number(209)))["ticketNumber"] == f"{following:012d}"


async def test_no_personal_data_in_the_logs(gql: Gql, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    number = an_id_number(211)
    await _register(gql, number, password="a secret for the logs")
    await _register(gql, number, password="another secret here")
    text = caplog.text
    for secret in (number, "13712345678", "a secret for the logs", "沙坪坝"):
        assert secret not in text


@pytest.fixture
def strict(deps: IdentityDeps, redis: Redis) -> IdentityDeps:
    changes = {"registration_per_client": 3, "registration_per_id": 2}
    return IdentityDeps.create(
        deps.settings.model_copy(update=changes), redis, deps.vault, deps.signer
    )


async def _register_from(
    db: Sessionmaker, redis: Redis, deps: IdentityDeps, peer: str, number: str, **changes: Any
) -> Any:
    async def run(query: str, variables: dict[str, Any]) -> Any:
        extras = {"vault": deps.vault, "deps": deps}
        context = make_context(db, redis, deps.settings, extras=extras)
        context.request = http_request(peer)
        result = await schema.execute(query, variable_values=variables, context_value=context)
        assert result.errors is None, result.errors
        return result.data

    captcha = (await run(NEW_CAPTCHA, {}))["newCaptcha"]
    form = registration(number, captcha["id"], "TEST", **changes)
    return (await run(REGISTER, {"input": form}))["registerCandidate"]


async def test_registration_attempts_are_limited_per_client(
    db: Sessionmaker, redis: Redis, strict: IdentityDeps
) -> None:
    """Each attempt that gets past the form's checks counts (an unknown region is found only
    then); a client is refused past its limit, whatever number it tries."""
    peer = "203.0.113.21"
    for i in range(3):
        refused = await _register_from(
            db, redis, strict, peer, an_id_number(231 + 2 * i), regionCode="9999"
        )
        assert refused["field"] == "regionCode"
    limited = await _register_from(db, redis, strict, peer, an_id_number(241))
    assert limited["__typename"] == "RateLimited"
    typo = await _register_from(db, redis, strict, peer, an_id_number(241), phone="12")
    assert typo["field"] == "phone"  # a form refused before counting still says why
    other = await _register_from(db, redis, strict, "203.0.113.22", an_id_number(241))
    assert other["__typename"] == "CandidateRegistered"


async def test_one_id_number_cannot_be_probed_from_many_clients(
    db: Sessionmaker, redis: Redis, strict: IdentityDeps, make_candidate: MakeCandidate
) -> None:
    number = an_id_number(251)
    await make_candidate(number)
    answers = [
        await _register_from(db, redis, strict, f"198.51.100.{i}", number.lower()) for i in range(3)
    ]
    assert [a["__typename"] for a in answers] == ["Conflict", "Conflict", "RateLimited"]


async def test_a_failed_insert_logs_no_personal_value(
    gql: Gql,
    db: Sessionmaker,
    redis: Redis,
    deps: IdentityDeps,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A ticket number handed out twice (the sequence set back by hand) fails the insert on a
    unique index: not a conflict the candidate can act on but a fault, answered as an internal
    error and logged with its traceback, which holds none of the values sent (the engine hides
    statement parameters, kit's formatter PostgreSQL's DETAIL lines)."""
    assert (await _register(gql, an_id_number(261)))["__typename"] == "CandidateRegistered"
    async with db.begin() as session:
        sequence = models.TicketSequence
        await session.execute(
            update(sequence)
            .where(col(sequence.region_code) == "0106")
            .values(last_value=col(sequence.last_value) - 1)
        )
    number, phone, email = an_id_number(263), "13698765432", "ouyang.nana@example.com"
    personal = {"name": "欧阳娜娜", "phone": phone, "email": email, "securityAnswer": "解放碑"}
    caplog.set_level(logging.DEBUG)
    context = make_context(db, redis, deps.settings, extras={"vault": deps.vault, "deps": deps})
    captcha = (await gql(NEW_CAPTCHA))["newCaptcha"]["id"]
    form = registration(number, captcha, "TEST", password="a secret for the logs", **personal)
    result = await schema.execute(REGISTER, {"input": form}, context_value=context)
    assert [e.extensions["code"] for e in result.errors or []] == ["internal"]
    lines = [JsonFormatter("identity").format(record) for record in caplog.records]
    assert any("uq_candidate_ticket_number" in line for line in lines), "the fault was logged"
    secrets = [number, number[-8:], *personal.values(), "a secret for the logs", "$argon2"]
    assert [s for s in secrets if any(s in line for line in lines)] == []


async def test_attempts_that_failed_with_the_database_away_do_not_count(
    db: Sessionmaker, redis: Redis, strict: IdentityDeps
) -> None:
    """PostgreSQL restarting (a closed port stands for it): each attempt fails on our side and
    is taken back from the limits, so the candidate's retries do not lock them out for an
    hour; once it is back, the number registers."""
    (closed,) = free_port_numbers(1)
    away_url = f"postgresql://postgres@127.0.0.1:{closed}/identity"
    away_engine = create_engine(away_url, schema="identity", pool_size=1)
    number, peer = an_id_number(271), "203.0.113.41"
    try:
        away = create_sessionmaker(away_engine)
        for _ in range(3):
            context = make_context(away, redis, strict.settings, extras={"deps": strict})
            context.request = http_request(peer)
            captcha = await schema.execute(NEW_CAPTCHA, context_value=context)
            assert captcha.data is not None
            form = registration(number, captcha.data["newCaptcha"]["id"], "TEST")
            failed = await schema.execute(
                REGISTER, variable_values={"input": form}, context_value=context
            )
            assert failed.errors is not None
    finally:
        await away_engine.dispose()
    registered = await _register_from(db, redis, strict, peer, number)
    assert registered["__typename"] == "CandidateRegistered"
