"""HTTP to the subgraphs: one pooled keep-alive client, a timeout per call, forwarded headers.

Requests go through aiohttp's connection pool, bodies are encoded and answers decoded with
orjson. (httpx's pool, used before, checked every idle connection's socket on each request:
under load that was most of the gateway's CPU; `make bench-gateway` measures it.) Tests that
serve the subgraphs in-process pass an httpx transport instead, which is used as it is.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx
import orjson

from zikao_gateway.supergraph import Subgraph

logger = logging.getLogger("zikao.gateway.subgraphs")
ACCEPT = "application/graphql-response+json, application/json"
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19
KEEP_ALIVE_SECONDS = 4.0
"""How long an idle connection is kept: less than the 5 s after which uvicorn and Node close
theirs, so that a request is not sent down a connection the subgraph is closing."""


class SubgraphUnavailableError(Exception):
    """A subgraph did not answer in time, or not with a GraphQL response."""

    def __init__(self, subgraph: str, reason: str) -> None:
        super().__init__(f"{subgraph}: {reason}")
        self.subgraph = subgraph
        self.reason = reason


class SubgraphClient:
    """Posts GraphQL requests to the subgraphs over one connection pool (made on first use,
    on the running event loop)."""

    def __init__(
        self,
        subgraphs: Mapping[str, Subgraph],
        *,
        timeout: float,
        max_connections: int = 200,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.subgraphs = dict(subgraphs)
        self.timeout = timeout
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._in_process: httpx.AsyncClient | None = None
        if transport is not None:
            self._in_process = httpx.AsyncClient(
                timeout=httpx.Timeout(timeout), transport=transport, trust_env=False
            )

    async def post(
        self, graph: str, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """The subgraph's JSON answer (``data``/``errors``), or SubgraphUnavailableError."""
        subgraph = self.subgraphs[graph]
        content = encode(body)
        request_headers = {"content-type": "application/json", "accept": ACCEPT, **headers}
        try:
            async with asyncio.timeout(self.timeout):
                if self._in_process is not None:
                    answer = await self._in_process.post(
                        subgraph.url, content=content, headers=request_headers
                    )
                    status, raw = answer.status_code, answer.content
                else:
                    session = self._session or self._open()
                    async with session.post(
                        subgraph.url, data=content, headers=request_headers
                    ) as response:
                        status, raw = response.status, await response.read()
        except (TimeoutError, httpx.TimeoutException):
            raise _unavailable(subgraph.name, "timeout") from None
        except (aiohttp.ClientError, httpx.HTTPError) as error:
            raise _unavailable(subgraph.name, type(error).__name__) from None
        return _graphql_body(subgraph.name, status, raw)

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self.max_connections, limit_per_host=0, keepalive_timeout=KEEP_ALIVE_SECONDS
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=None),  # asyncio.timeout bounds each call
            trust_env=False,
            skip_auto_headers=("User-Agent",),
        )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._in_process is not None:
            await self._in_process.aclose()


def encode(value: Any) -> bytes:
    """``value`` as JSON (UTF-8, no spaces); orjson, or the standard library for what orjson
    refuses (integers past 64 bits, which a custom scalar's variable may hold)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def decode(raw: bytes | str) -> Any:
    """JSON text as the standard library reads it, by orjson where that gives the same: not
    where a number may pass 64 bits (orjson reads it as a float) nor where orjson refuses the
    text (NaN, a lone surrogate), which go to the standard library."""
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    # 19 digits in a row, found by translating every digit to 0 (a regex took longer than
    # the standard library's whole decoding).
    if _LONG_NUMBER not in data.translate(_DIGITS_AS_ZERO):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(raw)


def _unavailable(name: str, reason: str) -> SubgraphUnavailableError:
    logger.warning("subgraph unavailable", extra={"subgraph": name, "reason": reason})
    return SubgraphUnavailableError(name, reason)


def _graphql_body(name: str, status: int, raw: bytes) -> dict[str, Any]:
    try:
        body = decode(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        raise _unavailable(name, f"HTTP {status} without a GraphQL body")
    return body
