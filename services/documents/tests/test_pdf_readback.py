"""Rendered PDFs read back as a person (or a search) would: the text a reader extracts, the
fonts the file carries, and the page drawn to pixels (pypdfium2, which the project installs)."""

import io
from datetime import UTC, datetime
from typing import Any

import pypdf
import pypdfium2  # type: ignore[import-untyped]

from zikao_documents.models import DocumentKind
from zikao_documents.render import render_pdf
from zikao_documents.testing import exam, results_content, ticket_content

ISSUED = datetime(2026, 10, 17, 2, 0, tzinfo=UTC)


def _render(kind: DocumentKind, content: dict[str, Any]) -> bytes:
    return render_pdf(kind, content, verification_code="ABCD2345WXYZ", issued_at=ISSUED)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _three_course_ticket() -> dict[str, Any]:
    content = ticket_content(name="欧阳㛃堃")
    content["exams"].append(
        exam(
            "00018",
            "计算机应用基础",
            "2026-10-25T09:00:00+08:00",
            "2026-10-25T11:30:00+08:00",
            seat="29",
        )
        | {"room": "105", "venue_name": "重庆市第二十九中学"}
    )
    return content


def test_a_ticket_reads_back_with_every_course_its_room_and_seat() -> None:
    content = _three_course_ticket()
    text = _text(_render(DocumentKind.ADMISSION_TICKET, content))
    lines = text.splitlines()
    assert "姓名 欧阳㛃堃" in lines
    assert "准考证号 010326100001" in lines
    assert "身份证号 5001**********1232" in lines
    for course in content["exams"]:
        row = next(line for line in lines if line.startswith(course["course_code"]))
        assert course["course_name"] in row
        assert course["venue_name"] in row
        assert row.endswith(f" {course['room']} {course['seat']}")
    assert "开考15分钟后禁止入场。" in text
    assert "考试结束前30分钟内方可交卷离场。" in text
    assert "ABCD-2345-WXYZ" in text  # the verification code beside the QR code


def test_a_ticket_shows_the_major_when_the_request_carries_it() -> None:
    content = ticket_content() | {"major": {"code": "C030101K", "name": "法学", "level": "本科"}}
    text = _text(_render(DocumentKind.ADMISSION_TICKET, content))
    assert "报考专业 法学（C030101K，本科）" in text
    assert "报考专业 —" in _text(_render(DocumentKind.ADMISSION_TICKET, ticket_content()))


def test_every_font_of_a_ticket_is_an_embedded_subset() -> None:
    reader = pypdf.PdfReader(io.BytesIO(_render(DocumentKind.ADMISSION_TICKET, ticket_content())))
    fonts = [font.get_object() for font in reader.pages[0]["/Resources"]["/Font"].values()]
    assert len(fonts) >= 2  # the serif text and the sans labels
    for font in fonts:
        assert font["/Subtype"] == "/TrueType"
        prefix, name = str(font["/BaseFont"]).lstrip("/").split("+")
        assert len(prefix) == 6  # a subset's tag
        assert name in ("NotoSerifSC-Regular", "NotoSansSC-Regular")
        assert font["/FontDescriptor"]["/FontFile2"].get_object().get_data()


def test_a_long_transcript_reads_back_on_every_page() -> None:
    content = results_content(80)
    pdf = _render(DocumentKind.TRANSCRIPT, content)
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 2
    text = _text(pdf)
    for result in content["results"]:
        assert result["course_code"] in text
    for page in pages:
        assert "课程代码" in page.extract_text()  # the header row again on each page
        assert "ABCD-2345-WXYZ" in page.extract_text()


def _rgb(image: Any, x: float, y: float) -> tuple[int, int, int]:
    """The colour at a point given in fractions of the page's width and height (from the
    top left)."""
    width, height = image.size
    red, green, blue = image.getpixel((int(x * width), int(y * height)))[:3]
    return red, green, blue


def _dark_share(image: Any, box: tuple[float, float, float, float]) -> float:
    width, height = image.size
    left, top, right, bottom = box
    corners = (left * width, top * height, right * width, bottom * height)
    region = image.crop(tuple(int(c) for c in corners))
    histogram = region.convert("L").histogram()  # pixels per grey level, 0 (black) to 255
    return sum(histogram[:128]) / sum(histogram)


def test_a_ticket_draws_to_a_full_a4_page() -> None:
    pdf = _render(DocumentKind.ADMISSION_TICKET, ticket_content())
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=1).to_pil()
        page.close()
    finally:
        document.close()
    assert image.size in ((595, 842), (596, 842))  # A4 in points (595.3 × 841.9)
    # The photo (the test photo is light blue) sits top right.
    assert _rgb(image, 0.86, 0.2) == (0xB4, 0xC8, 0xE6)
    # The QR code is drawn bottom right: many dark modules there, none in the margin.
    assert _dark_share(image, (0.83, 0.88, 0.92, 0.94)) > 0.25
    assert _dark_share(image, (0.0, 0.0, 1.0, 0.02)) == 0
    # The form fills the page: ink in every tenth of its height between the margins.
    for tenth in range(1, 9):
        top = 0.05 + tenth * 0.09
        assert _dark_share(image, (0.05, top, 0.95, top + 0.09)) > 0.002, tenth
