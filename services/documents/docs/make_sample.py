"""Draws the README's picture of an admission ticket: renders a sample ticket through
`render_pdf` and draws its page with pypdfium2.

    uv run --no-sync python services/documents/docs/make_sample.py
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pypdfium2  # type: ignore[import-untyped]
from PIL import Image, ImageDraw

from zikao_documents.models import DocumentKind
from zikao_documents.render import render_pdf

HERE = Path(__file__).parent


def sample_photo() -> str:
    """A head-and-shoulders silhouette on the blue of an ID photo, as base64 JPEG."""
    image = Image.new("RGB", (300, 400), (67, 142, 219))
    draw = ImageDraw.Draw(image)
    draw.ellipse((95, 70, 205, 200), fill=(235, 235, 235))
    draw.ellipse((40, 210, 260, 470), fill=(235, 235, 235))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return base64.b64encode(buffer.getvalue()).decode()


def course(code: str, name: str, day: int, hours: str, room: str, seat: str) -> dict[str, Any]:
    starts, ends = hours.split("-")
    return {
        "course_code": code,
        "course_name": name,
        "starts_at": f"2026-10-{day}T{starts}:00+08:00",
        "ends_at": f"2026-10-{day}T{ends}:00+08:00",
        "venue_name": "重庆市第一中学",
        "venue_address": "重庆市沙坪坝区沙坪坝正街42号",
        "room": room,
        "seat": seat,
    }


def sample_ticket() -> dict[str, Any]:
    return {
        "issuer": "重庆市教育考试院",
        "sitting_name": "2026年10月",
        "candidate": {
            "name": "欧阳㛃堃",
            "ticket_number": "010326100001",
            "masked_id_number": "5001**********1232",
            "photo": {"media_type": "image/jpeg", "data_base64": sample_photo()},
        },
        "major": {"code": "C030101K", "name": "法学", "level": "本科"},
        "exams": [
            course("03708", "中国近现代史纲要", 24, "09:00-11:30", "012", "07"),
            course("00015", "英语（二）", 24, "14:30-17:00", "012", "07"),
            course("00018", "计算机应用基础", 25, "09:00-11:30", "015", "23"),
        ],
    }


def main() -> None:
    pdf = render_pdf(
        DocumentKind.ADMISSION_TICKET,
        sample_ticket(),
        verification_code="K7QM3XRT9WPA",
        issued_at=datetime(2026, 10, 17, 2, 0, tzinfo=UTC),
    )
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        page.render(scale=1.5).to_pil().save(HERE / "admission-ticket.png", optimize=True)
        page.close()
    finally:
        document.close()


if __name__ == "__main__":
    main()
