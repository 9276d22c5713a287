"""The gateway's Starlette app: `/graphql` served by Strawberry's view, health, metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from zikao_gateway.auth import Authenticator
from zikao_gateway.edge import Client
from zikao_gateway.gateway import Gateway
from zikao_gateway.hardening import harden
from zikao_gateway.kept import KeptAnswers
from zikao_gateway.metrics import GatewayMetrics, metrics_route
from zikao_gateway.observe import ObservedGraphQL, ObservedSubgraphClient, ObserveMiddleware
from zikao_gateway.schema import GatewayContext, GatewaySchema
from zikao_gateway.settings import GatewaySettings
from zikao_gateway.subgraphs import decode, encode
from zikao_gateway.supergraph import load_supergraph
from zikao_kit.errors import UnauthenticatedError
from zikao_kit.graphiql import OfflineGraphiQL, graphiql_routes
from zikao_kit.http import QUIET_PATHS, RequestIdMiddleware, health_routes
from zikao_kit.logging import REQUEST_ID_HEADER, configure_logging, current_request_id
from zikao_kit.network import FORWARDED_FOR, TrustedProxies, client_address

GRAPHQL_RESPONSE = "application/graphql-response+json"
FORWARDED_HEADERS = ("authorization",)
QUIET = QUIET_PATHS | {"/graphql"}


def caller_address(request: Request | WebSocket, proxies: TrustedProxies) -> str:
    """The caller's address by kit's one rule: the peer's, unless the peer is a configured
    load balancer (then what it appended to `X-Forwarded-For`)."""
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get(FORWARDED_FOR), proxies)


def refusal_status(response_data: object) -> int:
    """A refused request's status: 401 where the gateway refused the caller's token, else 400."""
    errors = response_data.get("errors") if isinstance(response_data, dict) else None
    codes = {(e.get("extensions") or {}).get("code") for e in errors or () if isinstance(e, dict)}
    return 401 if UnauthenticatedError.code in codes else 400


class GatewayGraphQL(OfflineGraphiQL, ObservedGraphQL):
    """Strawberry's ASGI view with GraphQL-over-HTTP media types: a client that accepts
    `application/graphql-response+json` gets it, and a request error (a document that does not
    parse or validate or is too large, bad variables, a plan past its timeout) then answers
    400; `application/json` clients get 200.
    Subgraphs get the caller's token, the request id and the caller's address (for identity's
    per-client limits) in `X-Forwarded-For`."""

    proxies = TrustedProxies()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GatewayContext:
        request_id = current_request_id()
        headers = {
            name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers
        }
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        address = headers[FORWARDED_FOR] = caller_address(request, self.proxies)
        sub_response = response if isinstance(response, Response) else None
        client = Client(address, request.headers.get("authorization"), sub_response)
        return GatewayContext(headers=headers, request_id=request_id, client=client)

    def encode_json(self, data: object) -> bytes:
        return encode(data)

    def decode_json(self, data: str | bytes) -> object:
        return decode(data)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        processed = await super().process_result(request, result)
        if isinstance(result, PreExecutionError):
            processed.pop("data", None)
        return processed

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        accept = request.headers.get("accept", "")
        sub_response.media_type = GRAPHQL_RESPONSE if GRAPHQL_RESPONSE in accept else None
        return sub_response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            refused = isinstance(response_data, dict) and "data" not in response_data
            if refused and not sub_response.status_code:  # a 429 stays one
                response.status_code = refusal_status(response_data)
        return response


def create_app(
    settings: GatewaySettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> Starlette:
    """The gateway over the supergraph named in ``settings`` (``transport`` is for tests that
    serve subgraphs, and identity's keys, in-process)."""
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.log_level)
    supergraph = load_supergraph(settings.supergraph).with_urls(settings.subgraph_urls())
    names = (subgraph.name for subgraph in supergraph.subgraphs.values())
    metrics = GatewayMetrics(names, settings.metrics_max_operations)
    client = ObservedSubgraphClient(
        metrics,
        supergraph.subgraphs,
        timeout=settings.subgraph_timeout_seconds,
        max_connections=settings.max_connections,
        transport=transport,
    )
    kept = (
        KeptAnswers(settings.kept_answers, settings.kept_answer_seconds)
        if settings.kept_answers
        else None
    )
    authenticator = Authenticator.over_jwks(
        settings.keys_url(supergraph),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        transport=transport,
    )
    hardening = harden(settings)
    hardening.recognise_staff(authenticator)
    gateway = Gateway(
        supergraph,
        client,
        cache_size=settings.cache_size,
        plan_timeout=settings.plan_timeout_seconds,
        authenticator=authenticator,
        limits=settings.limits,
        kept=kept,
    )
    view = GatewayGraphQL(
        GatewaySchema(gateway, hardening.edge, hardening.max_batch),
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        subscription_protocols=(),
    )
    view.proxies = settings.proxies
    view.metrics = metrics

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.gateway = gateway
        hardening.start()
        listening = None
        if kept is not None:
            redis = Redis.from_url(settings.redis_url)
            listening = asyncio.create_task(kept.listen(redis), name="kept-answers")
        try:
            yield
        finally:
            if listening is not None:
                listening.cancel()
                await asyncio.gather(listening, return_exceptions=True)
                await redis.aclose()
            await gateway.aclose()
            await client.aclose()
            await authenticator.aclose()
            await hardening.aclose()

    async def supergraph_loaded() -> None:
        """Ready once the supergraph is loaded (it is, if the app exists): a subgraph that is
        down costs its part of each answer, not the whole gateway."""

    return Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            *health_routes({"supergraph": supergraph_loaded}, metrics=False),
            metrics_route(metrics, settings.metrics_allowed, settings.proxies),
            *graphiql_routes(settings.graphiql_enabled),
        ],
        middleware=[
            # the GraphQL endpoint's access line is ObserveMiddleware's, with the operation
            Middleware(RequestIdMiddleware, service="gateway", quiet_paths=QUIET),
            Middleware(ObserveMiddleware),
            *hardening.middleware,
        ],
        lifespan=lifespan,
    )
