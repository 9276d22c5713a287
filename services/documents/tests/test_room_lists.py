"""Seat lists (座位表) and door lists (门贴) of a room: who sits where in each slot, full names
for the invigilators, masked names on the door, as many pages as the room needs."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from zikao_documents import room_lists
from zikao_documents.sources import ListedSeat, RoomFacts
from zikao_documents.testing_facts import ISSUER, exam


def facts(count: int) -> RoomFacts:
    morning = exam()
    ids = [uuid.uuid4() for _ in range(count)]
    seats = tuple(
        ListedSeat(
            candidate_id=i,
            course_code=code,
            course_name=name,
            starts_at=morning.starts_at + timedelta(hours=hours),
            ends_at=morning.ends_at + timedelta(hours=hours),
            seat=n + 1,
        )
        for hours, code, name in ((5, "00015", "英语（二）"), (0, "03708", "中国近现代史纲要"))
        for n, i in enumerate(ids)
    )
    names = {i: (f"欧阳{n}", f"0101261{n:05d}") for n, i in enumerate(ids[:-1])}
    return RoomFacts("2026年10月", "万州二中考点", "重庆市万州区", 12, seats, names)


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page[^s]", pdf))


def test_the_seat_list_shows_each_slot_in_seat_order_with_full_names() -> None:
    sheet = room_lists.seat_list(room_lists.room_list(ISSUER, facts(3)))
    assert [row[:3] for row in sheet.table.rows[:3]] == [
        ("01", "010126100000", "欧阳0"),
        ("02", "010126100001", "欧阳1"),
        ("03", "—", "—"),  # identity did not show this one to the caller
    ]
    assert sheet.table.rows[0][3] == "03708 中国近现代史纲要"  # the morning slot first
    assert sheet.table.rows[3][3] == "00015 英语（二）"
    assert dict(sheet.fields)["考场"] == "第 012 考场（3 人）"


def test_the_door_list_masks_names() -> None:
    sheet = room_lists.door_list(room_lists.room_list(ISSUER, facts(2)))
    assert {row[2] for row in sheet.table.rows} == {"欧**", "—"}


def test_a_full_room_prints_over_pages() -> None:
    small = room_lists.render_room_list(
        room_lists.SEAT_LIST, room_lists.room_list(ISSUER, facts(2))
    )
    full = room_lists.render_room_list(
        room_lists.SEAT_LIST, room_lists.room_list(ISSUER, facts(30))
    )
    door = room_lists.render_room_list(
        room_lists.DOOR_LIST, room_lists.room_list(ISSUER, facts(30))
    )
    assert small.startswith(b"%PDF")
    assert pages(small) == 1
    assert pages(full) > 1
    assert pages(door) >= 1
