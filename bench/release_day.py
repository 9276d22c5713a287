"""Score-release day: log-ins and result reads at rising rates through the gateway.

Makes a database of its own on the server of DATABASE_URL (dropped at the end), migrates the
three services and sets up, untimed, inside PostgreSQL: CANDIDATES candidates of 渝中区 (one
registered through identity's service, the rest copied from it by SQL with their own ids,
ticket numbers and ID-number index: hashing 100,000 passwords with argon2id would take an
hour), a sitting published an hour ago with four results each, and an earlier one with four
more (so that `MyPassedCourses` has passes from two sittings). Then it starts the whole system
(services, records with RECORDS_WORKERS server processes, workers, our gateway and Hive Gateway
over the same subgraphs) and, from a separate
load process (bench/release_load.py: open loop, loopback only, bounded by the steps), sends at
each rate of STEPS for SECONDS the mix MIX of the contract's operations: `MyResults` and
`MyPassedCourses` with the tokens of READERS signed-in candidates, and log-ins (`NewCaptcha` +
`LogIn` by ticket number, each request an operation) of any candidate.

Each step prints its rate, what was done, p50/p95/p99 and errors, the p99 of each 10 s of it
and the CPU time each process spent per operation; steps stop at the first
whose p99 passes 200 ms or that has an error. The last line is the figure, for our gateway:
    release-day operations/s: N at p99 <= 200 ms (errors 0)
N: the highest rate sustained for SECONDS within that bound (0 if none was). The line before
gives Hive Gateway's over the same system, measured after ours (`--hive-too`, on by default).

    make bench-release-day   # or: zikao-run exec -- python bench/release_day.py [--seconds 60]

Measured figures, where the time goes and what a second machine would add: bench/release_day.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
from graphql import print_ast

from zikao_devrun import Infra, Ports, System, free_port_numbers, gateway_url
from zikao_devrun.zikao import (
    DEMO_CAPTCHA_ANSWER,
    gateway_spec,
    isolated_env,
    process_env,
    zikao_specs,
)
from zikao_identity import idnumber
from zikao_identity import service as identity_service
from zikao_identity.crypto import Vault
from zikao_identity.settings import IdentitySettings
from zikao_identity.tokens import TokenSigner, write_private_key
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker
from zikao_kit.scratch import scratch_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from contract import client_operations  # noqa: E402

LOAD = ROOT / "bench" / "release_load.py"
OPERATIONS = {o.name: print_ast(o.document) for o in client_operations()}
SITTING, EARLIER = "2099-04", "2098-10"
PASSWORD = "release day 2099"
P99_MS = 200.0


async def seed(database_url: str, candidates: int) -> list[tuple[str, str]]:
    """The candidates (ids and ticket numbers) and their results of two published sittings."""
    settings = IdentitySettings(database_url=database_url)
    vault = Vault.from_settings(settings.data_keys, settings.data_key_id, settings.index_key)
    engine = create_engine(database_url, schema="identity", pool_size=1)
    try:
        data = identity_service.NewCandidate(
            name="陈放榜",
            id_number="50010319900101001" + idnumber.check_char("50010319900101001"),
            phone="13600136000",
            email=None,
            password=PASSWORD,
            region_code="0103",
            security_question="我的小学",
            security_answer="人和街小学",
        )
        async with create_sessionmaker(engine).begin() as session:
            template = await identity_service.create_candidate(
                session, vault, data, today=date.today()
            )
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO identity.candidate (id, ticket_number, name, data_key_id,"
            " id_number_sealed, id_number_index, phone_sealed, gender, birth_date, region_code,"
            " password_hash, security_question, security_answer_hash, created_at)"
            " SELECT md5('release' || n)::uuid, '0198' || lpad(n::text, 8, '0'), t.name,"
            " t.data_key_id, t.id_number_sealed, decode(md5('release-index' || n), 'hex'),"
            " t.phone_sealed, t.gender, t.birth_date, t.region_code, t.password_hash,"
            " t.security_question, t.security_answer_hash, now()"
            " FROM identity.candidate t, generate_series(1, $1::integer - 1) n WHERE t.id = $2",
            candidates,
            template.id,
        )
        await connection.execute("SET search_path = records")
        courses = [
            r[0]
            for r in await connection.fetch(
                "SELECT code FROM course WHERE kind = 'THEORY' ORDER BY code LIMIT 8"
            )
        ]
        for code, hours_ago, taken in ((EARLIER, 24 * 180, courses[4:]), (SITTING, 1, courses[:4])):
            await connection.execute(
                "INSERT INTO sitting (code, name, registration_opens_at, registration_closes_at,"
                " ticket_printing_opens_at, scores_published_at) VALUES ($1, $1, now() -"
                " interval '120 days', now() - interval '100 days', now() - interval '80 days',"
                " now() - $2 * interval '1 hour')",
                code,
                hours_ago,
            )
            await connection.execute(
                "INSERT INTO exam_result (id, candidate_id, sitting_code, course_code, score,"
                " passed, status, source, recorded_at)"
                " SELECT gen_random_uuid(), c.id, $1, course, s.score, s.score >= 60, 'NORMAL',"
                " 'EXAM', now() FROM identity.candidate c CROSS JOIN unnest($2::text[]) course"
                " CROSS JOIN LATERAL (SELECT (abs(hashtext(c.id::text || course)) % 61 + 40)"
                " AS score) s",
                code,
                taken,
            )
        await connection.execute("ANALYZE exam_result")
        rows = await connection.fetch(
            "SELECT id::text, ticket_number FROM identity.candidate ORDER BY ticket_number"
        )
    finally:
        await connection.close()
    return [(row[0], row[1]) for row in rows]


def system_of(
    work: Path, database_url: str, redis_url: str, key: Path, records_workers: int
) -> tuple[System, tuple[str, str]]:
    """The system with our gateway, and Hive Gateway on a port of its own over the same
    services (records with `records_workers` server processes); the two gateways' URLs."""
    identity, records, documents, gateway, hive = free_port_numbers(5)
    ports = Ports(identity=identity, records=records, documents=documents, gateway=gateway)
    hive_ports = dataclasses.replace(ports, gateway=hive)
    specs = [*zikao_specs(ports), gateway_spec(hive_ports, "hive", name="hive-gateway")]
    env = process_env(
        Infra(database_url, redis_url),
        ports,
        "test",
        {
            **isolated_env(work, f"release-{uuid.uuid4().hex[:12]}", key),
            "RECORDS_WORKERS": str(records_workers),
        },
    )
    system = System(specs, env=env, cwd=ROOT, log_dir=work / "logs", start_timeout=180)
    return system, (gateway_url(ports), gateway_url(hive_ports))


def drive(plan: dict[str, Any]) -> list[dict[str, Any]]:
    seconds = plan["seconds"] * len(plan["steps"]) + 120
    done = subprocess.run(
        [sys.executable, str(LOAD)],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        timeout=seconds * 2,
    )
    if done.returncode != 0:
        raise SystemExit(f"the load process failed:\n{done.stderr[-3000:]}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def sustained(steps: list[dict[str, Any]]) -> int:
    """The highest rate whose step kept p99 within the bound without errors."""
    good = [s["rate"] for s in steps if not s["errors"] and s["p99_ms"] <= P99_MS]
    return max(good, default=0)


def report(label: str, steps: list[dict[str, Any]]) -> None:
    for s in steps:
        say(
            f"{label} {s['rate']:>5}/s: done {s['achieved']:7.1f}/s {s['by_operation']},"
            f" p50 {s['p50_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms,"
            f" errors {s['errors']}" + (f" (e.g. {s['example_error']})" if s["errors"] else "")
        )
        windows = ", ".join(f"{ms:.0f}" for ms in s["p99_ms_by_window"])
        say(f"{label} {s['rate']:>5}/s: p99 ms by 10 s of the step: {windows}")
        spent = {k: v for k, v in s["cpu_ms_per_operation"].items() if v >= 0.005}
        say(
            f"{label} {s['rate']:>5}/s: CPU ms per operation {sum(spent.values()):.2f}: "
            + ", ".join(f"{k} {v:.2f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1]))
        )


def measure(work: Path, database_url: str, redis_url: str, arguments: argparse.Namespace) -> None:
    key = work / "jwt.pem"
    write_private_key(key)
    signer = TokenSigner.load(key, issuer="zikao-identity", audience="zikao")
    say(f"setting up {arguments.candidates:,} candidates and their results (untimed)…")
    people = asyncio.run(seed(database_url, arguments.candidates))
    readers = people[:: max(1, len(people) // arguments.readers)][: arguments.readers]
    tokens = [
        signer.issue(subject=i, role=Role.CANDIDATE, minutes=120, region_code="0103").token
        for i, _ in readers
    ]
    mix = dict(item.split("=") for item in arguments.mix.split(","))
    say(f"mix {mix} (weights), {len(tokens)} signed-in readers, log-ins of any candidate")
    say(
        f"records with {arguments.records_workers} server processes (RECORDS_WORKERS), the"
        " other services with one"
    )
    system, (ours, hive) = system_of(work, database_url, redis_url, key, arguments.records_workers)
    plan = {
        "steps": [int(rate) for rate in arguments.steps.split(",")],
        "seconds": arguments.seconds,
        "p99_ms": P99_MS,
        "documents": OPERATIONS,
        "sitting": SITTING,
        "readers": tokens,
        "logins": [ticket for _, ticket in people],
        "password": PASSWORD,
        "captcha_answer": DEMO_CAPTCHA_ANSWER,
        "mix": {name: float(weight) for name, weight in mix.items()},
    }
    with system:
        plan["cpu_groups"] = system.pids
        plan["cpu_names"] = ["postgres", "redis-server"]
        ours_steps = drive({**plan, "url": ours})
        report("ours", ours_steps)
        hive_steps = drive({**plan, "url": hive}) if arguments.hive_too else []
        report("hive", hive_steps)
    if hive_steps:
        say(f"reference: Hive Gateway over the same system {sustained(hive_steps)} operations/s")
    say(f"release-day operations/s: {sustained(ours_steps)} at p99 <= 200 ms (errors 0)")


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--readers", type=int, default=5_000, help="signed-in candidates")
    parser.add_argument(
        "--steps", default="100,200,300,400,500,600,800,1000", help="rates per second"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="of each step")
    parser.add_argument(
        "--mix", default="MyResults=70,MyPassedCourses=25,LogIn=5", help="weights by operation"
    )
    parser.add_argument("--hive-too", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--records-workers",
        type=int,
        default=2,
        help="records' server processes: the first read of each candidate is the heaviest part",
    )
    arguments = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is not set")
    redis_url = os.environ.get("REDIS_URL") or sys.exit("REDIS_URL is not set")
    with (
        scratch_database(server, "zikao_bench_release") as url,
        tempfile.TemporaryDirectory(prefix="zikao-bench-") as work,
    ):
        measure(Path(work), url, redis_url, arguments)
    return 0


if __name__ == "__main__":
    sys.exit(main())
