import json
import logging

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from zikao_kit.http import QUIET_PATHS, RequestIdMiddleware, health_routes
from zikao_kit.logging import JsonFormatter, current_request_id


async def _echo(_: Request) -> PlainTextResponse:
    return PlainTextResponse(current_request_id() or "")


async def _fails() -> None:
    raise ConnectionError("down")


async def _passes() -> None:
    return None


def _app(ready: bool) -> Starlette:
    app = Starlette(
        routes=[Route("/echo", _echo), *health_routes({"db": _passes if ready else _fails})]
    )
    app.add_middleware(RequestIdMiddleware, service="test", quiet_paths=QUIET_PATHS)
    return app


async def _client(ready: bool = True) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(_app(ready)), base_url="http://t")


async def test_request_id_is_taken_echoed_and_bound(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, "zikao.http")
    async with await _client() as client:
        given = await client.get(
            "/echo?secret=500103199001011232", headers={"x-request-id": "abc-1"}
        )
        made = await client.get("/echo", headers={"x-request-id": "bad id with spaces"})
    assert given.text == "abc-1"
    assert given.headers["x-request-id"] == "abc-1"
    assert made.text == made.headers["x-request-id"] != "bad id with spaces"
    record = next(r for r in caplog.records if r.name == "zikao.http")
    line = JsonFormatter("test").format(record)
    entry = json.loads(line)
    assert entry["request_id"] == "abc-1"
    assert entry["path"] == "/echo"
    assert entry["status"] == 200
    assert "500103" not in line


async def test_health_and_readiness() -> None:
    async with await _client(ready=True) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert (await client.get("/readyz")).status_code == 200
        assert "zikao_http_requests_total" in (await client.get("/metrics")).text
    async with await _client(ready=False) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == {"db": "ConnectionError"}
