"""The gateway's edge: what is refused before any subgraph is called, and by which code.

Over HTTP (`EdgeMiddleware`, after kit's input guard has read the body within its limit):
- `csrf_preflight_required` (400): a POST that is not `application/json` and has neither an
  `x-zikao-client` nor an `apollo-require-preflight` header: what an HTML form or any other
  cross-site "simple" request can send without the browser asking first;
- `unsupported_media_type` (415): a POST with such a header that is still not JSON;
- `batching_disabled` (400): a JSON array body while `GATEWAY_MAX_BATCH` is 0;
- `too_many_operations` (400): a batch of more than `GATEWAY_MAX_BATCH` operations;
- `persisted_document_not_found` (400): a `documentId` (a POST's, or a GET's parameter) that
  the manifest does not hold.

Per operation (`Edge.admit`, on the document parsed once and cached):
- `document_not_trusted`: trusted documents are on, the caller is not staff, and the text is
  not one of the manifest's;
- `introspection_disabled`: production, the caller is not staff, and the operation selects
  `__schema` or `__type`;
- `rate_limited` (429, `Retry-After`, `extensions.retryAfterSeconds`): a limit of the
  caller's address is reached (ratelimit.py);
- `rate_limit_unavailable` (429, `Retry-After`): Redis is unreachable and the operation logs
  in or recovers.

Mutations over GET are refused by Strawberry's view (400), never executed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zikao_gateway.executor import Json
from zikao_gateway.gateway import Gateway
from zikao_gateway.ratelimit import RateLimiter, Refusal
from zikao_gateway.trusted import TrustedDocuments

PREFLIGHT_HEADERS = ("x-zikao-client", "apollo-require-preflight")
INTROSPECTION = frozenset({"__schema", "__type"})
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class EdgeRefusedError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


StaffCheck = Callable[[str | None], Awaitable[bool]]
"""Whether an `Authorization` header holds a verified token of staff (any role but candidate)."""


@dataclass
class Client:
    """Who sends the request, as far as the edge needs to know: the address rate limits count,
    the `Authorization` header, whether its verified token says staff (decided when first
    needed), and the response (for `Retry-After` and 429)."""

    address: str
    authorization: str | None = None
    response: Response | None = None
    staff: bool | None = None


@dataclass
class Edge:
    """The per-operation checks; each part is off when None (development, tests)."""

    trusted: TrustedDocuments | None = None
    limiter: RateLimiter | None = None
    production: bool = False
    staff_check: StaffCheck | None = None

    async def admit(
        self, gateway: Gateway, query: str, operation_name: str | None, client: Client
    ) -> list[Json] | None:
        """The errors refusing this operation, or None when it may run."""
        if self.trusted is not None and not self.trusted.trusts(query):
            if not await self.is_staff(client):
                return [refusal("document_not_trusted", "只接受客户端登记过的操作")]
        roots = _roots(gateway, query, operation_name)
        if self.production and INTROSPECTION.intersection(roots):
            if not await self.is_staff(client):
                return [refusal("introspection_disabled", "不提供内省查询")]
        if self.limiter is not None:
            refused = await self.limiter.hit(client.address, roots)
            if refused is not None:
                return [_rate_limited(refused, client)]
        return None

    async def is_staff(self, client: Client) -> bool:
        """Whether the client's token verifies as staff's; asked once a request, and only
        where it matters (a candidate sending the manifest's operations costs no check)."""
        if client.staff is None:
            check = self.staff_check
            client.staff = check is not None and await check(client.authorization)
        return client.staff

    async def shown(self, errors: Sequence[Json], client: Client) -> list[Json]:
        """``errors`` as ``client`` may see them: no field suggestions ("Did you mean …")
        for candidates and anonymous callers in production."""
        if not self.production or not any(_suggests(e) for e in errors):
            return list(errors)
        if await self.is_staff(client):
            return list(errors)
        return [_without_suggestion(error) for error in errors]


def _roots(gateway: Gateway, query: str, operation_name: str | None) -> dict[str, int]:
    document = gateway.document(query)
    if operation_name is None and len(document.roots) == 1:
        return dict(next(iter(document.roots.values())))
    return dict(document.roots.get(operation_name, {}))


def _rate_limited(refused: Refusal, client: Client) -> Json:
    if client.response is not None:
        client.response.headers["retry-after"] = str(refused.retry_after)
        client.response.status_code = 429
    message = f"请求过于频繁，请 {refused.retry_after} 秒后再试"
    error = refusal(refused.code, message)
    error["extensions"] = {"code": refused.code, "retryAfterSeconds": refused.retry_after}
    return error


def _suggests(error: Json) -> bool:
    message = error.get("message")
    return isinstance(message, str) and "Did you mean" in message


def _without_suggestion(error: Json) -> Json:
    if _suggests(error):
        return {**error, "message": _SUGGESTION.sub("", str(error["message"]))}
    return error


def refusal(code: str, message: str) -> Json:
    return {"message": message, "extensions": {"code": code}}


@dataclass
class EdgeMiddleware:
    """The HTTP checks above, on `/graphql`; the body is rewritten only where a `documentId`
    is resolved (by the manifest, whoever asks: trust is decided per operation)."""

    app: ASGIApp
    trusted: TrustedDocuments | None = None
    max_batch: int = 0
    paths: frozenset[str] = field(default=frozenset({"/graphql"}))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        try:
            if scope["method"] == "POST":
                check_preflight(Headers(scope=scope))
                receive = await self._resolved(receive)
            elif b"documentId" in scope.get("query_string", b""):
                scope = {**scope, "query_string": self._resolved_query_string(scope)}
        except EdgeRefusedError as refused:
            await answer_refusal(refused, scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _resolved(self, receive: Receive) -> Receive:
        message = await receive()
        body: bytes = message.get("body", b"")
        while message.get("more_body", False):  # kit's guard passes one message; others may not
            message = await receive()
            body += message.get("body", b"")
        message = {"type": "http.request", "body": body}
        batch = body.lstrip()[:1] == b"["
        if batch and not self.max_batch:
            raise EdgeRefusedError("batching_disabled", "不接受批量请求")
        if not batch and b'"documentId"' not in body:
            return _replay(message, receive)
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _replay(message, receive)  # Strawberry answers it
        if isinstance(data, list) and len(data) > self.max_batch:
            raise EdgeRefusedError("too_many_operations", f"批量请求最多 {self.max_batch} 个操作")
        items = data if isinstance(data, list) else [data]
        resolved = [self._resolve(item) for item in items]
        body = orjson.dumps(resolved if isinstance(data, list) else resolved[0])
        return _replay({**message, "body": body}, receive)

    def _resolved_query_string(self, scope: Scope) -> bytes:
        """A GET's `documentId` parameter, as the `query` it stands for."""
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        params = self._resolve(dict(pairs))
        return urlencode(params).encode("latin-1")

    def _resolve(self, item: Any) -> Any:
        if not isinstance(item, dict) or "documentId" not in item or "query" in item:
            return item
        document_id = item["documentId"]
        text = self.trusted.by_id.get(document_id) if self.trusted else None
        if text is None or not isinstance(document_id, str):
            raise EdgeRefusedError("persisted_document_not_found", "未登记的操作编号")
        return {**{k: v for k, v in item.items() if k != "documentId"}, "query": text}


def check_preflight(headers: Headers) -> None:
    """A POST that a browser sends cross-site without asking first (a form, text/plain) is
    refused: JSON, or a header that forces the preflight."""
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/json":
        return
    if not any(headers.get(name) for name in PREFLIGHT_HEADERS):
        raise EdgeRefusedError(
            "csrf_preflight_required",
            "请求须为 application/json，或带 x-zikao-client 请求头",
        )
    raise EdgeRefusedError("unsupported_media_type", "请求须为 application/json", status=415)


def _replay(message: Message, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {**message, "more_body": False}
        return await receive()

    return replay


async def answer_refusal(
    refused: EdgeRefusedError, scope: Scope, receive: Receive, send: Send
) -> None:
    body = orjson.dumps({"errors": [refusal(refused.code, refused.message)]})
    response = Response(body, refused.status, media_type="application/json")
    await response(scope, receive, send)
