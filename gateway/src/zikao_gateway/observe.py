"""What the gateway tells about each GraphQL request: its operations' names and outcomes and
the subgraph calls made for it, counted in `GatewayMetrics` and written as one JSON log line
when the response is sent (method, path, status, duration, operation, outcome, subgraphs).
Never the query text, the variables or a header: names, outcomes, counts and durations only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx
from cross_web import AsyncHTTPRequestAdapter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from zikao_gateway.metrics import OPERATION_NAME, OTHER, GatewayMetrics
from zikao_gateway.operation import OperationError
from zikao_gateway.schema import GatewayContext, GatewaySchema
from zikao_gateway.subgraphs import SubgraphClient
from zikao_gateway.supergraph import Subgraph

logger = logging.getLogger("zikao.gateway.requests")


@dataclass(slots=True)
class SubgraphTally:
    calls: int = 0
    unavailable: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class Observation:
    """One request's operations (a batch holds several) and subgraph calls."""

    operations: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    subgraphs: dict[str, SubgraphTally] = field(default_factory=dict)

    def operation(self, name: str | None, outcome: str) -> None:
        self.operations.append(_loggable(name))
        self.outcomes.append(outcome)

    def subgraph_call(self, name: str, ok: bool, seconds: float) -> None:
        tally = self.subgraphs.get(name) or self.subgraphs.setdefault(name, SubgraphTally())
        tally.calls += 1
        tally.unavailable += not ok
        tally.seconds += seconds

    def fields(self) -> dict[str, object]:
        subgraphs = {
            name: {"calls": t.calls, "unavailable": t.unavailable, "ms": round(t.seconds * 1e3, 2)}
            for name, t in self.subgraphs.items()
        }
        return {
            "operation": ",".join(self.operations) or None,
            "outcome": ",".join(self.outcomes) or None,
            "subgraphs": subgraphs,
        }


_current: ContextVar[Observation | None] = ContextVar("zikao_gateway_observation", default=None)


def _loggable(name: str | None) -> str:
    if name is None:
        return "anonymous"
    return name if OPERATION_NAME.fullmatch(name) else OTHER


class ObserveMiddleware:
    """Around the GraphQL endpoint: an `Observation` for the request, then its log line (the
    access line of kit's request middleware, which is told to leave this path to us)."""

    def __init__(self, app: ASGIApp, *, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        observation = Observation()
        token = _current.set(observation)
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            _current.reset(token)
            duration_ms = round((time.perf_counter() - started) * 1e3, 2)
            request = {"method": scope["method"], "path": scope["path"], "status": status}
            logger.info(
                "request", extra={**request, "duration_ms": duration_ms, **observation.fields()}
            )


def outcome_of(result: ExecutionResult) -> str:
    if isinstance(result, PreExecutionError):
        return "refused"
    return "errors" if result.errors else "ok"


class ObservedGraphQL(GraphQL[GatewayContext, None]):
    """Strawberry's ASGI view timing each operation (each of a batch) by name: the request's
    `operationName`, else the name of the document's one operation."""

    metrics: GatewayMetrics | None = None

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GatewayContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        started = time.perf_counter()
        outcome = "refused"  # what Strawberry turns into a 400 (no query, no such operation)
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
            outcome = outcome_of(result)
            return result
        finally:
            name = request_data.operation_name or self._named_in(request_data.query)
            if self.metrics is not None:
                self.metrics.operation(name).record(outcome, time.perf_counter() - started)
            observation = _current.get()
            if observation is not None:
                observation.operation(name, outcome)

    def _named_in(self, query: str | None) -> str | None:
        """The name of the document's one operation (parsed already, so a cache hit)."""
        if not query or not isinstance(self.schema, GatewaySchema):
            return None
        try:
            operation = self.schema.gateway.operation(query, None)
        except OperationError:
            return None
        return operation.name.value if operation is not None and operation.name else None


class ObservedSubgraphClient(SubgraphClient):
    """The subgraph client timing each call by subgraph, for the metrics and the request."""

    def __init__(
        self,
        metrics: GatewayMetrics,
        subgraphs: Mapping[str, Subgraph],
        *,
        timeout: float,
        max_connections: int = 200,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            subgraphs, timeout=timeout, max_connections=max_connections, transport=transport
        )
        self.metrics = metrics

    async def post(
        self, graph: str, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        started = time.perf_counter()
        ok = False
        try:
            answer = await super().post(graph, body, headers)
            ok = True
            return answer
        finally:
            seconds = time.perf_counter() - started
            name = self.subgraphs[graph].name
            self.metrics.subgraph(name).record("ok" if ok else "unavailable", seconds)
            observation = _current.get()
            if observation is not None:
                observation.subgraph_call(name, ok, seconds)
