"""What the journeys need before they start: a sitting open for sign-up with its timetable
and a venue (set up by an admin through the gateway), and a sitting whose scores are out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx

from bench.faults.client import graphql
from bench.faults.journeys import COURSES, OPEN_SITTING, PUBLISHED_SITTING
from bench.faults.stack import Stack
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker, utc_now
from zikao_records.testing import a_sitting, ago

SETUP = """mutation Setup($s: SittingInput!, $code: String!, $e: [TimetableEntryInput!]!,
                         $v: VenueInput!) {
  saveSitting(input: $s) { __typename ... on Problem { code message } }
  setTimetable(sitting: $code, entries: $e) { __typename ... on Problem { code message } }
  addVenue(input: $v) { __typename ... on Problem { code message } }
}"""
VENUE = {"name": "重庆市第二十九中学考点", "address": "重庆市渝中区中山二路", "regionCode": "0103"}


def timetable(courses: Sequence[str], morning: datetime) -> list[dict[str, str]]:
    """`setTimetable` entries: the courses' exams of 150 minutes, five hours apart from
    `morning` (no two share a slot)."""
    return [
        {
            "courseCode": course,
            "startsAt": (morning + timedelta(hours=5 * n)).isoformat(),
            "endsAt": (morning + timedelta(hours=5 * n, minutes=150)).isoformat(),
        }
        for n, course in enumerate(courses)
    ]


async def set_up_sittings(
    stack: Stack, *, printing_opens: datetime | None = None, rooms: int = 2, seats: int = 30
) -> None:
    """Both sittings; raises when the system refuses them. Admission tickets print from
    ``printing_opens`` (default: a week before the first exam); the venue has ``rooms`` of
    ``seats`` seats."""
    await _published_sitting(stack.database_url)
    now = utc_now()
    morning = now + timedelta(days=40)
    entries = timetable(COURSES, morning)
    sitting = {
        "code": OPEN_SITTING,
        "name": "2040年4月",
        "registrationOpensAt": (now - timedelta(days=1)).isoformat(),
        "registrationClosesAt": (now + timedelta(days=10)).isoformat(),
        "ticketPrintingOpensAt": (printing_opens or morning - timedelta(days=7)).isoformat(),
    }
    venue = {**VENUE, "rooms": rooms, "seats": seats}
    variables = {"s": sitting, "code": OPEN_SITTING, "e": entries, "v": venue}
    admin = stack.token("admin-faults", Role.ADMIN)
    async with httpx.AsyncClient(timeout=60) as client:
        answer = await graphql(client, stack.url, SETUP, variables, admin)
    kinds = [value["__typename"] for value in (answer.data or {}).values()]
    if kinds != ["SittingSaved", "TimetableSet", "VenueSaved"]:
        raise RuntimeError(f"set-up refused: {kinds} {answer.codes}")


async def _published_sitting(database_url: str) -> None:
    engine = create_engine(database_url, schema="records", pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            session.add(a_sitting(PUBLISHED_SITTING, scores=ago(1)))
    finally:
        await engine.dispose()
