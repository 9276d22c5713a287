import base64
import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import cast

import pypdf
import pytest
from PIL import Image
from pypdf.generic import DictionaryObject

from zikao_documents.content import AdmissionTicketContent, ResultsContent
from zikao_documents.layouts import admission_ticket, exam_row, results_sheet
from zikao_documents.models import DocumentKind
from zikao_documents.render import RenderError, format_code, render_pdf
from zikao_documents.testing import results_content, ticket_content

ISSUED = datetime(2026, 10, 17, 2, 0, tzinfo=UTC)


def _render(kind: DocumentKind, content: dict[str, object]) -> bytes:
    return render_pdf(kind, content, verification_code="ABCD2345WXYZ", issued_at=ISSUED)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def test_an_admission_ticket_is_a_one_page_pdf() -> None:
    pdf = _render(DocumentKind.ADMISSION_TICKET, ticket_content())
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) == 1
    assert b"STSong-Light" not in pdf  # no font the reader's machine must have
    assert b"/FontFile2" in pdf  # the TrueType subsets are embedded
    assert b"/Subtype /Image" in pdf  # the photo


def test_rendering_is_reproducible() -> None:
    one = _render(DocumentKind.ADMISSION_TICKET, ticket_content())
    two = _render(DocumentKind.ADMISSION_TICKET, ticket_content())
    other = _render(DocumentKind.ADMISSION_TICKET, ticket_content(seat="08"))
    assert one == two
    assert one != other


def test_a_ticket_without_a_photo_still_renders() -> None:
    pdf = _render(DocumentKind.ADMISSION_TICKET, ticket_content(photo=False))
    assert pdf.startswith(b"%PDF")
    assert b"/Subtype /Image" not in pdf


def test_a_jpeg_photo_goes_into_the_pdf_as_it_is() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (150, 200), (67, 142, 219)).save(buffer, "JPEG", quality=80)
    jpeg = buffer.getvalue()
    content = ticket_content()
    content["candidate"]["photo"] = {
        "media_type": "image/jpeg",
        "data_base64": base64.b64encode(jpeg).decode(),
    }
    pdf = _render(DocumentKind.ADMISSION_TICKET, content)
    (image,) = [x.get_object() for x in _resources(pdf, "/XObject").values()]
    assert "/DCTDecode" in image["/Filter"]
    assert image.get_data() == jpeg  # not decoded and encoded again
    assert (image["/Width"], image["/Height"]) == (150, 200)


def _resources(pdf: bytes, kind: str) -> DictionaryObject:
    """The first page's resources of one kind (`/Font`, `/XObject`)."""
    resources = cast(DictionaryObject, pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"])
    return cast(DictionaryObject, resources[kind])


def _font_programs(pdf: bytes) -> dict[str, bytes]:
    """Each embedded font subset's program by its name."""
    programs = {}
    for reference in _resources(pdf, "/Font").values():
        font = reference.get_object()
        program = font["/FontDescriptor"]["/FontFile2"].get_object().get_data()
        programs[str(font["/BaseFont"])] = program
    return programs


def test_tickets_share_the_subsets_of_what_every_ticket_shows() -> None:
    one = _font_programs(_render(DocumentKind.ADMISSION_TICKET, ticket_content(name="张三")))
    two = _font_programs(_render(DocumentKind.ADMISSION_TICKET, ticket_content(name="欧阳娜娜")))
    shared = {name for name, program in one.items() if two.get(name) == program}
    assert len(shared) == 2  # one a face: its labels, headings, rules and footer
    assert one != two  # what only this ticket shows (the name) is in a subset of its own


def test_a_long_transcript_flows_over_pages() -> None:
    assert _pages(_render(DocumentKind.TRANSCRIPT, results_content(3))) == 1
    assert _pages(_render(DocumentKind.TRANSCRIPT, results_content(80))) >= 2
    assert _render(DocumentKind.COURSE_CERTIFICATE, results_content(1)).startswith(b"%PDF")


def test_content_that_does_not_fit_is_a_permanent_render_error() -> None:
    with pytest.raises(RenderError) as raised:
        _render(DocumentKind.ADMISSION_TICKET, results_content())
    assert raised.value.code == "invalid_content"


def test_a_broken_photo_is_a_render_error_without_personal_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    content = ticket_content(name="赵六")
    content["candidate"]["photo"]["data_base64"] = "bm90IGFuIGltYWdl"  # "not an image"
    with pytest.raises(RenderError) as raised:
        _render(DocumentKind.ADMISSION_TICKET, content)
    assert raised.value.code.startswith("render_failed:")
    assert "赵六" not in caplog.text


def test_the_ticket_layout_shows_local_times_in_order() -> None:
    content = AdmissionTicketContent.model_validate(ticket_content())
    sheet = admission_ticket(content, ISSUED)
    assert sheet.title == "准考证"
    assert ("身份证号", "5001**********1232") in sheet.fields
    assert [label for label, _ in sheet.fields] == [
        "姓名",
        "准考证号",
        "身份证号",
        "报考专业",
        "生成日期",
    ]
    assert sheet.photo_box
    assert sheet.fill_page
    assert [row[0] for row in sheet.table.rows] == ["03708", "00015"]
    assert [row[-2:] for row in sheet.table.rows] == [("012", "07"), ("012", "07")]
    assert exam_row(content.exams[0])[2:5] == ("2026年10月24日 星期六", "09:00-11:30", "150分钟")
    assert len(sheet.notes) == 4


def test_verification_codes_print_in_groups_of_four() -> None:
    assert format_code("ABCD2345WXYZ") == "ABCD-2345-WXYZ"


@pytest.fixture
def new_york_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone far from both UTC and Beijing."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("new_york_machine")
def test_printed_dates_are_beijing_dates_whatever_the_machine() -> None:
    late_utc = datetime(2026, 10, 23, 15, 0, tzinfo=UTC)  # 23 October 23:00 in Beijing
    naive_utc = late_utc.replace(tzinfo=None)  # as a database without offsets would hand it
    after_midnight = datetime(2026, 10, 23, 17, 30, tzinfo=UTC)  # 24 October 01:30 in Beijing
    ticket = AdmissionTicketContent.model_validate(ticket_content())
    for issued_at, day in ((late_utc, 23), (naive_utc, 23), (after_midnight, 24)):
        assert ("生成日期", f"2026年10月{day}日") in admission_ticket(ticket, issued_at).fields
    results = ResultsContent.model_validate(results_content())
    sheet = results_sheet(results, naive_utc, title="成绩单")
    assert ("出具日期", "2026年10月23日") in sheet.fields
