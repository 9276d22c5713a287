"""Runs of seat allocation: staff start one (a row, then a wake-up for the worker); the worker
applies the allocator slot after slot, publishing its progress as it goes; staff publish the
seats once satisfied. PostgreSQL holds every run; Redis only wakes the worker.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import audit
from zikao_kit.auth import Principal
from zikao_kit.db import Sessionmaker, utc_now
from zikao_records import errors
from zikao_records.models import AllocationStatus, AuditEntry, SeatAllocation
from zikao_records.repository.seating import AllocationRepository, SeatWriter, VenueRepository
from zikao_records.repository.sittings import SittingRepository
from zikao_records.service.allocator import Seat, SlotPlan, allocate_slot
from zikao_records.service.sittings import get_sitting

logger = logging.getLogger("zikao.records.seating")


@dataclass
class Tally:
    seated: int = 0
    kept: int = 0
    moved: int = 0
    unseated: int = 0


async def start_allocation(
    session: AsyncSession, *, sitting_code: str, staff: Principal, seed: int | None, now: datetime
) -> SeatAllocation:
    """A new pending run (the caller enqueues its wake-up after the commit)."""
    await get_sitting(session, sitting_code)
    run = SeatAllocation(
        sitting_code=sitting_code,
        seed=seed if seed is not None else secrets.randbelow(2**31),
        requested_by=staff.subject,
        requested_at=now,
    )
    await AllocationRepository(session).add(run)
    _audit(session, staff, "seats.allocation_started", sitting_code, run)
    return run


async def publish_seats(
    session: AsyncSession, *, sitting_code: str, staff: Principal, now: datetime
) -> datetime:
    """Shows the seats to candidates from now on; needs a finished run."""
    sitting = await get_sitting(session, sitting_code, lock=True)
    run = await AllocationRepository(session).latest(sitting_code)
    if run is None or run.status is not AllocationStatus.DONE:
        raise errors.AllocationNotReadyError()
    sitting.seats_published_at = now
    _audit(session, staff, "seats.published", sitting_code, run)
    return now


def _audit(
    session: AsyncSession, staff: Principal, action: str, sitting_code: str, run: SeatAllocation
) -> None:
    detail = {"run": str(run.id), "seed": run.seed}
    audit.record(
        session, AuditEntry, staff, action, target=f"sitting:{sitting_code}", detail=detail
    )


async def run_allocation(db: Sessionmaker, run_id: uuid.UUID) -> SeatAllocation | None:
    """Applies a run (safe to call twice: a finished run is left alone). Seats of the whole
    sitting change in one transaction; progress is committed beside it, slot by slot."""
    async with db.begin() as session:
        run = await AllocationRepository(session).get(run_id, lock=True)
        if run is None or run.status in (AllocationStatus.DONE, AllocationStatus.FAILED):
            return run
        run.status, run.started_at = AllocationStatus.RUNNING, utc_now()
        run.attempts += 1
        run.slots_done = 0
    try:
        return await _apply(db, run)
    except Exception as error:
        await _fail(db, run_id, type(error).__name__)
        raise


async def _apply(db: Sessionmaker, run: SeatAllocation) -> SeatAllocation:
    async with db.begin() as session:
        await SittingRepository(session).get(run.sitting_code, lock=True)  # one run at a time
        repository = AllocationRepository(session)
        slots = await repository.slots(run.sitting_code)
        rooms = await VenueRepository(session).room_specs()
        writer = await SeatWriter.of(session)
        paid, seats = await writer.paid(run.sitting_code), await writer.seats(run.sitting_code)
        tally = Tally()
        for done, slot_id in enumerate(slots, start=1):
            plan = allocate_slot(
                paid.pop(slot_id, []),
                rooms,
                seats.get(slot_id, {}),
                seed=run.seed,
                slot_key=str(slot_id),
            )
            await _write(writer, slot_id, seats.pop(slot_id, {}), plan, tally)
            await _progress(db, run.id, done, len(slots))
        finished = await repository.get(run.id, lock=True)
        assert finished is not None
        finished.status, finished.finished_at = AllocationStatus.DONE, utc_now()
        finished.slots_done = finished.slots_total = len(slots)
        finished.seated, finished.kept = tally.seated, tally.kept
        finished.moved, finished.unseated = tally.moved, tally.unseated
    logger.info("seats allocated", extra={"run": str(run.id), "seated": tally.seated})
    return finished


async def _write(
    writer: SeatWriter,
    slot_id: uuid.UUID,
    previous: dict[uuid.UUID, Seat],
    plan: SlotPlan,
    tally: Tally,
) -> None:
    """Writes what changed against `previous`, and counts."""
    removed = [r for r, seat in previous.items() if plan.seats.get(r) != seat]
    added = {r: seat for r, seat in plan.seats.items() if previous.get(r) != seat}
    await writer.replace(slot_id, removed, added)
    tally.seated += len(plan.seats)
    tally.kept += plan.kept
    tally.moved += plan.moved
    tally.unseated += len(plan.unseated)


async def _progress(db: Sessionmaker, run_id: uuid.UUID, done: int, total: int) -> None:
    async with db.begin() as session:
        run = await AllocationRepository(session).get(run_id)
        if run is not None:
            run.slots_done, run.slots_total = done, total


async def _fail(db: Sessionmaker, run_id: uuid.UUID, reason: str) -> None:
    async with db.begin() as session:
        run = await AllocationRepository(session).get(run_id, lock=True)
        if run is not None:
            run.status, run.finished_at, run.error = AllocationStatus.FAILED, utc_now(), reason
