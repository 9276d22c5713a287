"""What the gateway's edge costs an operation that passes it, on this machine.

Zikao's own supergraph, the contract's MyExams as its client sends it, and the real Redis of
REDIS_URL (keys of their own, removed at the end):

1. the first read of the document (parse, the limits' one counting walk, validation), cached
   after it;
2. `Edge.admit` as production runs it, with the trusted documents only, and with the rate
   limits too (one Lua script in Redis per operation): the gateway's CPU per operation, 500
   operations at once, five rounds interleaved, the median.

    REDIS_URL=… uv run --no-sync python bench/edge.py

The last line printed is the figure:
    rate limits: N µs of the gateway's CPU per operation (trusted documents alone: M µs)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

from graphql import print_ast
from redis.asyncio import Redis

from zikao_gateway.edge import Client, Edge
from zikao_gateway.gateway import Gateway
from zikao_gateway.limits import Limits
from zikao_gateway.ratelimit import RateLimiter, RateLimits
from zikao_gateway.settings import DEFAULT_SUPERGRAPH
from zikao_gateway.subgraphs import SubgraphClient
from zikao_gateway.supergraph import load_supergraph
from zikao_gateway.trusted import TrustedDocuments

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from contract import client_operations  # noqa: E402

OPERATIONS = 500
ROUNDS = 5
UNREACHED = RateLimits(client=10**9, field=10**9)


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def cpu_per_operation(edge: Edge, gateway: Gateway, text: str) -> float:
    started = time.process_time()
    await asyncio.gather(
        *(edge.admit(gateway, text, "MyExams", Client("10.1.2.3")) for _ in range(OPERATIONS))
    )
    return (time.process_time() - started) / OPERATIONS * 1e6


async def main() -> None:
    supergraph = load_supergraph(DEFAULT_SUPERGRAPH)
    client = SubgraphClient(supergraph.subgraphs, timeout=1)
    gateway = Gateway(supergraph, client, limits=Limits())
    operation = next(o for o in client_operations() if o.name == "MyExams")
    text = print_ast(operation.document)
    started = time.perf_counter()
    gateway.document(text)
    say(f"first read of MyExams: {(time.perf_counter() - started) * 1e3:.1f} ms, then cached")
    redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    limiter = RateLimiter(redis, UNREACHED, f"bench-edge-{uuid.uuid4().hex[:8]}")
    trusted = TrustedDocuments.load()
    edges = {
        "trusted documents": Edge(trusted=trusted, production=True),
        "rate limits": Edge(trusted=trusted, limiter=limiter, production=True),
    }
    costs: dict[str, list[float]] = {name: [] for name in edges}
    try:
        for _ in range(ROUNDS):
            for name, edge in edges.items():
                costs[name].append(await cpu_per_operation(edge, gateway, text))
    finally:
        keys = [key async for key in redis.scan_iter(f"{limiter.prefix}*")]
        if keys:
            await redis.delete(*keys)
        await limiter.aclose()
        await gateway.aclose()
        await client.aclose()
    median = {name: statistics.median(values) for name, values in costs.items()}
    for name, values in costs.items():
        say(f"{name}: rounds {', '.join(f'{v:.0f}' for v in values)} µs")
    say(
        f"rate limits: {median['rate limits']:.0f} µs of the gateway's CPU per operation"
        f" (trusted documents alone: {median['trusted documents']:.0f} µs)"
    )


if __name__ == "__main__":
    asyncio.run(main())
