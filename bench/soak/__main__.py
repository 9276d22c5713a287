"""``make bench-soak``: see the package's docstring.

python -m bench.soak [--seconds 600] [--warm-up 30] [--concurrency 4] [--reads 20]
                     [--every 60] [--logs DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bench.faults.setup import set_up_sittings
from bench.faults.stack import Stack, running_stack
from bench.soak.load import Options, Soak, connect, soak
from bench.soak.report import growths, last_line, problems, totals_line
from zikao_kit.db import utc_now

SETTINGS = {"IDENTITY_REGISTRATION_PER_CLIENT": "1000000"}
"""Every sign-up comes from this machine's one address: identity's 50 an hour would stop
the soak after a few minutes (the gateway's limits are lifted for loopback already)."""
ROOMS, SEATS = 100, 200
"""20,000 seats an exam: more than a soak's candidates."""


async def run(stack: Stack, options: Options) -> Soak:
    await set_up_sittings(stack, printing_opens=utc_now(), rooms=ROOMS, seats=SEATS)
    sampler = await connect(stack)
    try:
        return await soak(stack, options, sampler)
    finally:
        await sampler.connection.close()
        await sampler.redis.aclose()


def main(argv: list[str] | None = None) -> int:
    """Run the soak; 0 when everything stayed flat, nothing failed, drained or was lost."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--seconds", type=float, default=600, help="load after the warm-up")
    parser.add_argument("--warm-up", type=float, default=30, help="load before the start sample")
    parser.add_argument("--concurrency", type=int, default=4, help="journeys at a time")
    parser.add_argument("--reads", type=float, default=20, help="result reads a second")
    parser.add_argument("--every", type=float, default=60, help="seconds between samples")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this directory")
    args = parser.parse_args(argv)
    options = Options(args.seconds, args.warm_up, args.concurrency, args.reads, args.every)
    with running_stack(args.logs, SETTINGS) as stack:
        result = asyncio.run(run(stack, options))
    found = problems(result)
    lines = [g.line() for g in growths(result.samples[0], result.samples[-1])]
    lines += [totals_line(result), *(f"not passed: {problem}" for problem in found)]
    sys.stdout.write("\n".join([*lines, last_line(result)]) + "\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
