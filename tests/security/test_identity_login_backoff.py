"""Log-in backoff under concurrency, end to end: 50 wrong passwords sent at once through the
gateway for one account get at most the free attempts verified (`invalid_credentials`); the rest
are `rate_limited` without hashing. Candidates (logIn) and staff (staffLogIn) alike. Each test
calls from a loopback address of its own, so no other test's client limit is touched."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from e2e import RunningSystem

from zikao_identity.testing import an_id_number
from zikao_kit.auth import Role

PARALLEL = 50
FREE_FAILURES = 5  # IDENTITY_LOGIN_FREE_FAILURES as the test system runs it (the default)
CAPTCHA = "mutation { newCaptcha { id } }"
REGISTER = """mutation($input: RegisterCandidateInput!) { registerCandidate(input: $input) {
  __typename ... on CandidateRegistered { ticketNumber } ... on Problem { code } } }"""
CREATE_STAFF = """mutation($input: CreateStaffInput!) { createStaff(input: $input) {
  __typename ... on Problem { code } } }"""
LOG_IN = """mutation($login: String!, $password: String!, $captcha: CaptchaInput!) {
  logIn(login: $login, password: $password, captcha: $captcha) {
  __typename ... on Problem { code } } }"""
STAFF_LOG_IN = """mutation($login: String!, $password: String!, $captcha: CaptchaInput!) {
  staffLogIn(username: $login, password: $password, captcha: $captcha) {
  __typename ... on Problem { code } } }"""


async def call(
    client: httpx.AsyncClient, url: str, query: str, token: str | None = None, **variables: Any
) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        url, json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def captcha(client: httpx.AsyncClient, url: str) -> dict[str, str]:
    return {"id": (await call(client, url, CAPTCHA))["newCaptcha"]["id"], "answer": "TEST"}


async def a_candidate(client: httpx.AsyncClient, zikao: RunningSystem) -> str:
    born = date(1960, 1, 1) + timedelta(days=secrets.randbelow(20_000))
    data = {
        "name": "孙端到端",
        "idNumber": an_id_number(secrets.randbelow(1000), born=f"{born:%Y%m%d}", region="500103"),
        "phone": f"13{secrets.randbelow(10**9):09d}",
        "password": "parallel test secret",
        "regionCode": "0103",
        "securityQuestion": "我的小学",
        "securityAnswer": "人和街小学",
        "captcha": await captcha(client, zikao.url),
    }
    done = (await call(client, zikao.url, REGISTER, input=data))["registerCandidate"]
    assert done["__typename"] == "CandidateRegistered", done
    return str(done["ticketNumber"])


async def a_staff_member(client: httpx.AsyncClient, zikao: RunningSystem) -> str:
    username = f"e2e.{secrets.token_hex(4)}"
    data = {
        "username": username,
        "name": "周端到端",
        "role": "AUDITOR",
        "password": "parallel staff secret",
    }
    admin = zikao.token("e2e-admin", Role.ADMIN)
    created = (await call(client, zikao.url, CREATE_STAFF, admin, input=data))["createStaff"]
    assert created["__typename"] == "StaffCreated", created
    return username


@pytest.mark.parametrize(("kind", "source"), [("candidate", "127.0.0.4"), ("staff", "127.0.0.5")])
async def test_parallel_wrong_passwords_get_no_more_than_the_limit_verified(
    zikao: RunningSystem, kind: str, source: str
) -> None:
    transport = httpx.AsyncHTTPTransport(local_address=source)
    limits = httpx.Limits(max_connections=PARALLEL)
    async with httpx.AsyncClient(transport=transport, limits=limits, timeout=60) as client:
        if kind == "candidate":
            login, query, field = await a_candidate(client, zikao), LOG_IN, "logIn"
        else:
            login, query, field = await a_staff_member(client, zikao), STAFF_LOG_IN, "staffLogIn"
        captchas = [await captcha(client, zikao.url) for _ in range(PARALLEL)]
        answers = await asyncio.gather(
            *(
                call(client, zikao.url, query, login=login, password="wrong guess", captcha=c)
                for c in captchas
            )
        )
    codes = Counter(answer[field]["code"] for answer in answers)
    assert codes == {"invalid_credentials": FREE_FAILURES, "rate_limited": PARALLEL - FREE_FAILURES}
