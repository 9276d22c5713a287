"""Registrations and log-ins per second through the gateway, on this machine.

Makes a database of its own on the server of DATABASE_URL (dropped at the end), migrates the
three services into it, starts the whole system on free ports (services, workers, gateway),
then drives it over HTTP with the contract's own operations:

- a registration is NewCaptcha + RegisterCandidate (what a candidate's browser sends),
- a log-in is NewCaptcha + LogIn with the ticket number,

each with CONCURRENCY requests in flight. The captcha is answered with the test answer
(IDENTITY_CAPTCHA_TEST_ANSWER, set for this run only).

    make bench-identity      # or: DATABASE_URL=… REDIS_URL=… uv run python bench/identity.py

The last line printed is the figure:
    registrations/s: A; log-ins/s: B (argon2id m=…, t=…, p=…)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from graphql import print_ast

from zikao_devrun import Infra, free_ports, gateway_url, zikao_system
from zikao_devrun.zikao import isolated_env
from zikao_identity import idnumber
from zikao_identity.passwords import parameters
from zikao_identity.tokens import write_private_key
from zikao_kit.scratch import scratch_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from contract import client_operations  # noqa: E402

OPERATIONS = {op.name: print_ast(op.document) for op in client_operations()}
REGIONS = ("0101", "0103", "0106", "0112", "0243")
PASSWORD = "bench secret 2026"


def id_number(i: int) -> str:
    born = date(1960, 1, 1) + timedelta(days=i % 15_000)
    first17 = f"500103{born:%Y%m%d}{i // 15_000 % 1000:03d}"
    return first17 + idnumber.check_char(first17)


class Driver:
    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client = client
        self.url = url

    async def call(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = {"query": OPERATIONS[name], "operationName": name, "variables": variables}
        response = await self.client.post(self.url, json=body)
        data = response.json()
        if "errors" in data:
            raise RuntimeError(f"{name}: {data['errors'][0].get('message')}")
        result: dict[str, Any] = data["data"]
        return result

    async def captcha(self) -> dict[str, str]:
        issued = (await self.call("NewCaptcha", {}))["newCaptcha"]
        return {"id": issued["id"], "answer": "TEST"}

    async def register(self, i: int) -> str:
        data = {
            "name": "压测考生",
            "idNumber": id_number(i),
            "phone": f"139{i:08d}",
            "password": PASSWORD,
            "regionCode": REGIONS[i % len(REGIONS)],
            "securityQuestion": "问题",
            "securityAnswer": "答案",
            "captcha": await self.captcha(),
        }
        done = (await self.call("RegisterCandidate", {"input": data}))["registerCandidate"]
        if done["__typename"] != "CandidateRegistered":
            raise RuntimeError(f"registration refused: {done.get('code')}")
        return str(done["ticketNumber"])

    async def log_in(self, ticket: str) -> None:
        variables = {"login": ticket, "password": PASSWORD, "captcha": await self.captcha()}
        session = (await self.call("LogIn", variables))["logIn"]
        if session["__typename"] != "LoggedIn":
            raise RuntimeError(f"log-in refused: {session.get('code')}")


async def timed(work: list[Any], concurrency: int) -> tuple[float, list[Any]]:
    """Runs the awaitables `concurrency` at a time; wall seconds and results in order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(item: Any) -> Any:
        async with gate:
            return await item

    started = time.perf_counter()
    results = await asyncio.gather(*(one(w) for w in work))
    return time.perf_counter() - started, list(results)


async def drive(url: str, registrations: int, logins: int, concurrency: int) -> tuple[float, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        driver = Driver(client, url)
        await timed(
            [driver.register(10**6 + i) for i in range(concurrency)], concurrency
        )  # warm-up
        seconds, tickets = await timed(
            [driver.register(i) for i in range(registrations)], concurrency
        )
        registration_rate = registrations / seconds
        picks = [tickets[i % len(tickets)] for i in range(logins)]
        seconds, _ = await timed([driver.log_in(t) for t in picks], concurrency)
        return registration_rate, logins / seconds


def run(arguments: argparse.Namespace) -> tuple[float, float]:
    server = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is not set")
    redis_url = os.environ.get("REDIS_URL") or sys.exit("REDIS_URL is not set")
    with (
        scratch_database(server, "zikao_bench_identity") as url,
        tempfile.TemporaryDirectory(prefix="zikao-bench-") as work,
    ):
        return asyncio.run(start_and_drive(Path(work), url, redis_url, arguments))


async def start_and_drive(
    work: Path, database_url: str, redis_url: str, arguments: argparse.Namespace
) -> tuple[float, float]:
    key = work / "jwt.pem"
    write_private_key(key)
    ports = free_ports()
    system = zikao_system(
        Infra(database_url, redis_url),
        ports,
        root=ROOT,
        log_dir=work / "logs",
        extra_env={
            **isolated_env(work, f"bench-{secrets.token_hex(6)}", key),
            # every registration comes from this one machine: a load test, not one client
            "IDENTITY_REGISTRATION_PER_CLIENT": "1000000",
        },
    )
    with system:
        return await drive(
            gateway_url(ports), arguments.registrations, arguments.logins, arguments.concurrency
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--registrations", type=int, default=300)
    parser.add_argument("--logins", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    arguments = parser.parse_args()
    registrations, logins = run(arguments)
    sys.stdout.write(
        f"registrations: {arguments.registrations}, log-ins: {arguments.logins}, "
        f"{arguments.concurrency} in flight, through the gateway\n"
    )
    sys.stdout.write(
        f"registrations/s: {registrations:.1f}; log-ins/s: {logins:.1f} (argon2id {parameters()})\n"
    )


if __name__ == "__main__":
    main()
