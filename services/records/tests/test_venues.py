import uuid
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import func, select

from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.settings import RecordsSettings
from zikao_records.testing import a_sitting, a_slot, add, run_one

ADMIN = Principal(subject="admin-1", role=Role.ADMIN)
YUZHONG = Principal(subject="staff-0103", role=Role.STAFF, region_code="0103")
BEIBEI = Principal(subject="staff-0109", role=Role.STAFF, region_code="0109")
VENUE = """venue { id name address regionCode rooms { number seats } }"""
PROBLEM = "... on Problem { code } ... on InvalidInput { field }"
ADD = f"""mutation($i: VenueInput!) {{ addVenue(input: $i) {{ __typename
  ... on VenueSaved {{ {VENUE} }} {PROBLEM} }} }}"""
EDIT = f"""mutation($v: ID!, $i: VenueEditInput!) {{ editVenue(venueId: $v, input: $i) {{
  __typename ... on VenueSaved {{ {VENUE} }} {PROBLEM} }} }}"""
REMOVE = f"""mutation($v: ID!) {{ removeVenue(venueId: $v) {{ __typename
  ... on VenueRemoved {{ id }} {PROBLEM} }} }}"""
SEATS = f"""mutation($v: ID!, $n: Int!, $s: Int!) {{
  setRoomSeats(venueId: $v, number: $n, seats: $s) {{ __typename
  ... on VenueSaved {{ {VENUE} }} {PROBLEM} }} }}"""
REMOVE_ROOM = f"""mutation($v: ID!, $n: Int!) {{ removeRoom(venueId: $v, number: $n) {{
  __typename ... on VenueSaved {{ {VENUE} }} {PROBLEM} }} }}"""
BASHU = {
    "name": "重庆市巴蜀中学考点",
    "address": "渝中区张家花园路",
    "regionCode": "0103",
    "rooms": 2,
}


async def counts(db: Sessionmaker) -> tuple[int, int]:
    async with db() as session:
        venues = await session.scalar(select(func.count()).select_from(models.Venue))
        rooms = await session.scalar(select(func.count()).select_from(models.Room))
    return venues or 0, rooms or 0


async def actions(db: Sessionmaker) -> list[str]:
    async with db() as session:
        statement = select(models.AuditEntry.action).order_by(models.AuditEntry.at)
        return list((await session.execute(statement)).scalars())


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"regionCode": "0199"}, "regionCode", "unknown_region"),
        ({"regionCode": "０１０３"}, "regionCode", "bad_format"),
        ({"name": ""}, "name", "blank"),
        ({"name": "   "}, "name", "blank"),
        ({"address": " "}, "address", "blank"),
        ({"name": "巴蜀\u200b中学"}, "name", "bad_characters"),
        ({"name": "考" * 101}, "name", "too_long"),
        ({"rooms": -1}, "rooms", "out_of_range"),
        ({"seats": 0}, "seats", "out_of_range"),
    ],
)
async def test_a_venue_that_makes_no_sense_is_refused(
    db: Sessionmaker,
    redis: Redis,
    settings: RecordsSettings,
    change: dict[str, Any],
    field: str,
    code: str,
) -> None:
    refused = await run_one(db, redis, settings, ADMIN, ADD, i=BASHU | change)
    assert refused == {"__typename": "InvalidInput", "code": code, "field": field}
    assert await counts(db) == (0, 0)


async def test_a_venue_name_is_unique_in_its_region(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    made = await run_one(db, redis, settings, YUZHONG, ADD, i=BASHU)
    assert made["venue"]["name"] == BASHU["name"]
    again = await run_one(db, redis, settings, ADMIN, ADD, i=BASHU | {"name": f" {BASHU['name']} "})
    assert again == {"__typename": "Conflict", "code": "venue_exists"}
    elsewhere = await run_one(db, redis, settings, ADMIN, ADD, i=BASHU | {"regionCode": "0109"})
    assert elsewhere["__typename"] == "VenueSaved"
    assert await counts(db) == (2, 4)


async def test_another_province_is_another_region_file(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings, tmp_path: Path
) -> None:
    tianjin = tmp_path / "tianjin.csv"
    tianjin.write_text("code,name,city\n0101,和平区,天津市\n", encoding="utf-8")
    province = settings.model_copy(update={"region_file": tianjin})
    made = await run_one(db, redis, province, ADMIN, ADD, i=BASHU | {"regionCode": "0101"})
    assert made["__typename"] == "VenueSaved"
    refused = await run_one(db, redis, province, ADMIN, ADD, i=BASHU)
    assert refused["code"] == "unknown_region"


async def test_staff_correct_a_venue_of_their_region(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    made = (await run_one(db, redis, settings, YUZHONG, ADD, i=BASHU))["venue"]
    other = await run_one(
        db, redis, settings, YUZHONG, ADD, i=BASHU | {"name": "重庆市第二十九中学考点"}
    )
    renamed = await run_one(
        db,
        redis,
        settings,
        YUZHONG,
        EDIT,
        v=made["id"],
        i={"name": "巴蜀中学考点", "address": None},
    )
    assert (renamed["venue"]["name"], renamed["venue"]["address"]) == (
        "巴蜀中学考点",
        BASHU["address"],
    )
    taken = await run_one(
        db, redis, settings, YUZHONG, EDIT, v=made["id"], i={"name": other["venue"]["name"]}
    )
    assert taken == {"__typename": "Conflict", "code": "venue_exists"}
    blank = await run_one(db, redis, settings, YUZHONG, EDIT, v=made["id"], i={"address": "\t"})
    assert blank == {"__typename": "InvalidInput", "code": "bad_characters", "field": "address"}
    foreign = await run_one(db, redis, settings, BEIBEI, EDIT, v=made["id"], i={"name": "北碚考点"})
    assert foreign == {"__typename": "Forbidden", "code": "out_of_region"}
    missing = await run_one(db, redis, settings, ADMIN, EDIT, v=str(uuid.uuid4()), i={"name": "x"})
    assert missing == {"__typename": "NotFound", "code": "venue_not_found"}
    assert await actions(db) == ["venue.created", "venue.created", "venue.edited"]


async def test_rooms_change_and_go_only_while_no_seat_uses_them(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    made = (await run_one(db, redis, settings, YUZHONG, ADD, i=BASHU | {"rooms": 3}))["venue"]
    venue_id = uuid.UUID(made["id"])
    await _a_seat(db, venue_id, room=1, seat=25)
    fewer = await run_one(db, redis, settings, YUZHONG, SEATS, v=made["id"], n=1, s=24)
    assert fewer == {"__typename": "Conflict", "code": "room_in_use"}
    enough = await run_one(db, redis, settings, YUZHONG, SEATS, v=made["id"], n=1, s=25)
    assert enough["venue"]["rooms"][0] == {"number": 1, "seats": 25}
    used = await run_one(db, redis, settings, YUZHONG, REMOVE_ROOM, v=made["id"], n=1)
    assert used == {"__typename": "Conflict", "code": "room_in_use"}
    gone = await run_one(db, redis, settings, YUZHONG, REMOVE_ROOM, v=made["id"], n=2)
    assert [r["number"] for r in gone["venue"]["rooms"]] == [1, 3]
    missing = await run_one(db, redis, settings, YUZHONG, REMOVE_ROOM, v=made["id"], n=2)
    assert missing == {"__typename": "NotFound", "code": "room_not_found"}
    foreign = await run_one(db, redis, settings, BEIBEI, SEATS, v=made["id"], n=3, s=10)
    assert foreign["code"] == "out_of_region"
    assert (await actions(db))[1:] == ["venue.room_edited", "venue.room_removed"]


async def test_a_venue_goes_only_while_no_seat_uses_it(
    db: Sessionmaker, redis: Redis, settings: RecordsSettings
) -> None:
    used = (await run_one(db, redis, settings, YUZHONG, ADD, i=BASHU))["venue"]
    free = (await run_one(db, redis, settings, YUZHONG, ADD, i=BASHU | {"name": "空考点"}))["venue"]
    await _a_seat(db, uuid.UUID(used["id"]), room=2, seat=1)
    refused = await run_one(db, redis, settings, YUZHONG, REMOVE, v=used["id"])
    assert refused == {"__typename": "Conflict", "code": "venue_in_use"}
    foreign = await run_one(db, redis, settings, BEIBEI, REMOVE, v=free["id"])
    assert foreign["code"] == "out_of_region"
    removed = await run_one(db, redis, settings, YUZHONG, REMOVE, v=free["id"])
    assert removed == {"__typename": "VenueRemoved", "id": free["id"]}
    assert await counts(db) == (1, 2)
    assert (await actions(db))[-1] == "venue.removed"


async def _a_seat(db: Sessionmaker, venue_id: uuid.UUID, *, room: int, seat: int) -> None:
    """A seat of a past sitting's sign-up in the venue (seats have no foreign keys)."""
    slot = a_slot("2026-04")
    await add(db, a_sitting("2026-04"))
    await add(db, slot)
    assignment = models.SeatAssignment(
        registration_id=uuid.uuid4(), slot_id=slot.id, venue_id=venue_id, room=room, seat=seat
    )
    await add(db, assignment)
