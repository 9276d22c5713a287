"""The gateway over HTTP: Strawberry's view on Starlette, GraphQL-over-HTTP media types."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from zikao_gateway.app import create_app
from zikao_gateway.settings import GatewaySettings
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, InProcessSubgraphs

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
async def http(subgraphs: InProcessSubgraphs) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(supergraph=LIBRARY_SUPERGRAPH)
    app = create_app(settings, transport=subgraphs)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client


async def test_post_answers_with_the_graphql_response_media_type(
    http: httpx.AsyncClient, subgraphs: InProcessSubgraphs
) -> None:
    response = await http.post(
        "/graphql",
        json={
            "query": "query Q($n: Int!) { books(first: $n) { title stock } }",
            "variables": {"n": 1},
        },
        headers={
            "accept": f"{GRAPHQL_RESPONSE}, application/json",
            "authorization": "Bearer t0ken",
            "x-request-id": "http-test-1",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    assert response.headers["x-request-id"] == "http-test-1"
    assert response.json() == {"data": {"books": [{"title": "Book 1", "stock": 1}]}}
    assert [h["x-request-id"] for h in subgraphs.headers] == ["http-test-1", "http-test-1"]
    assert {h["authorization"] for h in subgraphs.headers} == {"Bearer t0ken"}
    assert {h["x-forwarded-for"] for h in subgraphs.headers} == {"127.0.0.1"}


@pytest.mark.parametrize(
    ("trusted", "forwarded", "seen"),
    [
        ("", "6.6.6.6", "127.0.0.1"),  # no proxy in front: a client's own header is ignored
        ("127.0.0.1", "6.6.6.6, 10.0.0.7", "10.0.0.7"),  # what the load balancer appended
        ("127.0.0.1, 10.0.0.1", "6.6.6.6, 10.0.0.7, 10.0.0.1", "10.0.0.7"),
        ("127.0.0.1", None, "127.0.0.1"),
        ("10.0.0.0/8", "6.6.6.6", "127.0.0.1"),  # the peer is no configured proxy
    ],
)
async def test_subgraphs_see_the_callers_address(
    subgraphs: InProcessSubgraphs, trusted: str, forwarded: str | None, seen: str
) -> None:
    settings = GatewaySettings(supergraph=LIBRARY_SUPERGRAPH, trusted_proxies=trusted)
    app = create_app(settings, transport=subgraphs)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        await client.post(
            "/graphql", json={"query": "{ books(first: 1) { isbn } }"}, headers=headers
        )
    assert [h["x-forwarded-for"] for h in subgraphs.headers] == [seen]


async def test_plain_json_clients_get_application_json(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ books(first: 1) { isbn } }"})
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"] == {"books": [{"isbn": "978-0001"}]}


async def test_get_serves_queries_only(http: httpx.AsyncClient) -> None:
    query = await http.get("/graphql", params={"query": "{ books(first: 1) { title } }"})
    assert query.status_code == 200
    assert query.json() == {"data": {"books": [{"title": "Book 1"}]}}
    mutation = await http.get(
        "/graphql", params={"query": 'mutation { addBook(title: "x") { __typename } }'}
    )
    assert mutation.status_code in (400, 405)


async def test_request_errors_are_400_for_graphql_response_clients(
    http: httpx.AsyncClient,
) -> None:
    body = {"query": "{ books { nope } }"}
    strict = await http.post("/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE})
    assert strict.status_code == 400
    assert "data" not in strict.json()
    assert strict.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    legacy = await http.post("/graphql", json=body, headers={"accept": "application/json"})
    assert legacy.status_code == 200


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checked"] == ["supergraph"]


async def test_graphiql_outside_production_only(subgraphs: InProcessSubgraphs) -> None:
    for env, expected in (("development", 200), ("production", 404)):
        keys = "http://identity:8001/.well-known/jwks.json"  # production refuses none
        settings = GatewaySettings(supergraph=LIBRARY_SUPERGRAPH, env=env, jwks_url=keys)
        transport = httpx.ASGITransport(app=create_app(settings, transport=subgraphs))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            response = await client.get("/graphql", headers={"accept": "text/html"})
        assert response.status_code == expected


def test_subgraph_urls_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("IDENTITY_URL", "DOCUMENTS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RECORDS_URL", "http://records.internal/graphql")
    assert GatewaySettings().subgraph_urls() == {"records": "http://records.internal/graphql"}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            b'{"query": "{ books(first: 1) { title } }", "variables": {"x": "\\ud800"}}',
            "invalid_text",
        ),
        (b'{"query": "{ books(first: 1) { title(x: \\"\\\\u0000\\") } }"}', "invalid_text"),
        (
            b'{"query": "{ a }", "variables": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}",
            "too_deep",
        ),
    ],
)
async def test_text_no_service_can_keep_is_refused_before_any_subgraph(
    subgraphs: InProcessSubgraphs, http: httpx.AsyncClient, body: bytes, code: str
) -> None:
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert subgraphs.headers == []
