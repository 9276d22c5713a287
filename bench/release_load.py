"""The load process of `bench/release_day.py`: release day's operations at set rates, open loop.

Reads a plan as JSON on standard input and writes one JSON line per step on standard output.
Each step sends operations at `rate` a second for `seconds`, each at its scheduled moment
whatever the answers before it (open loop: a slow system gets the same arrivals, and an
operation's latency counts from its scheduled moment, so waiting for a free connection counts
too). An operation is drawn by the mix's weights:

- `MyResults` / `MyPassedCourses`: the contract's query with a signed-in reader's token;
- `LogIn`: `NewCaptcha`, then `LogIn` with its id, the captcha's test answer, a candidate's
  ticket number and password: two requests, each counted as an operation.

An answer counts as an error unless it is HTTP 200 without `"errors"` (and, for log-in, a
`LoggedIn`). Steps stop after the first whose p99 passes `p99_ms` or that has an error.

    echo '{"url": …, "steps": [250, 500], "seconds": 60, …}' | python bench/release_load.py
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway_load import Failure, cpu_by_group, read_answer, run_plan  # noqa: E402

ANSWER_TIMEOUT_SECONDS = 10.0
WINDOW_SECONDS = 10
"""The p99 of each such part of a step is reported too (where in the step the slow ones were)."""
IDLE_SECONDS = 3.0
"""A connection idle longer is closed rather than reused (uvicorn and Node close theirs at 5 s)."""


@dataclass
class Step:
    rate: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    example: str = ""
    by_operation: dict[str, int] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    """CPU time each process (or kind of process) spent during the step, by label."""

    started: float = 0.0
    by_window: dict[int, list[float]] = field(default_factory=dict)
    """Latencies by the WINDOW_SECONDS of the step their operation was scheduled in."""

    def timed(self, scheduled: float, latency: float) -> None:
        self.latencies.append(latency)
        window = int((scheduled - self.started) // WINDOW_SECONDS)
        self.by_window.setdefault(window, []).append(latency)

    def failed(self, why: str) -> None:
        self.errors += 1
        self.example = self.example or why[:300]


class Connections:
    """Keep-alive connections to the gateway, each carrying one request at a time."""

    def __init__(self, host: str, port: int, most: int) -> None:
        self.host, self.port = host, port
        # (reader, writer, when it was last used): the servers close a connection idle 5 s
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.open = asyncio.Semaphore(most)  # a request waits for one (its latency counts)

    async def request(self, raw: bytes) -> bytes:
        async with self.open:
            reader = writer = None
            while self.idle and reader is None:
                reader, writer, used = self.idle.pop()
                if time.monotonic() - used > IDLE_SECONDS:
                    writer.close()
                    reader = writer = None
            if reader is None or writer is None:
                reader, writer = await asyncio.open_connection(self.host, self.port)
            try:
                writer.write(raw)
                body: bytes = await asyncio.wait_for(read_answer(reader), ANSWER_TIMEOUT_SECONDS)
            except BaseException:
                writer.close()
                raise
            self.idle.append((reader, writer, time.monotonic()))
            return body


class Release:
    def __init__(self, plan: dict[str, Any]) -> None:
        url = urlsplit(plan["url"])
        self.path = url.path or "/"
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.connections = Connections(self.host, self.port, plan.get("connections", 256))
        self.documents: dict[str, str] = plan["documents"]
        self.sitting: str = plan["sitting"]
        self.readers: list[str] = plan["readers"]  # access tokens
        self.logins: list[str] = plan["logins"]  # ticket numbers
        self.password: str = plan["password"]
        self.captcha_answer: str = plan["captcha_answer"]
        names, weights = zip(*plan["mix"].items(), strict=True)
        self.names: tuple[str, ...] = names
        self.weights: tuple[float, ...] = weights
        self.rng = random.Random(2026)
        self.cpu_groups: dict[str, int] = plan.get("cpu_groups", {})
        self.cpu_names: list[str] = plan.get("cpu_names", [])
        self.reads = {
            name: [self._raw(self.documents[name], self._variables(name), t) for t in self.readers]
            for name in ("MyResults", "MyPassedCourses")
        }

    def _variables(self, name: str) -> dict[str, Any]:
        return {"sitting": self.sitting} if name == "MyResults" else {}

    def _raw(self, query: str, variables: dict[str, Any], token: str | None) -> bytes:
        body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()
        head = [
            f"POST {self.path} HTTP/1.1",
            f"host: {self.host}:{self.port}",
            "content-type: application/json",
            f"content-length: {len(body)}",
        ]
        if token:
            head.append(f"authorization: Bearer {token}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body

    async def one(self, name: str, scheduled: float, step: Step) -> None:
        step.by_operation[name] = step.by_operation.get(name, 0) + 1
        try:
            if name == "LogIn":
                await self._log_in(scheduled, step)
                return
            body = await self.connections.request(self.rng.choice(self.reads[name]))
            if b'"errors"' in body:
                raise Failure(body[:300].decode(errors="replace"))
            step.timed(scheduled, time.perf_counter() - scheduled)
        except (Failure, OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            step.failed(f"{name}: {error!r}")

    async def _log_in(self, scheduled: float, step: Step) -> None:
        captcha = await self.connections.request(self._raw(self.documents["NewCaptcha"], {}, None))
        issued = (json.loads(captcha).get("data") or {}).get("newCaptcha")
        if not isinstance(issued, dict):
            raise Failure(captcha[:300].decode(errors="replace"))
        captcha_id = issued["id"]
        step.timed(scheduled, time.perf_counter() - scheduled)
        started = time.perf_counter()
        variables = {
            "login": self.rng.choice(self.logins),
            "password": self.password,
            "captcha": {"id": captcha_id, "answer": self.captcha_answer},
        }
        answer = await self.connections.request(self._raw(self.documents["LogIn"], variables, None))
        if b'"LoggedIn"' not in answer:
            raise Failure(answer[:300].decode(errors="replace"))
        step.timed(scheduled, time.perf_counter() - started)

    async def step(self, rate: int, seconds: float) -> Step:
        step = Step(rate)
        count = int(rate * seconds)
        choices = self.rng.choices(self.names, self.weights, k=count)
        started = step.started = time.perf_counter() + 0.05
        tasks = []
        for index, name in enumerate(choices):
            moment = started + index / rate
            delay = moment - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.one(name, moment, step)))
        await asyncio.gather(*tasks)
        return step

    async def measured_step(self, rate: int, seconds: float) -> Step:
        """A step, with the CPU time spent meanwhile by each of the plan's process groups, by
        PostgreSQL's and Redis's processes and by this load process."""
        before = cpu_by_group(self.cpu_groups, self.cpu_names)
        own = time.process_time()
        step = await self.step(rate, seconds)
        after = cpu_by_group(self.cpu_groups, self.cpu_names)
        step.cpu_seconds = {label: after[label] - before[label] for label in after}
        step.cpu_seconds["load"] = time.process_time() - own
        return step


def summary(step: Step, seconds: float) -> dict[str, Any]:
    latencies = sorted(step.latencies)

    def percentile(p: float) -> float:
        if not latencies:
            return float("nan")
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    return {
        "rate": step.rate,
        "operations": len(latencies) + step.errors,
        "achieved": len(latencies) / seconds,
        "errors": step.errors,
        "example_error": step.example,
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "by_operation": step.by_operation,
        "p99_ms_by_window": [
            1000 * sorted(found)[min(len(found) - 1, int(0.99 * len(found)))]
            for _, found in sorted(step.by_window.items())
        ],
        "cpu_ms_per_operation": {
            label: 1000 * spent / len(latencies) if latencies else float("nan")
            for label, spent in step.cpu_seconds.items()
        },
    }


async def run(plan: dict[str, Any]) -> None:
    release = Release(plan)
    await release.step(min(plan["steps"]), plan.get("warm_up_seconds", 5.0))  # untimed
    for rate in plan["steps"]:
        result = summary(await release.measured_step(rate, plan["seconds"]), plan["seconds"])
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
        if result["errors"] or result["p99_ms"] > plan["p99_ms"]:
            break


def main() -> int:
    return run_plan(run)


if __name__ == "__main__":
    sys.exit(main())
