"""The cheap faults of `make faults` (bench/faults): records killed mid-request, Redis flushed
and restarted, the documents worker killed mid-job, each while candidates' journeys run through
the gateway, on an embedded PostgreSQL and Redis of the run's own (the machine's are never
restarted or flushed). Every fault must be survived with nothing lost or doubled."""

from __future__ import annotations

from e2e import run_bench

BOUND_SECONDS = 600


def test_the_cheap_faults_are_survived_with_nothing_lost() -> None:
    lines, code, errors = run_bench("bench.faults", "--cheap", timeout=BOUND_SECONDS)
    assert lines, errors
    assert lines[-1] == "faults survived: 3/3 (lost 0)", "\n".join(lines) + errors
    assert code == 0
