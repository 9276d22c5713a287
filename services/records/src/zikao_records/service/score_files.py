"""Reading an uploaded score file: CSV (UTF-8 with or without BOM, or GB18030, as Excel on a
Chinese Windows saves it) or XLSX, with a header row naming the columns ticket number, course
code, score or grade, and (optionally) status.

Reading checks only what the file is: its encoding, its header and the shape of each line (a
line with a NUL, too few cells or a formula cell carries a problem code and is rejected later
with the others). Whether a line's candidate signed up and paid, whether its score or grade fits
the course: that is checked with SQL, set-based, once the lines are in the staging table
(`service.imports`). Cells are trimmed of ASCII spaces and otherwise kept as written: a
full-width digit is not normalised (`５` is not `5`: the line is rejected as `full_width`, as
records refuses full-width codes everywhere).
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any, NamedTuple

from zikao_kit.errors import InvalidInputError

XLSX_MAGIC = b"PK\x03\x04"
UTF8_BOM = codecs.BOM_UTF8
MAX_CELL = 100  # characters kept of a cell (the staging table holds what SQL then rejects)
MAX_HEADER_CELLS = 50
CSV_FIELD_LIMIT = 10_000
DECODE_CHUNK = 1 << 20
SPACES = " \t\r\n"  # what a cell is trimmed of (a full-width space is kept)

# Line problems found while reading (reason codes of the report).
NUL_CHARACTER = "nul_character"
MISSING_CELLS = "missing_cells"
FORMULA_CELL = "formula_cell"

# Header names (compared lower-cased, spaces and underscores removed).
COLUMNS: dict[str, tuple[str, ...]] = {
    "ticket_number": ("ticketnumber", "ticket", "准考证号", "准考证"),
    "course_code": ("coursecode", "course", "课程代码", "课程代码号", "课程"),
    "value": ("score", "grade", "scoreorgrade", "成绩", "分数", "等级", "成绩等级"),
    "status": ("status", "状态", "考试状态", "成绩状态"),
}
REQUIRED = ("ticket_number", "course_code", "value")
LABELS = {"ticket_number": "准考证号", "course_code": "课程代码", "value": "成绩", "status": "状态"}


class ScoreFileError(InvalidInputError):
    """The file as a whole cannot be read as a score file: nothing of it is imported."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__("file", message, code=code)


class FileLine(NamedTuple):
    line: int  # the line (CSV) or row (XLSX) number, the header being 1
    ticket_number: str | None
    course_code: str | None
    value: str | None
    status: str | None
    problem: str | None = None


@dataclass(frozen=True)
class ScoreFile:
    file_format: str  # CSV or XLSX
    encoding: str | None
    lines: Iterator[FileLine]


def open_score_file(file: IO[bytes]) -> ScoreFile:
    """The file's lines, read lazily; `ScoreFileError` when its format, encoding or header is
    wrong (the header is read here, so such a file fails before any line is staged)."""
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    if not head:
        raise ScoreFileError("empty_file", "文件为空")
    if head == XLSX_MAGIC:
        return ScoreFile("XLSX", None, _xlsx_lines(file))
    encoding = detect_encoding(file)
    return ScoreFile("CSV", encoding, _csv_lines(file, encoding))


def detect_encoding(file: IO[bytes]) -> str:
    """`utf-8-sig` (with BOM), `utf-8`, or `gb18030`: the first that decodes the whole file
    (UTF-8 is tried first: GB18030 decodes many UTF-8 files into nonsense, not the reverse);
    `ScoreFileError` `unreadable_encoding` when neither does."""
    file.seek(0)
    if file.read(3) == UTF8_BOM:
        return "utf-8-sig" if _decodes(file, "utf-8", skip=3) else _refuse_encoding()
    for encoding in ("utf-8", "gb18030"):
        if _decodes(file, encoding, skip=0):
            return encoding
    return _refuse_encoding()


def _refuse_encoding() -> str:
    raise ScoreFileError(
        "unreadable_encoding", "文件编码无法识别：请保存为 UTF-8 或 GB18030 编码的 CSV，或 XLSX"
    )


def _decodes(file: IO[bytes], encoding: str, *, skip: int) -> bool:
    file.seek(skip)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        while chunk := file.read(DECODE_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True


def _header_positions(cells: list[Any]) -> dict[str, int]:
    """Where each column is; `ScoreFileError` `missing_columns` when a required one is not."""
    names = {alias: column for column, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    for position, cell in enumerate(cells[:MAX_HEADER_CELLS]):
        key = _header_key(cell)
        column = names.get(key)
        if column is not None and column not in found:
            found[column] = position
    missing = [column for column in REQUIRED if column not in found]
    if missing:
        raise ScoreFileError(
            "missing_columns",
            "缺少列："
            + "、".join(LABELS[column] for column in missing)
            + "（表头应为 准考证号、课程代码、成绩、状态）",
        )
    return found


def _header_key(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    return text.strip().lstrip("\ufeff").lower().replace(" ", "").replace("_", "")


def _cell(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip(SPACES)
    return text[:MAX_CELL] if text else None


def _line(number: int, cells: list[str | None], positions: dict[str, int]) -> FileLine:
    """A line's cells by column (the per-line work of a million-line file: kept lean)."""
    count = len(cells)
    ticket, course, value = positions["ticket_number"], positions["course_code"], positions["value"]
    status = positions.get("status")
    return FileLine(
        number,
        _cell(cells[ticket]) if ticket < count else None,
        _cell(cells[course]) if course < count else None,
        _cell(cells[value]) if value < count else None,
        _cell(cells[status]) if status is not None and status < count else None,
        MISSING_CELLS if count <= max(ticket, course, value) else None,
    )


def _csv_lines(file: IO[bytes], encoding: str) -> Iterator[FileLine]:
    nul_free = _nul_free(file)
    text = io.TextIOWrapper(file, encoding=encoding, newline="", errors="strict")
    reader = csv.reader(text, strict=False)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ScoreFileError("not_a_score_file", "无法读取表头：文件不是成绩 CSV") from error
    if header is None:
        raise ScoreFileError("empty_file", "文件为空")
    positions = _header_positions(list(header))
    return _csv_rows(reader, positions, nul_free=nul_free)


def _nul_free(file: IO[bytes]) -> bool:
    """Whether the file has no NUL byte (in UTF-8 and GB18030 a NUL byte is only ever the NUL
    character): then no line needs looking at for one."""
    file.seek(0)
    try:
        return not any(b"\x00" in chunk for chunk in iter(lambda: file.read(DECODE_CHUNK), b""))
    finally:
        file.seek(0)


def _csv_rows(reader: Any, positions: dict[str, int], *, nul_free: bool) -> Iterator[FileLine]:
    """The lines after the header. The per-line work of a million-line file: a line with every
    cell in reach is cut without a call per cell (the same cells `_line` would make)."""
    ticket, course, value = (positions[column] for column in REQUIRED)
    status = positions.get("status", -1)
    reach = max(ticket, course, value, status)
    while True:
        try:
            for row in reader:
                if not any(map(str.strip, row)):  # a blank line
                    continue
                if not nul_free and any("\x00" in cell for cell in row):
                    yield FileLine(reader.line_num, None, None, None, None, problem=NUL_CHARACTER)
                elif len(row) > reach:
                    yield FileLine(
                        reader.line_num,
                        row[ticket].strip(SPACES)[:MAX_CELL] or None,
                        row[course].strip(SPACES)[:MAX_CELL] or None,
                        row[value].strip(SPACES)[:MAX_CELL] or None,
                        row[status].strip(SPACES)[:MAX_CELL] or None if status >= 0 else None,
                    )
                else:
                    yield _line(reader.line_num, row, positions)
            return
        except csv.Error:  # a field over the size limit, a NUL in older Pythons
            yield FileLine(reader.line_num, None, None, None, None, problem="unreadable_line")


def _xlsx_lines(file: IO[bytes]) -> Iterator[FileLine]:
    # openpyxl is imported here: the CSV path never pays for it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows()
        header = next(rows, None)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as error:
        raise ScoreFileError("unreadable_file", "无法读取 XLSX 文件") from error
    except IndexError as error:
        raise ScoreFileError("empty_file", "工作簿没有工作表") from error
    if header is None:
        raise ScoreFileError("empty_file", "文件为空")
    positions = _header_positions([cell.value for cell in header])
    return _xlsx_rows(workbook, rows, positions)


def _xlsx_rows(workbook: Any, rows: Iterator[Any], positions: dict[str, int]) -> Iterator[FileLine]:
    try:
        for number, row in enumerate(rows, start=2):
            cells = list(row)
            values = [_xlsx_text(cell.value) for cell in cells]
            if all(value is None or not value.strip() for value in values):
                continue
            if any(getattr(cell, "data_type", None) == "f" for cell in cells):
                yield FileLine(number, None, None, None, None, problem=FORMULA_CELL)
                continue
            if any(value is not None and "\x00" in value for value in values):
                yield FileLine(number, None, None, None, None, problem=NUL_CHARACTER)
                continue
            yield _line(number, values, positions)
    finally:
        workbook.close()


def _xlsx_text(value: Any) -> str | None:
    """A cell as text: whole numbers without `.0` (Excel stores 95 and 500126100001 as
    floats), other numbers as written."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
