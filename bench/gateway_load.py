"""The load process of `bench/gateway.py`: HTTP/1.1 keep-alive POSTs over raw sockets.

Reads a plan as JSON on standard input: groups of targets (the gateways compared on one
query), each group's targets taking turns; writes one JSON line per target on standard output.
A target is a URL and a pool of requests (body and headers); each request takes one of the
pool at random, so that the variables (and tokens) change from one request to the next.
For each target: a warm-up, then ``rounds`` turns of ``seconds / rounds`` with ``concurrency``
connections each with one request in flight; it reports the answers per second and the
latencies' percentiles, counting only answers of status 200 without ``"errors"``, and the CPU
time the gateway's processes spent per answer meanwhile (the subgraphs' is not counted).

The client is written on asyncio's streams (uvloop when installed) rather than an HTTP library
so that this process spends as little of the shared CPU as it can: the bodies are encoded once,
and an answer is read by its Content-Length (or chunks) and looked into for ``"errors"`` only.

    echo '{"seconds": 6, "rounds": 3, "concurrency": 32, "groups": [[...], ...]}' \\
        | python bench/gateway_load.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

WARM_UP_SECONDS = 1.0
ANSWER_TIMEOUT_SECONDS = 30.0
"""An answer later than this is a failure (and its connection is replaced)."""


@dataclass(frozen=True)
class Target:
    label: str
    host: str
    port: int
    requests: tuple[bytes, ...]
    process_group: int | None
    """The gateway's process group, whose CPU time is counted while it is driven."""
    cpu_groups: dict[str, int]
    """More process groups (a subgraph's, by name) whose CPU time is counted alike."""

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Target:
        url = urlsplit(raw["url"])
        host, port = url.hostname or "127.0.0.1", url.port or 80
        requests = []
        for item in raw["requests"]:
            body = json.dumps(item["body"], ensure_ascii=False).encode()
            head = [
                f"POST {url.path or '/'} HTTP/1.1",
                f"host: {host}:{port}",
                "content-type: application/json",
                "accept: application/graphql-response+json, application/json",
                f"content-length: {len(body)}",
                *(f"{name}: {value}" for name, value in (item.get("headers") or {}).items()),
            ]
            requests.append(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        return cls(
            raw["label"],
            host,
            port,
            tuple(requests),
            raw.get("process_group"),
            dict(raw.get("cpu_groups") or {}),
        )


class Failure(Exception):
    """An answer that is not a 200 without errors (counted, not timed)."""


async def read_answer(reader: asyncio.StreamReader) -> bytes:
    """One HTTP/1.1 response's body; Failure unless its status is 200."""
    status = await reader.readuntil(b"\r\n")
    length: int | None = None
    chunked = False
    while True:
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(part[:-2] for part in parts)
    else:
        body = await reader.readexactly(length or 0)
    if status.split(b" ", 2)[1] != b"200":
        raise Failure(status.decode(errors="replace").strip())
    return body


def cpu_seconds(group: int | None) -> float:
    """User and system CPU time of the processes of ``group`` (Linux's /proc; 0 elsewhere)."""
    if group is None:
        return 0.0
    return cpu_by_group({"it": group}).get("it", 0.0)


def cpu_by_group(groups: dict[str, int], names: Collection[str] = ()) -> dict[str, float]:
    """User and system CPU seconds of the processes of each of ``groups`` (by label: a process
    group) and of every process whose command is one of ``names`` (`postgres`, say), read once
    from Linux's /proc (nothing elsewhere)."""
    labels = {group: label for label, group in groups.items()}
    total = dict.fromkeys([*groups, *names], 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, _, tail = stat.read_text().rpartition(")")
            fields = tail.split()
        except OSError:
            continue  # gone meanwhile
        spent = int(fields[11]) + int(fields[12])  # utime, stime
        label = labels.get(int(fields[2]))  # pgrp
        if label is not None:
            total[label] += spent
        command = head.partition("(")[2]
        if command in total and command in names:
            total[command] += spent
    tick = os.sysconf("SC_CLK_TCK")
    return {label: spent / tick for label, spent in total.items()}


class Counts:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.failed = 0
        self.cpu = 0.0
        self.cpu_by: dict[str, float] = {}
        self.example_failure = ""


async def connection(target: Target, deadline: float, counts: Counts) -> None:
    reader, writer = await asyncio.open_connection(target.host, target.port)
    choose = random.choice
    clock = time.perf_counter
    try:
        while clock() < deadline:
            started = clock()
            writer.write(choose(target.requests))
            try:
                body = await asyncio.wait_for(read_answer(reader), ANSWER_TIMEOUT_SECONDS)
                if b'"errors"' in body:
                    raise Failure(body[:300].decode(errors="replace"))
            except Failure as failure:
                counts.failed += 1
                counts.example_failure = counts.example_failure or str(failure)
                continue
            except (asyncio.IncompleteReadError, ConnectionError, TimeoutError) as error:
                counts.failed += 1
                counts.example_failure = counts.example_failure or repr(error)
                writer.close()
                reader, writer = await asyncio.open_connection(target.host, target.port)
                continue
            counts.latencies.append(clock() - started)
    finally:
        writer.close()


async def warm_up(target: Target, concurrency: int) -> None:
    """Plans, caches and connections made before anything is timed."""
    deadline = time.perf_counter() + WARM_UP_SECONDS
    await asyncio.gather(*(connection(target, deadline, Counts()) for _ in range(concurrency)))


async def drive(target: Target, seconds: float, concurrency: int, counts: Counts) -> float:
    """``seconds`` of load on the target, counted into ``counts``; the time it took."""
    cpu = cpu_seconds(target.process_group)
    cpu_by = {name: cpu_seconds(group) for name, group in target.cpu_groups.items()}
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(connection(target, deadline, counts) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    counts.cpu += cpu_seconds(target.process_group) - cpu
    for name, group in target.cpu_groups.items():
        spent = cpu_seconds(group) - cpu_by[name]
        counts.cpu_by[name] = counts.cpu_by.get(name, 0.0) + spent
    return elapsed


def summary(target: Target, counts: Counts, elapsed: float) -> dict[str, Any]:
    latencies = sorted(counts.latencies)

    def percentile(p: float) -> float:
        if not latencies:
            return float("nan")
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    return {
        "label": target.label,
        "rate": len(latencies) / elapsed,
        "answers": len(latencies),
        "failed": counts.failed,
        "example_failure": counts.example_failure,
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "cpu_ms": 1000 * counts.cpu / len(latencies) if latencies else float("nan"),
        "cpu_ms_by": {
            name: 1000 * spent / len(latencies) if latencies else float("nan")
            for name, spent in counts.cpu_by.items()
        },
    }


async def run(plan: dict[str, Any]) -> None:
    """Each group's targets (the gateways compared on one query) are warmed up, then take
    turns, ``rounds`` times ``seconds / rounds`` each, so that a change of the machine's load
    falls on all of them alike."""
    rounds = int(plan.get("rounds", 1))
    for group in plan["groups"]:
        targets = [Target.from_json(raw) for raw in group]
        counts = {target.label: Counts() for target in targets}
        elapsed = dict.fromkeys(counts, 0.0)
        for target in targets:
            await warm_up(target, plan["concurrency"])
        for _ in range(rounds):
            for target in targets:
                slice_ = plan["seconds"] / rounds
                elapsed[target.label] += await drive(
                    target, slice_, plan["concurrency"], counts[target.label]
                )
        for target in targets:
            result = summary(target, counts[target.label], elapsed[target.label])
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()


def run_plan(run: Callable[[dict[str, Any]], Awaitable[None]]) -> int:
    """Runs `run` over the plan read from standard input (on uvloop when installed)."""
    plan = json.load(sys.stdin)
    try:
        import uvloop
    except ImportError:
        asyncio.run(run(plan))
    else:
        uvloop.run(run(plan))
    return 0


def main() -> int:
    return run_plan(run)


if __name__ == "__main__":
    sys.exit(main())
