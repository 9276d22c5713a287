"""ASGI pieces every process shares: request ids, access logs, health and metrics routes."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zikao_kit.logging import (
    REQUEST_ID_HEADER,
    clean_request_id,
    reset_request_id,
    set_request_id,
)

logger = logging.getLogger("zikao.http")
REQUESTS = Counter("zikao_http_requests_total", "HTTP requests", ["service", "path", "status"])
REQUEST_SECONDS = Histogram(
    "zikao_http_request_seconds", "HTTP request latency", ["service", "path"]
)

ReadinessCheck = Callable[[], Awaitable[None]]


class RequestIdMiddleware:
    """Takes the caller's `X-Request-Id` (or makes one), binds it for logs, echoes it back, and
    writes one access line per request: method, path without query string, status, duration."""

    def __init__(self, app: ASGIApp, *, service: str, quiet_paths: frozenset[str]) -> None:
        self.app = app
        self.service = service
        self.quiet_paths = quiet_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        raw = headers.get(REQUEST_ID_HEADER.encode())
        request_id = clean_request_id(raw.decode("latin-1") if raw else None)
        token = set_request_id(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, request_id)
            reset_request_id(token)

    def _record(self, scope: Scope, status: int, seconds: float, request_id: str) -> None:
        path = scope["path"]
        label = path if path in self.quiet_paths or path == "/graphql" else "other"
        REQUESTS.labels(self.service, label, str(status)).inc()
        REQUEST_SECONDS.labels(self.service, label).observe(seconds)
        if path not in self.quiet_paths:
            logger.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )


def health_routes(checks: dict[str, ReadinessCheck], *, metrics: bool = True) -> list[Route]:
    """`/healthz` (the process is alive), `/readyz` (each dependency answers), `/metrics`
    (left out when the app serves its own, as the gateway does)."""

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        failed = {}
        for name, check in checks.items():
            try:
                await check()
            except Exception as error:  # noqa: BLE001 - any failure means "not ready"
                failed[name] = type(error).__name__
        if failed:
            return JSONResponse({"status": "unavailable", "failed": failed}, status_code=503)
        return JSONResponse({"status": "ready", "checked": sorted(checks)})

    async def exposition(_: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    routes = [Route("/healthz", healthz), Route("/readyz", readyz)]
    return [*routes, Route("/metrics", exposition)] if metrics else routes


QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
