"""Reference data (the catalogue, the holiday calendar) for every environment, demo data for
`make run`.

The demo makes sittings (one open for sign-up today, one past with scores published), venues
with their rooms, and the results of the demo candidate 张三 (region 0103, 大数据与会计) in the
published sitting. Services never read each other's tables, so records cannot look up
identity's ids: 张三's results are kept under `DEMO_CANDIDATE_ID`, the fixed id identity's demo
gives 张三 (tests/test_demo_data.py keeps the two equal).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_kit import clock
from zikao_kit.db import Sessionmaker, utc_now
from zikao_kit.settings import ServiceSettings
from zikao_records import calendar_seed
from zikao_records.models import (
    CandidateMajor,
    CourseKind,
    ExamResult,
    ResultSource,
    ResultStatus,
)
from zikao_records.repository.base import upsert
from zikao_records.repository.seating import VenueRepository
from zikao_records.repository.sittings import SittingRepository
from zikao_records.service import holidays
from zikao_records.service.catalogue import load_catalogue, read_catalogue
from zikao_records.service.scores import local_date
from zikao_records.settings import records_settings

DEMO_NAMESPACE = uuid.UUID("6f1c2b1e-3d0a-4b7e-9a51-7c1d2e3f4a5b")
SLOT_TIMES = ((time(9), time(11, 30)), (time(14, 30), time(17)))
DEMO_VENUES = (
    ("重庆工商大学（南岸校区）考点", "重庆市南岸区学府大道19号", "0108"),
    ("西南大学考点", "重庆市北碚区天生路2号", "0109"),
    ("重庆市第二十九中学考点", "重庆市渝中区中山二路", "0103"),
    ("重庆市第一中学考点", "重庆市沙坪坝区沙坪坝正街", "0106"),
)
DEMO_ROOMS = 10  # rooms of 30 seats per venue
DEMO_CANDIDATE_ID = uuid.UUID("8a6e0f3c-2b1d-5c4e-9f7a-0d3b2c1e4f5a")  # 张三 of identity's demo
DEMO_MAJOR, DEMO_REGION = "530302", "0103"
# course, score, grade, passed, status, source; the exemption has no sitting
DEMO_RESULTS: tuple[tuple[str, int | None, str | None, bool, ResultStatus, ResultSource], ...] = (
    ("03706", 78, None, True, ResultStatus.NORMAL, ResultSource.EXAM),
    ("00041", 64, None, True, ResultStatus.NORMAL, ResultSource.EXAM),
    ("00043", 52, None, False, ResultStatus.NORMAL, ResultSource.EXAM),
    ("00144", None, None, False, ResultStatus.ABSENT, ResultSource.EXAM),
    ("90301", None, "良好", True, ResultStatus.NORMAL, ResultSource.PRACTICE),
    ("00012", None, None, True, ResultStatus.NORMAL, ResultSource.EXEMPTION),
)


async def load_reference(db: Sessionmaker, settings: ServiceSettings) -> list[str]:
    folder = records_settings(settings).catalogue_dir
    seed = calendar_seed.read()
    async with db.begin() as session:
        catalogue = await load_catalogue(session, folder)
        years = await holidays.load_seed(session, seed)
    return [
        f"records: {len(catalogue.courses)} courses and {len(catalogue.majors)} majors "
        f"loaded from {folder}",
        f"records: holiday calendar {_years(years)} loaded from {seed.source}",
    ]


def _years(years: list[int]) -> str:
    if not years:
        return "(every year already complete)"
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])


async def load_demo(db: Sessionmaker, settings: ServiceSettings) -> list[str]:
    """Creates or refreshes the demo sittings and venues (dates relative to today)."""
    catalogue = read_catalogue(records_settings(settings).catalogue_dir)
    theory = [c["code"] for c in catalogue.courses if c["kind"] is CourseKind.THEORY]
    today = local_date(utc_now())
    open_exam = _saturday_on_or_after(today + timedelta(days=42))
    past_exam = _saturday_on_or_after(today - timedelta(days=66))
    async with db.begin() as session:
        sittings = SittingRepository(session)
        for sitting, slots in (_open_sitting(today, open_exam), _past_sitting(past_exam)):
            await sittings.upsert(sitting, slots)
            await sittings.upsert_courses(_timetable(sitting["code"], slots, theory))
        venues = VenueRepository(session)
        await venues.upsert(_venues())
        await venues.upsert_rooms(_rooms())
        await _load_candidate(session, _code(past_exam))
    return [
        f"records: demo sitting {_code(open_exam)} open for sign-up, "
        f"{_code(past_exam)} with scores published; {len(DEMO_VENUES)} venues of "
        f"{DEMO_ROOMS} rooms; {len(DEMO_RESULTS)} results of the demo candidate "
        f"{DEMO_CANDIDATE_ID}"
    ]


async def _load_candidate(session: AsyncSession, sitting_code: str) -> None:
    """张三's major and region, and their results (replacing those of an earlier demo run)."""
    major = {
        "candidate_id": DEMO_CANDIDATE_ID,
        "major_code": DEMO_MAJOR,
        "region_code": DEMO_REGION,
    }
    await upsert(session, CandidateMajor, [major], ["candidate_id"])
    await upsert(session, ExamResult, _results(sitting_code), ["id"])


def _results(sitting_code: str) -> list[dict[str, Any]]:
    return [
        {
            "id": uuid.uuid5(DEMO_NAMESPACE, f"result/{DEMO_CANDIDATE_ID}/{course}"),
            "candidate_id": DEMO_CANDIDATE_ID,
            "sitting_code": None if source is ResultSource.EXEMPTION else sitting_code,
            "course_code": course,
            "score": score,
            "grade": grade,
            "passed": passed,
            "status": status,
            "source": source,
        }
        for course, score, grade, passed, status, source in DEMO_RESULTS
    ]


def _open_sitting(today: date, exam: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sitting = _sitting(exam) | {
        "registration_opens_at": _at(today - timedelta(days=3), time(9)),
        "registration_closes_at": _at(today + timedelta(days=10), time(17)),
        "scores_published_at": None,
        "seats_published_at": None,
    }
    return sitting, _slots(exam)


def _past_sitting(exam: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sitting = _sitting(exam) | {
        "registration_opens_at": _at(exam - timedelta(days=60), time(9)),
        "registration_closes_at": _at(exam - timedelta(days=45), time(17)),
        "scores_published_at": _at(exam + timedelta(days=28), time(10)),
        "seats_published_at": _at(exam - timedelta(days=6), time(9)),
    }
    return sitting, _slots(exam)


def _sitting(exam: date) -> dict[str, Any]:
    return {
        "code": _code(exam),
        "name": f"{exam.year}年{exam.month}月",
        "ticket_printing_opens_at": _at(exam - timedelta(days=7), time(9)),
    }


def _slots(saturday: date) -> list[dict[str, Any]]:
    """Saturday and Sunday, 09:00–11:30 and 14:30–17:00 (Beijing time)."""
    code = _code(saturday)
    days = (saturday, saturday + timedelta(days=1))
    times = [(day, start, end) for day in days for start, end in SLOT_TIMES]
    return [
        {
            "id": uuid.uuid5(DEMO_NAMESPACE, f"slot/{code}/{index}"),
            "sitting_code": code,
            "starts_at": _at(day, start),
            "ends_at": _at(day, end),
        }
        for index, (day, start, end) in enumerate(times)
    ]


def _timetable(
    sitting_code: str, slots: list[dict[str, Any]], courses: list[str]
) -> list[dict[str, Any]]:
    return [
        {"sitting_code": sitting_code, "course_code": code, "slot_id": slots[i % len(slots)]["id"]}
        for i, code in enumerate(courses)
    ]


def _venues() -> list[dict[str, Any]]:
    return [
        {
            "id": uuid.uuid5(DEMO_NAMESPACE, f"venue/{name}"),
            "name": name,
            "address": address,
            "region_code": region,
        }
        for name, address, region in DEMO_VENUES
    ]


def _rooms() -> list[dict[str, Any]]:
    return [
        {
            "id": uuid.uuid5(DEMO_NAMESPACE, f"room/{venue['id']}/{number}"),
            "venue_id": venue["id"],
            "number": number,
            "seats": 30,
        }
        for venue in _venues()
        for number in range(1, DEMO_ROOMS + 1)
    ]


def _saturday_on_or_after(day: date) -> date:
    return day + timedelta(days=(5 - day.weekday()) % 7)


def _code(exam: date) -> str:
    return f"{exam.year}-{exam.month:02d}"


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=clock.BEIJING)
