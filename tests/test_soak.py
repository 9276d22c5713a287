"""`make bench-soak` (bench/soak) in miniature: 20 s of one journey at a time and a few result
reads on a whole system of its own, so that the soak's code keeps working; the ten minutes
that prove memory, descriptors and connections flat are `make bench-soak`'s."""

from __future__ import annotations

import re

from e2e import run_bench

BOUND_SECONDS = 300
TINY = ["--seconds", "20", "--warm-up", "10", "--concurrency", "1", "--reads", "5"]
LAST = re.compile(
    r"soak: 20 s, \d+ operations \(errors 0\); RSS growth max -?[\d.]+% \([\w-]+\); "
    r"fds [+-]\d+; connections [+-]\d+; queues drained in [\d.]+ s; lost 0"
)


def test_a_short_soak_stays_flat_loses_nothing_and_drains() -> None:
    lines, code, errors = run_bench("bench.soak", *TINY, "--every", "10", timeout=BOUND_SECONDS)
    assert lines, errors
    assert LAST.fullmatch(lines[-1]), "\n".join(lines) + errors
    for process in ("gateway", "identity", "records", "documents", "worker", "postgresql"):
        assert any(line.startswith(f"{process}") and "→" in line for line in lines), process
    assert code == 0, "\n".join(lines)
