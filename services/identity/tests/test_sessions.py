"""LogIn, RefreshSession, LogOut and ChangePassword through identity's schema."""

import asyncio
from typing import Any

import pytest
from redis.asyncio import Redis

from zikao_identity.deps import IdentityDeps
from zikao_identity.service import login, staff
from zikao_identity.testing import (
    CHANGE_PASSWORD,
    LOG_IN,
    LOG_OUT,
    NEW_CAPTCHA,
    REFRESH,
    Gql,
    MakeCandidate,
    an_id_number,
)
from zikao_kit.auth import Principal, Role, StaticKeySource, TokenVerifier
from zikao_kit.db import Sessionmaker
from zikao_kit.errors import RateLimitedError

PASSWORD = "correct horse battery"


async def _log_in(gql: Gql, login: str, password: str = PASSWORD, answer: str = "TEST") -> Any:
    captcha = (await gql(NEW_CAPTCHA))["newCaptcha"]
    variables = {
        "login": login,
        "password": password,
        "captcha": {"id": captcha["id"], "answer": answer},
    }
    return (await gql(LOG_IN, variables))["logIn"]


async def _principal(deps: IdentityDeps, token: str) -> Principal:
    keys = StaticKeySource({deps.signer.kid: deps.signer.public_key})
    return await TokenVerifier(keys, issuer="zikao-identity", audience="zikao").verify(token)


async def test_log_in_by_ticket_or_id_number(
    gql: Gql, make_candidate: MakeCandidate, deps: IdentityDeps
) -> None:
    number = an_id_number(301)
    candidate = await make_candidate(number)
    for value in (candidate.ticket_number, number, number.lower()):
        session = await _log_in(gql, value)
        assert session["__typename"] == "LoggedIn"
        assert session["expiresAt"].endswith("+08:00")  # Beijing time
        principal = await _principal(deps, session["accessToken"])
        assert (principal.subject, principal.role) == (str(candidate.id), Role.CANDIDATE)
        assert principal.region_code == candidate.region_code  # records seats and scopes by it


@pytest.mark.parametrize(
    ("login", "password", "answer", "typename", "code"),
    [
        ("ticket", "wrong password", "TEST", "Unauthenticated", "invalid_credentials"),
        ("010626299999", PASSWORD, "TEST", "Unauthenticated", "invalid_credentials"),
        ("ticket", PASSWORD, "NOPE", "InvalidInput", "captcha_wrong"),
        ("12345", PASSWORD, "TEST", "InvalidInput", "login_malformed"),
    ],
)
async def test_log_in_refusals(
    gql: Gql,
    make_candidate: MakeCandidate,
    login: str,
    password: str,
    answer: str,
    typename: str,
    code: str,
) -> None:
    candidate = await make_candidate(an_id_number(303))
    refused = await _log_in(
        gql, candidate.ticket_number if login == "ticket" else login, password, answer
    )
    assert (refused["__typename"], refused["code"]) == (typename, code)


async def test_wrong_passwords_back_off_per_account(
    gql: Gql, make_candidate: MakeCandidate, deps: IdentityDeps
) -> None:
    candidate = await make_candidate(an_id_number(305))
    for _ in range(deps.settings.login_free_failures):
        assert (await _log_in(gql, candidate.ticket_number, "wrong one"))[
            "code"
        ] == "invalid_credentials"
    locked = await _log_in(gql, candidate.ticket_number)  # even the right password waits
    assert locked["__typename"] == "RateLimited"
    assert 0 < locked["retryAfterSeconds"] <= deps.settings.login_backoff_seconds
    other = await make_candidate(an_id_number(307), phone="13912345678")
    assert (await _log_in(gql, other.ticket_number))["__typename"] == "LoggedIn"


async def test_refresh_rotates_and_a_replayed_token_ends_the_family(
    gql: Gql, make_candidate: MakeCandidate, deps: IdentityDeps
) -> None:
    candidate = await make_candidate(an_id_number(309))
    first = await _log_in(gql, candidate.ticket_number)
    second = (await gql(REFRESH, {"t": first["refreshToken"]}))["refreshSession"]
    assert second["__typename"] == "LoggedIn"
    renewed = await _principal(deps, second["accessToken"])
    assert renewed.region_code == candidate.region_code
    assert second["refreshToken"] != first["refreshToken"]
    replayed = (await gql(REFRESH, {"t": first["refreshToken"]}))["refreshSession"]
    assert (replayed["__typename"], replayed["code"]) == ("Unauthenticated", "session_ended")
    after = (await gql(REFRESH, {"t": second["refreshToken"]}))["refreshSession"]
    assert after["__typename"] == "Unauthenticated"  # the whole family was revoked
    unknown = (await gql(REFRESH, {"t": "made-up"}))["refreshSession"]
    assert unknown["__typename"] == "Unauthenticated"


async def test_log_out_revokes_refresh_tokens(gql: Gql, make_candidate: MakeCandidate) -> None:
    candidate = await make_candidate(an_id_number(311))
    one, two = (
        await _log_in(gql, candidate.ticket_number),
        await _log_in(gql, candidate.ticket_number),
    )
    me = Principal(str(candidate.id), Role.CANDIDATE)
    assert (await gql(LOG_OUT, principal=me))["logOut"]["__typename"] == "LoggedOut"
    for session in (one, two):
        refused = (await gql(REFRESH, {"t": session["refreshToken"]}))["refreshSession"]
        assert refused["__typename"] == "Unauthenticated"
    assert (await gql(LOG_OUT))["logOut"]["code"] == "unauthenticated"


async def test_change_password(gql: Gql, make_candidate: MakeCandidate) -> None:
    candidate = await make_candidate(an_id_number(313))
    session = await _log_in(gql, candidate.ticket_number)
    me = Principal(str(candidate.id), Role.CANDIDATE)

    async def change(old: str, new: str, confirm: str) -> Any:
        variables = {"old": old, "new": new, "confirm": confirm}
        return (await gql(CHANGE_PASSWORD, variables, principal=me))["changePassword"]

    assert (await change("wrong", "a new long secret", "a new long secret"))[
        "field"
    ] == "oldPassword"
    assert (await change(PASSWORD, "a new long secret", "a new long secreT"))[
        "field"
    ] == "confirmPassword"
    assert (await change(PASSWORD, "qwertyuiop", "qwertyuiop"))["field"] == "newPassword"
    assert (await change(PASSWORD, candidate.ticket_number, candidate.ticket_number))[
        "field"
    ] == "newPassword"
    assert (await change(PASSWORD, "a new long secret", "a new long secret"))[
        "__typename"
    ] == "PasswordChanged"
    refused = (await gql(REFRESH, {"t": session["refreshToken"]}))["refreshSession"]
    assert refused["__typename"] == "Unauthenticated"
    assert (await _log_in(gql, candidate.ticket_number))["code"] == "invalid_credentials"
    assert (await _log_in(gql, candidate.ticket_number, "a new long secret"))[
        "__typename"
    ] == "LoggedIn"


async def test_wrong_passwords_back_off_per_client(
    db: Sessionmaker, redis: Redis, make_candidate: MakeCandidate, deps: IdentityDeps
) -> None:
    """Several accounts tried from one client: once the client has failed too often, it waits,
    whichever account it tries next (each account alone is still under its own limit)."""
    settings = deps.settings.model_copy(update={"client_free_failures": 3})
    strict = IdentityDeps.create(settings, redis, deps.vault, deps.signer)
    accounts = [await make_candidate(an_id_number(331 + 2 * i)) for i in range(4)]

    async def attempt(ticket: str, password: str, client: str = "10.0.0.7") -> None:
        async with db.begin() as session:
            await login.log_in_candidate(
                session, strict, login=ticket, password=password, client=client
            )

    for account in accounts[:3]:
        with pytest.raises(login.InvalidCredentialsError):
            await attempt(account.ticket_number, "wrong password here")
    with pytest.raises(RateLimitedError):
        await attempt(accounts[3].ticket_number, PASSWORD)
    await attempt(accounts[3].ticket_number, PASSWORD, client="10.0.0.8")


@pytest.mark.parametrize("kind", ["candidate", "staff"])
async def test_parallel_wrong_passwords_get_no_more_verified_than_the_limit(
    db: Sessionmaker,
    make_candidate: MakeCandidate,
    deps: IdentityDeps,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """50 wrong passwords at once on one account: at most the free attempts reach the (slow)
    verifier, the rest are refused as rate limited without hashing."""
    if kind == "candidate":
        candidate = await make_candidate(an_id_number(351))
        key = login.account_key(deps, kind, candidate.ticket_number, candidate.id)
        hashed = candidate.password_hash
    else:
        async with db.begin() as session:
            account = await staff.create_staff(
                session,
                deps.blocklist,
                Principal("admin-1", Role.ADMIN),
                staff.NewStaff("zhou.yz", "周老师", Role.STAFF, "0103", "staff secret 2026"),
            )
        key = login.account_key(deps, kind, account.username, account.id)
        hashed = account.password_hash
    verified = 0
    real_verify = login.verify_password

    async def counting(hashed: str | None, password: str) -> bool:
        nonlocal verified
        verified += 1
        return await real_verify(hashed, password)

    monkeypatch.setattr(login, "verify_password", counting)
    wrong = "wrong password here"
    attempts = [login.check_password(deps, key, "10.0.0.9", hashed, wrong) for _ in range(50)]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    limited = [r for r in results if isinstance(r, RateLimitedError)]
    refused = [r for r in results if isinstance(r, login.InvalidCredentialsError)]
    assert verified == len(refused) == deps.settings.login_free_failures
    assert len(limited) == 50 - verified
