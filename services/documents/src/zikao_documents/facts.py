"""When a candidate may have an admission ticket or a transcript, and what it then shows: pure
functions over the facts `sources.py` read (no I/O, so every rule is tested on its own)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from zikao_documents.sources import (
    Application,
    Exam,
    Person,
    Record,
    SittingFacts,
    TicketFacts,
)
from zikao_kit.errors import ConflictError

# What may be missing for a ticket, in the order a candidate can act on it.
OUTSIDE_PRINTING_WINDOW = "outside_printing_window"
NOT_SIGNED_UP = "not_signed_up"
SEATS_NOT_PUBLISHED = "seats_not_published"
NOT_SEATED = "not_seated"
NO_PHOTO = "no_photo"
NO_PASSED_COURSES = "no_passed_courses"
CERTIFICATE_NOT_READY = "certificate_not_ready"
APPLICATION_CANCELLED = "application_cancelled"
MESSAGES = {
    OUTSIDE_PRINTING_WINDOW: "不在准考证打印时间内",
    NOT_SIGNED_UP: "本考次没有已缴费的报考科目",
    SEATS_NOT_PUBLISHED: "考场座位尚未公布",
    NOT_SEATED: "尚有科目未编排考场座位，请联系报名点",
    NO_PHOTO: "尚无照片，请到报名点采集照片",
    NO_PASSED_COURSES: "尚无合格成绩，无法出具成绩单",
    CERTIFICATE_NOT_READY: "课程合格证书尚未到办理日期",
    APPLICATION_CANCELLED: "该申请已取消（成绩因违规取消）",
}
LEVELS = {"BENKE": "本科", "ZHUANKE": "专科"}
SOURCES = {"EXAM", "PRACTICE", "THESIS", "EXEMPTION", "TRANSFER"}


class DocumentUnavailableError(ConflictError):
    """The document cannot be made yet: `code` is the first thing missing, `missing` all."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__("；".join(MESSAGES[m] for m in missing))
        self.code = missing[0]
        self.missing = missing


def printing_open(sitting: SittingFacts, now: datetime) -> bool:
    """From `ticketPrintingOpensAt` until the sitting's last exam ends."""
    ends = sitting.exams_end_at
    return sitting.ticket_printing_opens_at <= now and ends is not None and now < ends


def ticket_missing(facts: TicketFacts, now: datetime) -> list[str]:
    """What keeps the candidate from their ticket now; empty when nothing does."""
    missing = []
    if not printing_open(facts.sitting, now):
        missing.append(OUTSIDE_PRINTING_WINDOW)
    paid = [e for e in facts.exams if e.paid]
    if not paid:
        missing.append(NOT_SIGNED_UP)
    published = facts.sitting.seats_published_at
    if published is None or published > now:
        missing.append(SEATS_NOT_PUBLISHED)
    elif any(e.seat is None for e in paid):
        missing.append(NOT_SEATED)
    if not facts.person.photo_base64:
        missing.append(NO_PHOTO)
    return missing


def candidate_card(person: Person, *, photo: bool) -> dict[str, Any]:
    card: dict[str, Any] = {
        "name": person.name,
        "ticket_number": person.ticket_number,
        "masked_id_number": person.masked_id_number,
    }
    if photo and person.photo_base64:
        card["photo"] = {"media_type": person.photo_media_type, "data_base64": person.photo_base64}
    return card


def ticket_content(issuer: str, facts: TicketFacts) -> dict[str, Any]:
    """What the ticket shows (checked by `content.AdmissionTicketContent` when requested): its
    hash tells a reprint (same) from a new version (a seat, a course, the photo changed)."""
    paid = sorted((e for e in facts.exams if e.paid), key=lambda e: (e.starts_at, e.course_code))
    content: dict[str, Any] = {
        "issuer": issuer,
        "sitting_name": facts.sitting.name,
        "candidate": candidate_card(facts.person, photo=True),
        "exams": [_exam(e) for e in paid],
    }
    if facts.major is not None:
        code, name, level = facts.major
        content["major"] = {"code": code, "name": name, "level": LEVELS.get(level, level)}
    return content


def _exam(exam: Exam) -> dict[str, Any]:
    seat = exam.seat
    if seat is None:  # ticket_missing refused this before
        raise ValueError("an exam without a seat")
    return {
        "course_code": exam.course_code,
        "course_name": exam.course_name,
        "starts_at": exam.starts_at.isoformat(),
        "ends_at": exam.ends_at.isoformat(),
        "venue_name": seat.venue_name,
        "venue_address": seat.venue_address,
        "room": f"{seat.room:03d}",
        "seat": f"{seat.seat:02d}",
    }


def transcript_content(issuer: str, person: Person, record: Record) -> dict[str, Any]:
    """成绩单: every passed course (the best pass of each, as records counts them), by code."""
    if not record.passed:
        raise DocumentUnavailableError([NO_PASSED_COURSES])
    content: dict[str, Any] = {
        "issuer": issuer,
        "candidate": candidate_card(person, photo=False),
        "results": [
            {
                "course_code": p.course_code,
                "course_name": p.course_name,
                "credits": p.credits,
                "score": p.score,
                "grade": p.grade,
                "sitting": p.sitting,
                "source": p.source if p.source in SOURCES else None,
            }
            for p in sorted(record.passed, key=lambda p: p.course_code)
        ],
    }
    if record.major is not None:
        code, name, level = record.major
        content["major"] = {"code": code, "name": name, "level": LEVELS.get(level, level)}
    return content


def certificate_content(
    issuer: str, person: Person, applied: Application, today: date
) -> dict[str, Any]:
    """课程合格证书 of one course, for an application not cancelled, from its ready day on."""
    if applied.cancelled:
        raise DocumentUnavailableError([APPLICATION_CANCELLED])
    if today < applied.ready_on:
        raise DocumentUnavailableError([CERTIFICATE_NOT_READY])
    return transcript_content(issuer, person, Record(major=None, passed=(applied.passed,)))
