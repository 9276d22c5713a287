import uuid

from sqlalchemy import select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, utc_now
from zikao_records import models
from zikao_records.models import AllocationStatus, RegistrationStatus
from zikao_records.service.seating import publish_seats, run_allocation, start_allocation
from zikao_records.testing import a_sitting, a_slot, a_venue, add, rooms_of

SITTING = "2030-10"
ADMIN = Principal(subject="admin-1", role=Role.ADMIN)


async def paid(db: Sessionmaker, slot: models.ExamSlot, count: int, region: str) -> list[uuid.UUID]:
    rows = [
        models.ExamRegistration(
            candidate_id=uuid.uuid4(),
            sitting_code=SITTING,
            course_code="03708",
            slot_id=slot.id,
            fee_yuan=40,
            status=RegistrationStatus.PAID,
            region_code=region,
        )
        for _ in range(count)
    ]
    await add(db, *rows)
    return [r.id for r in rows]


async def seats(db: Sessionmaker) -> dict[uuid.UUID, tuple[uuid.UUID, int, int]]:
    async with db() as session:
        rows = (await session.execute(select(models.SeatAssignment))).scalars().all()
    return {r.registration_id: (r.venue_id, r.room, r.seat) for r in rows}


async def allocate(db: Sessionmaker, seed: int = 11) -> models.SeatAllocation:
    async with db.begin() as session:
        run = await start_allocation(
            session, sitting_code=SITTING, staff=ADMIN, seed=seed, now=utc_now()
        )
    done = await run_allocation(db, run.id)
    assert done is not None
    return done


async def test_a_run_seats_every_paid_sign_up_in_its_region_and_reruns_move_nothing(
    db: Sessionmaker,
) -> None:
    await add(db, a_sitting(SITTING))
    slot = a_slot(SITTING)
    near, far = a_venue("0103", "渝中考点"), a_venue("0112", "北碚考点")
    await add(db, slot, near, far)
    await add(db, *rooms_of(near, 2, seats=3), *rooms_of(far, 2, seats=30))
    local = await paid(db, slot, 8, "0103")
    first = await allocate(db)
    assert (first.status, first.seated, first.unseated) == (AllocationStatus.DONE, 8, 0)
    assert (first.slots_done, first.slots_total) == (1, 1)
    placed = await seats(db)
    assert set(placed) == set(local)
    assert sum(1 for venue, _, _ in placed.values() if venue == near.id) == 6
    late = await paid(db, slot, 2, "0112")
    async with db.begin() as session:
        gone = await session.get(models.ExamRegistration, local[0])
        assert gone is not None
        gone.status = RegistrationStatus.REFUNDED
    second = await allocate(db, seed=99)
    assert (second.kept, second.moved, second.seated) == (7, 0, 9)
    again = await seats(db)
    assert all(again[r] == placed[r] for r in local[1:])
    assert local[0] not in again
    assert {again[r][0] for r in late} == {far.id}


async def test_a_finished_run_is_left_alone_and_seats_are_published_after_it(
    db: Sessionmaker,
) -> None:
    await add(db, a_sitting(SITTING))
    slot = a_slot(SITTING)
    venue = a_venue()
    await add(db, slot, venue)
    await add(db, *rooms_of(venue, 1))
    await paid(db, slot, 3, "0103")
    run = await allocate(db)
    assert await run_allocation(db, run.id) is not None
    async with db.begin() as session:
        await publish_seats(session, sitting_code=SITTING, staff=ADMIN, now=utc_now())
        sitting = await session.get(models.Sitting, SITTING)
        assert sitting is not None
        assert sitting.seats_published_at is not None
    async with db() as session:
        actions = (await session.execute(select(models.AuditEntry.action))).scalars().all()
    assert sorted(actions) == ["seats.allocation_started", "seats.published"]
