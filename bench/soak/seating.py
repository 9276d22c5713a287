"""Seats for the soak's candidates: staff run the seat allocation again whenever a paid
candidate waits for a seat (a run keeps every seat given before and seats the newly paid),
one run at a time, as a district office would during ticket printing."""

from __future__ import annotations

import asyncio
import time

import httpx

from bench.faults.client import Answer, graphql
from bench.faults.journeys import OPEN_SITTING, Ledger
from bench.faults.stack import Stack
from zikao_kit.auth import Role

ALLOCATE = """mutation Allocate($s: String!) { startSeatAllocation(sitting: $s) { __typename
  ... on SeatAllocationStarted { run { id } } ... on Problem { code message } } }"""
PROGRESS = "query Progress($id: ID!) { seatAllocation(id: $id) { status } }"
PUBLISH = """mutation Publish($s: String!) { publishSeats(sitting: $s) { __typename
  ... on Problem { code message } } }"""
POLL = 0.5
RUN_BOUND = 120.0
"""Seconds a run may take before the soak gives up on it."""


class Seating:
    """Allocation runs, counted: a candidate who paid before run N started is seated once
    run N is done."""

    def __init__(self, stack: Stack, client: httpx.AsyncClient, ledger: Ledger) -> None:
        self.stack = stack
        self.client = client
        self.ledger = ledger
        self.started = 0
        self.done = 0
        self.failed = 0
        self._waiting = 0
        self._finished = asyncio.Condition()

    async def publish(self) -> None:
        """The first run (nobody paid yet) and the seats published: later runs only add."""
        if not await self._run():
            raise RuntimeError("seat allocation failed before the soak")
        answer = await self._ask(PUBLISH, s=OPEN_SITTING)
        kind = (answer.data or {}).get("publishSeats", {}).get("__typename")
        if kind != "SeatsPublished":
            raise RuntimeError(f"seats not published: {kind} {answer.codes}")

    def want(self) -> int:
        """Called once paid: the run that will seat the caller."""
        self._waiting += 1
        return self.started + 1

    async def seated_by(self, run: int, deadline: float) -> bool:
        """Wait until run ``run`` is done (False at ``deadline``)."""
        async with self._finished:
            try:
                await asyncio.wait_for(
                    self._finished.wait_for(lambda: self.done >= run),
                    max(0.0, deadline - time.monotonic()),
                )
            except TimeoutError:
                return False
        return True

    async def serve(self, stop: asyncio.Event) -> None:
        """A run whenever someone waits, until ``stop`` is set."""
        while not stop.is_set():
            if not self._waiting:
                await asyncio.sleep(POLL)
                continue
            self._waiting = 0
            self.failed += not await self._run()

    async def _run(self) -> bool:
        self.started += 1
        try:
            return await self._allocated()
        finally:
            async with self._finished:
                self.done += 1
                self._finished.notify_all()

    async def _allocated(self) -> bool:
        answer = await self._ask(ALLOCATE, s=OPEN_SITTING)
        started = (answer.data or {}).get("startSeatAllocation") or {}
        if not answer.ok or started.get("__typename") != "SeatAllocationStarted":
            self.ledger.count(answer, "seat allocation")
            return False
        until = time.monotonic() + RUN_BOUND
        while time.monotonic() < until:
            await asyncio.sleep(POLL)
            progress = await self._ask(PROGRESS, id=started["run"]["id"])
            if not progress.ok or progress.data is None:
                self.ledger.count(progress, "seat allocation")
                continue
            status = progress.data["seatAllocation"]["status"]
            if status in ("DONE", "FAILED"):
                return bool(status == "DONE")
        return False

    async def _ask(self, operation: str, **variables: str) -> Answer:
        admin = self.stack.token("admin-soak", Role.ADMIN)
        return await graphql(self.client, self.stack.url, operation, variables, admin)
