"""Scores from import to release day: 1,000,000 score rows imported, published, read.

Makes a database of its own on the server of DATABASE_URL (dropped at the end), migrates the
three services, and sets up, untimed, inside PostgreSQL: a sitting of four theory courses and
1,000,000 paid sign-ups (250,000 candidates x 4 courses) with the ticket numbers records knows,
READERS of the candidates registered in identity too (so that the gateway's `me` finds them);
then writes the score file (CSV, UTF-8, 1,000,000 lines) and starts the whole system (services,
workers, gateway) on free ports. Timed:

A. score import: the file POSTed to records' upload route (streamed, COPYed into the staging
   table) until the worker has checked every line and applied them (status APPLIED);
B. publication: `publishScores` through the gateway;
C. MyResults (clients/candidate.graphql's operation) through the gateway, READERS candidates'
   tokens, CONCURRENCY requests in flight, for SECONDS, driven by bench/gateway.py's load
   process (raw sockets, a process of its own: the client's CPU is not taken from the services);
   each reader's answer is first checked once to hold its results.

References on the line before the last: the same query straight at the records subgraph
(`_entities`, what the gateway asks records), and a plain COPY of the same file into a bare
table (the floor under A).

    make bench-scores       # or: zikao-run exec -- python bench/scores.py [--rows 1000000]

The last line printed is the figure:
    score import seconds: A; publication seconds: B; MyResults reads/s: C
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from zikao_devrun import Infra, free_ports, gateway_url, zikao_system
from zikao_devrun.zikao import base_url, isolated_env
from zikao_identity.tokens import TokenSigner, write_private_key
from zikao_kit.auth import Role
from zikao_kit.scratch import scratch_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from gateway import client_operation, drive, seed_candidates  # noqa: E402

SITTING = "2099-04"
COURSES = 4
ENTITIES = """query ($r: [_Any!]!, $s: String!) { _entities(representations: $r) {
  ... on Candidate { results(sitting: $s) { course { code name kind } score grade passed status } }
} }"""
PUBLISH = """mutation ($s: String!) { publishScores(sitting: $s) {
  __typename ... on Problem { code message } } }"""
PROGRESS = """query ($id: ID!) { scoreImport(id: $id) { __typename ... on ScoreImport {
  status problem rowsTotal rowsChecked rowsRejected rowsApplied } ... on Problem { code } } }"""


async def seed_sign_ups(database_url: str, rows: int, readers: list[tuple[str, str]]) -> None:
    """The sitting, its timetable, rows/4 candidates with 4 paid sign-ups each (the readers
    first), and the ticket numbers records knows for them, all made by SQL in PostgreSQL."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SET search_path = records")
        await connection.execute(
            "INSERT INTO sitting (code, name, registration_opens_at, registration_closes_at,"
            " ticket_printing_opens_at) VALUES ($1, '2099年4月', now() - interval '90 days',"
            " now() - interval '60 days', now() - interval '40 days')",
            SITTING,
        )
        courses = [
            r[0]
            for r in await connection.fetch(
                "SELECT code FROM course WHERE kind = 'THEORY' ORDER BY code LIMIT $1", COURSES
            )
        ]
        for hour, course in enumerate(courses):
            slot = uuid.uuid4()
            await connection.execute(
                "INSERT INTO exam_slot (id, sitting_code, starts_at, ends_at) VALUES"
                " ($1, $2, now() - interval '30 days' + $3 * interval '4 hours',"
                " now() - interval '30 days' + $3 * interval '4 hours' + interval '150 minutes')",
                slot,
                SITTING,
                hour,
            )
            await connection.execute(
                "INSERT INTO sitting_course (sitting_code, course_code, slot_id) VALUES"
                " ($1, $2, $3)",
                SITTING,
                course,
                slot,
            )
        candidates = rows // COURSES
        await connection.execute(
            "CREATE TEMP TABLE people (n integer PRIMARY KEY, id uuid, ticket text, region text)"
        )
        await connection.copy_records_to_table(
            "people",
            records=[(n, uuid.UUID(i), t, "0103") for n, (i, t) in enumerate(readers)],
        )
        await connection.execute(
            "INSERT INTO people SELECT n, md5('bench' || n)::uuid, '0199' || lpad(n::text, 8, '0'),"
            " '0199' FROM generate_series($1::integer, $2::integer - 1) n",
            len(readers),
            candidates,
        )
        await connection.execute(
            "INSERT INTO candidate_ticket (ticket_number, candidate_id)"
            " SELECT ticket, id FROM people"
        )
        await connection.execute(
            "INSERT INTO exam_registration (id, candidate_id, sitting_code, course_code, slot_id,"
            " fee_yuan, status, created_at, paid_at, region_code) SELECT gen_random_uuid(), p.id,"
            " $1::varchar, c.course_code, c.slot_id, 40, 'PAID', now() - interval '70 days',"
            " now() - interval '70 days', p.region FROM people p CROSS JOIN sitting_course c"
            " WHERE c.sitting_code = $1::varchar",
            SITTING,
        )
        await connection.execute("ANALYZE exam_registration; ANALYZE candidate_ticket")
    finally:
        await connection.close()


async def write_file(database_url: str, path: Path) -> int:
    """The score file: one line per paid sign-up, in a shuffled order (as a marking centre's
    export is not sorted by ticket), 4% absent; its lines."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("SET search_path = records")
        status = await connection.copy_from_query(
            "SELECT ticket AS 准考证号, course AS 课程代码, score AS 成绩,"
            " CASE WHEN score = '' THEN '缺考' ELSE '正常' END AS 状态 FROM ("
            " SELECT t.ticket_number AS ticket, r.course_code AS course, r.id,"
            " CASE WHEN random() < 0.04 THEN '' ELSE (random() * 100)::int::text END AS score"
            " FROM exam_registration r JOIN candidate_ticket t ON t.candidate_id = r.candidate_id"
            " WHERE r.sitting_code = $1) lines ORDER BY md5(id::text)",
            SITTING,
            output=str(path),
            format="csv",
            header=True,
        )
        return int(status.split()[-1])
    finally:
        await connection.close()


async def plain_copy(database_url: str, path: Path) -> float:
    """Seconds to COPY the file into a bare table (no checks, no indexes): the floor."""
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("CREATE TABLE public.bare (a text, b text, c text, d text)")
        started = time.perf_counter()
        with path.open("rb") as source:
            await connection.copy_to_table(
                "bare", schema_name="public", source=source, format="csv", header=True
            )
        seconds = time.perf_counter() - started
        await connection.execute("DROP TABLE public.bare")
        return seconds
    finally:
        await connection.close()


async def import_file(
    client: httpx.AsyncClient, records: str, graph: str, staff: str, path: Path
) -> tuple[float, dict[str, Any], float]:
    """Upload until APPLIED: seconds, the import's last state, seconds the upload took."""
    headers = {"authorization": f"Bearer {staff}", "content-type": "text/csv"}
    body = await asyncio.to_thread(path.read_bytes)
    started = time.perf_counter()
    response = await client.post(
        f"{records}/imports/scores?sitting={SITTING}", content=body, headers=headers
    )
    uploaded = time.perf_counter() - started
    if response.status_code != 201:
        raise SystemExit(f"upload refused: {response.status_code} {response.text[:300]}")
    import_id = response.json()["id"]
    while True:
        answer = await client.post(
            graph,
            json={"query": PROGRESS, "variables": {"id": import_id}},
            headers={"authorization": f"Bearer {staff}"},
        )
        state = answer.json()["data"]["scoreImport"]
        if state.get("status") in ("APPLIED", "REFUSED", "CHECKED"):
            return time.perf_counter() - started, state, uploaded
        await asyncio.sleep(0.2)


async def publish(client: httpx.AsyncClient, graph: str, staff: str) -> float:
    started = time.perf_counter()
    answer = await client.post(
        graph,
        json={"query": PUBLISH, "variables": {"s": SITTING}},
        headers={"authorization": f"Bearer {staff}"},
    )
    seconds = time.perf_counter() - started
    outcome = answer.json()["data"]["publishScores"]
    if outcome["__typename"] != "ScoresPublished":
        raise SystemExit(f"publication refused: {outcome}")
    return seconds


async def reads_per_second(
    client: httpx.AsyncClient,
    url: str,
    bodies: list[tuple[dict[str, Any], dict[str, str]]],
    *,
    seconds: float,
    concurrency: int,
    each_once: bool = False,
) -> tuple[float, int]:
    """Requests per second over `seconds`, `concurrency` in flight, each a random body (or
    each body once); and the failures (an error or an empty result)."""
    deadline = time.perf_counter() + seconds
    done = failed = 0
    rng = random.Random(7)
    queue = list(bodies)

    async def worker() -> None:
        nonlocal done, failed
        while queue if each_once else time.perf_counter() < deadline:
            body, headers = queue.pop() if each_once else bodies[rng.randrange(len(bodies))]
            response = await client.post(url, json=body, headers=headers)
            data = response.json()
            if "errors" in data or not _results_of(data):
                failed += 1
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done / (time.perf_counter() - started), failed


def load_process(
    targets: dict[str, tuple[str, list[tuple[dict[str, Any], dict[str, str]]]]],
    *,
    seconds: float,
    concurrency: int,
    cpu_groups: dict[str, int],
) -> dict[str, dict[str, Any]]:
    """Each target driven in turn by bench/gateway.py's load process (a process of its own,
    raw sockets): its answers/s and percentiles, by label, and the CPU time each process of
    `cpu_groups` (by name: its process group) spent per answer."""
    groups = [
        [
            {
                "label": label,
                "url": url,
                "requests": [{"body": body, "headers": headers} for body, headers in bodies],
                "cpu_groups": cpu_groups,
            }
        ]
        for label, (url, bodies) in targets.items()
    ]
    return drive(groups, seconds, 1, concurrency)


def _results_of(data: dict[str, Any]) -> list[Any]:
    inner = data.get("data") or {}
    if "me" in inner:
        return list((inner["me"] or {}).get("results") or [])
    entities = inner.get("_entities") or [{}]
    return list((entities[0] or {}).get("results") or [])


async def measure(
    work: Path, database_url: str, redis_url: str, arguments: argparse.Namespace
) -> None:
    key = work / "jwt.pem"
    write_private_key(key)
    signer = TokenSigner.load(key, issuer="zikao-identity", audience="zikao")
    say(f"setting up {arguments.rows:,} paid sign-ups (untimed)…")
    readers = await seed_candidates(database_url, arguments.readers)
    await seed_sign_ups(database_url, arguments.rows, readers)
    path = work / "scores.csv"
    lines = await write_file(database_url, path)
    copy_seconds = await plain_copy(database_url, path)
    say(f"score file: {lines:,} lines, {path.stat().st_size / 2**20:.1f} MiB")
    ports = free_ports()
    system = zikao_system(
        Infra(database_url, redis_url),
        ports,
        root=ROOT,
        log_dir=work / "logs",
        extra_env=isolated_env(work, f"bench-{uuid.uuid4().hex[:12]}", key),
        start_timeout=180,  # a loaded machine starts slowly
    )
    staff = signer.issue(subject="bench-province", role=Role.STAFF, minutes=120).token
    graph = gateway_url(ports)
    records = base_url(ports.records)
    limits = httpx.Limits(max_connections=arguments.concurrency + 4)
    with system:
        async with httpx.AsyncClient(timeout=600, limits=limits, trust_env=False) as client:
            import_seconds, state, upload_seconds = await import_file(
                client, records, graph, staff, path
            )
            if state.get("status") != "APPLIED":
                raise SystemExit(f"the import did not apply: {state}")
            say(
                f"import: {state['rowsApplied']:,} rows applied, {state['rowsRejected']} rejected;"
                f" upload (read, COPY to staging) {upload_seconds:.1f} s, checking and applying"
                f" (worker) {import_seconds - upload_seconds:.1f} s"
            )
            publication_seconds = await publish(client, graph, staff)
            text = client_operation("MyResults")
            tokens = {
                candidate: signer.issue(subject=candidate, role=Role.CANDIDATE, minutes=60).token
                for candidate, _ in readers
            }
            through_gateway = [
                (
                    {"query": text, "variables": {"sitting": SITTING}},
                    {"authorization": f"Bearer {token}"},
                )
                for token in tokens.values()
            ]
            straight = [
                (
                    {
                        "query": ENTITIES,
                        "variables": {
                            "r": [{"__typename": "Candidate", "id": candidate}],
                            "s": SITTING,
                        },
                    },
                    {"authorization": f"Bearer {token}"},
                )
                for candidate, token in tokens.items()
            ]
            # Every reader's answer checked once (results there, no error), then the rate
            # measured by the separate raw-socket load process of bench/gateway.py, so that
            # the client's own CPU is not taken from the services it measures.
            for url, bodies in ((graph, through_gateway), (f"{records}/graphql", straight)):
                _, wrong = await reads_per_second(
                    client, url, bodies, seconds=0.0, concurrency=1, each_once=True
                )
                if wrong:
                    raise SystemExit(f"{wrong} of {len(bodies)} readers got no results at {url}")
            rates = load_process(
                {"gateway": (graph, through_gateway), "records": (f"{records}/graphql", straight)},
                seconds=arguments.seconds,
                concurrency=arguments.concurrency,
                cpu_groups={
                    name: pid
                    for name, pid in system.pids.items()
                    if name in ("gateway", "identity", "records")
                },
            )
    gateway_rate, records_rate = rates["gateway"]["rate"], rates["records"]["rate"]
    failed = {label: r["failed"] for label, r in rates.items() if r["failed"]}
    if failed:
        examples = {label: r["example_failure"][:300] for label, r in rates.items() if r["failed"]}
        say(f"failed reads: {failed}; for example {examples}")
    for label, rate in rates.items():
        spent = ", ".join(f"{name} {ms:.2f}" for name, ms in sorted(rate["cpu_ms_by"].items()))
        say(f"CPU ms per read, {label}: {spent}")
    say(
        f"reference: MyResults straight at the records subgraph {records_rate:.0f} reads/s"
        f" (p99 {rates['records']['p99_ms']:.0f} ms); plain COPY of the file into a bare table"
        f" {copy_seconds:.1f} s; through the gateway p99 {rates['gateway']['p99_ms']:.0f} ms"
    )
    say(
        f"score import seconds: {import_seconds:.1f}; publication seconds:"
        f" {publication_seconds:.2f}; MyResults reads/s: {gateway_rate:.0f}"
    )


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="score rows (x4 courses)")
    parser.add_argument("--readers", type=int, default=200, help="candidates reading results")
    parser.add_argument("--seconds", type=float, default=10.0, help="of reading, per target")
    parser.add_argument("--concurrency", type=int, default=32)
    arguments = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is not set")
    redis_url = os.environ.get("REDIS_URL") or sys.exit("REDIS_URL is not set")
    with (
        scratch_database(server, "zikao_bench_scores") as url,
        tempfile.TemporaryDirectory(prefix="zikao-bench-") as work,
    ):
        asyncio.run(measure(Path(work), url, redis_url, arguments))
    return 0


if __name__ == "__main__":
    sys.exit(main())
