"""Requests per second through the Python gateway and through Hive Gateway, on this machine.

Serves the library subgraphs of `zikao_gateway.testing` (catalog, reviews, inventory; each a
Strawberry app with parser and validation caches under uvicorn) on free ports, starts both
gateways over the same supergraph (gateway/tests/fixtures/library.graphql with those ports),
then drives each gateway in turn with CONCURRENCY requests in flight for SECONDS:

- simple: one book by ISBN (one subgraph; the ISBN varies per request),
- 50x5: 50 books with their 5 reviews each (catalog, then one batched `_entities` call to
  reviews; the offset varies per request).

Hive Gateway's merging of identical requests is off (gateway/gateway.config.mjs), and the
variables vary anyway, so neither gateway is flattered by repeated bodies.

    make bench-gateway        # or: uv run python bench/gateway.py

The last line printed is the figure:
    gateway req/s: simple A; 50x5 across two subgraphs B (hive: C / D)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from zikao_devrun import ProcessSpec, System, free_port_numbers
from zikao_devrun.zikao import GATEWAY_CONFIG
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, library_url

ROOT = Path(__file__).resolve().parents[1]
SUBGRAPHS = ("catalog", "reviews", "inventory")
SIMPLE = "query Simple($isbn: ID!) { book(isbn: $isbn) { isbn title year } }"
WIDE = """query Wide($offset: Int!) {
  books(first: 50, offset: $offset) { isbn title reviews { id stars } }
}"""
TYPENAME = b'{"query": "{__typename}"}'


def simple_variables() -> dict[str, Any]:
    return {"isbn": f"978-{random.randint(1, 60):04d}"}


def wide_variables() -> dict[str, Any]:
    return {"offset": random.randint(0, 10)}


def specs(ports: dict[str, int], supergraph: Path) -> list[ProcessSpec]:
    python = sys.executable
    result = []
    for name in SUBGRAPHS:
        port = ports[name]
        app = f"zikao_gateway.testing:{name}_app"
        argv = (python, "-m", "uvicorn", "--factory", app, "--port", str(port), "--no-access-log")
        url = f"http://127.0.0.1:{port}/graphql"
        result.append(ProcessSpec(name=name, argv=(*argv, "--log-level", "warning"), port=port,
                                  ready_url=url, ready_body=TYPENAME))  # fmt: skip
    ours = ports["ours"]
    argv = (python, "-m", "uvicorn", "--factory", "zikao_gateway.app:create_app")
    result.append(
        ProcessSpec(
            name="ours",
            argv=(*argv, "--port", str(ours), "--log-level", "warning"),
            port=ours,
            ready_url=f"http://127.0.0.1:{ours}/graphql",
            ready_body=TYPENAME,
            env={"GATEWAY_SUPERGRAPH": str(supergraph), "ZIKAO_LOG_LEVEL": "WARNING"},
            stage=1,
        )
    )
    hive = ports["hive"]
    argv = ("npx", "--no-install", "hive-gateway", "supergraph", str(supergraph))
    result.append(
        ProcessSpec(
            name="hive",
            argv=(*argv, "--config-path", GATEWAY_CONFIG, "--port", str(hive)),
            port=hive,
            ready_url=f"http://127.0.0.1:{hive}/graphql",
            ready_body=TYPENAME,
            env={"HIVE_LOG_LEVEL": "false"},
            stage=1,
        )
    )
    return result


async def rate(
    url: str, query: str, variables: Callable[[], dict[str, Any]], seconds: float, workers: int
) -> tuple[float, int]:
    """Successful answers per second with ``workers`` requests in flight, and how many
    answers had errors (not counted)."""
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as client:
        done = failed = 0
        deadline = 0.0

        async def worker() -> None:
            nonlocal done, failed
            while time.perf_counter() < deadline:
                response = await client.post(url, json={"query": query, "variables": variables()})
                if response.status_code != 200 or "errors" in response.json():
                    failed += 1
                else:
                    done += 1

        deadline = time.perf_counter() + 1.0  # warm-up: plans, caches, connections
        await asyncio.gather(*(worker() for _ in range(workers)))
        done = failed = 0
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(worker() for _ in range(workers)))
        return done / (time.perf_counter() - started), failed


async def measure(urls: dict[str, str], seconds: float, workers: int) -> dict[str, float]:
    figures = {}
    for gateway, url in urls.items():
        for label, query, variables in (
            ("simple", SIMPLE, simple_variables),
            ("wide", WIDE, wide_variables),
        ):
            value, failed = await rate(url, query, variables, seconds, workers)
            figures[f"{gateway}-{label}"] = value
            sys.stdout.write(f"{gateway:5} {label:7} {value:8.0f} req/s ({failed} with errors)\n")
            sys.stdout.flush()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    names = (*SUBGRAPHS, "ours", "hive")
    ports = dict(zip(names, free_port_numbers(len(names)), strict=True))
    with tempfile.TemporaryDirectory() as work:
        supergraph = Path(work) / "supergraph.graphql"
        text = LIBRARY_SUPERGRAPH.read_text("utf-8")
        for name in SUBGRAPHS:
            text = text.replace(library_url(name), f"http://127.0.0.1:{ports[name]}/graphql")
        supergraph.write_text(text, "utf-8")
        env = {**os.environ, "ZIKAO_ENV": "test"}
        with System(specs(ports, supergraph), env=env, cwd=ROOT, log_dir=Path(work) / "logs"):
            urls = {name: f"http://127.0.0.1:{ports[name]}/graphql" for name in ("ours", "hive")}
            f = asyncio.run(measure(urls, args.seconds, args.concurrency))
    sys.stdout.write(
        f"gateway req/s: simple {f['ours-simple']:.0f}; 50x5 across two subgraphs "
        f"{f['ours-wide']:.0f} (hive: {f['hive-simple']:.0f} / {f['hive-wide']:.0f})\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
