"""The edge as the settings configure it: the middleware in front of `/graphql` (body size,
CSRF, batches, document ids) and the per-operation checks (trusted documents, introspection,
rate limits); see edge.py for what each refuses."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from starlette.middleware import Middleware

from zikao_gateway.auth import Authenticator
from zikao_gateway.edge import Edge, EdgeMiddleware, StaffCheck
from zikao_gateway.ratelimit import RateLimiter
from zikao_gateway.settings import GatewaySettings
from zikao_gateway.trusted import TrustedDocuments
from zikao_kit.auth import Role
from zikao_kit.errors import UnauthenticatedError
from zikao_kit.guard import InputGuardMiddleware

REDIS_TIMEOUT_SECONDS = 0.5
"""A Redis that does not answer costs each request this much at most (then fail open or
closed, see ratelimit.py)."""
UNLIMITED_BODY = 2**62


@dataclass
class Hardening:
    edge: Edge
    middleware: list[Middleware]
    max_batch: int
    settings: GatewaySettings

    def start(self) -> None:
        """The rate limiter's Redis client, made at start-up (the app's lifespan) so that it
        is closed at shutdown; an app never started counts nothing."""
        if self.settings.rate_limits:
            redis = Redis.from_url(
                self.settings.redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            rates = self.settings.rate
            self.edge.limiter = RateLimiter(redis, rates, self.settings.redis_prefix)

    def recognise_staff(self, authenticator: Authenticator) -> None:
        """Staff (any verified role but candidate) may send any operation and see the schema:
        the edge asks ``authenticator`` when that matters."""
        self.edge.staff_check = staff_check(authenticator)

    async def aclose(self) -> None:
        if self.edge.limiter is not None:
            await self.edge.limiter.aclose()
            self.edge.limiter = None


def harden(settings: GatewaySettings) -> Hardening:
    """Raises at start when trusted documents are required and the manifest is missing."""
    manifest_path = settings.trusted_documents_file
    if settings.trusted_documents_only or manifest_path.exists():
        manifest: TrustedDocuments | None = TrustedDocuments.load(manifest_path)
    else:
        manifest = None
    edge = Edge(
        trusted=manifest if settings.trusted_documents_only else None,
        production=settings.is_production,
    )
    middleware = [
        # NUL, lone surrogates, deep JSON and huge bodies: refused before any parsing
        Middleware(InputGuardMiddleware, max_body_bytes=settings.max_body_bytes or UNLIMITED_BODY),
        Middleware(EdgeMiddleware, trusted=manifest, max_batch=settings.max_batch),
    ]
    return Hardening(edge, middleware, settings.max_batch, settings)


def staff_check(authenticator: Authenticator) -> StaffCheck:
    async def is_staff(authorization: str | None) -> bool:
        if not authorization:
            return False
        try:
            principal = (await authenticator.caller(authorization)).principal
        except UnauthenticatedError:
            return False  # the gateway refuses the token itself, if the edge lets it by
        return principal is not None and principal.role is not Role.CANDIDATE

    return is_staff
