"""Staff lists in the graph: courses, sign-up counts, a course's sign-ups and a room's seats;
paged with first/after, scoped by district, bad arguments answered with typed problems."""

import uuid
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.settings import RecordsSettings
from zikao_records.testing import a_sitting, a_slot, a_venue, add, ago, rooms_of, run_one, seated

SITTING = "2032-10"
YUZHONG = Principal("staff-0103", Role.STAFF, region_code="0103")
JIANGBEI = Principal("staff-0105", Role.STAFF, region_code="0105")
PROVINCE = Principal("staff-p", Role.STAFF)
CANDIDATE = Principal(str(uuid.uuid4()), Role.CANDIDATE)
PROBLEM = "... on InvalidInput { field code } ... on Problem { code }"
COURSES = f"""query($first: Int!, $after: String, $kind: CourseKind) {{
  courses(first: $first, after: $after, kind: $kind) {{ __typename
  ... on CoursePage {{ nextCursor items {{ code kind }} }} {PROBLEM} }} }}"""
COUNTS = f"""query($s: String!) {{ signupCounts(sitting: $s) {{ __typename
  ... on SignupCounts {{ byCourse {{ courseCode paid unpaid }}
    byRoom {{ venueName room seats seated }} }} {PROBLEM} }} }}"""
SIGNUPS = f"""query($s: String!, $c: String!, $first: Int!, $after: String) {{
  courseSignups(sitting: $s, courseCode: $c, first: $first, after: $after) {{ __typename
  ... on SignupPage {{ nextCursor items {{ id candidate {{ id }} status room seat }} }}
  {PROBLEM} }} }}"""
SEATS = f"""query($s: String!, $v: ID!, $r: Int!, $first: Int!, $after: String) {{
  roomSeats(sitting: $s, venueId: $v, room: $r, first: $first, after: $after) {{ __typename
  ... on SeatPage {{ nextCursor items {{ candidate {{ id }} courseCode startsAt seat }} }}
  {PROBLEM} }} }}"""


async def pages_of(run: Any, query: str, key: str, **variables: Any) -> list[Any]:
    """Every item, page after page (each page at most `first`)."""
    items, after = [], None
    while True:
        page = await run(query, after=after, **variables)
        assert page["__typename"].endswith("Page"), page
        assert len(page["items"]) <= variables["first"]
        items += [item[key] if key else item for item in page["items"]]
        after = page["nextCursor"]
        if after is None:
            return items


def runner(db: Sessionmaker, redis: Redis, settings: RecordsSettings, who: Principal) -> Any:
    async def run(query: str, **variables: Any) -> Any:
        return await run_one(db, redis, settings, who, query, **variables)

    return run


async def test_staff_page_through_every_course(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    async with db() as session:
        codes = list((await session.execute(select(models.Course.code))).scalars())
        practice = list(
            (
                await session.execute(
                    select(models.Course.code).where(
                        models.Course.kind == models.CourseKind.PRACTICE  # type: ignore[arg-type]
                    )
                )
            ).scalars()
        )
    run = runner(db, redis, settings, YUZHONG)
    assert await pages_of(run, COURSES, "code", first=7) == sorted(codes)
    assert await pages_of(run, COURSES, "code", first=200, kind="PRACTICE") == sorted(practice)
    refused = runner(db, redis, settings, CANDIDATE)
    assert (await refused(COURSES, first=5))["__typename"] == "Forbidden"
    for first, after, field in ((0, None, "first"), (201, None, "first"), (5, "eHl6", "after")):
        page = await run(COURSES, first=first, after=after)
        assert (page["__typename"], page["field"]) == ("InvalidInput", field)


async def test_counts_and_sign_ups_are_of_the_callers_district(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    venue, slot = a_venue("0103", "巴蜀中学"), a_slot(SITTING)
    await add(db, a_sitting(SITTING), venue)
    await add(db, *rooms_of(venue, 3, seats=4), slot)
    here = [uuid.uuid4() for _ in range(9)]
    there = [uuid.uuid4() for _ in range(3)]
    await add(db, *seated(slot, venue, "03708", here, room_seats=4))
    await add(db, *seated(slot, venue, "00015", there, region="0105", room_seats=4)[::2])
    stale = models.ExamRegistration(
        candidate_id=uuid.uuid4(), sitting_code=SITTING, course_code="03708", slot_id=slot.id,
        fee_yuan=40, region_code="0103", created_at=ago(1),
    )  # fmt: skip
    fresh = models.ExamRegistration(
        candidate_id=uuid.uuid4(), sitting_code=SITTING, course_code="03708", slot_id=slot.id,
        fee_yuan=40, region_code="0103",
    )  # fmt: skip
    await add(db, stale, fresh)
    yuzhong = runner(db, redis, settings, YUZHONG)
    counts = await yuzhong(COUNTS, s=SITTING)
    assert counts["byCourse"] == [{"courseCode": "03708", "paid": 9, "unpaid": 1}]
    assert [(r["room"], r["seats"], r["seated"]) for r in counts["byRoom"]] == [
        (1, 4, 4), (2, 4, 4), (3, 4, 1),
    ]  # fmt: skip
    province = await runner(db, redis, settings, PROVINCE)(COUNTS, s=SITTING)
    assert {c["courseCode"]: c["paid"] for c in province["byCourse"]} == {"03708": 9, "00015": 3}
    jiangbei = await runner(db, redis, settings, JIANGBEI)(COUNTS, s=SITTING)
    assert jiangbei["byCourse"] == [{"courseCode": "00015", "paid": 3, "unpaid": 0}]
    assert jiangbei["byRoom"] == []
    listed = await pages_of(yuzhong, SIGNUPS, "", s=SITTING, c="03708", first=4)
    assert sorted(i["candidate"]["id"] for i in listed if i["status"] == "PAID") == sorted(
        str(c) for c in here
    )
    assert len(listed) == 11  # the lapsed and the live unpaid one too
    assert len({i["id"] for i in listed}) == 11
    assert await pages_of(runner(db, redis, settings, JIANGBEI), SIGNUPS, "", s=SITTING,
                          c="03708", first=4) == []  # fmt: skip
    missing = await yuzhong(COUNTS, s="2099-04")
    assert missing["code"] == "sitting_not_found"


async def test_a_rooms_seats_page_by_slot_and_seat_for_its_district_only(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    venue, morning, afternoon = (
        a_venue("0103", "巴蜀中学"),
        a_slot(SITTING),
        a_slot(SITTING, hour=6),
    )
    await add(db, a_sitting(SITTING), venue)
    await add(db, *rooms_of(venue, 1), morning, afternoon)
    first, second = [uuid.uuid4() for _ in range(5)], [uuid.uuid4() for _ in range(4)]
    await add(db, *seated(afternoon, venue, "00015", second, region="0105"))
    await add(db, *seated(morning, venue, "03708", first))
    yuzhong = runner(db, redis, settings, YUZHONG)
    items = await pages_of(yuzhong, SEATS, "", s=SITTING, v=str(venue.id), r=1, first=2)
    assert [(i["courseCode"], i["seat"]) for i in items] == [
        *(("03708", n) for n in range(1, 6)), *(("00015", n) for n in range(1, 5)),
    ]  # fmt: skip
    assert [i["candidate"]["id"] for i in items] == [str(c) for c in (*first, *second)]
    elsewhere = await runner(db, redis, settings, JIANGBEI)(
        SEATS, s=SITTING, v=str(venue.id), r=1, first=2
    )
    assert elsewhere["__typename"] == "Forbidden"
    bad = await yuzhong(SEATS, s=SITTING, v=str(venue.id), r=1, first=2, after="W10=")
    assert (bad["__typename"], bad["field"]) == ("InvalidInput", "after")
