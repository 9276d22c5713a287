"""What the gateway tells about each request: per-operation and per-subgraph metrics at
`/metrics` (for the configured networks only) and one JSON log line, without variables or
tokens."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from zikao_gateway.app import create_app
from zikao_gateway.settings import GatewaySettings
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, InProcessSubgraphs

SECRET_VARIABLE = "variable-that-must-not-be-logged"
SECRET_TOKEN = "token-that-must-not-be-logged"
BOOKS = "query Shelf($n: Int!) { books(first: $n) { title stock } }"


@asynccontextmanager
async def gateway(
    subgraphs: InProcessSubgraphs, client: str = "127.0.0.1", **settings: object
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(GatewaySettings(supergraph=LIBRARY_SUPERGRAPH, **settings), subgraphs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http


async def metric(http: httpx.AsyncClient, name: str, **labels: str) -> float | None:
    response = await http.get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return None


def log_lines(err: str) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "zikao.gateway.requests"]


async def test_operations_and_subgraph_calls_are_counted_and_timed(
    subgraphs: InProcessSubgraphs,
) -> None:
    async with gateway(subgraphs) as http:
        for _ in range(2):
            await http.post("/graphql", json={"query": BOOKS, "variables": {"n": 2}})
        invalid = {"query": "query Shelf { books { nope } }", "operationName": "Shelf"}
        await http.post("/graphql", json=invalid)
        count = await metric(
            http, "zikao_gateway_operations_total", operation="Shelf", outcome="ok"
        )
        refused = await metric(
            http, "zikao_gateway_operations_total", operation="Shelf", outcome="refused"
        )
        timed = await metric(http, "zikao_gateway_operation_seconds_count", operation="Shelf")
        catalog = await metric(
            http, "zikao_gateway_subgraph_requests_total", subgraph="catalog", outcome="ok"
        )
        inventory = await metric(
            http, "zikao_gateway_subgraph_request_seconds_count", subgraph="inventory"
        )
    assert (count, refused, timed) == (2, 1, 3)
    assert (catalog, inventory) == (2, 2)


async def test_a_subgraph_that_is_down_is_counted_unavailable(
    subgraphs: InProcessSubgraphs,
) -> None:
    subgraphs.down.add("inventory")
    async with gateway(subgraphs) as http:
        answer = await http.post("/graphql", json={"query": BOOKS, "variables": {"n": 1}})
        down = await metric(
            http,
            "zikao_gateway_subgraph_requests_total",
            subgraph="inventory",
            outcome="unavailable",
        )
        errors = await metric(
            http, "zikao_gateway_operations_total", operation="Shelf", outcome="errors"
        )
    assert answer.json()["errors"]
    assert (down, errors) == (1, 1)


async def test_one_log_line_per_request_without_variables_or_tokens(
    subgraphs: InProcessSubgraphs, capsys: pytest.CaptureFixture[str]
) -> None:
    async with gateway(subgraphs) as http:
        await http.post(
            "/graphql",
            json={"query": BOOKS, "variables": {"n": 1, "unused": SECRET_VARIABLE}},
            headers={"authorization": f"Bearer {SECRET_TOKEN}", "x-request-id": "observe-1"},
        )
        await http.post(
            "/graphql",
            json={"query": "{ books(first: 1) { isbn } }", "operationName": 'a"\nb'},
            headers={"x-request-id": "observe-2"},
        )
    err = capsys.readouterr().err
    assert SECRET_VARIABLE not in err
    assert SECRET_TOKEN not in err
    first, second = log_lines(err)
    assert first["request_id"] == "observe-1"
    assert (first["operation"], first["outcome"], first["status"]) == ("Shelf", "ok", 200)
    assert first["method"] == "POST"
    assert isinstance(first["duration_ms"], float)
    calls = first["subgraphs"]
    assert isinstance(calls, dict)
    assert {name: (c["calls"], c["unavailable"]) for name, c in calls.items()} == {
        "catalog": (1, 0),
        "inventory": (1, 0),
    }
    assert all(c["ms"] > 0 for c in calls.values())
    assert (second["operation"], second["outcome"], second["status"]) == ("other", "refused", 400)
    assert second["subgraphs"] == {}


async def test_an_unnamed_request_is_counted_under_its_documents_operation_name(
    subgraphs: InProcessSubgraphs,
) -> None:
    async with gateway(subgraphs) as http:
        await http.post("/graphql", json={"query": BOOKS, "variables": {"n": 1}})
        await http.post("/graphql", json={"query": "{ books(first: 1) { isbn } }"})
        named = await metric(
            http, "zikao_gateway_operations_total", operation="Shelf", outcome="ok"
        )
        anonymous = await metric(
            http, "zikao_gateway_operations_total", operation="anonymous", outcome="ok"
        )
    assert (named, anonymous) == (1, 1)


@pytest.mark.parametrize(
    ("client", "networks", "forwarded", "status"),
    [
        ("127.0.0.1", None, None, 200),  # loopback by default
        ("10.1.2.3", None, None, 403),
        ("10.1.2.3", "10.0.0.0/8", None, 200),
        ("127.0.0.1", "", None, 403),  # nobody
        ("6.6.6.6", None, "127.0.0.1", 403),  # a client's own X-Forwarded-For is not believed
    ],
)
async def test_metrics_only_for_the_configured_networks(
    subgraphs: InProcessSubgraphs,
    client: str,
    networks: str | None,
    forwarded: str | None,
    status: int,
) -> None:
    settings = {} if networks is None else {"metrics_networks": networks}
    headers = {"x-forwarded-for": forwarded} if forwarded else {}
    async with gateway(subgraphs, client, **settings) as http:
        response = await http.get("/metrics", headers=headers)
    assert response.status_code == status
    if status == 200:
        assert "zikao_gateway_operations_total" in response.text
