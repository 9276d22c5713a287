"""The subgraph client over real sockets (aiohttp's pool), and its JSON: orjson where it reads
and writes what the standard library would, the standard library where it would not."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from zikao_devrun import free_port_numbers
from zikao_gateway.subgraphs import SubgraphClient, SubgraphUnavailableError, decode, encode
from zikao_gateway.supergraph import Subgraph


@dataclass
class Seen:
    """What the test subgraph was sent: bodies, headers, and the client's port of each."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[Mapping[str, str]] = field(default_factory=list)  # case-insensitive
    ports: list[int] = field(default_factory=list)


SEEN = web.AppKey("seen", Seen)


async def answer(request: web.Request) -> web.StreamResponse:
    seen = request.app[SEEN]
    body = json.loads(await request.read())
    seen.bodies.append(body)
    seen.headers.append(request.headers.copy())
    seen.ports.append(request.transport.get_extra_info("peername")[1])  # type: ignore[union-attr]
    kind = body["query"]
    if kind == "echo":
        text = json.dumps({"data": {"variables": body["variables"]}}, ensure_ascii=False)
        return web.Response(text=text, content_type="application/json")
    if kind == "slow":
        await asyncio.sleep(1)
    if kind == "proxy error":
        return web.Response(status=502, text="<html>Bad Gateway</html>")
    return web.json_response({"data": None, "errors": [{"message": "unknown"}]})


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, Seen]]:
    app = web.Application()
    app[SEEN] = Seen()
    app.router.add_post("/graphql", answer)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/graphql")), app[SEEN]
    finally:
        await server.close()


@pytest.fixture
async def client(served: tuple[str, Seen]) -> AsyncIterator[SubgraphClient]:
    url, _ = served
    (free,) = free_port_numbers(1)
    subgraphs = {
        "LIB": Subgraph("LIB", "library", url),
        "GONE": Subgraph("GONE", "gone", f"http://127.0.0.1:{free}/graphql"),
    }
    client = SubgraphClient(subgraphs, timeout=0.3)
    yield client
    await client.aclose()


async def test_answers_over_one_kept_alive_connection(
    client: SubgraphClient, served: tuple[str, Seen]
) -> None:
    _, seen = served
    variables = {"name": "张三", "big": 2**70, "list": [1, 2.5, None, True]}
    for _ in range(3):
        answer = await client.post(
            "LIB", {"query": "echo", "variables": variables}, {"authorization": "Bearer t"}
        )
        assert answer == {"data": {"variables": variables}}
    assert len(set(seen.ports)) == 1  # one pooled connection, used three times
    assert seen.headers[0]["authorization"] == "Bearer t"
    assert seen.headers[0]["content-type"] == "application/json"
    assert "application/graphql-response+json" in seen.headers[0]["accept"]


async def test_a_body_that_is_not_graphql_is_unavailable(client: SubgraphClient) -> None:
    with pytest.raises(SubgraphUnavailableError) as caught:
        await client.post("LIB", {"query": "proxy error"}, {})
    assert (caught.value.subgraph, caught.value.reason) == (
        "library",
        "HTTP 502 without a GraphQL body",
    )


async def test_a_late_answer_is_a_timeout(client: SubgraphClient) -> None:
    with pytest.raises(SubgraphUnavailableError) as caught:
        await client.post("LIB", {"query": "slow"}, {})
    assert caught.value.reason == "timeout"
    answer = await client.post("LIB", {"query": "echo", "variables": {}}, {})
    assert answer == {"data": {"variables": {}}}  # the pool goes on after the cancelled call


async def test_a_refused_connection_is_unavailable(client: SubgraphClient) -> None:
    with pytest.raises(SubgraphUnavailableError) as caught:
        await client.post("GONE", {"query": "echo", "variables": {}}, {})
    assert caught.value.subgraph == "gone"
    assert caught.value.reason.startswith("Client")  # aiohttp's ClientConnectorError


@pytest.mark.parametrize(
    "text",
    [
        '{"data": {"a": [1, 2.5, "张三", null, true, {"b": -3}]}}',
        '{"n": 123456789012345678901234567890}',  # past 64 bits: orjson would read a float
        '{"n": -9223372036854775809, "m": 18446744073709551616}',
        '{"n": NaN, "i": Infinity}',  # refused by orjson
        '{"s": "\\ud800"}',  # a lone surrogate, refused by orjson
        '{"id": "5001031992030400151234"}',  # a long number in a string: either reads it
    ],
)
def test_decode_reads_as_the_standard_library(text: str) -> None:
    expected = json.loads(text)
    for raw in (text, text.encode()):
        decoded = decode(raw)
        assert json.dumps(decoded) == json.dumps(expected)
        assert [type(v) for v in _leaves(decoded)] == [type(v) for v in _leaves(expected)]


def test_decode_refuses_what_is_not_json() -> None:
    with pytest.raises(json.JSONDecodeError, match="Expecting value"):
        decode(b"<html>Bad Gateway</html>")


def test_encode_writes_utf8_and_integers_past_64_bits() -> None:
    assert encode({"name": "张三", "n": [1, None]}) == '{"name":"张三","n":[1,null]}'.encode()
    assert json.loads(encode({"n": 2**70})) == {"n": 2**70}


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _leaves(value[key])]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]
