"""``make faults``: a whole system on an embedded PostgreSQL and Redis of its own, candidates'
journeys through the gateway, and each fault injected while they run:

- records killed mid-request (SIGKILL), started again through devrun;
- Redis flushed and restarted (queues, captchas, limits and the kept answers' channel gone);
- the documents worker killed mid-job (a render under way), started again;
- PostgreSQL restarted (fast: every connection cut);
- the gateway restarted under load.

One line per fault, and last ``faults survived: S/N (lost L)``, L counting acknowledged or
earlier writes missing or doubled. ``--cheap`` runs the first three only (``make test``).

    python -m bench.faults [--cheap] [--only NAME] [--journeys N] [--logs DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bench.faults.faults import CHEAP, EXPENSIVE, JOURNEYS, Outcome, run_fault
from bench.faults.setup import set_up_sittings
from bench.faults.stack import Stack, running_stack


async def run_all(stack: Stack, cheap: bool, only: str | None, journeys: int) -> list[Outcome]:
    """Each fault in turn on the one system, its line printed as it ends."""
    await set_up_sittings(stack)
    outcomes = []
    chosen = CHEAP if cheap else [*CHEAP, *EXPENSIVE]
    for name, inject, bound in [fault for fault in chosen if only in (None, fault[0])]:
        outcome = await run_fault(stack, name, inject, bound, journeys)
        sys.stdout.write(outcome.line() + "\n")
        sys.stdout.flush()
        outcomes.append(outcome)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    """Run the faults; 0 when every one was survived."""
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--cheap", action="store_true", help="the three cheap faults only")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this directory")
    parser.add_argument("--only", help="one fault, by the name its line starts with")
    parser.add_argument("--journeys", type=int, default=JOURNEYS, help="candidates per fault")
    args = parser.parse_args(argv)
    with running_stack(args.logs) as stack:
        outcomes = asyncio.run(run_all(stack, args.cheap, args.only, args.journeys))
    survived = sum(1 for outcome in outcomes if not outcome.problems)
    lost = sum(outcome.verdict.lost + outcome.verdict.doubled for outcome in outcomes)
    sys.stdout.write(f"faults survived: {survived}/{len(outcomes)} (lost {lost})\n")
    return 0 if survived == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
