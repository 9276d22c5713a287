"""Seat lists (座位表) and door lists (门贴) of a sitting as CSV or XLSX, streamed: the rows are
read one page at a time (a short session each, keyset pages per venue), their candidates'
printed facts asked of identity once per page, and each page written out before the next is
read, so an export of any size holds one page of rows.

A seat list is for the invigilators: who sits where, with the masked ID number to check the
card against. A door list goes on the door: who sits where, and no ID number at all. CSV starts
with a UTF-8 BOM (Excel then reads Chinese); XLSX is openpyxl's write-only workbook, whose rows
go to a temporary file as they come. A cell that would start a formula (`= + - @`) is written
as text, with a leading apostrophe."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator, Sequence
from enum import StrEnum
from typing import IO

from openpyxl import Workbook

from zikao_kit.clock import in_beijing
from zikao_kit.db import Sessionmaker
from zikao_records.directory import Directory, Person
from zikao_records.models import Venue
from zikao_records.repository.lists import ListRepository, SeatRow

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64 * 1024


class ListKind(StrEnum):
    SEAT_LIST = "seat-list"  # 座位表
    DOOR_LIST = "door-list"  # 门贴


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


TITLES = {ListKind.SEAT_LIST: "座位表", ListKind.DOOR_LIST: "门贴"}
COMMON = ["考点", "考场", "考试时间", "课程代码", "课程名称", "座位号", "准考证号", "姓名"]
HEADERS = {ListKind.SEAT_LIST: [*COMMON, "身份证号"], ListKind.DOOR_LIST: COMMON}
MEDIA_TYPES = {
    FileFormat.CSV: "text/csv; charset=utf-8",
    FileFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Rows = list[list[str | int]]


def cell(value: str | int) -> str | int:
    """A value as a cell: text that a spreadsheet would take for a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row_of(kind: ListKind, venue: Venue, seat: SeatRow, person: Person | None) -> list[str | int]:
    starts, ends = in_beijing(seat.starts_at), in_beijing(seat.ends_at)
    when = f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"
    ticket, name = (person.ticket_number, person.name) if person else ("", "")
    row: list[str | int] = [
        venue.name, seat.room, when, seat.course_code, seat.course_name, seat.seat, ticket, name,
    ]  # fmt: skip
    if kind is ListKind.SEAT_LIST:
        row.append(person.masked_id_number if person else "")
    return [cell(value) for value in row]


async def pages(
    db: Sessionmaker,
    directory: Directory,
    kind: ListKind,
    sitting: str,
    venues: Sequence[Venue],
    *,
    room: int | None,
    page_rows: int,
) -> AsyncIterator[Rows]:
    """The export's rows, one page at a time: venue after venue (as given), then by room, slot
    time and seat."""
    for venue in venues:
        after = None
        while True:
            async with db() as session:
                seats = await ListRepository(session).seats(
                    sitting, venue.id, room=room, after=after, limit=page_rows
                )
            if not seats:
                break
            people = await directory.people(list(dict.fromkeys(s.candidate_id for s in seats)))
            yield [row_of(kind, venue, s, people.get(s.candidate_id)) for s in seats]
            if len(seats) < page_rows:
                break
            after = seats[-1].key


async def csv_bytes(kind: ListKind, rows: AsyncIterator[Rows]) -> AsyncIterator[bytes]:
    """The CSV file, a page at a time, beginning with the BOM and the header."""
    async for chunk in csv_file(HEADERS[kind], rows):
        yield chunk


async def csv_file(header: Sequence[str], rows: AsyncIterator[Rows]) -> AsyncIterator[bytes]:
    """A CSV file of any list, a page at a time, beginning with the BOM and `header`."""
    yield (BOM + _csv([list(header)])).encode("utf-8")
    async for page in rows:
        yield _csv(page).encode("utf-8")


def _csv(rows: Rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


async def xlsx_bytes(kind: ListKind, rows: AsyncIterator[Rows]) -> AsyncIterator[bytes]:
    """The XLSX file of a seat or door list (see `xlsx_file`)."""
    async for chunk in xlsx_file(TITLES[kind], HEADERS[kind], rows):
        yield chunk


async def xlsx_file(
    title: str, header: Sequence[str], rows: AsyncIterator[Rows]
) -> AsyncIterator[bytes]:
    """An XLSX file of any list: rows appended to a write-only sheet (kept in a temporary file
    by openpyxl) page by page, then the saved workbook read back in chunks."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(header))
    async for page in rows:
        await asyncio.to_thread(_append, sheet, page)
    with tempfile.TemporaryFile() as spool:
        await asyncio.to_thread(book.save, spool)
        spool.seek(0)
        while chunk := await asyncio.to_thread(_read, spool):
            yield chunk


def _append(sheet: object, page: Rows) -> None:
    for row in page:
        sheet.append(row)  # type: ignore[attr-defined]


def _read(spool: IO[bytes]) -> bytes:
    return spool.read(CHUNK)


def file_name(kind: ListKind, sitting: str, file_format: FileFormat) -> str:
    """An ASCII name naming no person: `seat-list-2026-10.csv`."""
    return f"{kind.value}-{sitting}.{file_format.value}"
