"""The system the cases attack: its gateways, the services' ports, and what a case needs to
set up its victims (identity's signing key, the database, the payment notification key)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis.asyncio import Redis
from sqlalchemy.engine import make_url

from zikao_devrun import Ports
from zikao_devrun.zikao import base_url
from zikao_identity.tokens import TokenSigner
from zikao_kit.auth import ALGORITHM, Role

ACCEPT = "application/graphql-response+json, application/json"
CAPTCHA_ANSWER = "TEST"  # the services run with isolated_env's test answer
ATTACKER = "127.0.0.66"
"""The loopback address every attack comes from: the per-client limits it uses up (the
gateway's and identity's, which key on the caller's address) are no other test's."""
NEW_CAPTCHA = "mutation NewCaptcha { newCaptcha { id image expiresAt } }"


@dataclass(frozen=True)
class Gateway:
    """A gateway process: its /graphql address and the prefix of its Redis keys (where a case
    empties its rate-limit buckets)."""

    url: str
    redis_prefix: str | None = None


@dataclass
class Target:
    """`main`: the system's gateway (test settings, limits never reached); `limited`: one with
    low rate limits and batches of five over the same services; `production`: one with
    ZIKAO_ENV=production (trusted documents, no introspection) and batches of five."""

    main: Gateway
    limited: Gateway
    production: Gateway
    ports: Ports
    signer: TokenSigner
    database_url: str
    redis_url: str
    notify_key: str
    storage_dir: Path
    jwt_key: Path
    client: httpx.AsyncClient = field(
        default_factory=lambda: httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(local_address=ATTACKER),
            timeout=60,
            trust_env=False,
        )
    )
    built: dict[str, Any] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def service(self, name: str) -> str:
        return base_url(self.ports.of(name))

    def token(self, subject: str, role: Role = Role.CANDIDATE, region: str | None = None) -> str:
        """An access token signed with identity's own key, as log-in would issue it."""
        return self.signer.issue(subject=subject, role=role, minutes=5, region_code=region).token

    def sign(self, claims: dict[str, Any]) -> str:
        """`claims` signed with identity's own key (to forge everything but the signature)."""
        key = serialization.load_pem_private_key(self.jwt_key.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise TypeError("identity's key is an Ed25519 key")
        return jwt.encode(claims, key, ALGORITHM, headers={"kid": self.signer.kid})

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One GraphQL request as JSON (to the main gateway unless `url`)."""
        sent = {"accept": ACCEPT, **(headers or {})}
        if token:
            sent["authorization"] = f"Bearer {token}"
        body = {"query": query, "variables": variables or {}}
        return await self.client.post(url or self.main.url, json=body, headers=sent)

    async def captcha(self, url: str | None = None) -> dict[str, str]:
        """A fresh captcha and the answer the test settings accept."""
        issued = (await self.post(NEW_CAPTCHA, url=url)).json()["data"]["newCaptcha"]
        return {"id": issued["id"], "answer": CAPTCHA_ANSWER}

    async def fresh_limits(self, gateway: Gateway) -> None:
        """Forgets the gateway's rate-limit counts, so a case starts with every bucket empty
        (all cases come from the one loopback address)."""
        if not gateway.redis_prefix:
            raise ValueError("the gateway's Redis prefix is unknown")
        redis = Redis.from_url(self.redis_url)
        try:
            keys = [key async for key in redis.scan_iter(match=f"{gateway.redis_prefix}*")]
            if keys:
                await redis.delete(*keys)
        finally:
            await redis.aclose()

    async def rows(self, table: str) -> int:
        """How many rows `table` (schema-qualified, one of ours) holds now."""
        dsn = make_url(self.database_url).set(drivername="postgresql")
        connection = await asyncpg.connect(dsn.render_as_string(hide_password=False))
        try:
            count: int = await connection.fetchval(f"SELECT count(*) FROM {table}")
        finally:
            await connection.close()
        return count

    async def close(self) -> None:
        await self.client.aclose()
