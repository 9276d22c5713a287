"""Builders of ticket facts (what identity and records answer, typed) for tests, imported by
name like `zikao_documents.testing`."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta

from zikao_documents.sources import Exam, Person, Seat, SittingFacts, TicketFacts
from zikao_documents.testing import WANZHOU, tiny_png

ISSUER = "重庆市教育考试院"
BEIJING = "+08:00"
OPENS = datetime(2026, 10, 17, 1, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)


def person(candidate_id: uuid.UUID | None = None, *, photo: bool = True) -> Person:
    return Person(
        id=candidate_id or uuid.uuid4(),
        name="张三",
        ticket_number="010326100001",
        masked_id_number="5001**********1232",
        region_code=WANZHOU,
        photo_media_type="image/png" if photo else None,
        photo_base64=base64.b64encode(tiny_png()).decode() if photo else None,
    )


def sitting(*, seats_published: bool = True) -> SittingFacts:
    return SittingFacts(
        code="2026-10",
        name="2026年10月",
        ticket_printing_opens_at=OPENS,
        seats_published_at=OPENS if seats_published else None,
        exams_end_at=datetime(2026, 10, 25, 9, 0, tzinfo=UTC),
    )


def exam(code: str = "03708", *, day: int = 24, seat: int | None = 7, paid: bool = True) -> Exam:
    starts = datetime.fromisoformat(f"2026-10-{day}T09:00:00{BEIJING}")
    return Exam(
        course_code=code,
        course_name="中国近现代史纲要",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=150),
        paid=paid,
        seat=Seat("重庆市第一中学", "重庆市沙坪坝区沙坪坝正街42号", 12, seat) if seat else None,
    )


def facts(*exams: Exam, who: Person | None = None, **sitting_options: bool) -> TicketFacts:
    return TicketFacts(who or person(), sitting(**sitting_options), exams or (exam(),))
