"""Staff's ticket batches, measured on a scratch database: how many candidates a worker
prepares per second (each ticket requested as the candidate's own request is: content checked,
hashed, inserted, older versions superseded; the facts given, as the subgraphs answer them),
asking again (nothing changed: no new document), a room's zip of 30 ready tickets and a
30-seat room's seat list. `make bench-ticket-batches`; prints, never asserts."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from zikao_documents import batches, room_lists
from zikao_documents.settings import DocumentsSettings
from zikao_documents.sources import ListedSeat, RoomFacts, Seated, TicketFacts
from zikao_documents.storage import LocalStorage
from zikao_documents.testing_facts import ISSUER, NOW, exam, person, sitting
from zikao_documents.worker import WorkerDeps, render_document
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, create_engine, create_sessionmaker
from zikao_kit.scratch import scratch_database

CANDIDATES = int(os.environ.get("BENCH_CANDIDATES", "2000"))
STAFF = Principal(subject="bench-province", role=Role.STAFF)
VENUE = uuid.uuid4()


def roster_and_facts(count: int) -> tuple[list[Seated], dict[uuid.UUID, TicketFacts]]:
    roster, facts = [], {}
    for n in range(count):
        who = dataclasses.replace(person(), ticket_number=f"0101261{n:05d}")
        room = n // 30 + 1
        roster.append(Seated(who.id, VENUE, "万州二中考点", room, exam().starts_at))
        facts[who.id] = TicketFacts(who, sitting(), (exam(seat=n % 30 + 1),))
    return roster, facts


async def prepare_all(
    db: Sessionmaker, batch_id: uuid.UUID, facts: dict[uuid.UUID, TicketFacts]
) -> int:
    done = 0
    while True:
        async with db.begin() as session:
            members = await batches.next_chunk(session, batch_id)
            if not members:
                return done
            done += len(await batches.prepare(session, members, facts, issuer=ISSUER, now=NOW))


async def measure(url: str, work: Path) -> None:
    engine = create_engine(url, schema="documents", pool_size=2)
    db = create_sessionmaker(engine)
    roster, facts = roster_and_facts(CANDIDATES)
    try:
        async with db.begin() as session:
            batch, _ = await batches.open_batch(
                session, by=STAFF, sitting="2026-10", region_code=None, roster=roster
            )
        started = time.perf_counter()
        requested = await prepare_all(db, batch.id, facts)
        first = time.perf_counter() - started
        async with db.begin() as session:
            await batches.open_batch(
                session, by=STAFF, sitting="2026-10", region_code=None, roster=roster
            )
        started = time.perf_counter()
        await prepare_all(db, batch.id, facts)
        again = time.perf_counter() - started

        settings = DocumentsSettings(database_url=url, storage_dir=work)
        deps = WorkerDeps(settings=settings, db=db, storage=LocalStorage(work))
        async with db() as session:
            room_one = await batches.room_documents_of(session, batch.id, VENUE, 1)
        for document_id in room_one:
            await render_document({"deps": deps}, str(document_id))
        started = time.perf_counter()
        async with db() as session:
            data = await batches.room_zip(session, deps.storage, batch.id, VENUE, 1)
        zipped = time.perf_counter() - started

        seats = tuple(
            ListedSeat(c.candidate_id, "03708", "中国近现代史纲要", exam().starts_at,
                       exam().starts_at + timedelta(minutes=150), n + 1)
            for n, c in enumerate(roster[:30])
        )  # fmt: skip
        names = {s.candidate_id: ("欧阳明华", "010126100001") for s in seats}
        facts_of_room = RoomFacts("2026年10月", "万州二中考点", "重庆市万州区", 1, seats, names)
        room = room_lists.room_list(ISSUER, facts_of_room)
        started = time.perf_counter()
        for _ in range(20):
            room_lists.render_room_list(room_lists.SEAT_LIST, room)
        seat_list_ms = (time.perf_counter() - started) / 20 * 1000
    finally:
        await engine.dispose()
    sys.stdout.write(
        f"batch of {CANDIDATES}: {requested} tickets requested in {first:.2f} s"
        f" ({requested / first:.0f} candidates/s prepared, facts given)\n"
        f"asked again, nothing changed: {again:.2f} s, no new document\n"
        f"room zip of {len(room_one)} ready tickets: {zipped * 1000:.1f} ms, {len(data)} bytes\n"
        f"seat list of a 30-seat room: {seat_list_ms:.1f} ms per PDF\n"
    )


def main() -> None:
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with (
        scratch_database(server, "zikao_bench", ["documents"]) as url,
        tempfile.TemporaryDirectory() as work,
    ):
        asyncio.run(measure(url, Path(work)))


if __name__ == "__main__":
    main()
