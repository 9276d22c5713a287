"""Admission tickets as the documents worker makes them, and the PDF libraries compared.

1. Libraries: the same ticket (heading, fields, photo, ruled course table, rules, QR code and
   its code) drawn with reportlab (the service's renderer, `render_pdf`) and with fpdf2, both
   embedding subsets of the same Noto Serif/Sans SC TrueType files: time per ticket, file size,
   how the font goes in.
2. The worker path: a database of its own on the server of DATABASE_URL (dropped at the end)
   with the documents schema; PENDING ticket requests for distinct candidates (as
   `request_document` leaves them) and their arq jobs queued as a sitting's batch queues them
   after its commit (`enqueue_renders`: a job per chunk of requests), on a queue of its own;
   then `arq zikao_documents.worker.WorkerSettings` processes render and store every ticket
   (files in a temporary folder). One worker on a smaller batch gives the rate per worker
   (tickets READY per second from the first attempt's start until the last is READY); two
   workers on a 10,000-candidate sitting give the wall time, from starting the workers (their
   start-up, font parsing included) until PostgreSQL counts every request READY.

    make bench-documents    # or: DATABASE_URL=… REDIS_URL=… uv run python bench/documents.py

The last line printed is the figure:
    tickets/s per worker: N (10000-candidate sitting with 2 workers: S s)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import asyncpg
from arq.connections import RedisSettings, create_pool
from PIL import Image, ImageDraw

from zikao_documents import fonts
from zikao_documents.content import content_json, parse_content
from zikao_documents.jobs import enqueue_renders
from zikao_documents.layouts import admission_ticket
from zikao_documents.models import DocumentKind, DocumentRequest
from zikao_documents.render import format_code, render_pdf
from zikao_documents.service import new_verification_code
from zikao_kit.db import create_engine, create_sessionmaker
from zikao_kit.scratch import scratch_database

SITTING = "2099-04"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫宇浩然欣怡子涵梓轩堃喆昇㛃婳璟"
COURSES = [
    ("03708", "中国近现代史纲要"),
    ("00015", "英语（二）"),
    ("00018", "计算机应用基础"),
    ("00024", "普通逻辑"),
    ("00034", "社会学概论"),
    ("00041", "基础会计学"),
]


def photo_base64() -> str:
    """An ID photo of the size candidates upload after identity shrinks it (a JPEG of a few KB)."""
    image = Image.new("RGB", (150, 200), (67, 142, 219))
    draw = ImageDraw.Draw(image)
    draw.ellipse((48, 35, 102, 100), fill=(235, 235, 235))
    draw.ellipse((20, 105, 130, 235), fill=(235, 235, 235))
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return base64.b64encode(buffer.getvalue()).decode()


def ticket(index: int, photo: str) -> dict[str, Any]:
    """Candidate `index`'s ticket: two to four courses over two days, seats by index."""
    rng = random.Random(index)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    exams = []
    for number, (code, course) in enumerate(rng.sample(COURSES, rng.choice((2, 3, 4)))):
        day, half = 24 + number // 2, number % 2
        starts, ends = ("09:00", "11:30") if half == 0 else ("14:30", "17:00")
        exams.append(
            {
                "course_code": code,
                "course_name": course,
                "starts_at": f"2099-04-{day}T{starts}:00+08:00",
                "ends_at": f"2099-04-{day}T{ends}:00+08:00",
                "venue_name": f"重庆市第{index % 40 + 1}中学",
                "venue_address": f"重庆市沙坪坝区沙坪坝正街{index % 90 + 1}号",
                "room": f"{index // 30 % 400 + 1:03d}",
                "seat": f"{index % 30 + 1:02d}",
            }
        )
    return {
        "issuer": "重庆市教育考试院",
        "sitting_name": "2099年4月",
        "candidate": {
            "name": name,
            "ticket_number": f"0103{index:08d}",
            "masked_id_number": f"5001**********{index % 10000:04d}",
            "photo": {"media_type": "image/jpeg", "data_base64": photo},
        },
        "exams": exams,
    }


# --- 1. the libraries ----------------------------------------------------------------------


def reportlab_ticket(content: dict[str, Any], code: str) -> bytes:
    return render_pdf(
        DocumentKind.ADMISSION_TICKET, content, verification_code=code, issued_at=ISSUED
    )


ISSUED = datetime(2099, 4, 1, 2, 0, tzinfo=UTC)


def fpdf2_ticket(content: dict[str, Any], code: str) -> bytes:
    """The same ticket with fpdf2's own layout tools (cells and its table API)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace
    from reportlab.graphics.barcode import qrencoder

    sheet = admission_ticket(parse_content(DocumentKind.ADMISSION_TICKET, content), ISSUED)
    pdf = FPDF(format="A4", unit="pt")
    pdf.set_margins(42.5, 42.5)
    pdf.set_auto_page_break(False)
    pdf.add_font("serif", fname=str(fonts.truetype_path(fonts.SERIF)))
    pdf.add_font("sans", fname=str(fonts.truetype_path(fonts.SANS)))
    pdf.set_fallback_fonts(["sans"])
    pdf.add_page()
    pdf.set_font("sans", size=13)
    pdf.cell(0, 18, sheet.issuer, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("sans", size=24)
    pdf.cell(0, 32, sheet.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", size=12)
    pdf.cell(0, 18, sheet.subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.line(42.5, pdf.get_y() + 4, 552.7, pdf.get_y() + 4)
    pdf.ln(12)
    top = pdf.get_y()
    fields = {"width": 420, "col_widths": (1, 3), "line_height": 21, "align": "L"}
    with pdf.table(first_row_as_headings=False, **fields) as table:
        for label, value in sheet.fields:
            row = table.row()
            row.cell(label, style=FontFace(family="sans"))
            row.cell(value)
    if sheet.photo is not None:
        pdf.image(BytesIO(sheet.photo.data), x=470, y=top, w=85, h=113)
    pdf.ln(12)
    pdf.set_font("sans", size=12)
    pdf.cell(0, 16, sheet.table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", size=9.5)
    shares = tuple(column.share for column in sheet.table.columns)
    plain = FontFace(family="sans", emphasis="")
    with pdf.table(col_widths=shares, line_height=13, headings_style=plain) as table:
        table.row([column.header for column in sheet.table.columns])
        for cells in sheet.table.rows:
            table.row(list(cells))
    pdf.ln(12)
    pdf.set_font("sans", size=12)
    pdf.cell(0, 16, sheet.notes_title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", size=10.5)
    for number, note in enumerate(sheet.notes, start=1):
        pdf.multi_cell(0, 16, f"{number}. {note}", new_x="LMARGIN", new_y="NEXT")
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    qr.addData(code)
    qr.make()
    module = 68 / (qr.getModuleCount() + 8)
    for r, row_modules in enumerate(qr.modules):
        for c, dark in enumerate(row_modules):
            if dark:
                pdf.rect(484 + (c + 4) * module, 731 + (r + 4) * module, module, module, "F")
    pdf.set_xy(300, 770)
    pdf.set_font("sans", size=14)
    pdf.cell(180, 16, format_code(code), align="R")
    return bytes(pdf.output())


def compare(samples: int, photo: str) -> None:
    contents = [ticket(i, photo) for i in range(samples)]
    codes = [new_verification_code() for _ in contents]
    rows = []
    for name, draw, count in (
        ("reportlab", reportlab_ticket, samples),
        ("fpdf2", fpdf2_ticket, max(3, samples // 20)),
    ):
        first, steady, size = measure(draw, contents[:count], codes)
        rows.append((name, first, steady, size, count))
    sys.stdout.write("library    first ticket  per ticket after  file size  (tickets)\n")
    for name, first, steady, size, count in rows:
        sys.stdout.write(
            f"{name:<10} {first * 1000:9.0f} ms  {steady * 1000:11.1f} ms  {size / 1024:6.1f} KiB"
            f"  ({count})\n"
        )


def measure(
    draw: Callable[[dict[str, Any], str], bytes], contents: list[dict[str, Any]], codes: list[str]
) -> tuple[float, float, float]:
    started = time.perf_counter()
    sizes = [len(draw(contents[0], codes[0]))]
    first = time.perf_counter() - started
    started = time.perf_counter()
    for content, code in zip(contents[1:], codes[1:], strict=False):
        sizes.append(len(draw(content, code)))
    steady = (time.perf_counter() - started) / max(len(contents) - 1, 1)
    return first, steady, sum(sizes) / len(sizes)


# --- 2. the worker path --------------------------------------------------------------------


async def make_requests(url: str, count: int, photo: str) -> list[uuid.UUID]:
    """`count` PENDING ticket requests, committed, as `request_document` makes them."""
    engine = create_engine(url, schema="documents", pool_size=2)
    ids: list[uuid.UUID] = []
    try:
        db = create_sessionmaker(engine)
        for start in range(0, count, 1000):
            async with db.begin() as session:
                batch = []
                for index in range(start, min(start + 1000, count)):
                    content = content_json(
                        parse_content(DocumentKind.ADMISSION_TICKET, ticket(index, photo))
                    )
                    batch.append(
                        DocumentRequest(
                            candidate_id=uuid.uuid4(),
                            region_code="0106",
                            kind=DocumentKind.ADMISSION_TICKET,
                            sitting=SITTING,
                            content=content,
                            content_sha256=hashlib.sha256(str(index).encode()).hexdigest(),
                            verification_code=new_verification_code(),
                        )
                    )
                session.add_all(batch)
            ids += [document.id for document in batch]
    finally:
        await engine.dispose()
    return ids


async def enqueue_all(redis_url: str, queue: str, ids: list[uuid.UUID]) -> None:
    """Wakes the renders as a sitting's batch does: `RENDER_CHUNK` requests a job."""
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        await enqueue_renders(redis, [(i, 0) for i in ids], queue_name=queue)
    finally:
        await redis.aclose()


async def forget_queue(redis_url: str, queue: str) -> None:
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        await redis.delete(queue)
    finally:
        await redis.aclose()


async def readiness(url: str, ids: list[uuid.UUID]) -> tuple[int, float | None]:
    """How many of `ids` are READY, and the seconds from the first attempt's start to the last
    READY (a chunk job records its tickets together, so the first READY comes a chunk late)."""
    connection = await asyncpg.connect(url)
    try:
        count, first, last = await connection.fetchrow(
            "SELECT count(*), min(attempted_at), max(ready_at) FROM documents.document_request"
            " WHERE id = ANY($1::uuid[]) AND status = 'READY'",
            ids,
        )
        failed = await connection.fetchval(
            "SELECT count(*) FROM documents.document_request"
            " WHERE id = ANY($1::uuid[]) AND status = 'FAILED'",
            ids,
        )
    finally:
        await connection.close()
    if failed:
        raise SystemExit(f"{failed} requests FAILED")
    span = (last - first).total_seconds() if count > 1 else None
    return count, span


@dataclass
class Run:
    wall: float  # seconds from starting the workers until every request was READY
    span: float | None  # seconds from the first attempt's start to the last READY
    cpu: float  # CPU seconds the worker processes used (user + system), start-up included


def run_workers(
    url: str, redis_url: str, workers: int, ids: list[uuid.UUID], storage: Path, limit: float
) -> Run:
    """Queues a job per request, starts `workers` worker processes, waits until every request
    is READY."""
    queue = f"zikao:bench-documents:{uuid.uuid4().hex[:8]}"
    asyncio.run(enqueue_all(redis_url, queue, ids))
    env = dict(
        os.environ,
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        DOCUMENTS_QUEUE_NAME=queue,
        DOCUMENTS_STORAGE_DIR=str(storage),
        ZIKAO_LOG_LEVEL="WARNING",
    )
    argv = [sys.executable, "-m", "arq", "zikao_documents.worker.WorkerSettings"]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(workers)
    ]
    try:
        while True:
            ready, span = asyncio.run(readiness(url, ids))
            wall = time.perf_counter() - started
            if ready == len(ids):
                break
            if wall > limit or any(p.poll() is not None for p in processes):
                raise SystemExit(f"{ready} of {len(ids)} ready after {wall:.0f} s")
            time.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        cpu = 0.0
        for process in processes:
            _, _, usage = os.wait4(process.pid, 0)
            process.returncode = 0
            cpu += usage.ru_utime + usage.ru_stime
        asyncio.run(forget_queue(redis_url, f"arq:queue:{queue}"))
    return Run(wall, span, cpu)


async def stored(url: str, ids: list[uuid.UUID]) -> list[tuple[str, str]]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT storage_key, sha256 FROM documents.document_request WHERE id = ANY($1::uuid[])",
            ids,
        )
    finally:
        await connection.close()
    return [(row[0], row[1]) for row in rows]


def check_files(url: str, ids: list[uuid.UUID], storage: Path, sample: int) -> None:
    """Some stored files against their recorded sha256, and no request without a file."""
    rows = asyncio.run(stored(url, ids))
    for key, digest in random.Random(1).sample(rows, min(sample, len(rows))):
        data = (storage / key).read_bytes()
        if hashlib.sha256(data).hexdigest() != digest or not data.startswith(b"%PDF"):
            raise SystemExit(f"stored file {key} does not match its sha256")
    if sum(1 for _ in storage.rglob("*.pdf")) != len(ids):
        raise SystemExit("stored files and READY requests differ in number")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=10_000, help="the sitting's tickets")
    parser.add_argument("--single", type=int, default=1_000, help="tickets for one worker")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", type=int, default=100, help="tickets per library")
    parser.add_argument("--limit", type=float, default=600, help="seconds before giving up")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    if not server or not redis_url:
        sys.stderr.write(
            "DATABASE_URL and REDIS_URL must be set (make bench-documents sets them)\n"
        )
        return 2
    fonts.register()  # converted by make install; parsed here outside the timings
    photo = photo_base64()
    compare(args.samples, photo)
    with (
        scratch_database(server, "zikao_bench_documents", services=("documents",)) as url,
        tempfile.TemporaryDirectory(prefix="zikao-bench-documents-") as folder,
    ):
        single = asyncio.run(make_requests(url, args.single, photo))
        storage = Path(folder) / "one"
        one = run_workers(url, redis_url, 1, single, storage, args.limit)
        check_files(url, single, storage, 50)
        per_worker = len(single) / one.span if one.span else float("nan")
        sys.stdout.write(
            f"1 worker: {len(single)} tickets in {one.wall:.1f} s from its start "
            f"({per_worker:.0f}/s once started; the worker used {one.cpu:.1f} CPU s, "
            f"{one.cpu / len(single) * 1000:.1f} ms a ticket with its start-up: "
            f"{len(single) / one.cpu:.0f}/s on a core of its own)\n"
        )
        sitting = asyncio.run(make_requests(url, args.candidates, photo))
        storage = Path(folder) / "sitting"
        many = run_workers(url, redis_url, args.workers, sitting, storage, args.limit)
        wall = many.wall
        check_files(url, sitting, storage, 200)
        size = sum(p.stat().st_size for p in storage.rglob("*.pdf")) / len(sitting)
        sys.stdout.write(
            f"{args.workers} workers: {len(sitting)} tickets in {wall:.1f} s "
            f"({len(sitting) / wall:.0f}/s, {size / 1024:.0f} KiB a ticket; "
            f"{many.cpu / len(sitting) * 1000:.1f} worker CPU ms a ticket)\n"
        )
    load = os.getloadavg()[0]
    sys.stdout.write(f"load average at the end: {load:.1f} on {os.cpu_count()} cores\n")
    sys.stdout.write(
        f"tickets/s per worker: {per_worker:.0f} ({args.candidates}-candidate sitting with "
        f"{args.workers} workers: {wall:.0f} s)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
