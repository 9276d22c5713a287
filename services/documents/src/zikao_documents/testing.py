"""Builders of documents' content for tests (imported by name: test folders are not packages),
and a worker that never finishes a render, for killing one mid-render."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import struct
import uuid
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from zikao_documents import service, worker
from zikao_documents.models import DocumentKind, DocumentRequest
from zikao_documents.storage import LocalStorage
from zikao_kit.auth import Principal, Role

MakeRequest = Callable[..., Awaitable[DocumentRequest]]
WANZHOU, YUZHONG = "0101", "0103"  # 万州区, 渝中区: two districts' region codes


def tiny_png(width: int = 30, height: int = 40) -> bytes:
    """A valid RGB PNG, made without an imaging library."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xb4\xc8\xe6" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def exam(code: str, name: str, starts: str, ends: str, seat: str = "07") -> dict[str, Any]:
    return {
        "course_code": code,
        "course_name": name,
        "starts_at": starts,
        "ends_at": ends,
        "venue_name": "重庆市第一中学",
        "venue_address": "重庆市沙坪坝区沙坪坝正街42号",
        "room": "012",
        "seat": seat,
    }


def ticket_content(*, name: str = "张三", seat: str = "07", photo: bool = True) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "name": name,
        "ticket_number": "010326100001",
        "masked_id_number": "5001**********1232",
    }
    if photo:
        data = base64.b64encode(tiny_png()).decode()
        candidate["photo"] = {"media_type": "image/png", "data_base64": data}
    return {
        "issuer": "重庆市教育考试院",
        "sitting_name": "2026年10月",
        "candidate": candidate,
        "exams": [
            exam(
                "03708",
                "中国近现代史纲要",
                "2026-10-24T09:00:00+08:00",
                "2026-10-24T11:30:00+08:00",
                seat,
            ),
            exam(
                "00015",
                "英语（二）",
                "2026-10-24T14:30:00+08:00",
                "2026-10-24T17:00:00+08:00",
                seat,
            ),
        ],
    }


async def request_ticket(
    session: AsyncSession, *, region: str, sitting: str = "2026-10"
) -> DocumentRequest:
    """An admission ticket requested by a new candidate of `region` with their own token."""
    candidate_id = uuid.uuid4()
    by = Principal(subject=str(candidate_id), role=Role.CANDIDATE, region_code=region)
    return await service.request_document(
        session,
        by=by,
        candidate_id=candidate_id,
        kind=DocumentKind.ADMISSION_TICKET,
        sitting=sitting,
        content=ticket_content(),
    )


def results_content(count: int = 3) -> dict[str, Any]:
    return {
        "issuer": "重庆市教育考试院",
        "candidate": ticket_content(photo=False)["candidate"],
        "major": {"code": "B020301", "name": "会计学", "level": "本科"},
        "results": [
            {"course_code": f"{n:05d}", "course_name": f"课程{n}", "credits": 4,
             "score": 60 + n % 40, "sitting": "2025-04", "source": "EXAM"}
            for n in range(count)
        ],
    }  # fmt: skip


class StalledStorage(LocalStorage):
    """A disk whose writes never finish: a render reaching it stays mid-render (RENDERING,
    under its lease) until its worker is killed."""

    async def write(self, key: str, data: bytes) -> None:
        await asyncio.Event().wait()


async def _stalled_startup(ctx: dict[str, Any]) -> None:
    await worker.startup(ctx)
    deps = worker.deps_of(ctx)
    ctx["deps"] = dataclasses.replace(deps, storage=StalledStorage(deps.settings.storage_dir))


# `arq zikao_documents.testing.StalledWorkerSettings`: the documents worker on a stalled disk,
# two renders at a time (the rest of its queue waits). arq reads a settings class's own
# `__dict__` only, so this is the worker's settings copied into a dict.
StalledWorkerSettings: dict[str, Any] = {
    **{k: v for k, v in vars(worker.WorkerSettings).items() if not k.startswith("__")},
    "on_startup": _stalled_startup,
    "max_jobs": 2,
}
