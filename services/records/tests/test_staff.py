import uuid

from redis.asyncio import Redis
from sqlalchemy import select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_kit.testing import make_context
from zikao_records import models
from zikao_records.schema import schema
from zikao_records.service.seating import run_allocation
from zikao_records.settings import RecordsSettings
from zikao_records.testing import a_choice, add, run

ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
YUZHONG = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
BEIBEI = Principal(subject="staff-0109", role=Role.STAFF, region_code="0109")

SAVE_SITTING = """mutation($i: SittingInput!) { saveSitting(input: $i) { __typename
  ... on SittingSaved { sitting { code name registrationOpensAt } }
  ... on Problem { code message } } }"""
TIMETABLE = """mutation($s: String!, $e: [TimetableEntryInput!]!) {
  setTimetable(sitting: $s, entries: $e) {
  __typename ... on TimetableSet { courses sitting { examSlots { startsAt } } }
  ... on Problem { code } } }"""
ADD_VENUE = """mutation($i: VenueInput!) { addVenue(input: $i) { __typename
  ... on VenueSaved { venue { id name regionCode rooms { number seats } } }
  ... on Problem { code } } }"""
ADD_ROOMS = """mutation($v: ID!) { addRooms(venueId: $v, count: 2, seats: 20) { __typename
  ... on VenueSaved { venue { rooms { number seats } } } ... on Problem { code } } }"""
VENUES = "{ venues { name regionCode rooms { number } } }"
START = """mutation($s: String!) { startSeatAllocation(sitting: $s, seed: 5) { __typename
  ... on SeatAllocationStarted { run { id status seed } } ... on Problem { code } } }"""
RUN = """query($id: ID!) {
  seatAllocation(id: $id) { status slotsDone slotsTotal seated unseated } }"""
PUBLISH = """mutation($s: String!) { publishSeats(sitting: $s) { __typename
  ... on SeatsPublished { sitting } ... on Problem { code } } }"""
PAY = """mutation($i: ManualPaymentInput!) { recordPayment(input: $i) { __typename
  ... on PaymentRecorded { status reason repeated } ... on Problem { code } } }"""
SAVE_COURSE = """mutation { saveCourse(input: {code: "09999", name: "测试课程", credits: 3,
  kind: THEORY}) { __typename ... on CourseSaved { course { code name } }
  ... on Problem { code } } }"""


SITTING_INPUT = {
    "code": "2031-04",
    "name": "2031年4月",
    "registrationOpensAt": "2031-01-05T01:00:00+00:00",
    "registrationClosesAt": "2031-01-20T09:00:00+00:00",
    "ticketPrintingOpensAt": "2031-04-05T01:00:00+00:00",
}


async def test_admins_run_sittings_and_timetables(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    saved = await run(db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT)
    assert saved["saveSitting"]["sitting"]["code"] == "2031-04"
    async with db() as session:
        sitting = await session.get(models.Sitting, "2031-04")
    assert sitting is not None
    assert (sitting.theory_fee_yuan, sitting.max_courses) == (40, 4)
    entries = [
        {
            "courseCode": "03708",
            "startsAt": "2031-04-12T01:00:00+00:00",
            "endsAt": "2031-04-12T03:30:00+00:00",
        },
        {
            "courseCode": "00015",
            "startsAt": "2031-04-12T01:00:00+00:00",
            "endsAt": "2031-04-12T03:30:00+00:00",
        },
        {
            "courseCode": "03709",
            "startsAt": "2031-04-12T06:30:00+00:00",
            "endsAt": "2031-04-12T09:00:00+00:00",
        },
    ]
    set_ = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=entries)
    assert set_["setTimetable"]["courses"] == 3
    assert len(set_["setTimetable"]["sitting"]["examSlots"]) == 2
    refused = await run(db, redis, settings, YUZHONG, SAVE_SITTING, i=SITTING_INPUT)
    assert refused["saveSitting"]["code"] == "forbidden"
    bad = await run(db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT | {"code": "2031-13"})
    assert bad["saveSitting"]["code"] == "bad_format"


async def test_admins_edit_the_catalogue_and_staff_cannot(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    saved = await run(db, redis, settings, ADMIN, SAVE_COURSE)
    assert saved["saveCourse"]["course"] == {"code": "09999", "name": "测试课程"}
    refused = await run(db, redis, settings, YUZHONG, SAVE_COURSE)
    assert refused["saveCourse"]["code"] == "forbidden"


async def test_district_staff_keep_to_their_region_s_venues(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    venue = {
        "name": "重庆市巴蜀中学考点",
        "address": "渝中区张家花园路",
        "regionCode": "0103",
        "rooms": 2,
    }
    made = await run(db, redis, settings, YUZHONG, ADD_VENUE, i=venue)
    added = made["addVenue"]["venue"]
    assert added["rooms"] == [{"number": 1, "seats": 30}, {"number": 2, "seats": 30}]
    elsewhere = await run(db, redis, settings, BEIBEI, ADD_VENUE, i=venue)
    assert elsewhere["addVenue"]["code"] == "out_of_region"
    more = await run(db, redis, settings, BEIBEI, ADD_ROOMS, v=added["id"])
    assert more["addRooms"]["code"] == "out_of_region"
    more = await run(db, redis, settings, YUZHONG, ADD_ROOMS, v=added["id"])
    assert [r["number"] for r in more["addRooms"]["venue"]["rooms"]] == [1, 2, 3, 4]
    assert await run(db, redis, settings, BEIBEI, VENUES) == {"venues": []}
    mine = await run(db, redis, settings, YUZHONG, VENUES)
    assert [v["name"] for v in mine["venues"]] == ["重庆市巴蜀中学考点"]


async def test_seat_allocation_runs_are_started_followed_and_published(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    await run(db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT)
    district = await run(db, redis, settings, YUZHONG, START, s="2031-04")
    assert district["startSeatAllocation"]["code"] == "out_of_region"
    early = await run(db, redis, settings, ADMIN, PUBLISH, s="2031-04")
    assert early["publishSeats"]["code"] == "allocation_not_ready"
    started = (await run(db, redis, settings, ADMIN, START, s="2031-04"))["startSeatAllocation"]
    assert started["run"]["status"] == "PENDING"
    await run_allocation(db, uuid.UUID(started["run"]["id"]))
    progress = await run(db, redis, settings, ADMIN, RUN, id=started["run"]["id"])
    assert progress["seatAllocation"]["status"] == "DONE"
    published = await run(db, redis, settings, ADMIN, PUBLISH, s="2031-04")
    assert published["publishSeats"]["sitting"] == "2031-04"


async def test_payments_recorded_by_hand_keep_to_the_region(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    await run(db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT)
    one = uuid.uuid4()
    choice = a_choice(one)
    choice.region_code = "0103"
    await add(db, choice)
    payment = {
        "candidateId": str(one),
        "sitting": "2031-04",
        "courseCodes": ["03708"],
        "amountYuan": 40,
        "reference": "RCPT-9",
    }
    refused = await run(db, redis, settings, BEIBEI, PAY, i=payment)
    assert refused["recordPayment"]["code"] == "forbidden"
    recorded = await run(db, redis, settings, YUZHONG, PAY, i=payment)
    assert recorded["recordPayment"] == {
        "__typename": "PaymentRecorded",
        "status": "REFUND_DUE",
        "reason": "not_payable",
        "repeated": False,
    }
    async with db() as session:
        actions = (await session.execute(select(models.AuditEntry.action))).scalars().all()
    assert "payment.recorded" in actions


async def sitting_codes(db: Sessionmaker) -> list[str]:
    async with db() as session:
        return sorted((await session.execute(select(models.Sitting.code))).scalars())


async def test_a_malformed_sitting_code_is_a_problem_not_an_error(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    before = await sitting_codes(db)
    for code in ("2030-ab", "2030-1", "２０３０-１０", "2030-10\n", "2030-00"):
        refused = await run(
            db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT | {"code": code}
        )
        assert refused["saveSitting"]["__typename"] == "InvalidInput", code
        assert refused["saveSitting"]["code"] == "bad_format"
    assert await sitting_codes(db) == before


async def test_a_time_without_offset_is_a_clear_coercion_error(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    await run(db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT)
    naive = {
        "courseCode": "03708",
        "startsAt": "2031-04-12T09:00:00",
        "endsAt": "2031-04-12T11:30:00",
    }
    context = make_context(db, redis, settings, ADMIN)
    result = await schema.execute(
        TIMETABLE, variable_values={"s": "2031-04", "e": [naive]}, context_value=context
    )
    assert result.data is None
    assert result.errors
    for error in result.errors:
        assert "时区" in error.message
        assert (error.extensions or {}).get("code") != "internal"


def entry(code: str, starts: str, ends: str) -> dict[str, str]:
    return {
        "courseCode": code,
        "startsAt": f"2031-04-12T{starts}+08:00",
        "endsAt": f"2031-04-12T{ends}+08:00",
    }


async def test_the_same_course_twice_in_a_timetable_is_refused(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    await run(db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT)
    twice = [entry("03708", "09:00", "11:30"), entry("03708", "14:30", "17:00")]
    refused = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=twice)
    assert refused["setTimetable"] == {"__typename": "InvalidInput", "code": "duplicate_course"}
    same = [entry("03708", "09:00", "11:30")] * 2
    refused = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=same)
    assert refused["setTimetable"]["code"] == "duplicate_course"
    async with db() as session:
        assert (await session.execute(select(models.ExamSlot.id))).all() == []


async def slot_times(db: Sessionmaker) -> list[tuple[str, str]]:
    async with db() as session:
        slots = (await session.execute(select(models.ExamSlot))).scalars()
        return sorted((f"{s.starts_at:%H:%M}", f"{s.ends_at:%H:%M}") for s in slots)


async def test_two_slots_of_a_sitting_never_overlap(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    await run(db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT)
    morning = [entry("03708", "09:00", "11:30"), entry("00015", "09:00", "11:30")]
    shared = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=morning)
    assert shared["setTimetable"]["courses"] == 2
    overlapping = [entry("03709", "11:00", "13:30")]
    refused = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=overlapping)
    assert refused["setTimetable"] == {"__typename": "InvalidInput", "code": "overlapping_slots"}
    both = [entry("03709", "14:00", "16:30"), entry("00037", "16:00", "18:00")]
    refused = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=both)
    assert refused["setTimetable"]["code"] == "overlapping_slots"
    back_to_back = [entry("03709", "11:30", "14:00")]
    fine = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=back_to_back)
    assert fine["setTimetable"]["courses"] == 1
    assert await slot_times(db) == [("01:00", "03:30"), ("03:30", "06:00")]  # UTC


async def test_a_slot_no_course_uses_any_more_is_deleted(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    await run(db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT)
    first = [entry("03708", "09:00", "11:30"), entry("03709", "14:30", "17:00")]
    await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=first)
    moved = [entry("03709", "09:00", "11:30")]
    done = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=moved)
    assert done["setTimetable"]["sitting"]["examSlots"] == [
        {"startsAt": "2031-04-12T09:00:00+08:00"}
    ]
    assert await slot_times(db) == [("01:00", "03:30")]


async def test_a_course_with_sign_ups_keeps_its_slot(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    await run(db, redis, settings, ADMIN, SAVE_SITTING, i=SITTING_INPUT)
    await run(
        db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=[entry("03708", "09:00", "11:30")]
    )
    async with db() as session:
        slot = (await session.execute(select(models.ExamSlot))).scalar_one()
    registration = models.ExamRegistration(
        candidate_id=uuid.uuid4(),
        sitting_code="2031-04",
        course_code="03708",
        slot_id=slot.id,
        fee_yuan=40,
        status=models.RegistrationStatus.CANCELLED,
    )
    await add(db, registration)
    later = [entry("03708", "14:30", "17:00")]
    refused = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=later)
    assert refused["setTimetable"] == {"__typename": "Conflict", "code": "slot_in_use"}
    assert await slot_times(db) == [("01:00", "03:30")]
    again = [entry("03708", "09:00", "11:30"), entry("00015", "14:30", "17:00")]
    fine = await run(db, redis, settings, ADMIN, TIMETABLE, s="2031-04", e=again)
    assert fine["setTimetable"]["courses"] == 2
