"""Per-client limits key on the caller's address by kit's one rule: `X-Forwarded-For` counts only
when the peer is a trusted proxy (`ZIKAO_TRUSTED_PROXIES`), so a caller cannot rotate it to
get more attempts."""

from typing import Any

import pytest
from redis.asyncio import Redis

from zikao_identity.deps import IdentityDeps
from zikao_identity.schema import schema
from zikao_identity.testing import NEW_CAPTCHA, RECOVER, an_id_number, captcha_for, http_request
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context

LIMIT = 3


@pytest.fixture
def strict(deps: IdentityDeps, redis: Redis) -> IdentityDeps:
    settings = deps.settings.model_copy(update={"recovery_per_client": LIMIT})
    return IdentityDeps.create(settings, redis, deps.vault, deps.signer)


async def _recover(
    db: Sessionmaker, redis: Redis, deps: IdentityDeps, peer: str, forwarded: str, number: str
) -> Any:
    async def run(query: str, variables: dict[str, Any]) -> Any:
        extras = {"vault": deps.vault, "deps": deps}
        context = make_context(db, redis, deps.settings, extras=extras)
        context.request = http_request(peer, forwarded)
        result = await schema.execute(query, variable_values=variables, context_value=context)
        assert result.errors is None, result.errors
        return result.data

    captcha = captcha_for(await run(NEW_CAPTCHA, {}))
    variables = {"name": "王五", "id": number, "captcha": captcha}
    return (await run(RECOVER, variables))["recoverTicketNumber"]


async def test_an_untrusted_caller_rotating_the_header_meets_one_limit(
    db: Sessionmaker, redis: Redis, strict: IdentityDeps
) -> None:
    answers = [
        await _recover(db, redis, strict, "203.0.113.7", f"198.51.100.{i}", an_id_number(601 + i))
        for i in range(LIMIT + 1)
    ]
    assert [a["__typename"] for a in answers] == ["NotFound"] * LIMIT + ["RateLimited"]


async def test_behind_the_trusted_gateway_each_client_has_its_own_limit(
    db: Sessionmaker, redis: Redis, strict: IdentityDeps
) -> None:
    answers = [
        await _recover(db, redis, strict, "127.0.0.1", f"198.51.100.{i}", an_id_number(611 + i))
        for i in range(LIMIT + 1)
    ]
    assert [a["__typename"] for a in answers] == ["NotFound"] * (LIMIT + 1)
    # A client that writes its own X-Forwarded-For before the gateway's entry changes nothing.
    spoofed = [
        await _recover(
            db, redis, strict, "127.0.0.1", f"10.9.9.{i}, 198.51.100.77", an_id_number(621 + i)
        )
        for i in range(LIMIT + 1)
    ]
    assert [a["__typename"] for a in spoofed] == ["NotFound"] * LIMIT + ["RateLimited"]
