"""The engine's guards: a document too large to plan is refused before planning, and plans
are made off the event loop, so that one slow plan does not hold every other caller."""

from __future__ import annotations

import asyncio
import resource
import signal
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode

from zikao_gateway.app import create_app
from zikao_gateway.gateway import PLAN_TIMEOUT_SECONDS, Gateway
from zikao_gateway.plan import Plan
from zikao_gateway.settings import GatewaySettings
from zikao_gateway.sizing import MAX_SELECTIONS
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, Ask, InProcessSubgraphs, doubling_fragments

GRAPHQL_RESPONSE = "application/graphql-response+json"
MIB = 2**20
OTHER = "{ books(first: 2) { title stock } }"
OTHER_ANSWER = {
    "data": {"books": [{"title": "Book 1", "stock": 1}, {"title": "Book 2", "stock": 2}]}
}


@asynccontextmanager
async def serve(
    subgraphs: InProcessSubgraphs,
    max_selections: int = MAX_SELECTIONS,
    plan_timeout: float = PLAN_TIMEOUT_SECONDS,
    **limits: int,
) -> AsyncIterator[tuple[httpx.AsyncClient, Gateway]]:
    """The app over the in-process subgraphs, its lifespan run (leaving it waits for plans
    still running in their threads)."""
    settings = GatewaySettings(
        supergraph=LIBRARY_SUPERGRAPH,
        max_selections=max_selections,
        plan_timeout_seconds=plan_timeout,
        **limits,
    )
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
    # 2^4 spreads of F0 select 16 root fields
    async with serve(subgraphs, max_selections=2 * 2**4, max_root_fields=16) as (http, _):
        assert (await post(http, doubling_fragments(4))).status_code == 200
        assert code(await post(http, doubling_fragments(5))) == "operation_too_large"


async def test_other_callers_are_answered_while_a_plan_is_slow(
    subgraphs: InProcessSubgraphs, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_query = "query Slow { books(first: 3) { title } }"
    async with serve(subgraphs, max_selections=10_000, plan_timeout=60) as (http, gateway):
        slow_down(gateway, monkeypatch, "Slow", seconds=1.5)
        with bounded(30, 128 * MIB):
            started = time.perf_counter()
            slow = asyncio.create_task(post(http, slow_query))
            bomb = asyncio.create_task(post(http, doubling_fragments(40)))
            gaps = asyncio.create_task(loop_gaps(until=slow.done))
            await asyncio.sleep(0.05)
            other = await post(http, OTHER)
            answered = time.perf_counter() - started
            responses = await asyncio.gather(slow, bomb)
            finished = time.perf_counter() - started
            longest_gap = max(await gaps)
    assert other.json() == OTHER_ANSWER
    assert answered < finished, (answered, finished)
    assert code(responses[1]) == "operation_too_large"
    assert responses[0].json()["data"]["books"][2] == {"title": "Book 3"}
    # On the loop, the slow plan would have stopped the loop for all of its 1.5 s.
    assert longest_gap < 0.5, longest_gap


def slow_down(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, operation_name: str, seconds: float
) -> None:
    """Makes planning the operation `operation_name` take `seconds` more, whatever the
    planner's own speed. It sleeps (letting go of the GIL), so what the loop's stalls measure is
    where planning runs, not how the interpreter shares the GIL between threads on a loaded
    machine (a GIL-holding burn made the measure flaky there)."""
    plan = gateway.planner.plan

    def slow_plan(operation: OperationDefinitionNode, *args: Any) -> Plan:
        if operation.name is not None and operation.name.value == operation_name:
            time.sleep(seconds)  # on the event loop, this would stall every caller
        return plan(operation, *args)

    monkeypatch.setattr(gateway.planner, "plan", slow_plan)


async def loop_gaps(until: Callable[[], bool]) -> list[float]:
    """How long each 10 ms sleep of the event loop really took, until `until()`."""
    gaps = [0.0]
    last = time.perf_counter()
    while not until():
        await asyncio.sleep(0.01)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    return gaps


async def test_a_plan_past_the_timeout_is_refused_and_still_cached(
    subgraphs: InProcessSubgraphs, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serve(subgraphs, plan_timeout=0.1) as (http, gateway):
        slow_down(gateway, monkeypatch, "Slow", seconds=0.5)
        response = await post(http, "query Slow { books(first: 3) { title } }")
        assert response.status_code == 400
        assert code(response) == "plan_timeout"
        assert subgraphs.requests == []
    assert len(gateway.plans) == 1  # the plan went on in its thread, and was kept


async def test_concurrent_misses_of_one_plan_are_answered_alike(
    ask: Ask, gateway: Gateway, subgraphs: InProcessSubgraphs
) -> None:
    outcomes = await asyncio.gather(*(ask(OTHER) for _ in range(4)))
    assert [o.data for o in outcomes] == [OTHER_ANSWER["data"]] * 4
    assert len(gateway.plans) == 1
    assert subgraphs.count() == {"catalog": 4, "inventory": 4}
