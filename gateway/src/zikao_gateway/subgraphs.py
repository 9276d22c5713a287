"""HTTP to the subgraphs: one pooled keep-alive client, a timeout per call, forwarded headers."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from zikao_gateway.supergraph import Subgraph

logger = logging.getLogger("zikao.gateway.subgraphs")
ACCEPT = "application/graphql-response+json, application/json"


class SubgraphUnavailableError(Exception):
    """A subgraph did not answer in time, or not with a GraphQL response."""

    def __init__(self, subgraph: str, reason: str) -> None:
        super().__init__(f"{subgraph}: {reason}")
        self.subgraph = subgraph
        self.reason = reason


class SubgraphClient:
    """Posts GraphQL requests to the subgraphs over one connection pool."""

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
        limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            limits=limits,
            transport=transport,
            trust_env=False,
        )

    async def post(
        self, graph: str, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """The subgraph's JSON answer (``data``/``errors``), or SubgraphUnavailableError."""
        subgraph = self.subgraphs[graph]
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._client.post(
                    subgraph.url,
                    content=json.dumps(body, ensure_ascii=False).encode(),
                    headers={
                        "content-type": "application/json",
                        "accept": ACCEPT,
                        **headers,
                    },
                )
        except (TimeoutError, httpx.TimeoutException):
            raise _unavailable(subgraph.name, "timeout") from None
        except httpx.HTTPError as error:
            raise _unavailable(subgraph.name, type(error).__name__) from None
        return _graphql_body(subgraph.name, response)

    async def aclose(self) -> None:
        await self._client.aclose()


def _unavailable(name: str, reason: str) -> SubgraphUnavailableError:
    logger.warning("subgraph unavailable", extra={"subgraph": name, "reason": reason})
    return SubgraphUnavailableError(name, reason)


def _graphql_body(name: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        raise _unavailable(name, f"HTTP {response.status_code} without a GraphQL body")
    return body
