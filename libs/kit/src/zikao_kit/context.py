"""The per-request context every resolver sees as `info.context`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from zikao_kit.answer_cache import Hints
from zikao_kit.auth import Principal, Role
from zikao_kit.errors import ForbiddenError, UnauthenticatedError
from zikao_kit.network import FORWARDED_FOR, UNKNOWN, client_address

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from starlette.requests import Request
    from starlette.responses import Response

    from zikao_kit.db import Sessionmaker
    from zikao_kit.settings import ServiceSettings

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class Context:
    request: Request | None
    response: Response | None
    db: Sessionmaker
    redis: Redis
    request_id: str
    settings: ServiceSettings
    extras: dict[str, Any]
    principal: Principal | None = None
    auth_error: UnauthenticatedError | None = None
    _loaders: dict[str, DataLoader[Any, Any]] = field(default_factory=dict)
    # What this request's resolvers said about keeping its answer (`zikao_kit.answer_cache`);
    # `extras` is the app's, shared by every request.
    answer_hints: Hints | None = None

    def require_principal(self, *roles: Role) -> Principal:
        """The caller, who must be signed in (and hold one of `roles`, when given)."""
        if self.auth_error is not None:
            raise self.auth_error
        if self.principal is None:
            raise UnauthenticatedError()
        if roles and self.principal.role not in roles:
            raise ForbiddenError()
        return self.principal

    def client_address(self) -> str:
        """The caller's address by the one rule of `zikao_kit.network` (proxies trusted only
        when configured)."""
        request = self.request
        if request is None:
            return UNKNOWN
        peer = request.client.host if request.client else None
        return client_address(peer, request.headers.get(FORWARDED_FOR), self.settings.proxies)

    def loader(
        self, name: str, load: Callable[[Sequence[K]], Awaitable[Sequence[V]]]
    ) -> DataLoader[K, V]:
        """A DataLoader living for this request only, created on first use under `name`."""
        existing = self._loaders.get(name)
        if existing is None:
            existing = DataLoader(load_fn=load)
            self._loaders[name] = existing
        return existing
