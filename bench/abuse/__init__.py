"""Zikao's abuse suite (issue 16): real attacks on a running system, each expecting its
precise refusal. `make abuse` starts a system of its own and runs them all
(`python -m bench.abuse`); tests/test_abuse.py runs the same cases in `make test`."""

from __future__ import annotations

from . import csrf, districts, enumeration, limits, payments, reading, shapes, tokens, trusted
from .case import Case, Outcome, run
from .target import Target

CASES: list[Case] = [
    *enumeration.CASES,
    *limits.CASES,
    *reading.CASES,
    *districts.CASES,
    *tokens.CASES,
    *shapes.CASES,
    *csrf.CASES,
    *trusted.CASES,
    *payments.CASES,
]

__all__ = ["CASES", "Case", "Outcome", "Target", "run"]
