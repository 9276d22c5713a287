"""Each fault, injected while journeys run, and what is asked of the system under it.

A fault is survived when: every answer that failed was a typed GraphQL error (or, while a
process was down, a refused or cut connection; none cut by a graceful restart), and a query
for regions and sittings kept the regions while records was down; no process of the system
exited; the system answered normally again within the fault's bound with no manual step (the
probe below, then every journey finished, every document READY); and no write was lost or
doubled (``ledger_check``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import httpx

from bench.faults.client import Answer, graphql
from bench.faults.journeys import Journey, Ledger
from bench.faults.ledger_check import Verdict, compare, snapshot
from bench.faults.stack import Stack
from zikao_devrun import ProcessExitedError

JOURNEYS = 4
STAGGER = 0.7
"""Seconds between journeys' starts, so that a fault finds them at different steps."""
REDIS_DOWN = 2.0
"""Seconds Redis stays away between its shutdown and its start (every client sees it gone)."""
RECOVERY_BOUND = 60.0
"""Seconds after a fault ends within which the system answers normally again."""
RENDER_BOUND = 90.0
"""Seconds for a document whose render was cut off: the worker's lease (30 s) runs out and
the next sweep (every 10 s) wakes it again."""
PARTIAL = "query RegionsAndSittings { regions { code } sittings { code } }"


@dataclass
class Outcome:
    """What one fault did to the system."""

    name: str
    did: str
    """What the injection did and how long the fault lasted."""
    recovered_in: float | None
    bound: float
    verdict: Verdict
    ledger: Ledger
    partial: list[str]
    """What went wrong with the regions-and-sittings query while records was down, and
    any process of the system that exited."""
    journeys: int
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        found = list(self.partial)
        if self.ledger.untyped:
            found.append("untyped errors: " + "; ".join(self.ledger.untyped))
        if self.recovered_in is None or self.recovered_in > self.bound:
            found.append(f"not answering normally within {self.bound:g} s")
        if self.ledger.journeys_stuck:
            found.append("journeys stuck at " + ", ".join(self.ledger.journeys_stuck))
        if self.ledger.stale_reads:
            found.append(f"{self.ledger.stale_reads} results read before their correction")
        if not self.verdict.clean:
            found.append(f"lost {self.verdict.lost}, doubled {self.verdict.doubled}")
        return found

    def line(self) -> str:
        """The fault's one line."""
        failures = ", ".join(f"{n} {kind}" for kind, n in sorted(self.ledger.failures.items()))
        recovered = "never" if self.recovered_in is None else f"{self.recovered_in:.1f} s"
        head = f"{self.name}: {'survived' if not self.problems else 'NOT survived'}"
        facts = (
            f"{self.did}; recovered in {recovered} (bound {self.bound:g} s); "
            f"{self.ledger.journeys_done}/{self.journeys} journeys in {self.seconds:.0f} s, "
            f"{self.ledger.reads} reads beside; "
            f"failed answers: "
            f"{failures or 'none'}; {self.verdict.summary}"
        )
        why = f" -- {'; '.join(self.problems)}" if self.problems else ""
        return f"{head} -- {facts}{why}"


Inject = Callable[[Stack, httpx.AsyncClient, list[str]], Awaitable[str]]
"""Injects a fault (problems seen meanwhile into the list); says what it did."""


async def run_fault(
    stack: Stack, name: str, inject: Inject, bound: float, count: int = JOURNEYS
) -> Outcome:
    """``count`` journeys start, the fault is injected among them; then the probe and the
    checks."""
    started = time.monotonic()
    before = await snapshot(stack.database_url)
    ledger = Ledger()
    partial: list[str] = []
    async with httpx.AsyncClient(timeout=30) as client:
        deadline = time.monotonic() + 240
        journeys = [Journey(stack, client, ledger, deadline) for _ in range(count)]
        running = [
            asyncio.create_task(_after(i * STAGGER, j.run())) for i, j in enumerate(journeys)
        ]
        reading = asyncio.create_task(_read_while(stack, client, ledger, running))
        await _signed_in(ledger, time.monotonic() + 60)
        began = time.monotonic()
        did = await inject(stack, client, partial)
        ended = time.monotonic()
        recovered = await _answers_normally(stack, client, ended + bound + 30)
        await asyncio.gather(*running, reading)
        await _documents_rendered(stack, ledger, time.monotonic() + RENDER_BOUND)
    after = await snapshot(stack.database_url)
    took = None if recovered is None else recovered - ended
    try:
        stack.system.check()
    except ProcessExitedError as exited:
        partial.append(str(exited).splitlines()[0])
    did = f"{did}, {ended - began:.1f} s"
    if name in GRACEFUL and ledger.failures.get("cut"):
        partial.append(f"{ledger.failures['cut']} requests cut off by a graceful restart")
    verdict = compare(before, after, ledger)
    outcome = Outcome(name, did, took, bound, verdict, ledger, partial, count)
    outcome.seconds = time.monotonic() - started
    return outcome


async def _after(seconds: float, journey: Awaitable[None]) -> None:
    await asyncio.sleep(seconds)
    await journey


async def _signed_in(ledger: Ledger, until: float) -> None:
    """Wait until a journey is past log-in (its next requests go to records) or ``until``."""
    while not ledger.candidates and time.monotonic() < until:  # noqa: ASYNC110
        await asyncio.sleep(0.05)  # the journeys' progress: polled, as they run beside


async def _read_while(
    stack: Stack, client: httpx.AsyncClient, ledger: Ledger, journeys: list[asyncio.Task[None]]
) -> None:
    """Load beside the journeys: the regions-and-sittings query, over and over, until they
    end; each failed answer counted as the journeys' are."""
    while not all(journey.done() for journey in journeys):
        answer = await graphql(client, stack.url, PARTIAL)
        if not answer.ok:
            ledger.count(answer, "regions and sittings")
            await asyncio.sleep(0.1)
        ledger.reads += 1


async def _answers_normally(stack: Stack, client: httpx.AsyncClient, until: float) -> float | None:
    """When the regions-and-sittings query first answered in full (None: not before
    ``until``)."""
    while time.monotonic() < until:
        answer = await graphql(client, stack.url, PARTIAL)
        if answer.ok:
            return time.monotonic()
        await asyncio.sleep(0.2)
    return None


async def _documents_rendered(stack: Stack, ledger: Ledger, until: float) -> None:
    """Wait until every acknowledged document is READY (or ``until``)."""
    wanted = list(ledger.documents)
    while wanted and time.monotonic() < until:
        connection = await asyncpg.connect(stack.database_url)
        try:
            ready = await connection.fetchval(
                """SELECT count(*) FROM documents.document_request
                    WHERE id = ANY($1::uuid[]) AND status = 'READY'""",
                wanted,
            )
        finally:
            await connection.close()
        if ready == len(wanted):
            return
        await asyncio.sleep(1.0)


def check_partial(answer: Answer, problems: list[str]) -> None:
    """While records is down: regions answered, sittings null with a typed error."""
    if answer.failure is not None:
        problems.append(f"regions and sittings: {answer.failure} (HTTP {answer.status})")
        return
    data = answer.data or {}
    if not data.get("regions"):
        problems.append(f"regions lost with records down ({answer.codes or 'no error'})")
    elif data.get("sittings") is not None or not answer.errors:
        problems.append("sittings answered with records down")


async def records_killed(stack: Stack, client: httpx.AsyncClient, problems: list[str]) -> str:
    """SIGKILL records among the journeys' requests; ask for regions and sittings while it
    is down; start it again through devrun."""
    await asyncio.to_thread(stack.system.kill, "records")
    check_partial(await graphql(client, stack.url, PARTIAL), problems)
    await asyncio.sleep(2.0)
    await asyncio.to_thread(stack.system.restart, "records")
    return "SIGKILL among requests in flight, down until started again"


async def redis_flushed(stack: Stack, client: httpx.AsyncClient, problems: list[str]) -> str:
    """Every key gone (queues, captchas, limits, kept answers' channel) and Redis restarted."""
    await asyncio.to_thread(stack.redis.restart, flush=True, down_seconds=REDIS_DOWN)
    return f"FLUSHALL, SHUTDOWN NOSAVE, down {REDIS_DOWN:g} s, started again"


async def worker_killed(stack: Stack, client: httpx.AsyncClient, problems: list[str]) -> str:
    """SIGKILL the documents worker once a render is under way (or after 60 s of waiting),
    then start it again."""
    connection = await asyncpg.connect(stack.database_url)
    try:
        until = time.monotonic() + 60
        while time.monotonic() < until and not await _rendering(connection):  # noqa: ASYNC110
            await asyncio.sleep(0.01)  # another process's rows: nothing here to wait on
        rendering = await _rendering(connection)
    finally:
        await connection.close()
    await asyncio.to_thread(stack.system.kill, "worker")
    await asyncio.sleep(1.0)
    await asyncio.to_thread(stack.system.restart, "worker")
    return "SIGKILL " + ("during a render" if rendering else "with no render seen under way")


async def _rendering(connection: asyncpg.Connection) -> bool:
    found = await connection.fetchval(
        "SELECT count(*) FROM documents.document_request WHERE status = 'RENDERING'"
    )
    return bool(found)


async def postgres_restarted(stack: Stack, client: httpx.AsyncClient, problems: list[str]) -> str:
    """PostgreSQL restarted (fast shutdown: every connection cut) among the requests."""
    await asyncio.sleep(1.0)
    await asyncio.to_thread(stack.postgres.restart)
    return "pg_ctl restart -m fast"


async def gateway_restarted(stack: Stack, client: httpx.AsyncClient, problems: list[str]) -> str:
    """The gateway stopped (SIGTERM) and started again while requests flow."""
    await asyncio.sleep(1.0)
    await asyncio.to_thread(stack.system.restart, "gateway")
    return "SIGTERM, started again"


CHEAP: list[tuple[str, Inject, float]] = [
    ("records killed mid-request", records_killed, RECOVERY_BOUND),
    ("redis flushed and restarted", redis_flushed, RECOVERY_BOUND),
    ("worker killed mid-job", worker_killed, RECOVERY_BOUND),
]
GRACEFUL = {"gateway restarted under load"}
"""Faults that stop a process with SIGTERM: a request it had taken must be answered, not cut."""
EXPENSIVE: list[tuple[str, Inject, float]] = [
    ("postgresql restarted", postgres_restarted, RECOVERY_BOUND),
    ("gateway restarted under load", gateway_restarted, RECOVERY_BOUND),
]
