"""Staff's ticket batches: who may open one for which region, each candidate in the room of
their first exam, preparing in chunks (a ticket per candidate, or what is missing), asking
again renders nothing twice, progress per room, and a room's tickets as one zip."""

from __future__ import annotations

import dataclasses
import io
import uuid
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from arq import create_pool
from arq.connections import ArqRedis
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from zikao_documents import batches
from zikao_documents.models import BatchStatus, DocumentRequest
from zikao_documents.settings import DocumentsSettings
from zikao_documents.sources import Seated, TicketFacts
from zikao_documents.storage import LocalStorage
from zikao_documents.testing import WANZHOU, YUZHONG
from zikao_documents.testing_facts import ISSUER, NOW, exam, person, sitting
from zikao_documents.worker import WorkerDeps, render_document, sweep_unfinished
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.errors import ForbiddenError, NotFoundError
from zikao_kit.worker import redis_settings

DISTRICT = Principal(subject="staff-wanzhou", role=Role.STAFF, region_code=WANZHOU)
PROVINCE = Principal(subject="staff-province", role=Role.STAFF)
VENUE = uuid.uuid4()


def seated(candidate_id: uuid.UUID, room: int, hours: int = 0) -> Seated:
    starts = exam().starts_at + timedelta(hours=hours)
    return Seated(candidate_id, VENUE, "万州二中考点", room, starts)


def facts_of(candidate_id: uuid.UUID, number: int, *, photo: bool = True) -> TicketFacts:
    who = dataclasses.replace(
        person(candidate_id, photo=photo), ticket_number=f"0101261{number:05d}"
    )
    return TicketFacts(who, sitting(), (exam(seat=number % 30 + 1),))


def test_district_staff_batch_their_own_district_only() -> None:
    assert batches.batch_scope(DISTRICT, None) == WANZHOU
    assert batches.batch_scope(DISTRICT, WANZHOU) == WANZHOU
    with pytest.raises(ForbiddenError):
        batches.batch_scope(DISTRICT, YUZHONG)
    assert batches.batch_scope(PROVINCE, None) is None
    assert batches.batch_scope(PROVINCE, YUZHONG) == YUZHONG
    with pytest.raises(ForbiddenError):
        batches.batch_scope(Principal(subject=str(uuid.uuid4()), role=Role.CANDIDATE), None)


def test_a_candidate_is_in_the_room_of_their_first_exam() -> None:
    one = uuid.uuid4()
    rows = batches.first_rooms([seated(one, 5, hours=5), seated(one, 3), seated(one, 9, 24)])
    assert [(r["candidate_id"], r["room"]) for r in rows] == [(one, 3)]


async def documents(db: Sessionmaker) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(DocumentRequest)) or 0)


async def prepare_all(
    db: Sessionmaker, batch_id: uuid.UUID, facts: dict[uuid.UUID, TicketFacts]
) -> list[DocumentRequest]:
    requested = []
    while True:
        async with db.begin() as session:
            members = await batches.next_chunk(session, batch_id)
            if not members:
                return requested
            requested += await batches.prepare(session, members, facts, issuer=ISSUER, now=NOW)


async def test_a_batch_prepares_every_ticket_once_and_zips_a_room(
    db: Sessionmaker, deps: WorkerDeps, storage: LocalStorage
) -> None:
    ids = [uuid.uuid4() for _ in range(5)]
    roster = [seated(i, 1 if n < 3 else 2) for n, i in enumerate(ids)]
    facts = {i: facts_of(i, n, photo=n != 4) for n, i in enumerate(ids)}
    before = await documents(db)
    async with db.begin() as session:
        batch, wake = await batches.open_batch(
            session, by=DISTRICT, sitting="2026-10", region_code=None, roster=roster
        )
    assert wake is True
    assert batch.region_code == WANZHOU
    async with db.begin() as session:
        again, wake_again = await batches.open_batch(
            session, by=DISTRICT, sitting="2026-10", region_code=None, roster=roster
        )
    assert again.id == batch.id
    assert wake_again is False  # still preparing: nothing new to do

    requested = await prepare_all(db, batch.id, facts)
    assert len(requested) == 4  # the fifth has no photo
    async with db() as session:
        progress = await batches.rooms(session, batch.id)
        assert (await batches.batch_of(session, batch.id)).status is BatchStatus.PREPARED
    assert [(r.room, r.members, r.requested, r.skipped, r.ready) for r in progress] == [
        (1, 3, 3, 0, 0),
        (2, 2, 1, 1, 0),
    ]
    for document in requested:
        assert await render_document({"deps": deps}, str(document.id)) == "ready"
    async with db() as session:
        assert [r.ready for r in await batches.rooms(session, batch.id)] == [3, 1]
        data = await batches.room_zip(session, storage, batch.id, VENUE, 1)
        with pytest.raises(NotFoundError):
            await batches.room_zip(session, storage, batch.id, VENUE, 7)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(archive.namelist())
        assert names == [f"0101261{n:05d}.pdf" for n in range(3)]
        assert all(archive.read(name).startswith(b"%PDF") for name in names)

    # Asked again once prepared: everyone is prepared again, nothing new is rendered.
    made = await documents(db)
    assert made == before + 4
    async with db.begin() as session:
        _, wake = await batches.open_batch(
            session, by=DISTRICT, sitting="2026-10", region_code=WANZHOU, roster=roster
        )
    assert wake is True
    async with db() as session:  # while it prepares again, the room's tickets stay there
        assert await batches.room_zip(session, storage, batch.id, VENUE, 1) == data
    again_requested = await prepare_all(db, batch.id, facts)
    assert {d.id for d in again_requested} == {d.id for d in requested}
    assert all(d.is_done for d in again_requested)
    assert await documents(db) == made


async def test_staff_of_another_district_do_not_see_a_batch(db: Sessionmaker) -> None:
    async with db.begin() as session:
        batch, _ = await batches.open_batch(
            session, by=DISTRICT, sitting="2026-10", region_code=None, roster=[]
        )
    other = Principal(subject="staff-yuzhong", role=Role.STAFF, region_code=YUZHONG)
    async with db() as session:
        assert await batches.readable_batch(session, other, batch.id) is None
        assert await batches.readable_batch(session, PROVINCE, batch.id) is not None
        assert await batches.readable_batch(session, DISTRICT, batch.id) is not None


@pytest.fixture
async def arq_pool(redis_url: str, settings: DocumentsSettings) -> AsyncIterator[ArqRedis]:
    pool = await create_pool(redis_settings(redis_url))
    yield pool
    queued = await pool.queued_jobs(queue_name=settings.queue_name)
    await pool.delete(settings.queue_name, *(f"arq:job:{job.job_id}" for job in queued))
    await pool.aclose()


async def test_the_sweeper_wakes_a_batch_whose_preparing_chain_was_lost(
    db: Sessionmaker, deps: WorkerDeps, arq_pool: ArqRedis
) -> None:
    async with db.begin() as session:
        batch, _ = await batches.open_batch(
            session, by=DISTRICT, sitting="2026-10", region_code=None, roster=[]
        )
    ctx = {"deps": deps, "redis": arq_pool}
    assert await sweep_unfinished(ctx) == 0  # just asked for: its own wake-up is on its way
    async with db.begin() as session:
        found = await batches.batch_of(session, batch.id)
        found.requested_at = utc_now() - timedelta(minutes=5)
    assert await sweep_unfinished(ctx) == 1
    queued = await arq_pool.queued_jobs(queue_name=deps.settings.queue_name)
    assert [j.job_id for j in queued] == [f"batch:{batch.id}:0"]
    assert await sweep_unfinished(ctx) == 0  # already queued: no second job


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(1, 20), st.integers(0, 48)), min_size=1))
def test_each_candidate_is_once_in_the_room_of_their_earliest_exam(
    seats: list[tuple[int, int, int]],
) -> None:
    people = [uuid.UUID(int=n + 1) for n in range(5)]
    roster = [seated(people[who], room, hours) for who, room, hours in seats]
    rows = batches.first_rooms(roster)
    assert len(rows) == len({s.candidate_id for s in roster})
    for row in rows:
        theirs = [s for s in roster if s.candidate_id == row["candidate_id"]]
        earliest = min((s.starts_at, s.room) for s in theirs)
        assert row["room"] == earliest[1]
