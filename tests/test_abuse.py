"""The abuse suite (bench/abuse, `make abuse`) in `make test`: every case against the session's
system, with the limited and the production gateway beside its gateway. A case not refused
today is a finding: marked xfail (strict) with its reason, so that its fix turns the run red
until the mark goes."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from e2e import ROOT, RunningSystem

from zikao_records.settings import DEV_PAYMENT_NOTIFY_KEY

sys.path.insert(0, str(ROOT))
from bench.abuse import CASES, Case, Target, run  # noqa: E402
from bench.abuse.system import edge_gateways  # noqa: E402
from bench.abuse.target import Gateway  # noqa: E402


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.finding)] if case.finding else []
    return pytest.param(case, id=f"{case.family}: {case.name}", marks=marks)


@pytest.fixture(scope="module")
async def target(zikao: RunningSystem, redis_url: str) -> AsyncIterator[Target]:
    assert zikao.system.log_dir is not None
    work = Path(zikao.system.log_dir).parent  # tests/conftest.py's work folder
    with edge_gateways(zikao.ports, work / "abuse-logs") as (limited, production):
        target = Target(
            main=Gateway(zikao.url),
            limited=limited,
            production=production,
            ports=zikao.ports,
            signer=zikao.signer,
            database_url=zikao.database_url,
            redis_url=redis_url,
            notify_key=os.environ.get("RECORDS_PAYMENT_NOTIFY_KEY", DEV_PAYMENT_NOTIFY_KEY),
            storage_dir=work / "documents",
            jwt_key=work / "jwt.pem",
        )
        yield target
        await target.close()


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
async def test_the_attack_is_refused(target: Target, case: Case) -> None:
    outcome = await run(case, target)
    assert outcome.refused, outcome.seen
