"""The caller of each request, from the access token that identity signed.

The gateway verifies the token with `zikao_kit.auth` (identity's JWKS, cached, fetched again for
an unknown `kid`, and no token passes while identity cannot be reached to fetch it), before
anything else: a bad, expired or forged token is refused as `unauthenticated` and no subgraph
is asked. No token is an anonymous caller. The subgraphs are still sent the token and verify it
themselves. The verifier remembers a verified token for a minute (never past its expiry), and
what the auth directives see of a caller is worked out only for documents that hold guarded
fields.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from zikao_gateway.authorization import Access, access_of
from zikao_kit.auth import JwksKeySource, Principal, TokenVerifier, bearer_token
from zikao_kit.errors import UnauthenticatedError

logger = logging.getLogger("zikao.gateway")
JWKS_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Caller:
    """Who sent a request (``principal`` None: anonymous)."""

    principal: Principal | None = None

    @property
    def access(self) -> Access:
        """What the auth directives see of the caller."""
        return access_of(self.principal)


NOBODY = Caller()


class Authenticator:
    """Turns a request's `Authorization` header into its `Caller`. Without a ``verifier`` the
    gateway verifies no token (the subgraphs still do) and every caller is anonymous."""

    def __init__(self, verifier: TokenVerifier | None) -> None:
        self.verifier = verifier

    @classmethod
    def over_jwks(
        cls,
        url: str | None,
        *,
        issuer: str,
        audience: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Authenticator:
        """Verifying with the keys published at ``url`` (None: verifying nothing)."""
        if url is None:
            logger.warning("no JWKS URL: the gateway verifies no token, every caller is anonymous")
            return cls(None)
        client = httpx.AsyncClient(timeout=JWKS_TIMEOUT_SECONDS, transport=transport)
        keys = JwksKeySource(url, client)
        return cls(TokenVerifier(keys, issuer=issuer, audience=audience))

    async def caller(self, authorization: str | None) -> Caller:
        """The caller; `UnauthenticatedError` for a token that does not verify."""
        if self.verifier is None:
            return NOBODY
        token = bearer_token(authorization)
        if token is None:
            return NOBODY
        return Caller(await self.verifier.verify(token))

    async def aclose(self) -> None:
        keys = self.verifier.keys if self.verifier is not None else None
        if isinstance(keys, JwksKeySource):
            await keys.aclose()


def unauthenticated_error(error: UnauthenticatedError, request_id: str | None) -> dict[str, Any]:
    extensions: dict[str, Any] = {"code": error.code}
    if request_id:
        extensions["requestId"] = request_id
    return {"message": error.message, "extensions": extensions}
