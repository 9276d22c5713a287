"""Throughput of the Python gateway against Hive Gateway over the same subgraphs, on this machine.

Starts, each as one process: the library subgraphs of `zikao_gateway.testing` (catalog,
reviews, inventory: Strawberry apps with parser and validation caches under uvicorn) and
Zikao's identity and records services over a database of their own (made on the
server of DATABASE_URL, migrated, seeded, dropped at the end); then three gateways over the
library's supergraph and three over Zikao's: ours, Hive Gateway, and Hive Gateway with the Rust
query planner of @graphql-hive/router-runtime. A separate load process (bench/gateway_load.py)
drives the gateways of each query in turn (ROUNDS turns each, so that a change in the machine's
load falls on all of them alike) with CONCURRENCY requests in flight for SECONDS in all, over a
fixed mix:

- simple: one book by ISBN (catalog only; the ISBN varies per request),
- 50x3: 50 books with title, 5 reviews each and stock (catalog, then reviews and inventory
  in one `_entities` call each; the offset varies per request),
- MyExams: clients/candidate.graphql's operation, as 16 candidates with four paid, seated
  sign-ups each (identity, then records; the candidate's token varies per request).

Before timing, every gateway answers one request of each query and the answers' ``data`` must
be equal. Hive Gateway merges no identical requests (gateway/gateway.config.mjs), and the
variables vary anyway, so neither side is flattered by repeated bodies.

    make bench-gateway    # or: zikao-run exec -- python bench/gateway.py [--seconds 9 --rounds 3]

Each query's line gives each side's answers per second, p99, CPU time of the gateway's process
per answer (the subgraphs' not counted) and ours/theirs ratio; then the lowest ratio of the mix
against Hive Gateway with the Rust planner, and last the figure, the lowest against Hive Gateway:
    gateway ours/hive throughput ratio: X.XX (p99 ours A ms, hive B ms)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from graphql import DocumentNode, OperationDefinitionNode, parse, print_ast

from zikao_devrun import Infra, Ports, ProcessSpec, System, free_port_numbers, process_env
from zikao_devrun.zikao import (
    GATEWAY_CONFIG,
    gateway_spec,
    isolated_env,
    run_service_command,
    service_spec,
)
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, library_url
from zikao_identity import service as identity_service
from zikao_identity.crypto import Vault
from zikao_identity.settings import IdentitySettings
from zikao_identity.tokens import TokenSigner, write_private_key
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker
from zikao_kit.scratch import scratch_database

ROOT = Path(__file__).resolve().parents[1]
LOAD = Path(__file__).resolve().parent / "gateway_load.py"
LIBRARY = ("catalog", "reviews", "inventory")
SERVICES = ("identity", "records")
"""The services MyExams reaches (documents is in the supergraph but not asked, nor started)."""
SIMPLE = "query Simple($isbn: ID!) { book(isbn: $isbn) { isbn title year } }"
WIDE = """query Wide($offset: Int!) {
  books(first: 50, offset: $offset) { isbn title year reviews { id stars } stock }
}"""
TYPENAME = b'{"query": "{__typename}"}'
SIDES = ("ours", "hive", "rust")
"""Our gateway, Hive Gateway, Hive Gateway with the Rust query planner (`--hive-router-runtime`
of @graphql-hive/router-runtime)."""
RUST_PLANNER = "HIVE_ROUTER_RUNTIME"
CANDIDATES = 16
STEMS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
COURSES_EACH = 4
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True)
class Query:
    label: str
    text: str
    requests: list[dict[str, Any]]
    """Bodies (and headers) that the load process picks from at random."""


def client_operation(name: str) -> str:
    """One operation of the candidate client's document, as its text."""
    document = parse((ROOT / "clients" / "candidate.graphql").read_text("utf-8"))
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and definition.name:
            if definition.name.value == name:
                return print_ast(DocumentNode(definitions=(definition,)))
    raise SystemExit(f"clients/candidate.graphql has no operation {name}")


def library_queries() -> list[Query]:
    simple = [
        {"body": {"query": SIMPLE, "variables": {"isbn": f"978-{n:04d}"}}} for n in range(1, 61)
    ]
    wide = [{"body": {"query": WIDE, "variables": {"offset": n}}} for n in range(11)]
    return [Query("simple", SIMPLE, simple), Query("50x3", WIDE, wide)]


# ---------- Zikao's services: a database of their own, candidates with seated sign-ups ----------


def id_number(serial: int) -> str:
    """A valid resident ID number (GB 11643 check digit) of 渝中区, born in 1992."""
    body = f"50010319920304{serial:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return body + check


async def seed_candidates(database_url: str, count: int = CANDIDATES) -> list[tuple[str, str]]:
    """`count` candidates in identity (as registration makes them); ids and ticket numbers."""
    settings = IdentitySettings(database_url=database_url)
    vault = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)
    engine = create_engine(database_url, schema="identity", pool_size=1)
    found = []
    try:
        for serial in range(count):
            data = identity_service.NewCandidate(
                name=f"陈{STEMS[serial % len(STEMS)]}{STEMS[serial // len(STEMS) % len(STEMS)]}",
                id_number=id_number(serial + 1),
                phone=f"136{serial:08d}",
                email=None,
                password="bench secret password",
                region_code="0103",
                security_question="我的小学",
                security_answer="人和街小学",
            )
            async with create_sessionmaker(engine).begin() as session:
                candidate = await identity_service.create_candidate(
                    session, vault, data, today=date.today()
                )
            found.append((str(candidate.id), candidate.ticket_number))
    finally:
        await engine.dispose()
    return found


async def seed_sign_ups(database_url: str, candidates: list[str]) -> list[str]:
    """Four paid sign-ups of the demo's sittings for each candidate, each with a seat; the
    sittings' codes."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SET search_path = records")
        sittings = [r[0] for r in await connection.fetch("SELECT code FROM sitting ORDER BY code")]
        venue = await connection.fetchval("SELECT id FROM venue ORDER BY name LIMIT 1")
        for sitting in sittings:
            courses = await connection.fetch(
                "SELECT DISTINCT ON (slot_id) course_code, slot_id FROM sitting_course"
                " WHERE sitting_code = $1 ORDER BY slot_id, course_code LIMIT $2",
                sitting,
                COURSES_EACH,
            )
            for number, candidate in enumerate(candidates):
                for course, slot in courses:
                    registration = uuid.uuid4()
                    await connection.execute(
                        "INSERT INTO exam_registration (id, candidate_id, sitting_code,"
                        " course_code, slot_id, fee_yuan, status, created_at, paid_at,"
                        " region_code) VALUES ($1, $2, $3, $4, $5, 40, 'PAID', now(), now(),"
                        " '0103')",
                        registration,
                        uuid.UUID(candidate),
                        sitting,
                        course,
                        slot,
                    )
                    await connection.execute(
                        "INSERT INTO seat_assignment (registration_id, slot_id, venue_id, room,"
                        " seat) VALUES ($1, $2, $3, 1, $4)",
                        registration,
                        slot,
                        venue,
                        number + 1,
                    )
        return sittings
    finally:
        await connection.close()


@contextlib.contextmanager
def zikao_services(work: Path, ports: Ports) -> Iterator[tuple[dict[str, str], Query]]:
    """Zikao's database made and seeded; the services' environment and the MyExams query."""
    server = os.environ.get("DATABASE_URL")
    redis = os.environ.get("REDIS_URL")
    if not server or not redis:
        raise SystemExit("DATABASE_URL and REDIS_URL must be set (make bench-gateway sets them)")
    key = work / "jwt.pem"
    write_private_key(key)
    signer = TokenSigner.load(key, issuer="zikao-identity", audience="zikao")
    with scratch_database(server, "bench_gateway", SERVICES) as database_url:
        extra = {
            **isolated_env(work, f"bench-{uuid.uuid4().hex[:12]}", key),
            "ZIKAO_LOG_LEVEL": "WARNING",
        }
        env = process_env(Infra(database_url, redis), ports, "test", extra)
        run_service_command("records", "demo", env, ROOT)
        candidates = [c for c, _ in asyncio.run(seed_candidates(database_url))]
        sittings = asyncio.run(seed_sign_ups(database_url, candidates))
        text = client_operation("MyExams")
        requests = [
            {
                "body": {"query": text, "variables": {"sitting": sitting}},
                "headers": {"authorization": f"Bearer {token}"},
            }
            for candidate in candidates
            for token in [signer.issue(subject=candidate, role=Role.CANDIDATE, minutes=60).token]
            for sitting in sittings
        ]
        yield env, Query("MyExams", text, requests)


# ---------- the processes ----------


def library_specs(ports: dict[str, int], supergraph: Path) -> list[ProcessSpec]:
    python = sys.executable
    result = []
    for name in LIBRARY:
        port = ports[name]
        app = f"zikao_gateway.testing:{name}_app"
        argv = (python, "-m", "uvicorn", "--factory", app, "--port", str(port), "--no-access-log")
        url = f"http://127.0.0.1:{port}/graphql"
        result.append(ProcessSpec(name=name, argv=(*argv, "--log-level", "warning"), port=port,
                                  ready_url=url, ready_body=TYPENAME))  # fmt: skip
    ours = ports["library-ours"]
    ours_argv = (python, "-m", "uvicorn", "--factory", "zikao_gateway.app:create_app")
    result.append(
        ProcessSpec(
            name="library-ours",
            argv=(*ours_argv, "--port", str(ours), "--log-level", "warning", "--no-access-log"),
            port=ours,
            ready_url=f"http://127.0.0.1:{ours}/graphql",
            ready_body=TYPENAME,
            env={"GATEWAY_SUPERGRAPH": str(supergraph), "ZIKAO_LOG_LEVEL": "WARNING"},
            stage=1,
        )
    )
    hive = ports["library-hive"]
    hive_argv = ("npx", "--no-install", "hive-gateway", "supergraph", str(supergraph))
    result.append(
        ProcessSpec(
            name="library-hive",
            argv=(*hive_argv, "--config-path", GATEWAY_CONFIG, "--port", str(hive)),
            port=hive,
            ready_url=f"http://127.0.0.1:{hive}/graphql",
            ready_body=TYPENAME,
            env={"HIVE_LOG_LEVEL": "false"},
            stage=1,
        )
    )
    rust = ports["library-rust"]
    result.append(
        ProcessSpec(
            name="library-rust",
            argv=(*hive_argv, "--config-path", GATEWAY_CONFIG, "--port", str(rust)),
            port=rust,
            ready_url=f"http://127.0.0.1:{rust}/graphql",
            ready_body=TYPENAME,
            env={"HIVE_LOG_LEVEL": "false", RUST_PLANNER: "true"},
            stage=1,
        )
    )
    return result


def zikao_specs(ports: Ports, gateways: dict[str, int]) -> list[ProcessSpec]:
    services = [service_spec(name, ports.of(name)) for name in SERVICES]
    result = []
    for side, port in gateways.items():
        on = Ports(ports.identity, ports.records, ports.documents, port)
        spec = gateway_spec(on, "zikao" if side == "ours" else "hive", name=f"zikao-{side}")
        if side == "rust":
            spec = replace(spec, env={**spec.env, RUST_PLANNER: "true"})
        result.append(spec)
    return [*services, *result]


def same_answers(query: Query, urls: dict[str, str]) -> None:
    """Every gateway gives the same data (and no errors) to one request of the query."""
    request = query.requests[0]
    answers = {}
    for side, url in urls.items():
        response = httpx.post(
            url, json=request["body"], headers=request.get("headers"), timeout=30, trust_env=False
        )
        answers[side] = response.json()
        if "errors" in answers[side] or not answers[side].get("data"):
            raise SystemExit(f"{query.label}: {side} answered {response.text[:500]}")
    for side, answer in answers.items():
        if answer["data"] != answers["ours"]["data"]:
            raise SystemExit(f"{query.label}: {side}'s data differ from ours:\n{answers}")


def drive(
    groups: list[list[dict[str, Any]]], seconds: float, rounds: int, concurrency: int
) -> dict[str, Any]:
    """Runs the load process over the groups of targets; its result for each, by label."""
    plan = {"seconds": seconds, "rounds": rounds, "concurrency": concurrency, "groups": groups}
    done = subprocess.run(
        [sys.executable, str(LOAD)],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        timeout=len(groups) * (seconds + 10) * 3 + 120,
    )
    if done.returncode != 0:
        raise SystemExit(f"the load process failed:\n{done.stderr[-3000:]}")
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {result["label"]: result for result in results}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=9.0, help="per gateway and query")
    parser.add_argument("--rounds", type=int, default=3, help="turns the gateways take")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    gateways = [f"{system}-{side}" for system in ("library", "zikao") for side in SIDES]
    names = (*LIBRARY, *SERVICES, "documents", *gateways)
    ports = dict(zip(names, free_port_numbers(len(names)), strict=True))
    zikao_ports = Ports(
        ports["identity"], ports["records"], ports["documents"], ports["zikao-ours"]
    )
    with tempfile.TemporaryDirectory() as name:
        work = Path(name)
        supergraph = work / "supergraph.graphql"
        text = LIBRARY_SUPERGRAPH.read_text("utf-8")
        for subgraph in LIBRARY:
            text = text.replace(
                library_url(subgraph), f"http://127.0.0.1:{ports[subgraph]}/graphql"
            )
        supergraph.write_text(text, "utf-8")
        with zikao_services(work, zikao_ports) as (env, my_exams):
            specs = [
                *library_specs(ports, supergraph),
                *zikao_specs(zikao_ports, {side: ports[f"zikao-{side}"] for side in SIDES}),
            ]
            system = System(specs, env=env, cwd=ROOT, log_dir=work / "logs", start_timeout=120)
            with system:
                url = "http://127.0.0.1:{}/graphql".format
                mix = [(q, "library") for q in library_queries()] + [(my_exams, "zikao")]
                groups = []
                for query, graph in mix:
                    urls = {side: url(ports[f"{graph}-{side}"]) for side in SIDES}
                    same_answers(query, urls)
                    groups.append(
                        [
                            {
                                "label": f"{query.label} {side}",
                                "url": address,
                                "requests": query.requests,
                                "process_group": system.pids[f"{graph}-{side}"],
                            }
                            for side, address in urls.items()
                        ]
                    )
                results = drive(groups, args.seconds, args.rounds, args.concurrency)
    return report([query.label for query, _ in mix], results)


def report(labels: list[str], results: dict[str, Any]) -> int:
    """A line per query; then, for each Hive side, the lowest ratio of the mix (Hive Gateway's
    on the last line)."""
    lowest: dict[str, tuple[float, float, float]] = {}
    for label in labels:
        ours = results[f"{label} ours"]
        parts = [f"{label:8} ours {_side(ours)}"]
        failed = [
            f"{side} {result['failed']} ({result['example_failure'][:200]})"
            for side in SIDES
            if (result := results[f"{label} {side}"])["failed"]
        ]
        for side in SIDES[1:]:
            theirs = results[f"{label} {side}"]
            ratio = ours["rate"] / theirs["rate"]
            parts.append(f"{side} {_side(theirs)} ratio {ratio:.2f}")
            if side not in lowest or ratio < lowest[side][0]:
                lowest[side] = (ratio, ours["p99_ms"], theirs["p99_ms"])
        failures = f" | failed: {'; '.join(failed)}" if failed else ""
        sys.stdout.write(" | ".join(parts) + failures + "\n")
    for side, name in (("rust", "hive-router-runtime"), ("hive", "hive")):
        ratio, ours_p99, their_p99 = lowest[side]
        sys.stdout.write(
            f"gateway ours/{name} throughput ratio: {ratio:.2f} "
            f"(p99 ours {ours_p99:.1f} ms, {name} {their_p99:.1f} ms)\n"
        )
    return 0


def _side(result: dict[str, Any]) -> str:
    """Answers per second, p99, and the gateway's CPU time per answer."""
    return (
        f"{result['rate']:5.0f}/s p99 {result['p99_ms']:5.0f} ms"
        f" cpu {result['cpu_ms']:4.1f} ms/answer"
    )


if __name__ == "__main__":
    sys.exit(main())
