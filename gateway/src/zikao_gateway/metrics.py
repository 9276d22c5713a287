"""The gateway's Prometheus metrics: operations by name (count by outcome, latency) and subgraph
calls by subgraph (count by outcome, latency), served at `/metrics` to the configured networks.

Operation names are the client's choice, so they are labels only when they are GraphQL names of
at most 64 characters, and only the first `max_operations` distinct ones (the contract's 30-odd
operations fit many times over); any other name is counted under `other`. Each name's series
are made once: an operation costs one dict lookup, then an increment and an observation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from zikao_kit.network import TrustedProxies, client_address

OPERATION_NAME: Final = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
ANONYMOUS: Final = "anonymous"
OTHER: Final = "other"
MAX_OPERATIONS: Final = 200

OUTCOMES: Final = ("ok", "errors", "refused")
"""ok: an answer without errors; errors: one with errors (a subgraph's, a masked failure);
refused: never executed (a document that does not parse or validate, a limit, bad variables)."""
SUBGRAPH_OUTCOMES: Final = ("ok", "unavailable")


@dataclass(frozen=True, slots=True)
class Series:
    """One operation's or subgraph's counters (by outcome) and latency histogram."""

    counts: dict[str, Counter]
    seconds: Histogram

    def record(self, outcome: str, seconds: float) -> None:
        self.counts[outcome].inc()
        self.seconds.observe(seconds)


class GatewayMetrics:
    """The metrics of one gateway app, in a registry of its own (served beside the process's
    default registry, where kit's HTTP metrics are)."""

    def __init__(self, subgraphs: Iterable[str], max_operations: int = MAX_OPERATIONS) -> None:
        self.registry = CollectorRegistry()
        self.max_operations = max_operations
        self._operations = Counter(
            "zikao_gateway_operations",
            "GraphQL operations by name and outcome",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self._operation_seconds = Histogram(
            "zikao_gateway_operation_seconds",
            "GraphQL operation latency by name",
            ["operation"],
            registry=self.registry,
        )
        self._subgraph_calls = Counter(
            "zikao_gateway_subgraph_requests",
            "Requests to subgraphs by subgraph and outcome",
            ["subgraph", "outcome"],
            registry=self.registry,
        )
        self._subgraph_seconds = Histogram(
            "zikao_gateway_subgraph_request_seconds",
            "Subgraph request latency by subgraph",
            ["subgraph"],
            registry=self.registry,
        )
        self._names: dict[str, Series] = {}
        self._anonymous = self._operation_series(ANONYMOUS)
        self._other = self._operation_series(OTHER)
        self._subgraphs = {name: self._subgraph_series(name) for name in subgraphs}

    def operation(self, name: str | None) -> Series:
        """The series of operation ``name`` (made on its first sight, while there is room)."""
        if name is None:
            return self._anonymous
        series = self._names.get(name)
        if series is not None:
            return series
        if len(self._names) >= self.max_operations or not OPERATION_NAME.fullmatch(name):
            return self._other
        series = self._names[name] = self._operation_series(name)
        return series

    def subgraph(self, name: str) -> Series:
        """The series of subgraph ``name`` (the supergraph's, made at start)."""
        series = self._subgraphs.get(name)
        if series is None:
            series = self._subgraphs[name] = self._subgraph_series(name)
        return series

    def exposition(self) -> bytes:
        """The process's metrics and this gateway's, in Prometheus's text format."""
        return generate_latest(REGISTRY) + generate_latest(self.registry)

    def _operation_series(self, name: str) -> Series:
        counts = {outcome: self._operations.labels(name, outcome) for outcome in OUTCOMES}
        return Series(counts, self._operation_seconds.labels(name))

    def _subgraph_series(self, name: str) -> Series:
        counts = {o: self._subgraph_calls.labels(name, o) for o in SUBGRAPH_OUTCOMES}
        return Series(counts, self._subgraph_seconds.labels(name))


def metrics_route(
    metrics: GatewayMetrics, allowed: TrustedProxies, proxies: TrustedProxies
) -> Route:
    """`/metrics` for callers in ``allowed`` (the caller's address by kit's rule, so a client
    behind the load balancer is not taken for it); 403 for anyone else."""

    async def serve(request: Request) -> Response:
        peer = request.client.host if request.client else None
        caller = client_address(peer, request.headers.get("x-forwarded-for"), proxies)
        if not allowed.trusts(caller):
            return PlainTextResponse("forbidden", status_code=403)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", serve)
