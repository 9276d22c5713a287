"""`python -m bench.abuse` (`make abuse`): starts the whole system on free ports over a
scratch database on DATABASE_URL's server and REDIS_URL, runs every abuse case against it,
prints one line per case and, last, `abuse cases refused: R/N`. Exit status 1 unless all
were refused."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

from . import CASES, Outcome, Target, run
from .system import own_system


async def attack(target: Target, only: str | None) -> list[Outcome]:
    outcomes = []
    try:
        for case in CASES:
            if only and only not in case.name and only != case.family:
                continue
            outcome = await run(case, target)
            print(outcome.line(), flush=True)  # noqa: T201 - the report is the output
            outcomes.append(outcome)
    finally:
        await target.close()
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.abuse")
    parser.add_argument("--only", help="a family or part of a case's name")
    args = parser.parse_args()
    started = time.monotonic()
    database, redis = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    if not database or not redis:
        parser.error("DATABASE_URL and REDIS_URL must be set (make abuse runs under zikao-run)")
    with (
        tempfile.TemporaryDirectory(prefix="zikao-abuse-") as work,
        own_system(database, redis, Path(work)) as target,
    ):
        outcomes = asyncio.run(attack(target, args.only))
    refused = sum(o.refused for o in outcomes)
    print(f"({time.monotonic() - started:.0f} s)")  # noqa: T201
    print(f"abuse cases refused: {refused}/{len(outcomes)}")  # noqa: T201
    return 0 if refused == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
