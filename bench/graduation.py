"""Batch graduation audit at scale: every candidate of the province, 100,000 by default.

Makes a database of its own on the server of DATABASE_URL (dropped at the end), migrates
records into it (the catalogue's seven majors and their plans), generates inside PostgreSQL the
candidates' major choices and about a dozen passes each over ten published sittings (one in ten
passed everything of their plan; their 本科 ones have a verified diploma), then times one batch
audit run as the worker runs it: page by page, each page's audits and outcome rows in one
transaction. A bare query reading the same passes is timed beside it, as a reference.

    make bench-graduation     # or: DATABASE_URL=postgresql://… uv run python bench/graduation.py

The last line printed is the figure:
    graduation audit seconds: S (100000 candidates)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid

import asyncpg

from zikao_kit.db import create_engine, create_sessionmaker
from zikao_kit.scratch import scratch_database
from zikao_records.models import AuditRunStatus
from zikao_records.service.graduation_batch import run_audit

SITTINGS = [f"{year}-{month:02d}" for year in range(2021, 2026) for month in (4, 10)]
REGIONS = [f"01{n:02d}" for n in range(1, 39)]


async def generate(url: str, candidates: int) -> tuple[uuid.UUID, int]:
    """Choices, passes, diplomas; returns a pending run of the whole province and the number of
    results made."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("SET search_path = records")
        majors = [r[0] for r in await connection.fetch("SELECT code FROM major ORDER BY code")]
        await connection.executemany(
            "INSERT INTO sitting (code, name, registration_opens_at, registration_closes_at,"
            " ticket_printing_opens_at, scores_published_at) VALUES ($1, $1,"
            " now() - interval '400 days', now() - interval '390 days',"
            " now() - interval '380 days', now() - interval '300 days')",
            [(code,) for code in SITTINGS],
        )
        await connection.execute(
            "INSERT INTO candidate_major (candidate_id, major_code, chosen_at, region_code)"
            " SELECT md5('graduate' || i)::uuid, ($2::text[])[1 + i % array_length($2::text[], 1)],"
            " now(), ($3::text[])[1 + i % array_length($3::text[], 1)]"
            " FROM generate_series(1, $1) i",
            candidates,
            majors,
            REGIONS,
        )
        # Each plan course passed with three chances in four; everything for one candidate in ten.
        made = await connection.fetchval(
            "WITH passes AS (INSERT INTO exam_result (id, candidate_id, sitting_code, course_code,"
            " score, grade, passed, status, source, recorded_at)"
            " SELECT gen_random_uuid(), m.candidate_id,"
            " ($1::text[])[1 + abs(hashtext(m.candidate_id::text || p.course_code)) % 10],"
            " p.course_code,"
            " CASE WHEN c.kind = 'THEORY' THEN 60 + abs(hashtext(p.course_code"
            "   || m.candidate_id::text)) % 40 END,"
            " CASE WHEN c.grade_scheme = 'PASS_FAIL' THEN '合格'"
            "   WHEN c.grade_scheme = 'FIVE_LEVEL' THEN '良好' END,"
            " true, 'NORMAL',"
            " (CASE WHEN p.category = 'THESIS' THEN 'THESIS' WHEN c.kind = 'PRACTICE'"
            "   THEN 'PRACTICE' ELSE 'EXAM' END)::records.resultsource, now()"
            " FROM candidate_major m JOIN plan_course p ON p.major_code = m.major_code"
            " JOIN course c ON c.code = p.course_code"
            " WHERE abs(hashtext(m.candidate_id::text || p.course_code)) % 4 <> 0"
            "   OR abs(hashtext(m.candidate_id::text)) % 10 = 0"
            " RETURNING 1) SELECT count(*) FROM passes",
            SITTINGS,
        )
        await connection.execute(
            "INSERT INTO prior_diploma (candidate_id, diploma_number, origin, verified_by,"
            " verified_at) SELECT m.candidate_id, 'BENCH' || row_number() OVER (), 'RELATED',"
            " 'bench', now() FROM candidate_major m JOIN major j ON j.code = m.major_code"
            " WHERE j.level = 'BENKE' AND abs(hashtext(m.candidate_id::text)) % 10 = 0"
        )
        await connection.execute("ANALYZE")
        run_id = await connection.fetchval(
            "INSERT INTO graduation_audit_run (id, requested_by, status, candidates_done,"
            " eligible, requested_at) VALUES (gen_random_uuid(), 'bench', 'PENDING', 0, 0, now())"
            " RETURNING id"
        )
        return run_id, int(made)
    finally:
        await connection.close()


async def bare_read(url: str) -> float:
    """Reference: one query reading every candidate's passes with their courses."""
    connection = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await connection.fetch(
            "SELECT r.candidate_id, r.course_code, r.score, r.grade, c.credits"
            " FROM records.exam_result r JOIN records.course c ON c.code = r.course_code"
            " WHERE r.passed"
        )
        return time.perf_counter() - started
    finally:
        await connection.close()


async def audit(url: str, run_id: uuid.UUID) -> tuple[float, int, int]:
    engine = create_engine(url, schema="records", pool_size=2)
    try:
        started = time.perf_counter()
        run = await run_audit(create_sessionmaker(engine), run_id, validity_years=None)
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    if run is None or run.status is not AuditRunStatus.DONE:
        raise SystemExit("the audit run did not finish")
    return seconds, run.candidates_done, run.eligible


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        sys.stderr.write("DATABASE_URL is not set (make bench-graduation sets it)\n")
        return 2
    with scratch_database(server, "zikao_bench_graduation", services=("records",)) as url:
        run_id, results = asyncio.run(generate(url, args.candidates))
        reference = asyncio.run(bare_read(url))
        seconds, done, eligible = asyncio.run(audit(url, run_id))
    sys.stdout.write(
        f"audited {done} candidates ({results} passes), {eligible} eligible; "
        f"reference: one bare query reading every pass {reference:.2f} s\n"
    )
    sys.stdout.write(f"graduation audit seconds: {seconds:.2f} ({args.candidates} candidates)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
