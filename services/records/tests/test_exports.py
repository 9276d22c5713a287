"""Seat lists (座位表) and door lists (门贴) through `GET /exports/…`: names and ticket numbers
from identity's real app (in process), ID numbers only masked and only on the seat list, the
caller's district, and a 100,000-row export read and written one page at a time."""

import csv
import io
import json
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select, text

from zikao_identity.testing import an_id_number
from zikao_kit.auth import Principal, Role
from zikao_kit.db import Sessionmaker
from zikao_records import models
from zikao_records.directory import IdentityConnection, Person
from zikao_records.service import exports
from zikao_records.testing import a_sitting, a_slot, a_venue, add, rooms_of, seated

SITTING = "2032-04"
YUZHONG = Principal("staff-0103", Role.STAFF, region_code="0103")
JIANGBEI = Principal("staff-0105", Role.STAFF, region_code="0105")
PROVINCE = Principal("staff-p", Role.STAFF)
CANDIDATE = Principal(str(uuid.uuid4()), Role.CANDIDATE)
Identity = Any  # conftest's InProcessIdentity: identity's app in this process


async def download(
    http: httpx.AsyncClient, identity: Identity, who: Principal | None, path: str,
    **query: str,
) -> httpx.Response:  # fmt: skip
    headers = {"authorization": f"Bearer {identity.token(who)}"} if who else {}
    return await http.get(f"/exports/{path}", params=query, headers=headers)


def rows_of_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


async def exports_audited(db: Sessionmaker) -> int:
    async with db() as session:
        statement = select(func.count()).where(
            models.AuditEntry.action.in_(["export.seat_list", "export.door_list"])  # type: ignore[attr-defined]
        )
        return int((await session.execute(statement)).scalar_one())


@pytest.fixture
async def two_rooms(db: Sessionmaker, identity: Identity) -> dict[str, object]:
    """渝中区's venue: room 1 holds 张一 and 李二 (of 江北区, seated here) for 03708 at 09:00;
    room 2 seat 7 holds 王三 for 00015 in the afternoon. 江北区's venue holds nobody."""
    venue, other = a_venue("0103", "巴蜀中学"), a_venue("0105", "江北中学")
    morning, afternoon = a_slot(SITTING, hour=1), a_slot(SITTING, hour=6)
    await add(db, a_sitting(SITTING), venue, other)
    await add(db, *rooms_of(venue, 2), *rooms_of(other, 1), morning, afternoon)
    numbers = [an_id_number(n, born="19950505", region="500103") for n in (11, 12, 13)]
    people = [
        await identity.register("张一", numbers[0]),
        await identity.register("李二", numbers[1], region="0105"),
        await identity.register("王三", numbers[2]),
    ]
    await add(db, *seated(morning, venue, "03708", people[:2]))
    [signup, seat] = seated(afternoon, venue, "00015", [people[2]])
    assert isinstance(seat, models.SeatAssignment)
    seat.room, seat.seat = 2, 7
    await add(db, signup)
    await add(db, seat)
    return {"venue": venue, "other": other, "people": people, "numbers": numbers}


async def test_the_seat_list_shows_everyone_seated_in_the_district_with_masked_ids(
    records_app: httpx.AsyncClient, identity: Identity, two_rooms: dict[str, object],
    db: Sessionmaker,
) -> None:  # fmt: skip
    answer = await download(records_app, identity, YUZHONG, "seat-list.csv", sitting=SITTING)
    assert answer.status_code == 200, answer.text
    assert (
        answer.headers["content-disposition"] == f'attachment; filename="seat-list-{SITTING}.csv"'
    )
    header, *rows = rows_of_csv(answer.content)
    assert header == [*exports.COMMON, "身份证号"]
    numbers = two_rooms["numbers"]
    assert isinstance(numbers, list)
    masked = [n[:4] + "*" * 10 + n[-4:] for n in numbers]
    assert [(r[0], r[1], r[3], r[5], r[7], r[8]) for r in rows] == [
        ("巴蜀中学", "1", "03708", "1", "张一", masked[0]),
        ("巴蜀中学", "1", "03708", "2", "李二", masked[1]),
        ("巴蜀中学", "2", "00015", "7", "王三", masked[2]),
    ]
    assert rows[0][2] == "2032-04-15 09:00–11:30"
    assert all(len(r[6]) == 12 and r[6].isdigit() for r in rows)
    assert all(number not in answer.text for number in numbers)
    assert await exports_audited(db) == 1


async def test_the_door_list_carries_no_id_number_and_xlsx_holds_the_same_rows(
    records_app: httpx.AsyncClient, identity: Identity, two_rooms: dict[str, object]
) -> None:
    venue = two_rooms["venue"]
    assert isinstance(venue, models.Venue)
    query = {"sitting": SITTING, "venue": str(venue.id), "room": "1"}
    door = await download(records_app, identity, PROVINCE, "door-list.csv", **query)
    header, *rows = rows_of_csv(door.content)
    assert header == exports.COMMON
    assert [r[7] for r in rows] == ["张一", "李二"]
    assert "*" not in door.content.decode("utf-8-sig")
    book = await download(records_app, identity, PROVINCE, "door-list.xlsx", **query)
    assert book.headers["content-type"] == exports.MEDIA_TYPES[exports.FileFormat.XLSX]
    sheet = load_workbook(io.BytesIO(book.content), read_only=True)["门贴"]
    cells = [[str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert cells == [header, *rows]


async def test_refusals_answer_a_problem_and_export_nothing(
    records_app: httpx.AsyncClient, identity: Identity, two_rooms: dict[str, object],
    db: Sessionmaker,
) -> None:  # fmt: skip
    venue = two_rooms["venue"]
    assert isinstance(venue, models.Venue)
    cases = [
        (None, "seat-list.csv", {"sitting": SITTING}, 401, "unauthenticated"),
        (CANDIDATE, "seat-list.csv", {"sitting": SITTING}, 403, "forbidden"),
        (JIANGBEI, "seat-list.csv", {"sitting": SITTING, "venue": str(venue.id)}, 403, None),
        (YUZHONG, "seat-list.csv", {"sitting": "2032-4"}, 400, "bad_format"),
        (YUZHONG, "seat-list.csv", {"sitting": "2031-04"}, 404, "sitting_not_found"),
        (YUZHONG, "seat-list.pdf", {"sitting": SITTING}, 400, "bad_format"),
        (YUZHONG, "menu.csv", {"sitting": SITTING}, 400, "bad_format"),
        (YUZHONG, "seat-list.csv", {"sitting": SITTING, "room": "1"}, 400, "room_without_venue"),
        (YUZHONG, "seat-list.csv", {"sitting": SITTING, "venue": "５"}, 400, "bad_format"),
        (YUZHONG, "seat-list.csv", {"sitting": SITTING, "venue": str(uuid.uuid4())}, 404, None),
        (PROVINCE, "seat-list.csv", {"sitting": SITTING, "venue": str(venue.id), "room": "0"},
         400, "out_of_range"),
    ]  # fmt: skip
    for who, path, query, status, code in cases:
        answer = await download(records_app, identity, who, path, **query)
        assert answer.status_code == status, (path, query, answer.text)
        if code is not None:
            assert answer.json()["code"] == code
    assert await exports_audited(db) == 0


async def test_a_cell_that_would_be_a_formula_is_written_as_text(
    records_app: httpx.AsyncClient, identity: Identity, db: Sessionmaker
) -> None:
    venue, slot = a_venue("0103", '=HYPERLINK("http://x")'), a_slot(SITTING)
    await add(db, a_sitting(SITTING), venue)
    await add(db, *rooms_of(venue, 1), slot)
    await add(db, *seated(slot, venue, "03708", [uuid.uuid4()]))
    for path in ("door-list.csv", "door-list.xlsx"):
        answer = await download(records_app, identity, YUZHONG, path, sitting=SITTING)
        if path.endswith(".csv"):
            [_, row] = rows_of_csv(answer.content)
            first = row[0]
        else:
            sheet = load_workbook(io.BytesIO(answer.content))["门贴"]
            first = sheet.cell(row=2, column=1).value
            assert sheet.cell(row=2, column=1).data_type == "s"
        assert first == '\'=HYPERLINK("http://x")'


class CountingIdentity:
    """Identity's real connection, counting the candidates asked for per call."""

    def __init__(self, connection: IdentityConnection) -> None:
        self.connection, self.calls = connection, list[int]()

    async def people(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
        self.calls.append(len(ids))
        return await self.connection.people(ids)


SEATS_OF_A_SITTING = """
WITH made AS MATERIALIZED (
  SELECT gen_random_uuid() AS id, s.id AS slot_id, v.id AS venue_id, r AS room, t AS seat
  FROM records.exam_slot s, records.venue v, generate_series(1, :rooms) r,
       generate_series(1, :seats) t
  WHERE s.sitting_code = :sitting AND v.id = ANY(:venues)
), signups AS (
  INSERT INTO records.exam_registration
    (id, candidate_id, sitting_code, course_code, slot_id, fee_yuan, status, created_at,
     region_code)
  SELECT id, gen_random_uuid(), :sitting, '03708', slot_id, 40, 'PAID', now(), '0103' FROM made
)
INSERT INTO records.seat_assignment (registration_id, slot_id, venue_id, room, seat)
SELECT id, slot_id, venue_id, room, seat FROM made"""


async def test_a_100000_row_export_holds_one_page_at_a_time(
    db: Sessionmaker, identity: Identity
) -> None:
    """10 venues x 50 rooms x 25 seats x 8 slots: every read of seats returns at most a page,
    identity is asked for at most a page of candidates per call, and the memory the export
    allocates stays far below what the whole file's rows would take."""
    venues = [a_venue("0103", f"考点{n:02d}") for n in range(10)]
    await add(db, a_sitting(SITTING), *venues)
    await add(db, *(room for v in venues for room in rooms_of(v, 50, seats=25)))
    await add(db, *(a_slot(SITTING, hour=h) for h in (1, 6, 25, 30, 49, 54, 73, 78)))
    async with db.begin() as session:
        await session.execute(
            text(SEATS_OF_A_SITTING),
            {"rooms": 50, "seats": 25, "sitting": SITTING, "venues": [v.id for v in venues]},
        )
    selects: list[str] = []
    async with db() as session:
        connection = await session.connection()
        event_target = connection.sync_connection
    assert event_target is not None

    def count(_c: object, _cursor: object, statement: str, *_: object) -> None:
        if "seat_assignment" in statement:
            selects.append(statement)

    event.listen(event_target, "before_cursor_execute", count)
    page_sizes, total_bytes, first_page = [], 0, list[list[str | int]]()
    async with identity.client.connected() as connection:
        counting = CountingIdentity(connection)
        rows = exports.pages(
            db, counting, exports.ListKind.SEAT_LIST, SITTING, venues, room=None, page_rows=500
        )

        async def counted() -> AsyncIterator[list[list[str | int]]]:
            async for page in rows:
                page_sizes.append(len(page))
                first_page[:] = first_page or page
                yield page

        tracemalloc.start()
        try:
            async for chunk in exports.csv_bytes(exports.ListKind.SEAT_LIST, counted()):
                total_bytes += len(chunk)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
            event.remove(event_target, "before_cursor_execute", count)
    assert sum(page_sizes) == 100_000
    assert max(page_sizes) <= 500
    assert len(selects) <= len(page_sizes) + len(venues)  # one empty read closes each venue
    assert max(counting.calls) <= 500
    assert sum(counting.calls) == 100_000
    whole = one_page_bytes(first_page) * len(page_sizes)  # what holding every row would take
    assert peak < whole / 4, (peak, whole)


def one_page_bytes(page: list[list[str | int]]) -> int:
    """The memory a page of rows takes (fresh objects, as the export makes them)."""
    tracemalloc.start()
    try:
        copy = json.loads(json.dumps(page))
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(copy) == len(page)
    return size
