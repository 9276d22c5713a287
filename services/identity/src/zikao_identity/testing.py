"""Builders of identity's data for tests (imported by name: test folders are not packages)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from zikao_identity import idnumber, models, service

TODAY = date(2026, 11, 25)
MakeCandidate = Callable[..., Awaitable[models.Candidate]]


def an_id_number(sequence: int, born: str = "19900101", region: str = "500106") -> str:
    """A valid ID number (right check character) for tests."""
    first17 = f"{region}{born}{sequence:03d}"
    return first17 + idnumber.check_char(first17)


def new_candidate(id_number: str, **overrides: str | None) -> service.NewCandidate:
    fields: dict[str, str | None] = {
        "name": "王五",
        "id_number": id_number,
        "phone": "13712345678",
        "email": None,
        "password": "correct horse battery",
        "region_code": "0106",
        "security_question": "我的出生地",
        "security_answer": "沙坪坝",
    }
    fields.update(overrides)
    return service.NewCandidate(**fields)  # type: ignore[arg-type]
