"""Seat allocation at scale: 100,000 candidates x 4 courses over 60 venues.

Makes a database of its own on the server of DATABASE_URL (dropped at the end), migrates
records into it, generates the sign-ups inside PostgreSQL, then times one allocation run as
the worker runs it: reading the paid sign-ups, allocating every slot, writing the seats (COPY).

    make bench-seats        # or: DATABASE_URL=postgresql://… uv run python bench/seats.py

The last line printed is the figure:
    seat allocation seconds: S (100000 candidates x 4 courses, peak memory M MiB)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
import uuid

import asyncpg

from zikao_kit.db import create_engine, create_sessionmaker
from zikao_kit.scratch import scratch_database
from zikao_records.models import AllocationStatus
from zikao_records.service.seating import run_allocation

SITTING = "2099-04"
SLOTS = 8
COURSES_PER_SLOT = 5
REGIONS = [f"01{n:02d}" for n in range(1, 39)]


async def generate(url: str, candidates: int, venues: int, rooms: int) -> uuid.UUID:
    """Sitting, slots, timetable, venues and rooms, paid sign-ups; returns a pending run."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("SET search_path = records")
        courses = await connection.fetch(
            "SELECT code FROM course WHERE kind = 'THEORY' ORDER BY code LIMIT $1",
            SLOTS * COURSES_PER_SLOT,
        )
        await connection.execute(
            "INSERT INTO sitting (code, name, registration_opens_at, registration_closes_at,"
            " ticket_printing_opens_at) VALUES ($1, '2099年4月', now() - interval '60 days',"
            " now() - interval '30 days', now() - interval '1 day')",
            SITTING,
        )
        await connection.execute(
            "INSERT INTO exam_slot (id, sitting_code, starts_at, ends_at) SELECT"
            " gen_random_uuid(), $1, now() + s * interval '6 hours',"
            " now() + s * interval '6 hours' + interval '150 minutes'"
            " FROM generate_series(0, $2 - 1) s",
            SITTING,
            SLOTS,
        )
        slots = [
            r[0]
            for r in await connection.fetch(
                "SELECT id FROM exam_slot WHERE sitting_code = $1 ORDER BY starts_at", SITTING
            )
        ]
        await connection.executemany(
            "INSERT INTO sitting_course (sitting_code, course_code, slot_id) VALUES ($1, $2, $3)",
            [(SITTING, c[0], slots[i // COURSES_PER_SLOT]) for i, c in enumerate(courses)],
        )
        await connection.execute(
            "INSERT INTO venue (id, name, address, region_code) SELECT gen_random_uuid(),"
            " '考点' || v, '地址' || v, ($2::text[])[1 + v % array_length($2::text[], 1)]"
            " FROM generate_series(0, $1 - 1) v",
            venues,
            REGIONS,
        )
        await connection.execute(
            "INSERT INTO room (id, venue_id, number, seats) SELECT gen_random_uuid(), v.id, n, 30"
            " FROM venue v, generate_series(1, $1) n",
            rooms,
        )
        # Candidate i sits four slots of its parity, one course in each; its region by i.
        await connection.execute(
            "INSERT INTO exam_registration (id, candidate_id, sitting_code, course_code, slot_id,"
            " fee_yuan, status, created_at, paid_at, region_code)"
            " SELECT gen_random_uuid(), md5('candidate' || i)::uuid, $1, sc.course_code,"
            " sc.slot_id, 40, 'PAID', now(), now(),"
            " ($4::text[])[1 + i % array_length($4::text[], 1)]"
            " FROM generate_series(1, $2) i, generate_series(0, 3) k,"
            " LATERAL (SELECT ($3::uuid[])[1 + (i % 2 + 2 * k)] AS slot_id) s"
            " JOIN LATERAL (SELECT course_code, slot_id FROM sitting_course"
            "   WHERE sitting_code = $1 AND slot_id = s.slot_id ORDER BY course_code"
            "   OFFSET (i / 8) % 5 LIMIT 1) sc ON true",
            SITTING,
            candidates,
            slots,
            REGIONS,
        )
        await connection.execute("ANALYZE")
        return await connection.fetchval(
            "INSERT INTO seat_allocation (id, sitting_code, seed, status, requested_by,"
            " slots_done, slots_total, seated, kept, moved, unseated, attempts)"
            " VALUES (gen_random_uuid(), $1, 20991, 'PENDING', 'bench', 0, 0, 0, 0, 0, 0, 0)"
            " RETURNING id",
            SITTING,
        )
    finally:
        await connection.close()


async def allocate(url: str, run_id: uuid.UUID) -> tuple[float, int, int]:
    engine = create_engine(url, schema="records", pool_size=2)
    try:
        started = time.perf_counter()
        run = await run_allocation(create_sessionmaker(engine), run_id)
        seconds = time.perf_counter() - started
    finally:
        await engine.dispose()
    if run is None or run.status is not AllocationStatus.DONE:
        raise SystemExit("the allocation run did not finish")
    return seconds, run.seated, run.unseated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--venues", type=int, default=60)
    parser.add_argument("--rooms", type=int, default=35, help="rooms of 30 seats per venue")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        sys.stderr.write("DATABASE_URL is not set (make bench-seats sets it)\n")
        return 2
    with scratch_database(server, "zikao_bench_seats", services=("records",)) as url:
        run_id = asyncio.run(generate(url, args.candidates, args.venues, args.rooms))
        seconds, seated, unseated = asyncio.run(allocate(url, run_id))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(f"seated {seated} sign-ups, {unseated} unseated\n")
    sys.stdout.write(
        f"seat allocation seconds: {seconds:.2f} ({args.candidates} candidates x 4 courses, "
        f"peak memory {peak:.0f} MiB)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
