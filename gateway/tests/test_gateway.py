"""The engine's guards: a document too large to plan is refused before planning."""

from __future__ import annotations

import resource
import signal
import time
import tracemalloc
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from zikao_gateway.app import create_app
from zikao_gateway.gateway import Gateway
from zikao_gateway.settings import GatewaySettings
from zikao_gateway.sizing import MAX_SELECTIONS
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, InProcessSubgraphs, doubling_fragments

GRAPHQL_RESPONSE = "application/graphql-response+json"
MIB = 2**20


@asynccontextmanager
async def serve(
    subgraphs: InProcessSubgraphs,
    max_selections: int = MAX_SELECTIONS,
) -> AsyncIterator[tuple[httpx.AsyncClient, Gateway]]:
    """The app over the in-process subgraphs, its lifespan run."""
    settings = GatewaySettings(supergraph=LIBRARY_SUPERGRAPH, max_selections=max_selections)
    app = create_app(settings, transport=subgraphs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
            yield http, app.state.gateway


async def post(http: httpx.AsyncClient, query: str) -> httpx.Response:
    body = {"query": query}
    return await http.post("/graphql", json=body, headers={"accept": GRAPHQL_RESPONSE})


def code(response: httpx.Response) -> str:
    (error,) = response.json()["errors"]
    return str(error["extensions"]["code"])


@dataclass
class Traced:
    peak: int = 0


@contextmanager
def traced() -> Iterator[Traced]:
    """The peak of Python's allocations (every thread's) inside the block."""
    result = Traced()
    tracemalloc.start()
    try:
        yield result
    finally:
        result.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


class RunawayError(BaseException):
    """A block ran too long or grew too much (a BaseException: the gateway's own handler of
    unexpected errors must not mask it)."""


@contextmanager
def bounded(seconds: float, growth: int) -> Iterator[None]:
    """Fails the block once it has run ``seconds`` or the process's resident memory has grown
    by ``growth`` bytes, checked every 10 ms by an alarm signal. Unlike an asyncio timeout,
    the alarm also interrupts code that holds the event loop, as planning did: a regression
    then fails instead of hanging while it takes the machine's memory."""
    started, base = time.monotonic(), resident()

    def check(signum: int, frame: object) -> None:
        if time.monotonic() - started > seconds:
            raise RunawayError(f"still running after {seconds} s")
        if resident() - base > growth:
            raise RunawayError(f"resident memory grew by more than {growth // MIB} MiB")

    previous = signal.signal(signal.SIGALRM, check)
    signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def resident() -> int:
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[1])
    return pages * resource.getpagesize()


async def test_forty_levels_of_doubling_fragments_are_refused_unplanned(
    subgraphs: InProcessSubgraphs,
) -> None:
    async with serve(subgraphs) as (http, gateway):
        with bounded(10, 64 * MIB), traced() as memory:
            response = await post(http, doubling_fragments(40))
        assert response.status_code == 400
        assert "data" not in response.json()
        assert code(response) == "operation_too_large"
        assert subgraphs.requests == []
        assert len(gateway.plans) == 0
    assert memory.peak < 4 * MIB


async def test_the_limit_is_a_setting(subgraphs: InProcessSubgraphs) -> None:
    async with serve(subgraphs, max_selections=2 * 2**4) as (http, _):
        assert (await post(http, doubling_fragments(4))).status_code == 200
        assert code(await post(http, doubling_fragments(5))) == "operation_too_large"
