"""No look-alike of a registered ID or ticket number is a second number, through every operation
it enters: registration, log-in, ticket recovery, password reset, staff search. Each variant
(full-width digits, other scripts' digits, mixed, with zero-width or direction marks, with
spaces) is refused as invalid input or finds the same account."""

import unicodedata
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis
from sqlalchemy import func, select

from zikao_identity import idnumber, models
from zikao_identity.deps import IdentityDeps
from zikao_identity.schema import schema
from zikao_identity.testing import (
    LOG_IN,
    NEW_CAPTCHA,
    RECOVER,
    REGISTER,
    START_RESET,
    MakeCandidate,
    an_id_number,
    registration,
)
from zikao_kit.auth import Principal, Role, StaticKeySource, TokenVerifier
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context

PASSWORD = "correct horse battery"
# Zero digits: ASCII; forms NFKC turns into ASCII (full-width, mathematical bold and
# monospace); scripts NFKC leaves alone (Arabic-Indic, Eastern Arabic-Indic, Devanagari,
# Bengali, Thai, Myanmar, N'Ko).
ZEROS = (0x30, 0xFF10, 0x1D7CE, 0x1D7F6, 0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0x1040, 0x07C0)
XS = ("X", "x", "\uff38", "\uff58")
MARKS = (
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width
    "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u061c",  # direction
    " ", "\u00a0", "\u3000", "\t", "\n",  # spaces
)  # fmt: skip
SEARCH = "query($t: String!) { candidateByTicketNumber(ticketNumber: $t) { id } }"


@st.composite
def variants(draw: st.DrawFn, number: str) -> str:
    chars = [
        chr(draw(st.sampled_from(ZEROS)) + int(c)) if c.isdigit() else draw(st.sampled_from(XS))
        for c in number
    ]
    for at, mark in draw(st.lists(st.tuples(st.integers(0, len(chars)), st.sampled_from(MARKS)))):
        chars.insert(at, mark)
    return "".join(chars)


@dataclass
class Registered:
    candidate: models.Candidate
    number: str


@pytest.fixture
async def registered(make_candidate: MakeCandidate) -> Registered:
    """A candidate whose ID number ends in X (so x and ｘ are tried too)."""
    number = next(n for n in (an_id_number(i) for i in range(1, 200)) if n.endswith("X"))
    return Registered(await make_candidate(number), number)


@pytest.fixture
def lenient(deps: IdentityDeps, redis: Redis) -> IdentityDeps:
    """Limits high enough that every example reaches the lookup."""
    changes = {"recovery_per_id": 10**6, "registration_per_id": 10**6, "login_free_failures": 10**6}
    changes |= {"recovery_per_client": 10**6, "registration_per_client": 10**6}
    loose = deps.settings.model_copy(update=changes)
    return IdentityDeps.create(loose, redis, deps.vault, deps.signer)


async def _run(
    db: Sessionmaker,
    redis: Redis,
    deps: IdentityDeps,
    query: str,
    variables: dict[str, Any],
    principal: Principal | None = None,
) -> Any:
    context = make_context(db, redis, deps.settings, principal, {"vault": deps.vault, "deps": deps})
    return await schema.execute(query, variable_values=variables, context_value=context)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_variant_is_a_second_account_or_another_one(
    data: st.DataObject,
    registered: Registered,
    lenient: IdentityDeps,
    db: Sessionmaker,
    redis: Redis,
) -> None:
    candidate = registered.candidate
    id_variant = data.draw(variants(registered.number), label="id number")
    ticket_variant = data.draw(variants(candidate.ticket_number), label="ticket number")

    async def ask(query: str, variables: dict[str, Any], who: Principal | None = None) -> Any:
        result = await _run(db, redis, lenient, query, variables, who)
        assert result.errors is None, result.errors
        return result.data

    async def captcha() -> dict[str, str]:
        return {"id": (await ask(NEW_CAPTCHA, {}))["newCaptcha"]["id"], "answer": "TEST"}

    before = await _candidates(db)
    form = registration(id_variant, "", "", phone="13987654321")
    form["captcha"] = await captcha()
    again = (await ask(REGISTER, {"input": form}))["registerCandidate"]
    assert (again["__typename"], again.get("field"), again["code"]) in {
        ("InvalidInput", "idNumber", "invalid_input"),
        ("Conflict", None, "id_number_registered"),
    }

    for login in (id_variant, ticket_variant):
        variables = {"login": login, "password": PASSWORD, "captcha": await captcha()}
        session = (await ask(LOG_IN, variables))["logIn"]
        if session["__typename"] == "LoggedIn":
            subject = (await _verify(lenient, session["accessToken"])).subject
            assert subject == str(candidate.id)
        else:
            assert (session["__typename"], session["code"]) == ("InvalidInput", "login_malformed")

    recover = {"name": candidate.name, "id": id_variant, "captcha": await captcha()}
    found = (await ask(RECOVER, recover))["recoverTicketNumber"]
    assert found.get("ticketNumber", candidate.ticket_number) == candidate.ticket_number
    assert found["__typename"] in ("TicketNumberRecovered", "InvalidInput")

    reset = {"ticket": ticket_variant, "id": id_variant, "captcha": await captcha()}
    started = (await ask(START_RESET, reset))["startPasswordReset"]
    assert started["__typename"] in ("PasswordResetStarted", "InvalidInput")

    staff = Principal("staff-1", Role.STAFF, region_code=candidate.region_code)
    searched = await _run(db, redis, lenient, SEARCH, {"t": ticket_variant}, staff)
    if searched.errors:
        assert [e.extensions["code"] for e in searched.errors] == ["invalid_input"]
    else:
        assert searched.data["candidateByTicketNumber"] == {"id": str(candidate.id)}

    assert await _candidates(db) == before
    same = unicodedata.normalize("NFKC", id_variant).strip().upper() == registered.number
    assert (again["__typename"] == "Conflict") == same


async def test_full_width_numbers_find_the_same_account(
    registered: Registered, lenient: IdentityDeps, db: Sessionmaker, redis: Redis
) -> None:
    wide = "".join(chr(ord(c) + 0xFEE0) for c in registered.number)  # ５００１…Ｘ
    assert idnumber.normalize(wide) == registered.number
    captcha = (await _run(db, redis, lenient, NEW_CAPTCHA, {})).data["newCaptcha"]["id"]
    variables = {"login": wide, "password": PASSWORD, "captcha": {"id": captcha, "answer": "TEST"}}
    session = (await _run(db, redis, lenient, LOG_IN, variables)).data["logIn"]
    principal = await _verify(lenient, session["accessToken"])
    assert principal.subject == str(registered.candidate.id)


async def _candidates(db: Sessionmaker) -> int:
    async with db() as session:
        count = select(func.count()).select_from(models.Candidate)
        return int((await session.execute(count)).scalar_one())


async def _verify(deps: IdentityDeps, token: str) -> Principal:
    keys = StaticKeySource({deps.signer.kid: deps.signer.public_key})
    return await TokenVerifier(keys, issuer="zikao-identity", audience="zikao").verify(token)
