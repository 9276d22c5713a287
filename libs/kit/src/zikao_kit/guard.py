"""The first check of every GraphQL request body, before any parser or resolver sees it.

JSON may carry what no later layer handles: a lone surrogate (`"\\ud800"`, valid JSON, but text
that cannot be encoded back), a NUL character (PostgreSQL refuses it in text), or nesting deep
enough to exhaust the parser's recursion. Each is refused here with HTTP 400 and a stable
`extensions.code`, so nothing behind it runs and nothing changes.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_DEPTH = 64
INVALID_TEXT = "请求含有无法处理的字符（空字符或不成对的代理项）"
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
# What a GraphQL string literal can spell with escapes: NUL and the surrogate range.
_ESCAPED_BAD = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF][0-9a-fA-F]{2}|\{0+\})")
_SURROGATE = re.compile("[\ud800-\udfff]")


class RequestRefusedError(Exception):
    """A request refused before GraphQL: an HTTP status and a stable code."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def json_depth(raw: bytes | str) -> int:
    """How deeply arrays and objects nest in `raw`, counted without parsing (brackets inside
    strings do not count)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def check_text(value: str) -> None:
    """`RequestRefusedError` for text no service can keep: NUL, lone surrogates, and the
    GraphQL escapes that spell them."""
    if "\x00" in value or _SURROGATE.search(value):
        raise RequestRefusedError(
            "invalid_text", "请求含有无法处理的字符（空字符或不成对的代理项）"
        )
    if "\\u" in value and _ESCAPED_BAD.search(value):
        raise RequestRefusedError(
            "invalid_text", "请求含有无法处理的字符（空字符或不成对的代理项）"
        )


def check_value(value: Any) -> None:
    """`check_text` on every string (keys too) of a parsed JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            check_text(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                check_text(key)
                stack.append(inner)
        elif isinstance(item, list):
            stack.extend(item)


def check_json_body(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The parsed body, once it is JSON of sane depth whose every string can be stored."""
    # Counting brackets is cheap; the character walk runs only when they could nest too deep.
    if raw.count(b"[") + raw.count(b"{") > max_depth and json_depth(raw) > max_depth:
        raise RequestRefusedError("too_deep", f"请求嵌套过深（最多 {max_depth} 层）")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise RequestRefusedError("bad_json", "请求不是有效的 JSON") from error
    check_value(value)
    return value


def check_query_string(query_string: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> None:
    """The same checks on a GET request's parameters (`variables` and `extensions` are JSON)."""
    try:
        # Each byte (raw or %-escaped) one latin-1 character, then the whole as strict UTF-8:
        # a Chinese name passes, a broken sequence is refused.
        pairs = [
            (key.encode("latin-1").decode("utf-8"), value.encode("latin-1").decode("utf-8"))
            for key, value in parse_qsl(
                query_string.decode("latin-1"),
                keep_blank_values=True,
                encoding="latin-1",
                errors="strict",
            )
        ]
    except (UnicodeError, ValueError) as error:
        raise RequestRefusedError("bad_query_string", "请求参数编码有误") from error
    for key, text in pairs:
        check_text(key)
        if key in ("variables", "extensions") and text:
            check_json_body(text.encode(), max_depth=max_depth)
        else:
            check_text(text)


class InputGuardMiddleware:
    """Checks the body (or query string) of requests to `paths` as above; answers 400 with a
    GraphQL-shaped error and a stable code, or passes the buffered body on unchanged."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        paths: frozenset[str] = frozenset({"/graphql"}),
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_depth: int = MAX_JSON_DEPTH,
    ) -> None:
        self.app = app
        self.paths = paths
        self.max_body_bytes = max_body_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        try:
            check_query_string(scope.get("query_string", b""), max_depth=self.max_depth)
            body = await self._read_body(receive)
            if body and _is_json(scope):
                check_json_body(body, max_depth=self.max_depth)
        except RequestRefusedError as refused:
            await _refuse(refused, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise RequestRefusedError("disconnected", "连接已断开")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise RequestRefusedError(
                    "body_too_large", f"请求过大（最多 {self.max_body_bytes} 字节）", status=413
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, then the connection's own messages (a disconnect, when it comes)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(refused: RequestRefusedError, send: Send) -> None:
    body = json.dumps(
        {"errors": [{"message": refused.message, "extensions": {"code": refused.code}}]},
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": refused.status,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
