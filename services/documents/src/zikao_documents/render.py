"""PDF rendering with reportlab: a `Sheet` on A4 pages, Chinese text in the built-in Adobe CID
font STSong-Light (no font file), a QR code of the verification code on every page.

Output is byte-for-byte reproducible (`invariant`), so rendering the same request twice yields
the same file and the same sha256.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime
from functools import cache
from io import BytesIO
from typing import Any

from pydantic import ValidationError
from reportlab.graphics import renderPDF  # type: ignore[import-untyped]
from reportlab.graphics.barcode.qr import QrCodeWidget  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.enums import TA_CENTER  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus import Table as PdfTable

from zikao_documents.content import Photo, parse_content
from zikao_documents.layouts import Sheet, Table, build_sheet
from zikao_documents.models import DocumentKind

logger = logging.getLogger("zikao.documents.render")

FONT = "STSong-Light"
MARGIN = 18 * mm
FOOTER_HEIGHT = 34 * mm
QR_SIZE = 26 * mm
PHOTO_WIDTH, PHOTO_HEIGHT = 26 * mm, 35 * mm
BODY_WIDTH = A4[0] - 2 * MARGIN
GRID = colors.HexColor("#444444")
SHADE = colors.HexColor("#eeeeee")


class RenderError(Exception):
    """The document cannot be drawn from its content; `code` is fit for `last_error`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@cache
def _style(size: float, *, centered: bool = False) -> Any:
    return ParagraphStyle(
        f"zikao-{size}-{centered}",
        fontName=_font(),
        fontSize=size,
        leading=size * 1.4,
        wordWrap="CJK",
        alignment=TA_CENTER if centered else 0,
    )


def _text(value: str, size: float = 9.5, *, centered: bool = False) -> Any:
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped.replace("\n", "<br/>"), _style(size, centered=centered))


def format_code(code: str) -> str:
    """`ABCD2345WXYZ` → `ABCD-2345-WXYZ`, easier to read out and type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _grid_style(*extra: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return [
        ("GRID", (0, 0), (-1, -1), 0.6, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        *extra,
    ]


def _photo(photo: Photo | None) -> Any:
    if photo is None:
        return _text("照片", 10, centered=True)
    return Image(BytesIO(photo.data), PHOTO_WIDTH, PHOTO_HEIGHT, kind="proportional")


def _fields(sheet: Sheet) -> Any:
    label_width = 24 * mm
    photo_width = PHOTO_WIDTH + 4 * mm if sheet.photo_box else 0
    rows: list[list[Any]] = [[_text(k), _text(v, 11)] for k, v in sheet.fields]
    widths = [label_width, BODY_WIDTH - label_width - photo_width]
    style = _grid_style(("BACKGROUND", (0, 0), (0, -1), SHADE))
    if sheet.photo_box:
        for index, row in enumerate(rows):
            row.append(_photo(sheet.photo) if index == 0 else "")
        widths.append(photo_width)
        style += [("SPAN", (2, 0), (2, -1)), ("ALIGN", (2, 0), (2, -1), "CENTER")]
    minimum = (PHOTO_HEIGHT + 4 * mm) / len(rows) if sheet.photo_box else None
    return PdfTable(rows, colWidths=widths, rowHeights=minimum, style=style)


def _table(table: Table) -> Any:
    header = [_text(c.header, 9, centered=True) for c in table.columns]
    rows = [header, *([_text(cell, 9) for cell in row] for row in table.rows)]
    widths = [BODY_WIDTH * c.share for c in table.columns]
    style = _grid_style(("BACKGROUND", (0, 0), (-1, 0), SHADE))
    return PdfTable(rows, colWidths=widths, repeatRows=1, style=style)


def _flowables(sheet: Sheet) -> list[Any]:
    story: list[Any] = [
        _text(sheet.title, 22, centered=True),
        Spacer(1, 3 * mm),
        _text(sheet.subtitle, 11, centered=True),
        Spacer(1, 6 * mm),
        _fields(sheet),
        Spacer(1, 6 * mm),
        _text(sheet.table.title, 12),
        Spacer(1, 2 * mm),
        _table(sheet.table),
    ]
    if sheet.notes:
        story += [Spacer(1, 6 * mm), _text(sheet.notes_title, 12), Spacer(1, 1 * mm)]
        story += [_text(f"{n}. {note}", 10) for n, note in enumerate(sheet.notes, start=1)]
    return story


def _qr(value: str) -> Any:
    widget = QrCodeWidget(value, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE)
    drawing.scale(QR_SIZE / (right - left), QR_SIZE / (top - bottom))
    drawing.add(widget)
    return drawing


def _footer(verification_code: str) -> Any:
    code = format_code(verification_code)

    def draw(canvas: Any, document: Any) -> None:
        canvas.saveState()
        renderPDF.draw(_qr(verification_code), canvas, A4[0] - MARGIN - QR_SIZE, MARGIN)
        canvas.setFont(_font(), 9)
        canvas.drawString(MARGIN, MARGIN + 16 * mm, f"验证码：{code}")
        canvas.drawString(
            MARGIN, MARGIN + 10 * mm, "扫描右侧二维码或输入验证码，可核验本文件真伪。"
        )
        canvas.drawString(MARGIN, MARGIN + 4 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    return draw


def draw_sheet(sheet: Sheet, verification_code: str) -> bytes:
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=sheet.title,
        author=sheet.issuer,
        creator="Zikao",
        invariant=1,
    )
    footer = _footer(verification_code)
    document.build(_flowables(sheet), onFirstPage=footer, onLaterPages=footer)
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
