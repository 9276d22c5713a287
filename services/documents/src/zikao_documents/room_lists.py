"""Staff's room lists as PDFs, beside records' CSV/XLSX: the seat list (座位表, for the
invigilators: seat, ticket number, full name, course, per exam slot) and the door list (门贴,
posted on the room's door: seat, ticket number, masked name). Drawn on demand from records'
`roomSeats` with H5's drawing primitives (`render.py`); they are working lists, not issued
documents, so they carry no verification code."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from zikao_documents import fonts
from zikao_documents.fonts import SERIF
from zikao_documents.layouts import Column, Sheet, Table, local
from zikao_documents.pen import Pen
from zikao_documents.render import (
    FOOTER_HEIGHT,
    MARGIN,
    MUTED,
    PAGE_HEIGHT,
    draw_fields,
    draw_heading,
    draw_section_title,
    draw_table,
    mm,
)
from zikao_documents.service import mask_name
from zikao_documents.sources import RoomFacts

SEAT_LIST, DOOR_LIST = "seat-list", "door-list"
SEAT_COLUMNS = (
    Column("座位号", 0.10),
    Column("准考证号", 0.20),
    Column("姓名", 0.16),
    Column("课程", 0.30),
    Column("考试时间", 0.24),
)
DOOR_COLUMNS = (Column("座位号", 0.2), Column("准考证号", 0.4), Column("姓名", 0.4))


@dataclass(frozen=True)
class RoomSeat:
    seat: int
    ticket_number: str
    name: str
    course_code: str
    course_name: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class RoomList:
    issuer: str
    sitting: str
    venue_name: str
    venue_address: str
    room: int
    seats: tuple[RoomSeat, ...]


def room_list(issuer: str, facts: RoomFacts) -> RoomList:
    """The room as the lists print it; a candidate identity did not show the caller is
    listed by seat only."""
    seats = tuple(
        RoomSeat(
            seat=s.seat,
            ticket_number=facts.names.get(s.candidate_id, ("—", "—"))[1],
            name=facts.names.get(s.candidate_id, ("—", "—"))[0],
            course_code=s.course_code,
            course_name=s.course_name,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
        )
        for s in facts.seats
    )
    return RoomList(
        issuer, facts.sitting_name, facts.venue_name, facts.venue_address, facts.room, seats
    )


def _when(seat: RoomSeat) -> str:
    starts, ends = local(seat.starts_at), local(seat.ends_at)
    return f"{starts:%m-%d} {starts:%H:%M}–{ends:%H:%M}"


def _ordered(room: RoomList) -> list[RoomSeat]:
    return sorted(room.seats, key=lambda s: (s.starts_at, s.seat))


def seat_list(room: RoomList) -> Sheet:
    rows = tuple(
        (f"{s.seat:02d}", s.ticket_number, s.name, f"{s.course_code} {s.course_name}", _when(s))
        for s in _ordered(room)
    )
    return _sheet(room, "考场座位表", Table("座位安排", SEAT_COLUMNS, rows))


def door_list(room: RoomList) -> Sheet:
    rows = tuple((f"{s.seat:02d}", s.ticket_number, mask_name(s.name)) for s in _ordered(room))
    return _sheet(room, "考场门贴", Table("本考场考生", DOOR_COLUMNS, rows))


def _sheet(room: RoomList, title: str, table: Table) -> Sheet:
    slots = sorted({(s.starts_at, s.ends_at, s.course_name) for s in room.seats})
    times = "；".join(f"{local(a):%m月%d日 %H:%M}–{local(b):%H:%M} {name}" for a, b, name in slots)
    fields = (
        ("考点", room.venue_name),
        ("地址", room.venue_address),
        ("考场", f"第 {room.room:03d} 考场（{len({s.ticket_number for s in room.seats})} 人）"),
        ("考试时间", times or "—"),
    )
    subtitle = f"{room.sitting} 高等教育自学考试"
    return Sheet(title, subtitle, room.issuer, fields, None, False, table)


def draw_list(sheet: Sheet) -> bytes:
    """The sheet on as many A4 pages as its table needs, page numbers at the foot."""
    buffer = BytesIO()
    fonts.register()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=SERIF.name)
    canvas.setTitle(sheet.title)
    canvas.setAuthor(sheet.issuer)
    canvas.setCreator("Zikao")
    pen = Pen(canvas)
    top = PAGE_HEIGHT - MARGIN
    y = draw_heading(pen, top, issuer=sheet.issuer, title=sheet.title, subtitle=sheet.subtitle)
    y = draw_fields(pen, y - 4 * mm, sheet.fields, photo=None, photo_box=False)
    y = draw_section_title(pen, y - 5 * mm, sheet.table.title)
    bottom = MARGIN + FOOTER_HEIGHT / 3
    drawn = draw_table(pen, y, sheet.table, bottom=bottom)
    page = 1
    while True:
        pen.text(MARGIN, MARGIN, f"{sheet.title} 第 {page} 页", 9, SERIF, color=MUTED)
        canvas.showPage()
        if not drawn.remaining:
            break
        page += 1
        drawn = draw_table(pen, top, sheet.table, drawn.remaining, bottom=bottom)
    canvas.save()
    return buffer.getvalue()


def render_room_list(kind: str, room: RoomList) -> bytes:
    return draw_list(seat_list(room) if kind == SEAT_LIST else door_list(room))
