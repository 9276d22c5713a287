"""The Python gateway and Hive Gateway answer the same when a subgraph breaks its own schema.

Zikao's subgraphs never send a null for a non-null field, so these cases run over the gateway
tests' library subgraphs, served over HTTP by this test with answers tampered with, and composed
by Zikao's composer into a supergraph that points at them. Hive Gateway runs over that
supergraph; ours is the gateway engine over the same supergraph and the same HTTP subgraphs.
`data` must be equal, `errors` equal as (path, extensions.code) pairs, in order.

Not compared, because Hive does not answer them as GraphQL says: a missing (not null) value,
which Hive fetches again through `_entities`, and a client alias on a key field's name, which
Hive sends to the subgraph as written (the subgraph refuses the clashing selection).
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from e2e import ROOT

from zikao_devrun import free_port_numbers
from zikao_gateway.gateway import Gateway, Request
from zikao_gateway.subgraphs import SubgraphClient
from zikao_gateway.supergraph import load_supergraph
from zikao_gateway.testing import (
    InProcessSubgraphs,
    compose_library,
    library_schemas,
    served_over_http,
)

HIVE = ROOT / "node_modules" / ".bin" / "hive-gateway"
Answer = dict[str, Any]
Tamper = Callable[[Answer], None]


@dataclass(frozen=True)
class Library:
    subgraphs: InProcessSubgraphs
    supergraph: Path


@pytest.fixture(scope="module")
async def library(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Library]:
    """The library subgraphs on one free port, and a supergraph composed over them."""
    work = tmp_path_factory.mktemp("library")
    subgraphs = InProcessSubgraphs(library_schemas())
    (port,) = free_port_numbers(1)
    supergraph = work / "supergraph.graphql"
    compose_library(work, supergraph, lambda name: f"http://127.0.0.1:{port}/{name}/graphql")
    config = uvicorn.Config(
        served_over_http(subgraphs), port=port, log_level="warning", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(200):  # uvicorn has no event for it; 10 s at most
        if server.started or serving.done():
            break
        await asyncio.sleep(0.05)
    assert server.started, "the library subgraphs did not start"
    yield Library(subgraphs, supergraph)
    server.should_exit = True
    await serving


@pytest.fixture(scope="module")
def hive(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Hive Gateway over the library supergraph, from a directory without a config file."""
    (port,) = free_port_numbers(1)
    work = tmp_path_factory.mktemp("hive")
    command = [str(HIVE), "supergraph", str(library.supergraph), "--port", str(port)]
    with (work / "hive.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=work, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        _wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"hive-gateway exited with {process.returncode}")
        try:
            httpx.post(url, json={"query": "{ __typename }"}, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("hive-gateway did not start")


@pytest.fixture
async def ours(library: Library) -> AsyncIterator[Gateway]:
    supergraph = load_supergraph(library.supergraph)
    client = SubgraphClient(supergraph.subgraphs, timeout=5)
    gateway = Gateway(supergraph, client)
    yield gateway
    await gateway.aclose()
    await client.aclose()


def nulled(*tail: str | int) -> Tamper:
    """Nulls every value whose path in the answer ends with ``tail``, wherever the gateway
    asked for it (a root field or an `_entities` answer, each gateway naming it its way)."""

    def tamper(answer: Answer) -> None:
        _null_at(answer.get("data"), (), tail)

    return tamper


def _null_at(value: Any, path: tuple[str | int, ...], tail: tuple[str | int, ...]) -> None:
    if not isinstance(value, dict | list):
        return
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in list(items):
        where = (*path, key)
        if where[-len(tail) :] == tail:
            value[key] = None
        else:
            _null_at(item, where, tail)


def explained(tamper: Tamper, path: list[str | int]) -> Tamper:
    def with_error(answer: Answer) -> None:
        tamper(answer)
        answer["errors"] = [{"message": "lost", "path": path}]

    return with_error


CASES: dict[str, tuple[str, str, Tamper]] = {
    "a root field's object": (
        '{ book(isbn: "978-0001") { title year rating } }',
        "catalog",
        nulled("book", "title"),
    ),
    "an entity answer": (
        '{ book(isbn: "978-0002") { title stock } }',
        "inventory",
        nulled("stock"),
    ),
    "up through non-null lists to the root": (
        "{ books(first: 3) { title rating } }",
        "catalog",
        nulled("books", 1, "title"),
    ),
    "explained by the subgraph": (
        '{ book(isbn: "978-0001") { title rating } }',
        "catalog",
        explained(nulled("book", "title"), ["book", "title"]),
    ),
    "a nulled root, errors of later root fields": (
        "{ lowStock { isbn stock } books(first: 14) { rating } }",
        "inventory",
        nulled("lowStock", 0, "isbn"),
    ),
    "a null key": ("{ lowStock { isbn stock title } }", "inventory", nulled("lowStock", 0, "isbn")),
}


def comparable(data: Any, errors: list[Any]) -> tuple[Any, list[Any]]:
    return data, [(e.get("path"), (e.get("extensions") or {}).get("code")) for e in errors]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_a_null_for_a_non_null_field_answers_the_same(
    case: tuple[str, str, Tamper], library: Library, hive: str, ours: Gateway
) -> None:
    query, subgraph, tamper = case
    library.subgraphs.tamper[subgraph] = tamper
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            theirs = (await client.post(hive, json={"query": query})).json()
        mine = await ours.execute(Request(query, {}, None, {}))
    finally:
        library.subgraphs.tamper.clear()
    assert comparable(mine.data, mine.errors) == comparable(
        theirs.get("data"), theirs.get("errors") or []
    )
    assert mine.errors
