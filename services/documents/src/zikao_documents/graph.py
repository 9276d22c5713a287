"""Reading the other subgraphs with a service token: documents asks identity for one by its
client credentials (`serviceToken`), keeps it until shortly before it expires, and sends it
to identity's and records' `/graphql` (their `_entities` and root fields, by the one read rule
of `zikao_kit.access`: internal services read every candidate)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

import httpx

from zikao_documents.settings import DocumentsSettings
from zikao_kit.errors import ConflictError
from zikao_kit.logging import REQUEST_ID_HEADER, current_request_id

logger = logging.getLogger("zikao.documents.graph")
TOKEN_MARGIN_SECONDS = 60.0
SERVICE_TOKEN = """mutation($id: String!, $secret: String!) {
  serviceToken(clientId: $id, clientSecret: $secret) {
    __typename ... on ServiceTokenIssued { accessToken expiresAt } ... on Problem { code }
  }
}"""


class UpstreamError(ConflictError):
    """Another subgraph could not answer (down, slow, or it refused us): try again later. Its
    message names no data; the log names the subgraph and the error's type or code."""

    code = "service_unavailable"
    default_message = "相关服务暂时不可用，请稍后再试"


class GraphClient:
    """Calls to identity and records on behalf of documents (one per process)."""

    def __init__(self, settings: DocumentsSettings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._http = http or httpx.AsyncClient(timeout=settings.upstream_timeout_seconds)
        self._token: tuple[str, float] | None = None
        self._lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def identity(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return await self._call("identity", self.settings.identity_url, query, variables)

    async def records(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return await self._call("records", self.settings.records_url, query, variables)

    async def identity_as(
        self, token: str, query: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        """Identity answering the caller's own token."""
        return await self._call("identity", self.settings.identity_url, query, variables, token)

    async def records_as(self, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """Records answering the caller's own token (staff's lists: records scopes them)."""
        return await self._call("records", self.settings.records_url, query, variables, token)

    async def _call(
        self, name: str, url: str, query: str, variables: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        token = token or await self._service_token()
        body = await self._post(name, url, query, variables, token)
        errors = body.get("errors")
        if errors:
            codes = sorted({str((e.get("extensions") or {}).get("code")) for e in errors})
            logger.warning("subgraph refused", extra={"subgraph": name, "codes": codes})
            raise UpstreamError()
        data = body.get("data")
        if not isinstance(data, dict):
            raise UpstreamError()
        return data

    async def _post(
        self, name: str, url: str, query: str, variables: dict[str, Any], token: str | None
    ) -> dict[str, Any]:
        headers = {"accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        request_id = current_request_id()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        try:
            response = await self._http.post(
                url, json={"query": query, "variables": variables}, headers=headers
            )
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            logger.warning(
                "subgraph unavailable", extra={"subgraph": name, "error": type(error).__name__}
            )
            raise UpstreamError() from error
        if not isinstance(body, dict):
            raise UpstreamError()
        return body

    async def _service_token(self) -> str:
        async with self._lock:
            if self._token is None or self._token[1] - TOKEN_MARGIN_SECONDS < time.time():
                self._token = await self._fetch_token()
            return self._token[0]

    async def _fetch_token(self) -> tuple[str, float]:
        settings = self.settings
        variables = {"id": settings.service_client_id, "secret": settings.service_client_secret}
        body = await self._post("identity", settings.identity_url, SERVICE_TOKEN, variables, None)
        answer = (body.get("data") or {}).get("serviceToken") or {}
        if answer.get("__typename") != "ServiceTokenIssued":
            logger.error("no service token", extra={"code": answer.get("code")})
            raise UpstreamError()
        expires = datetime.fromisoformat(answer["expiresAt"]).timestamp()
        return str(answer["accessToken"]), expires
