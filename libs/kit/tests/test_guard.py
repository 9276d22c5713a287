import json

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from zikao_kit.guard import InputGuardMiddleware, json_depth

reached: list[object] = []


async def _graphql(request: Request) -> JSONResponse:
    body = await request.body()
    reached.append(body)
    return JSONResponse({"data": {"ok": True}})


def _client() -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/graphql", _graphql, methods=["GET", "POST"])])
    app.add_middleware(InputGuardMiddleware)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t")


async def _post(raw: bytes) -> httpx.Response:
    reached.clear()
    async with _client() as client:
        return await client.post(
            "/graphql", content=raw, headers={"content-type": "application/json"}
        )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"query": "{ a }", "variables": {"x": "\\ud800"}}', "invalid_text"),
        (b'{"query": "{ a }", "variables": {"x": "a\\u0000b"}}', "invalid_text"),
        (b'{"query": "{ a(x: \\"\\\\u0000\\") }"}', "invalid_text"),
        (b'{"query": "{ a(x: \\"\\\\uD800\\") }"}', "invalid_text"),
        (b'{"query": "{ a }", "variables": {"\\udfff": 1}}', "invalid_text"),
        (
            b'{"query": "{ a }", "variables": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
            "too_deep",
        ),
        (b'{"query": ', "bad_json"),
    ],
)
async def test_bodies_no_service_can_handle_are_refused_before_graphql(
    raw: bytes, code: str
) -> None:
    response = await _post(raw)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert reached == []


async def test_a_huge_body_is_refused() -> None:
    response = await _post(b'{"query": "' + b"a" * 3_000_000 + b'"}')
    assert response.status_code == 413
    assert reached == []


async def test_get_parameters_are_checked_too() -> None:
    async with _client() as client:
        response = await client.get(
            "/graphql", params={"query": "{ a }", "variables": json.dumps({"x": "\x00"})}
        )
    assert response.json()["errors"][0]["extensions"]["code"] == "invalid_text"


@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=50,
    )
)
async def test_get_parameters_of_any_other_text_pass(text: str) -> None:
    """A Chinese name (or any text but NUL) in a GET request's parameters reaches GraphQL."""
    async with _client() as client:
        response = await client.get(
            "/graphql",
            params={"query": "{ a }", "variables": json.dumps({"name": text}), text: text},
        )
    assert response.status_code == 200, response.text


async def test_get_parameters_not_utf8_are_refused() -> None:
    async with _client() as client:
        response = await client.get("/graphql?query=%7B%20a%20%7D&x=%E4%B8")  # cut short
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "bad_query_string"


@given(
    text=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=200,
    )
)
async def test_any_other_text_passes_unchanged(text: str) -> None:
    raw = json.dumps({"query": "{ a }", "variables": {"x": text, "y": [[{"z": text}]]}}).encode()
    response = await _post(raw)
    assert response.status_code == 200
    assert reached == [raw]


@given(depth=st.integers(min_value=0, max_value=80))
def test_depth_is_counted_outside_strings(depth: int) -> None:
    raw = '{"a": "[[[{{{", "b": ' + "[" * depth + "]" * depth + "}"
    assert json_depth(raw) == depth + 1
