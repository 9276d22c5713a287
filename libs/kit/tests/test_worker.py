from typing import Any

from zikao_kit.worker import queue_cron


async def sweep(ctx: dict[str, Any]) -> None:
    return None


def test_a_cron_job_is_named_for_its_queue() -> None:
    """Two environments on one Redis keep their sweeps apart."""
    one, two = queue_cron(sweep, "zikao:records"), queue_cron(sweep, "zikao:records:test-1")
    assert one.name == "cron:sweep:zikao:records"
    assert one.name != two.name
