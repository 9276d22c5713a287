"""The edge over HTTP: CSRF, body size, batches, document ids, trusted documents,
introspection and field suggestions, each refused with its code and nothing asked of any
subgraph."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from zikao_gateway.app import create_app
from zikao_gateway.edge import Client, Edge
from zikao_gateway.gateway import Gateway
from zikao_gateway.settings import GatewaySettings
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, InProcessSubgraphs
from zikao_gateway.trusted import document_id, manifest, split_operations

BOOKS = "query Books { books(first: 1) { title } }"
BOOK = '{ book(isbn: "978-0001") { title } }'
ADD = 'mutation Add { addBook(title: "x") { __typename } }'


@asynccontextmanager
async def serve(subgraphs: InProcessSubgraphs, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app over the in-process subgraphs, started (rate limits off unless asked for)."""
    settings.setdefault("rate_limits", False)
    app = create_app(
        GatewaySettings(supergraph=LIBRARY_SUPERGRAPH, **settings), transport=subgraphs
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http


@pytest.fixture
def library_manifest(tmp_path: Path) -> Path:
    """A manifest of two library operations, as `make trusted-documents` writes one."""
    path = tmp_path / "trusted-documents.json"
    path.write_text(json.dumps(manifest(f"{BOOKS}\n{ADD}")), encoding="utf-8")
    return path


def code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", f"query={ADD}"),
        (
            "multipart/form-data; boundary=b",
            f'--b\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ADD}\r\n--b--\r\n',
        ),
        ("text/plain", json.dumps({"query": ADD})),
        ("text/plain;charset=UTF-8", json.dumps({"query": ADD})),
        ("", json.dumps({"query": ADD})),
    ],
)
async def test_an_html_form_gets_nothing_done(
    subgraphs: InProcessSubgraphs, content_type: str, body: str
) -> None:
    async with serve(subgraphs) as http:
        response = await http.post(
            "/graphql", content=body.encode(), headers={"content-type": content_type}
        )
    assert response.status_code == 400
    assert code(response) == "csrf_preflight_required"
    assert subgraphs.requests == []


async def test_a_preflighted_request_that_is_not_json_is_unsupported(
    subgraphs: InProcessSubgraphs,
) -> None:
    async with serve(subgraphs) as http:
        response = await http.post(
            "/graphql",
            content=f"query={ADD}",
            headers={"content-type": "text/plain", "x-zikao-client": "web"},
        )
    assert response.status_code == 415
    assert code(response) == "unsupported_media_type"
    assert subgraphs.requests == []


async def test_no_mutation_over_get(subgraphs: InProcessSubgraphs) -> None:
    async with serve(subgraphs) as http:
        response = await http.get("/graphql", params={"query": ADD})
        assert response.status_code == 400
        assert subgraphs.requests == []
        query = await http.get("/graphql", params={"query": BOOKS})
    assert query.json() == {"data": {"books": [{"title": "Book 1"}]}}


async def test_a_five_megabyte_body_is_refused_while_it_is_read(
    subgraphs: InProcessSubgraphs,
) -> None:
    padding = "x" * (5 * 2**20)
    async with serve(subgraphs) as http:
        response = await http.post("/graphql", json={"query": BOOKS, "variables": {"p": padding}})
    assert response.status_code == 413
    assert code(response) == "body_too_large"
    assert subgraphs.requests == []


async def test_the_body_limit_is_a_setting(subgraphs: InProcessSubgraphs) -> None:
    async with serve(subgraphs, max_body_bytes=100) as http:
        small = await http.post("/graphql", json={"query": BOOKS})
        large = await http.post("/graphql", json={"query": BOOKS, "variables": {"p": "x" * 100}})
    assert small.status_code == 200
    assert code(large) == "body_too_large"


async def test_batches_are_off_by_default(subgraphs: InProcessSubgraphs) -> None:
    async with serve(subgraphs) as http:
        response = await http.post("/graphql", json=[{"query": BOOKS}, {"query": BOOKS}])
    assert response.status_code == 400
    assert code(response) == "batching_disabled"
    assert subgraphs.requests == []


async def test_batches_are_limited_when_on(subgraphs: InProcessSubgraphs) -> None:
    async with serve(subgraphs, max_batch=2) as http:
        two = await http.post("/graphql", json=[{"query": BOOKS}, {"query": BOOKS}])
        three = await http.post("/graphql", json=[{"query": BOOKS}] * 3)
    assert [r["data"] for r in two.json()] == [{"books": [{"title": "Book 1"}]}] * 2
    assert code(three) == "too_many_operations"


async def test_a_document_id_is_read_from_the_manifest(
    subgraphs: InProcessSubgraphs, library_manifest: Path
) -> None:
    books = document_id(split_operations(BOOKS)["Books"])
    async with serve(subgraphs, trusted_documents_file=library_manifest) as http:
        known = await http.post("/graphql", json={"documentId": books, "variables": {}})
        unknown = await http.post("/graphql", json={"documentId": "sha256:" + "0" * 64})
    assert known.json() == {"data": {"books": [{"title": "Book 1"}]}}
    assert unknown.status_code == 400
    assert code(unknown) == "persisted_document_not_found"


async def test_a_get_may_name_a_query_by_its_id_and_no_mutation(
    subgraphs: InProcessSubgraphs, library_manifest: Path
) -> None:
    books = document_id(split_operations(BOOKS)["Books"])
    add = document_id(split_operations(ADD)["Add"])
    async with serve(subgraphs, trusted_documents_file=library_manifest) as http:
        known = await http.get("/graphql", params={"documentId": books})
        mutation = await http.get("/graphql", params={"documentId": add})
        unknown = await http.get("/graphql", params={"documentId": "sha256:00"})
    assert known.json() == {"data": {"books": [{"title": "Book 1"}]}}
    assert mutation.status_code == 400
    assert code(unknown) == "persisted_document_not_found"
    assert len(subgraphs.requests) == 1


async def test_trusted_documents_only_take_the_manifests_operations(
    subgraphs: InProcessSubgraphs, library_manifest: Path
) -> None:
    on = {"trusted_documents": True, "trusted_documents_file": library_manifest}
    text = split_operations(BOOKS)["Books"]  # as printed, not as written above
    async with serve(subgraphs, **on) as http:
        trusted = await http.post("/graphql", json={"query": text})
        changed = await http.post("/graphql", json={"query": text + " "})
        other = await http.post("/graphql", json={"query": "{ books { title stock } }"})
    assert trusted.json() == {"data": {"books": [{"title": "Book 1"}]}}
    assert code(changed) == "document_not_trusted"
    assert code(other) == "document_not_trusted"
    assert len(subgraphs.requests) == 1


async def test_production_takes_no_introspection_from_anonymous_callers(
    subgraphs: InProcessSubgraphs, library_manifest: Path
) -> None:
    production = {
        "env": "production",
        "trusted_documents_file": library_manifest,
        "jwks_url": "http://identity:8001/.well-known/jwks.json",
    }
    async with serve(subgraphs, rate_limits=True, **production) as http:
        response = await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    assert code(response) == "document_not_trusted"


async def test_introspection_and_suggestions_are_for_staff_in_production(
    gateway: Gateway,
) -> None:
    edge = Edge(production=True)
    introspection = "{ __schema { types { name } } }"
    anonymous, staff = Client("10.0.0.1"), Client("10.0.0.2", staff=True)
    refused = await edge.admit(gateway, introspection, None, anonymous)
    assert refused is not None
    assert refused[0]["extensions"] == {"code": "introspection_disabled"}
    assert await edge.admit(gateway, introspection, None, staff) is None
    typo = gateway.document("{ book { titel } }").errors
    assert "Did you mean" in str(typo[0]["message"])
    assert "Did you mean" not in str((await edge.shown(typo, anonymous))[0]["message"])
    assert await edge.shown(typo, staff) == list(typo)
    assert await Edge(production=False).shown(typo, anonymous) == list(typo)


async def test_rate_limits_answer_429_and_when_to_retry(subgraphs: InProcessSubgraphs) -> None:
    limits = {"rate_limits": True, "rate_limit_field": 2, "max_batch": 3}
    async with serve(subgraphs, redis_prefix=f"test-{uuid.uuid4().hex}", **limits) as http:
        answers = [await http.post("/graphql", json={"query": BOOKS}) for _ in range(2)]
        refused = await http.post("/graphql", json={"query": BOOKS})
        asked = len(subgraphs.requests)
        batch = await http.post("/graphql", json=[{"query": BOOK}] * 3)
    assert [a.status_code for a in answers] == [200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["errors"][0]["extensions"] == {
        "code": "rate_limited",
        "retryAfterSeconds": int(refused.headers["retry-after"]),
    }
    assert asked == 2
    # each operation of a batch counts: one `book` of three is refused
    codes = [r["errors"][0]["extensions"]["code"] for r in batch.json() if "errors" in r]
    assert codes == ["rate_limited"]


@pytest.mark.parametrize(
    ("trusted", "first", "second", "shared"),
    [
        ("", "6.6.6.6", "7.7.7.7", True),  # no proxy in front: a client's own header is ignored
        ("127.0.0.1", "6.6.6.6", "7.7.7.7", False),  # what the load balancer appended counts
        ("127.0.0.1", "6.6.6.6, 8.8.8.8", "7.7.7.7, 8.8.8.8", True),  # the nearest untrusted hop
    ],
)
async def test_rate_limits_count_the_address_kit_believes(
    subgraphs: InProcessSubgraphs, trusted: str, first: str, second: str, shared: bool
) -> None:
    limits = {"rate_limits": True, "rate_limit_field": 1, "trusted_proxies": trusted}
    async with serve(subgraphs, redis_prefix=f"test-{uuid.uuid4().hex}", **limits) as http:
        one = await http.post("/graphql", json={"query": BOOKS}, headers={"x-forwarded-for": first})
        two = await http.post(
            "/graphql", json={"query": BOOKS}, headers={"x-forwarded-for": second}
        )
    assert one.status_code == 200
    assert two.status_code == (429 if shared else 200)
