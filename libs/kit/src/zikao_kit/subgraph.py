"""The Starlette app of a subgraph service: lifespan, GraphQL route, health, request ids."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import strawberry
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from zikao_kit.auth import JwksKeySource, TokenVerifier
from zikao_kit.context import Context
from zikao_kit.db import Sessionmaker, create_engine, create_sessionmaker
from zikao_kit.graphiql import graphiql_routes
from zikao_kit.graphql import SubgraphGraphQL
from zikao_kit.guard import InputGuardMiddleware
from zikao_kit.http import QUIET_PATHS, RequestIdMiddleware, health_routes
from zikao_kit.logging import configure_logging, current_request_id, new_request_id
from zikao_kit.settings import ServiceSettings


@dataclass
class ServiceState:
    """What a running service holds for its whole life (typed, on `app.state.zikao`)."""

    settings: ServiceSettings
    engine: AsyncEngine
    db: Sessionmaker
    redis: Redis
    verifier: TokenVerifier
    extras: dict[str, Any] = field(default_factory=dict)


VerifierFactory = Callable[[ServiceSettings], TokenVerifier]
StartupHook = Callable[[ServiceState], Awaitable[None]]


def jwks_verifier(settings: ServiceSettings) -> TokenVerifier:
    return TokenVerifier(
        JwksKeySource(settings.jwks_url), issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )


def open_state(
    settings: ServiceSettings, schema_name: str, verifier: TokenVerifier
) -> ServiceState:
    engine = create_engine(
        settings.database_url, schema=schema_name, pool_size=settings.db_pool_size
    )
    return ServiceState(
        settings=settings,
        engine=engine,
        db=create_sessionmaker(engine),
        redis=Redis.from_url(settings.redis_url),
        verifier=verifier,
    )


async def close_state(state: ServiceState) -> None:
    await state.redis.aclose()
    await state.engine.dispose()
    keys = state.verifier.keys
    if isinstance(keys, JwksKeySource):
        await keys.aclose()


def create_subgraph_app(
    *,
    name: str,
    schema_name: str,
    settings: ServiceSettings,
    schema: strawberry.federation.Schema,
    routes: Sequence[BaseRoute] = (),
    verifier_factory: VerifierFactory = jwks_verifier,
    on_startup: Sequence[StartupHook] = (),
) -> Starlette:
    """A subgraph: `/graphql`, `/healthz`, `/readyz`, `/metrics` and the service's own routes."""
    configure_logging(name, settings.log_level)
    holder: dict[str, ServiceState] = {}

    def state() -> ServiceState:
        return holder["state"]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        holder["state"] = app.state.zikao = open_state(
            settings, schema_name, verifier_factory(settings)
        )
        for hook in on_startup:
            await hook(holder["state"])
        try:
            yield
        finally:
            await close_state(holder.pop("state"))

    def make_context(request: Request, response: Response | None) -> Context:
        current = state()
        return Context(
            request=request,
            response=response,
            db=current.db,
            redis=current.redis,
            request_id=current_request_id() or new_request_id(),
            settings=current.settings,
            extras=current.extras,
        )

    async def database_ready() -> None:
        async with state().engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def redis_ready() -> None:
        await state().redis.ping()

    graphql_app = SubgraphGraphQL(
        schema,
        verifier=lambda: state().verifier,
        make_context=make_context,
        graphiql=settings.graphiql_enabled,
    )
    return Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            *health_routes({"database": database_ready, "redis": redis_ready}),
            *graphiql_routes(settings.graphiql_enabled),
            *routes,
        ],
        middleware=[
            Middleware(RequestIdMiddleware, service=name, quiet_paths=QUIET_PATHS),
            Middleware(InputGuardMiddleware),
        ],
        lifespan=lifespan,
    )
