"""The soak's load: ``concurrency`` candidates' journeys at a time (a new candidate as soon as
one finishes), result reads at a steady rate beside them, seat allocations as the journeys
need them; samples after the warm-up, every ``every`` seconds and at the end; then the
queues drained and the ledger checked."""

from __future__ import annotations

import asyncio
import random
import sys
import time
from dataclasses import dataclass, field

import asyncpg
import httpx
from redis.asyncio import Redis

from bench.faults.client import OPERATIONS, graphql
from bench.faults.journeys import PUBLISHED_SITTING, Ledger
from bench.faults.ledger_check import Verdict, compare, snapshot
from bench.faults.stack import Stack
from bench.soak.drain import drained_in
from bench.soak.journey import Shared, SoakJourney
from bench.soak.sample import POSTGRESQL, REDIS, Sample, Sampler
from bench.soak.seating import Seating
from zikao_devrun import ProcessExitedError

JOURNEY_BOUND = 240.0
"""Seconds a journey may take, its steps retried meanwhile (the faults suite's)."""
TOKEN_AGE = 600.0
"""Seconds a reader uses a candidate's token (log-in's tokens live 15 minutes)."""
READS_IN_FLIGHT = 32
DRAIN_BOUND = 300.0


@dataclass(frozen=True)
class Options:
    seconds: float
    warm_up: float
    concurrency: int
    reads: float
    """result reads a second."""
    every: float
    """seconds between samples."""


@dataclass
class Soak:
    """A soak's measurements."""

    options: Options
    ledger: Ledger = field(default_factory=Ledger)
    samples: list[Sample] = field(default_factory=list)
    """after the warm-up, every ``every`` seconds, at the end of the load."""
    idle: Sample | None = None
    """once the queues drained."""
    operations: int = 0
    journeys: int = 0
    tickets: int = 0
    drained: float | None = None
    verdict: Verdict | None = None
    exited: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Failed answers, journeys stuck and stale reads (any is an error in a soak)."""
        ledger = self.ledger
        return sum(ledger.failures.values()) + len(ledger.journeys_stuck) + ledger.stale_reads


async def soak(stack: Stack, options: Options, sampler: Sampler) -> Soak:
    """Run the load, sampling as it goes; then drain, sample and check."""
    result = Soak(options)
    before = await snapshot(stack.database_url)

    async def counted(request: httpx.Request) -> None:
        result.operations += 1

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    hooks = {"request": [counted]}
    async with httpx.AsyncClient(timeout=30, limits=limits, event_hooks=hooks) as client:
        shared = Shared(Seating(stack, client, result.ledger))
        await shared.seating.publish()
        await _load(stack, client, shared, result, sampler)
        result.tickets = shared.tickets
    result.drained = await drained_in(sampler.redis, sampler.connection, DRAIN_BOUND)
    result.idle = await sampler.sample()
    sys.stdout.write(minute_line("drained", result.idle, result) + "\n")
    result.verdict = compare(before, await snapshot(stack.database_url), result.ledger)
    try:
        stack.system.check()
    except ProcessExitedError as exited:
        result.exited.append(str(exited).splitlines()[0])
    return result


async def _load(
    stack: Stack, client: httpx.AsyncClient, shared: Shared, result: Soak, sampler: Sampler
) -> None:
    options = result.options
    stop, seated = asyncio.Event(), asyncio.Event()
    journeys = [
        asyncio.create_task(_journeys(stack, client, shared, result, stop))
        for _ in range(options.concurrency)
    ]
    reading = asyncio.create_task(_read_results(stack, client, shared, result, stop))
    seating = asyncio.create_task(shared.seating.serve(seated))
    await asyncio.sleep(options.warm_up)
    await _sample(result, sampler, "start")
    started = time.monotonic()
    while (left := started + options.seconds - time.monotonic()) > 0:
        await asyncio.sleep(min(options.every, left))
        elapsed = time.monotonic() - started
        await _sample(result, sampler, "end" if elapsed >= options.seconds else f"{elapsed:.0f} s")
    stop.set()
    await asyncio.gather(*journeys, reading)
    seated.set()
    await seating


async def _sample(result: Soak, sampler: Sampler, label: str) -> None:
    sample = await sampler.sample()
    result.samples.append(sample)
    sys.stdout.write(minute_line(label, sample, result) + "\n")
    sys.stdout.flush()


def minute_line(label: str, sample: Sample, result: Soak) -> str:
    """``<label>: RSS MiB name N, …; fds F; pg C (by process); redis R; ops, errors``."""
    rss = ", ".join(f"{name} {u.rss_kib / 1024:.0f}" for name, u in sample.usage.items())
    return (
        f"{label}: RSS MiB {rss}; fds {sample.fds}; postgresql connections "
        f"{sample.pg_connections} ({_holders(sample, POSTGRESQL)}); redis clients "
        f"{sample.redis_clients} ({_holders(sample, REDIS)}); {result.operations} operations, "
        f"{result.journeys} journeys, {result.ledger.reads} result reads (errors {result.errors})"
    )


def _holders(sample: Sample, server: str) -> str:
    held = sample.by_process.get(server, {})
    return ", ".join(f"{name} {n}" for name, n in sorted(held.items())) or "holders unknown"


async def _journeys(
    stack: Stack, client: httpx.AsyncClient, shared: Shared, result: Soak, stop: asyncio.Event
) -> None:
    """New candidates one after another until ``stop``; the one under way finishes."""
    while not stop.is_set():
        result.journeys += 1
        deadline = time.monotonic() + JOURNEY_BOUND
        await SoakJourney(stack, client, result.ledger, deadline, shared).run()


async def _read_results(
    stack: Stack, client: httpx.AsyncClient, shared: Shared, result: Soak, stop: asyncio.Event
) -> None:
    """``reads`` a second, each a recent candidate's MyResults or MyPassedCourses, until
    ``stop`` (a slow answer holds at most READS_IN_FLIGHT reads)."""
    pending: set[asyncio.Task[None]] = set()
    interval = 1 / result.options.reads if result.options.reads > 0 else None
    next_at = time.monotonic()
    while interval is not None and not stop.is_set():
        tokens = [t for at, t in shared.readable if time.monotonic() - at < TOKEN_AGE]
        if tokens and len(pending) < READS_IN_FLIGHT:
            read = asyncio.create_task(_read(stack, client, result.ledger, random.choice(tokens)))
            pending.add(read)
            read.add_done_callback(pending.discard)
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.gather(*pending)


async def _read(stack: Stack, client: httpx.AsyncClient, ledger: Ledger, token: str) -> None:
    if random.random() < 0.5:
        operation, variables = OPERATIONS["MyResults"], {"sitting": PUBLISHED_SITTING}
    else:
        operation, variables = OPERATIONS["MyPassedCourses"], {}
    answer = await graphql(client, stack.url, operation, variables, token)
    ledger.reads += 1
    if not answer.ok:
        ledger.count(answer, "result read")


async def connect(stack: Stack) -> Sampler:
    """A sampler on connections of its own."""
    connection = await asyncpg.connect(stack.database_url)
    return Sampler(stack, connection, Redis.from_url(stack.redis.url))
