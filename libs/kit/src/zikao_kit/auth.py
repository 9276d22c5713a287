"""Verifying the access tokens identity signs (EdDSA, `kid` header, keys published as JWKS)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import httpx
import jwt
from jwt.algorithms import OKPAlgorithm

from zikao_kit.errors import ForbiddenError, UnauthenticatedError

ALGORITHM = "EdDSA"
JWKS_TTL_SECONDS = 300.0
JWKS_REFRESH_FLOOR_SECONDS = 10.0
VERIFIED_TOKENS_KEPT = 20_000
"""Verified tokens a verifier remembers (each a few hundred bytes)."""
VERIFIED_TOKEN_SECONDS = 60.0
"""How long a verified token is known without a new check (a key withdrawn from the JWKS
stops its tokens within this time)."""


class Role(StrEnum):
    CANDIDATE = "candidate"
    STAFF = "staff"
    ADMIN = "admin"
    AUDITOR = "auditor"
    SERVICE = "service"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the verified token says."""

    subject: str
    role: Role
    region_code: str | None = None
    token_id: str | None = None
    expires_at: float = 0.0
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def candidate_id(self) -> uuid.UUID:
        if self.role is not Role.CANDIDATE:
            raise ForbiddenError("仅限考生本人操作")
        return uuid.UUID(self.subject)

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)


class KeySource(Protocol):
    async def key_for(self, kid: str) -> Any: ...


class StaticKeySource:
    """Keys known in process (identity verifies with its own public keys)."""

    def __init__(self, keys: dict[str, Any]) -> None:
        self._keys = keys

    async def key_for(self, kid: str) -> Any:
        return self._keys.get(kid)


class JwksKeySource:
    """Public keys fetched from identity's JWKS, cached, refetched when an unknown `kid` shows
    up (at most every few seconds, so forged `kid`s cannot hammer identity)."""

    def __init__(self, url: str, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self._client = client or httpx.AsyncClient(timeout=5.0)
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str) -> Any:
        age = time.monotonic() - self._fetched_at
        if kid not in self._keys or age > JWKS_TTL_SECONDS:
            await self._refresh(force=age > JWKS_TTL_SECONDS)
        return self._keys.get(kid)

    async def _refresh(self, *, force: bool) -> None:
        async with self._lock:
            if not force and time.monotonic() - self._fetched_at < JWKS_REFRESH_FLOOR_SECONDS:
                return
            try:
                response = await self._client.get(self.url)
                response.raise_for_status()
                keys = response.json()["keys"]
            except (httpx.HTTPError, KeyError, ValueError) as error:
                raise UnauthenticatedError("暂时无法验证登录状态，请稍后再试") from error
            self._keys = {k["kid"]: OKPAlgorithm.from_jwk(k) for k in keys if k.get("kid")}
            self._fetched_at = time.monotonic()

    async def aclose(self) -> None:
        await self._client.aclose()


class TokenVerifier:
    """Verifies access tokens; a token verified once is known again for a minute at most (and
    never past its expiry), so that a candidate polling their results is not verified anew on
    every request: the signature check is most of what a small read costs."""

    def __init__(
        self,
        keys: KeySource,
        *,
        issuer: str,
        audience: str,
        remember: int = VERIFIED_TOKENS_KEPT,
    ) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self._remember = remember
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        """The principal of a valid access token; `UnauthenticatedError` for anything else."""
        known = self._verified.get(token)
        if known is not None:
            principal, until = known
            if time.monotonic() < until and time.time() < principal.expires_at:
                return principal
            del self._verified[token]
        principal = await self._verify(token)
        if self._remember:
            now = time.monotonic()
            self._verified[token] = (principal, now + VERIFIED_TOKEN_SECONDS)
            if len(self._verified) > self._remember:
                self._verified.popitem(last=False)  # the oldest
            # and those past their minute (the oldest first: each is kept the same minute), so
            # that a quiet hour after a busy one does not hold the busy hour's tokens
            while next(iter(self._verified.values()))[1] <= now:
                self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> Principal:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as error:
            raise UnauthenticatedError("登录凭证无效，请重新登录") from error
        key = await self.keys.key_for(kid) if isinstance(kid, str) else None
        if key is None:
            raise UnauthenticatedError("登录凭证无效，请重新登录")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                audience=self.audience,
                options={"require": ["exp", "iat", "sub", "role"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise UnauthenticatedError("登录已过期，请重新登录") from error
        except jwt.PyJWTError as error:
            raise UnauthenticatedError("登录凭证无效，请重新登录") from error
        return principal_from_claims(claims)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(claims["role"])
    except ValueError as error:
        raise UnauthenticatedError("登录凭证无效，请重新登录") from error
    return Principal(
        subject=str(claims["sub"]),
        role=role,
        region_code=claims.get("region"),
        token_id=claims.get("jti"),
        expires_at=float(claims["exp"]),
        scopes=frozenset(claims.get("scope", "").split()),
    )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None when there is none."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError("登录凭证格式有误")
    return token.strip()
