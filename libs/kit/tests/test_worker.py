import asyncio
import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from arq import Worker, create_pool, func

from zikao_devrun.embedded_redis import EmbeddedRedis
from zikao_kit.worker import queue_cron, redis_settings


async def sweep(ctx: dict[str, Any]) -> None:
    return None


def test_a_cron_job_is_named_for_its_queue() -> None:
    """Two environments on one Redis keep their sweeps apart."""
    one, two = queue_cron(sweep, "zikao:records"), queue_cron(sweep, "zikao:records:test-1")
    assert one.name == "cron:sweep:zikao:records"
    assert one.name != two.name


# arq 0.28's Worker.close() calls redis-py's deprecated `close()`.
@pytest.mark.filterwarnings("ignore:Call to deprecated close:DeprecationWarning")
async def test_a_worker_outlasts_a_redis_restart() -> None:
    """Redis away for a second (flushed, restarted): the worker keeps polling and runs the
    next job, where it used to exit with the first refused connection."""
    directory = Path(tempfile.mkdtemp(prefix="zkkit-"))
    server = EmbeddedRedis(directory)
    server.start()
    try:

        async def touch(ctx: dict[str, Any]) -> str:
            return "touched"

        settings = redis_settings(server.url)
        worker = Worker(
            functions=[func(touch, name="touch")],  # type: ignore[arg-type]  # arq's stub
            redis_settings=settings,
            queue_name="restart-test",
            poll_delay=0.05,
            handle_signals=False,
        )
        running = asyncio.create_task(worker.main())
        await asyncio.sleep(0.5)
        await asyncio.to_thread(server.restart, flush=True, down_seconds=1.0)
        await asyncio.sleep(0.5)
        assert not running.done(), running.exception()
        pool = await create_pool(settings)
        try:
            job = await pool.enqueue_job("touch", _queue_name="restart-test")
            assert job is not None
            assert await job.result(timeout=30, poll_delay=0.05) == "touched"
        finally:
            await pool.aclose()
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await worker.close()
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
