"""Identity's per-client limits key on the caller's address as kit's one rule reads it: a caller
rotating `X-Forwarded-For` meets the same limit whether it calls identity directly (from an
address that is not the trusted gateway, 127.0.0.1) or through the gateway (which writes the
header itself). Each test calls from a loopback address of its own, so the limits it uses up
are nobody else's."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

import httpx
from e2e import RunningSystem

from zikao_devrun.zikao import base_url
from zikao_identity.testing import an_id_number

# IDENTITY_RECOVERY_PER_CLIENT as the test system runs it (the default).
PER_CLIENT = 50
CAPTCHA = "mutation { newCaptcha { id } }"
RECOVER = """mutation($name: String!, $id: String!, $captcha: CaptchaInput!) {
  recoverTicketNumber(name: $name, idNumber: $id, captcha: $captcha) {
  __typename ... on Problem { code } } }"""


def unknown_id_number() -> str:
    """A valid ID number nobody registered (each asked once: the per-number limit stays out)."""
    born = date(1950, 1, 1) + timedelta(days=secrets.randbelow(20_000))
    return an_id_number(secrets.randbelow(1000), born=f"{born:%Y%m%d}", region="500101")


async def post(client: httpx.AsyncClient, url: str, query: str, **variables: Any) -> Any:
    forged = f"198.51.100.{secrets.randbelow(250) + 1}, 203.0.113.{secrets.randbelow(250) + 1}"
    response = await client.post(
        url,
        json={"query": query, "variables": variables},
        headers={"x-forwarded-for": forged},  # a new "client" every request
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def recoveries(url: str, source: str, count: int) -> list[str]:
    """`count` ticket recoveries of unknown numbers sent from `source`; their answers' types."""
    transport = httpx.AsyncHTTPTransport(local_address=source)
    answers = []
    async with httpx.AsyncClient(transport=transport, timeout=30) as client:
        for _ in range(count):
            captcha = (await post(client, url, CAPTCHA))["newCaptcha"]["id"]
            answer = await post(
                client,
                url,
                RECOVER,
                name="钱端到端",
                id=unknown_id_number(),
                captcha={"id": captcha, "answer": "TEST"},
            )
            answers.append(answer["recoverTicketNumber"]["__typename"])
    return answers


async def test_rotating_the_header_at_identity_itself_meets_one_limit(
    zikao: RunningSystem,
) -> None:
    url = f"{base_url(zikao.ports.identity)}/graphql"
    answers = await recoveries(url, "127.0.0.2", PER_CLIENT + 1)
    assert answers == ["NotFound"] * PER_CLIENT + ["RateLimited"]


async def test_rotating_the_header_through_the_gateway_meets_one_limit(
    zikao: RunningSystem,
) -> None:
    answers = await recoveries(zikao.url, "127.0.0.3", PER_CLIENT + 1)
    assert answers == ["NotFound"] * PER_CLIENT + ["RateLimited"]
