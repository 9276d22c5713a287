import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis
from sqlalchemy import select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker, utc_now
from zikao_records import models
from zikao_records.jobs import allocation_job_id
from zikao_records.service.seating import start_allocation
from zikao_records.settings import RecordsSettings
from zikao_records.testing import a_sitting, a_slot, add
from zikao_records.worker import WorkerDeps, allocate_seats, sweep


@pytest.fixture
async def ctx(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> AsyncIterator[dict[str, object]]:
    """A worker context on a queue of this test's own (the shared Redis has others' workers)."""
    queue = f"zikao:records:test:{uuid.uuid4().hex}"
    mine = settings.model_copy(update={"queue_name": queue, "allocation_sweep_after_seconds": 5})
    arq = ArqRedis(connection_pool=redis.connection_pool)
    yield {"deps": WorkerDeps(settings=mine, db=db), "redis": arq, "queue": queue}
    await redis.delete(queue)


async def test_the_sweeper_lapses_overdue_sign_ups_and_wakes_lost_runs(
    db: Sessionmaker, redis: Redis, ctx: dict[str, object]
) -> None:
    await add(db, a_sitting("2030-10"))
    slot = a_slot("2030-10")
    await add(db, slot)
    old = models.ExamRegistration(
        candidate_id=uuid.uuid4(),
        sitting_code="2030-10",
        course_code="03708",
        slot_id=slot.id,
        fee_yuan=40,
        created_at=utc_now() - timedelta(minutes=31),
    )
    await add(db, old)
    async with db.begin() as session:
        run = await start_allocation(
            session,
            sitting_code="2030-10",
            staff=Principal("a", Role.ADMIN),
            seed=1,
            now=utc_now() - timedelta(seconds=30),
        )
    assert await sweep(ctx) == 1
    queued = await redis.zrange(str(ctx["queue"]), 0, -1)
    assert [q.decode() for q in queued] == [allocation_job_id(run.id)]
    async with db() as session:
        status = (await session.execute(select(models.ExamRegistration.status))).scalar_one()
    assert status == "LAPSED"
    assert await allocate_seats(ctx, str(run.id)) == "DONE"
    assert await allocate_seats(ctx, str(uuid.uuid4())) == "missing"
