"""The cheap faults of `make faults` (bench/faults): records killed mid-request, Redis flushed
and restarted, the documents worker killed mid-job, each while candidates' journeys run through
the gateway, on an embedded PostgreSQL and Redis of the run's own (the machine's are never
restarted or flushed). Every fault must be survived with nothing lost or doubled."""

from __future__ import annotations

import subprocess
import sys

from e2e import ROOT

BOUND_SECONDS = 600


def test_the_cheap_faults_are_survived_with_nothing_lost() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.faults", "--cheap"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,
        check=False,
    )
    lines = done.stdout.splitlines()
    assert lines, done.stderr[-3000:]
    assert lines[-1] == "faults survived: 3/3 (lost 0)", "\n".join(lines) + done.stderr[-3000:]
    assert done.returncode == 0
