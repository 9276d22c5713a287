"""PDF rendering with reportlab's canvas: a `Sheet` (layouts.py) on A4 pages, Chinese text in
embedded subsets of Noto Serif SC and Noto Sans SC (`fonts`), a QR code of the verification
code with the code printed beside it on every page.

The drawing primitives (`Pen`, `draw_heading`, `draw_fields`, `draw_table`, `draw_notes`,
`draw_qr_block`) draw straight onto a canvas, measuring text with the font's widths: no
flowables, so a page costs a few milliseconds. Every other kind of document (seat lists, door
lists, certificates) is drawn from the same ones.

Output is byte-for-byte reproducible (`invariant`), so rendering the same request twice yields
the same file and the same sha256.
"""

from __future__ import annotations

import logging
import traceback
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from io import BytesIO
from typing import Any

from pydantic import ValidationError
from reportlab.graphics.barcode import qrencoder  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.utils import ImageReader  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfdoc  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from zikao_documents import fonts
from zikao_documents.content import Photo, parse_content
from zikao_documents.fonts import SANS, SERIF, Face
from zikao_documents.layouts import Sheet, Table, build_sheet
from zikao_documents.models import DocumentKind
from zikao_documents.pen import INK, Pen, leading

logger = logging.getLogger("zikao.documents.render")

mm = 72 / 25.4  # points

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
FOOTER_HEIGHT = 30 * mm  # the QR block at the foot of every page
QR_SIZE = 24 * mm
QR_MASK = 2  # of the eight QR mask patterns (vertical stripes every third column)
PHOTO_WIDTH, PHOTO_HEIGHT = 30 * mm, 40 * mm  # 一寸 photo box, upright
GRID = colors.HexColor("#333333")
SHADE = colors.HexColor("#ececec")
MUTED = colors.HexColor("#555555")
PADDING = 1.6 * mm
CODE_LABEL, CODE_HINT = "验证码", "扫码或输入验证码核验真伪"
PHOTO_LABEL, PHOTO_HINT = "照片", "（一寸免冠）"


class RenderError(Exception):
    """The document cannot be drawn from its content; `code` is fit for `last_error`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def format_code(code: str) -> str:
    """`ABCD2345WXYZ` → `ABCD-2345-WXYZ`, easier to read out and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# --- blocks: each draws from `top` down and returns the y below it -------------------------


def draw_heading(pen: Pen, top: float, *, issuer: str, title: str, subtitle: str) -> float:
    """The authority's name, the document's title, what it is for; a double rule beneath."""
    canvas = pen.canvas
    centre = PAGE_WIDTH / 2
    y = top - 13
    pen.text(centre, y, issuer, 13, SANS, align="centre", spacing=2, color=MUTED)
    y -= 30
    pen.text(centre, y, title, 24, SANS, align="centre", bold=True, spacing=10)
    if subtitle:
        y -= 20
        pen.text(centre, y, subtitle, 12, SERIF, align="centre", spacing=0.5)
    y -= 9
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(1.4)
    canvas.line(MARGIN, y, PAGE_WIDTH - MARGIN, y)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, y - 2.2, PAGE_WIDTH - MARGIN, y - 2.2)
    return y - 2.2


def draw_fields(
    pen: Pen,
    top: float,
    fields: Sequence[tuple[str, str]],
    *,
    photo: Photo | None,
    photo_box: bool,
    row_height: float = 9.5 * mm,
) -> float:
    """Label and value rows in a ruled grid, the photo box top right beside them."""
    canvas = pen.canvas
    label_width = 24 * mm
    photo_column = PHOTO_WIDTH + 2 * PADDING + 2 * mm if photo_box else 0
    height = max(row_height * len(fields), PHOTO_HEIGHT + 2 * PADDING if photo_box else 0)
    row_height = height / max(len(fields), 1)
    left, right = MARGIN, PAGE_WIDTH - MARGIN - photo_column
    canvas.setFillColor(SHADE)
    canvas.rect(left, top - height, label_width, height, stroke=0, fill=1)
    for index, (label, value) in enumerate(fields):
        row_top = top - index * row_height
        baseline = row_top - row_height / 2 - 3.5
        pen.text(left + label_width / 2, baseline, label, 10.5, SANS, align="centre")
        shown = pen.wrap(value, right - left - label_width - 2 * PADDING, 12)[0]
        pen.text(left + label_width + 2 * PADDING, baseline, shown, 12, SERIF)
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.6)
    grid = canvas.beginPath()
    for index in range(len(fields) + 1):
        y = top - index * row_height
        grid.moveTo(left, y)
        grid.lineTo(right, y)
    for x in (left, left + label_width, right):
        grid.moveTo(x, top)
        grid.lineTo(x, top - height)
    canvas.drawPath(grid, stroke=1, fill=0)
    if photo_box:
        draw_photo(pen, PAGE_WIDTH - MARGIN - PHOTO_WIDTH - PADDING, top - PADDING, photo)
    return top - height


def draw_photo(pen: Pen, left: float, top: float, photo: Photo | None) -> None:
    """The candidate's photo in a ruled box, or the empty box saying where one goes."""
    canvas = pen.canvas
    bottom = top - PHOTO_HEIGHT
    if photo is not None:
        data = photo.data
        image = JpegReader(data) if photo.media_type == "image/jpeg" else ImageReader(BytesIO(data))
        canvas.drawImage(
            image, left, bottom, PHOTO_WIDTH, PHOTO_HEIGHT, preserveAspectRatio=True, anchor="c"
        )
    else:
        centre = left + PHOTO_WIDTH / 2
        pen.text(centre, bottom + PHOTO_HEIGHT / 2 + 2, PHOTO_LABEL, 11, SANS, align="centre")
        pen.text(centre, bottom + PHOTO_HEIGHT / 2 - 12, PHOTO_HINT, 8, SERIF, align="centre")
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.6)
    canvas.rect(left, bottom, PHOTO_WIDTH, PHOTO_HEIGHT, stroke=1, fill=0)


class JpegReader(ImageReader):  # type: ignore[misc]
    """A JPEG photo as reportlab embeds one (its bytes unchanged, DCTDecode), without decoding
    its pixels: `drawImage` asks an `ImageReader` for them only to name the image in the file,
    and the JPEG's own bytes name it as well (0.4 ms of a ticket's render)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(BytesIO(data))  # PIL reads the header only
        self._jpeg, self._dataA = data, None

    def getRGBData(self) -> bytes:  # noqa: N802 (reportlab's name)
        return self._jpeg


def draw_section_title(pen: Pen, top: float, title: str) -> float:
    """A section's title with a bar before it."""
    pen.canvas.setFillColor(INK)
    pen.canvas.rect(MARGIN, top - 12.5, 3, 11, stroke=0, fill=1)
    pen.text(MARGIN + 7, top - 10.5, title, 12, SANS, bold=True)
    return top - 17


@dataclass(frozen=True)
class TableRows:
    """What `draw_table` drew: the y below it and the rows left for the next page."""

    bottom: float
    remaining: tuple[tuple[str, ...], ...]


def table_row_height(pen: Pen, table: Table, row: Sequence[str], size: float) -> float:
    lines = max(
        len(pen.wrap(cell, BODY_WIDTH * column.share - 2 * PADDING, size))
        for cell, column in zip(row, table.columns, strict=True)
    )
    return lines * leading(size) + 2 * PADDING


def draw_table(
    pen: Pen,
    top: float,
    table: Table,
    rows: Sequence[tuple[str, ...]] | None = None,
    *,
    bottom: float = MARGIN + FOOTER_HEIGHT,
    size: float = 9.5,
    extra_height: float = 0,
    blank_rows: int = 0,
) -> TableRows:
    """A ruled table, header shaded, as many `rows` as fit above `bottom` (the rest are
    returned for the next page); each row `extra_height` taller than its text, cells
    top-aligned so a row's first lines share one baseline. `blank_rows` ruled empty rows
    follow, as on a printed form."""
    canvas = pen.canvas
    rows = table.rows if rows is None else rows
    xs = [MARGIN]
    for column in table.columns:
        xs.append(xs[-1] + BODY_WIDTH * column.share)
    header_height = leading(size) + 2 * PADDING
    canvas.setFillColor(SHADE)
    canvas.rect(MARGIN, top - header_height, xs[-1] - MARGIN, header_height, stroke=0, fill=1)
    for column, x, x_next in zip(table.columns, xs, xs[1:], strict=False):
        pen.text((x + x_next) / 2, top - PADDING - size, column.header, size, SANS, align="centre")
    y = top - header_height
    ys = [top, y]
    drawn = 0
    for row in rows:
        height = table_row_height(pen, table, row, size) + extra_height
        if y - height < bottom:
            break
        baseline = y - PADDING - extra_height / 2 - size
        cells = [
            pen.wrap(cell, BODY_WIDTH * column.share - 2 * PADDING, size)
            for cell, column in zip(row, table.columns, strict=False)
        ]
        # Line by line across the row, so that text read back keeps a row's first lines
        # (code, course, …, room, seat) together.
        for number in range(max(len(lines) for lines in cells)):
            for lines, x in zip(cells, xs, strict=False):
                if number < len(lines):
                    line_y = baseline - number * leading(size)
                    pen.text(x + PADDING, line_y, lines[number], size, SERIF)
        y -= height
        ys.append(y)
        drawn += 1
    for _ in range(blank_rows):
        height = leading(size) + 2 * PADDING + extra_height
        if y - height < bottom:
            break
        y -= height
        ys.append(y)
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.6)
    grid = canvas.beginPath()
    for row_y in ys:
        grid.moveTo(MARGIN, row_y)
        grid.lineTo(xs[-1], row_y)
    for x in xs:
        grid.moveTo(x, top)
        grid.lineTo(x, y)
    canvas.drawPath(grid, stroke=1, fill=0)
    canvas.setLineWidth(1.1)
    canvas.rect(MARGIN, y, xs[-1] - MARGIN, top - y, stroke=1, fill=0)
    return TableRows(y, tuple(rows[drawn:]))


def notes_height(pen: Pen, notes: Sequence[str], size: float, line_gap: float) -> float:
    lines = sum(len(pen.wrap(note, BODY_WIDTH - 12 * mm, size)) for note in notes)
    return lines * leading(size) + len(notes) * line_gap + 2 * PADDING + 3 * mm


def draw_notes(
    pen: Pen, top: float, notes: Sequence[str], *, size: float = 10.5, line_gap: float = 0
) -> float:
    """Numbered notes (the exam rules) in a ruled box; `line_gap` spaces the notes apart."""
    canvas = pen.canvas
    height = notes_height(pen, notes, size, line_gap)
    y = top - PADDING - 1.5 * mm - size
    for number, note in enumerate(notes, start=1):
        y -= line_gap / 2
        pen.text(MARGIN + 3 * mm, y, f"{number}.", size, SANS)
        for line in pen.wrap(note, BODY_WIDTH - 12 * mm, size):
            pen.text(MARGIN + 9 * mm, y, line, size, SERIF)
            y -= leading(size)
        y -= line_gap / 2
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.6)
    canvas.rect(MARGIN, top - height, BODY_WIDTH, height, stroke=1, fill=0)
    return top - height


def draw_qr(canvas: Any, x: float, y: float, value: str, size: float = QR_SIZE) -> None:
    """A QR code (level M, its quiet zone inside `size`) with its lower left corner at x, y."""
    code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    code.addData(value)
    code.version = code.calculate_version()
    # One fixed mask: any of the eight reads the same, and scoring all eight for the "best"
    # (what `make` does) took 7 ms of a ticket's render; a 21-module code printed 24 mm wide
    # scans either way.
    code.makeImpl(False, QR_MASK)
    count = code.getModuleCount()
    module = size / (count + 8)
    canvas.setFillColor(colors.black)
    path = canvas.beginPath()
    for r, row in enumerate(code.modules):
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                top = y + size - (r + 4) * module
                path.rect(x + (start + 4) * module, top - module, (c - start) * module, module)
            else:
                c += 1
    canvas.drawPath(path, stroke=0, fill=1)


def draw_qr_block(pen: Pen, verification_code: str, *, issuer: str, page: int) -> None:
    """The foot of every page: the QR code at the right, its code printed beside it, how to
    check it, the issuer and the page number at the left."""
    canvas = pen.canvas
    bottom = MARGIN
    qr_x = PAGE_WIDTH - MARGIN - QR_SIZE
    draw_qr(canvas, qr_x, bottom, verification_code)
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.5)
    canvas.line(
        MARGIN,
        bottom + FOOTER_HEIGHT - 2 * mm,
        PAGE_WIDTH - MARGIN,
        bottom + FOOTER_HEIGHT - 2 * mm,
    )
    right = qr_x - 2 * mm
    pen.text(right, bottom + 17 * mm, CODE_LABEL, 9, SANS, align="right", color=MUTED)
    pen.text(
        right,
        bottom + 10 * mm,
        format_code(verification_code),
        14,
        SANS,
        align="right",
        spacing=0.6,
    )
    pen.text(right, bottom + 4 * mm, CODE_HINT, 8.5, SERIF, align="right", color=MUTED)
    pen.text(MARGIN, bottom + 10 * mm, issuer, 10.5, SANS)
    pen.text(MARGIN, bottom + 4 * mm, page_label(page), 9, SERIF, color=MUTED)


def page_label(page: int) -> str:
    return f"第 {page} 页"


# --- a sheet -------------------------------------------------------------------------------


def _ticket_spacing(pen: Pen, sheet: Sheet, space: float) -> tuple[float, float]:
    """How much taller to make each course row and how far apart to set the notes, so that a
    one-page form fills its page down to the footer (at most 9 mm a row)."""
    rows = len(sheet.table.rows) + sheet.blank_rows
    row_extra = min(9 * mm, space * 0.5 / max(rows, 1)) if space > 0 else 0
    left = space - row_extra * rows
    gap = min(7 * mm, left / max(len(sheet.notes), 1)) if left > 0 else 0
    return row_extra, gap


def _measure(pen: Pen, sheet: Sheet) -> float:
    """The height the table and the notes take at their tightest (no stretching)."""
    table = sum(table_row_height(pen, sheet.table, row, 9.5) for row in sheet.table.rows)
    table += (leading(9.5) + 2 * PADDING) * (1 + sheet.blank_rows)
    notes = notes_height(pen, sheet.notes, 10.5, 0) + 17 + 4 * mm if sheet.notes else 0
    return 5 * mm + 17 + table + notes


FLATE_LEVEL = 1
KEEP_COMPRESSED_FROM = 4096  # bytes


@lru_cache(maxsize=64)
def _compressed(text: str | bytes) -> bytes:
    return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, FLATE_LEVEL)


@cache
def _fast_flate() -> None:
    """reportlab compresses every stream at zlib's default level 6; a ticket's streams are
    mostly its two font subsets, and level 1 compresses them in half the time (about 5 ms of
    a ticket's render on the development machine) for 4 % more bytes."""

    def encode(text: str | bytes) -> bytes:
        if len(text) >= KEEP_COMPRESSED_FROM:
            # A font program or its character map: the same subset recurs (`fonts.reserve`).
            return _compressed(text)
        return zlib.compress(text.encode("utf8") if isinstance(text, str) else text, FLATE_LEVEL)

    pdfdoc.PDFZCompress.encode = encode  # the one filter object every stream refers to


def stock(sheet: Sheet) -> dict[Face, str]:
    """What every document of the sheet's layout draws in each face, in a fixed order: the
    heading, labels, column headers, notes and footer (`fonts.reserve`)."""
    photo_box = sheet.photo_box and sheet.photo is None
    sans = [
        sheet.issuer,
        sheet.title,
        *(label for label, _ in sheet.fields),
        sheet.table.title,
        *(column.header for column in sheet.table.columns),
        sheet.notes_title,
        CODE_LABEL,
        PHOTO_LABEL if photo_box else "",
    ]
    serif = [
        sheet.subtitle,
        *sheet.notes,
        CODE_HINT,
        page_label(1),
        PHOTO_HINT if photo_box else "",
    ]
    return {SANS: "".join(sans), SERIF: "".join(serif)}


def draw_sheet(sheet: Sheet, verification_code: str) -> bytes:
    buffer = BytesIO()
    fonts.register()
    _fast_flate()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=SERIF.name)
    for face, characters in stock(sheet).items():
        fonts.reserve(canvas._doc, face, characters)  # reportlab's document of the canvas
    canvas.setTitle(sheet.title)
    canvas.setAuthor(sheet.issuer)
    canvas.setCreator("Zikao")
    pen = Pen(canvas)
    page = 1
    bottom = MARGIN + FOOTER_HEIGHT
    y = draw_heading(
        pen, PAGE_HEIGHT - MARGIN, issuer=sheet.issuer, title=sheet.title, subtitle=sheet.subtitle
    )
    y = draw_fields(pen, y - 4 * mm, sheet.fields, photo=sheet.photo, photo_box=sheet.photo_box)
    row_extra, gap = 0.0, 0.0
    if sheet.fill_page:
        row_extra, gap = _ticket_spacing(pen, sheet, y - bottom - 4 * mm - _measure(pen, sheet))
    y = draw_section_title(pen, y - 5 * mm, sheet.table.title)
    drawn = draw_table(
        pen, y, sheet.table, extra_height=row_extra, blank_rows=sheet.blank_rows, bottom=bottom
    )
    while drawn.remaining:
        draw_qr_block(pen, verification_code, issuer=sheet.issuer, page=page)
        canvas.showPage()
        page += 1
        drawn = draw_table(pen, PAGE_HEIGHT - MARGIN, sheet.table, drawn.remaining)
    y = drawn.bottom
    if sheet.notes:
        needed = notes_height(pen, sheet.notes, 10.5, gap) + 17 + 4 * mm
        if y - needed < bottom:
            draw_qr_block(pen, verification_code, issuer=sheet.issuer, page=page)
            canvas.showPage()
            page += 1
            y = PAGE_HEIGHT - MARGIN + 4 * mm
        y = draw_section_title(pen, y - 4 * mm, sheet.notes_title)
        draw_notes(pen, y, sheet.notes, line_gap=gap)
    draw_qr_block(pen, verification_code, issuer=sheet.issuer, page=page)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_pdf(
    kind: DocumentKind, content: dict[str, Any], *, verification_code: str, issued_at: datetime
) -> bytes:
    """The PDF of a document; `RenderError` when its content cannot be drawn (permanent: the
    same content fails the same way every time)."""
    try:
        sheet = build_sheet(kind, parse_content(kind, content), issued_at)
        return draw_sheet(sheet, verification_code)
    except ValidationError as error:
        raise RenderError("invalid_content") from error
    except Exception as error:
        # The message may quote content (personal data): log where it failed, not what.
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
        logger.error("render failed", extra={"error": type(error).__name__, "where": where})
        raise RenderError(f"render_failed:{type(error).__name__}") from error
