"""Admission tickets end to end, through the gateway with the contract's operation text: what
is missing is named; once signed up, paid, seated and photographed, the ticket renders in the
worker (documents read identity and records with a service token), asking twice gives the same
document, only its candidate (and staff of their district) download it, its printed code
verifies; a new photo makes a new version and the old one verifies as superseded. A transcript
lists the passed courses; a course certificate comes on its ready day. District staff generate
every ticket of the sitting, download a room's zip, and its seat and door lists."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import json
import uuid
import zipfile
from datetime import date, timedelta
from typing import Any

import httpx
from e2e import OPERATIONS, RunningSystem, a_logged_in_candidate, an_open_sitting, ask
from sqlalchemy import text

from zikao_documents.testing import tiny_png
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker, utc_now
from zikao_records import models
from zikao_records.service.payments import SIGNATURE_HEADER, sign
from zikao_records.settings import DEV_PAYMENT_NOTIFY_KEY
from zikao_records.testing import a_result, a_sitting, ago

SITTING = "2041-04"
PASSED_SITTING = "2040-10"
ALLOCATE = """mutation($s: String!) { startSeatAllocation(sitting: $s) { __typename
  ... on SeatAllocationStarted { run { id } } ... on Problem { code message } } }"""
PROGRESS = "query($id: ID!) { seatAllocation(id: $id) { status } }"
PUBLISH = """mutation($s: String!) { publishSeats(sitting: $s) { __typename
  ... on Problem { code message } } }"""
PHOTO = """mutation($id: ID!, $c: String!) { uploadCandidatePhoto(candidateId: $id,
  contentBase64: $c) { __typename ... on Problem { code message } } }"""
VERIFY = """query($code: String!) { verifyDocument(code: $code) { __typename
  ... on DocumentVerified { status kind sitting issuedOn maskedName }
  ... on Problem { code } } }"""
CERTIFICATE = """mutation($id: ID!) { requestCourseCertificate(applicationId: $id) { __typename
  ... on DocumentRequested { document { id kind status } }
  ... on Problem { code message } } }"""
GENERATE = """mutation($s: String!) { generateAdmissionTickets(sitting: $s) { __typename
  ... on TicketBatchStarted { batch { id } } ... on Problem { code message } } }"""
BATCH = """query($id: ID!) { ticketBatch(id: $id) { status regionCode
  rooms { venueId room candidates requested ready skipped downloadUrl } } }"""
TRANSCRIPT = """mutation { requestTranscript { __typename
  ... on DocumentRequested { document { id kind status } }
  ... on DocumentUnavailable { code missing } ... on Problem { code message } } }"""


async def a_sitting_open_for_printing(client: httpx.AsyncClient, zikao: RunningSystem) -> None:
    """Sign-up open, tickets printable from an hour ago, exams in 30 days; one venue in 渝中区."""
    venue = {"name": "重庆市巴蜀中学考点", "address": "重庆市渝中区张家花园", "regionCode": "0103"}
    await an_open_sitting(
        client, zikao, SITTING, {**venue, "rooms": 1}, exams_in_days=30,
        printing_opens=utc_now() - timedelta(hours=1),
    )  # fmt: skip


async def sign_up_and_pay(
    client: httpx.AsyncClient, zikao: RunningSystem, candidate_id: str, token: str
) -> None:
    await ask(client, zikao, OPERATIONS["ChooseMajor"], token, majorCode="050101")
    codes = ["03708", "00037"]
    made = await ask(
        client, zikao, OPERATIONS["RegisterForExams"], token, sitting=SITTING, courseCodes=codes
    )
    assert made["registerForExams"]["__typename"] == "ExamsRegistered", made
    body = json.dumps(
        {
            "transactionId": f"wx-{uuid.uuid4().hex[:16]}",
            "candidateId": candidate_id,
            "sitting": SITTING,
            "courseCodes": codes,
            "amountYuan": made["registerForExams"]["totalFeeYuan"],
        }
    ).encode()
    headers = {
        SIGNATURE_HEADER: sign(DEV_PAYMENT_NOTIFY_KEY, body),
        "content-type": "application/json",
    }
    paid = await client.post(
        f"http://127.0.0.1:{zikao.ports.records}/payments/notify", content=body, headers=headers
    )
    assert paid.json()["status"] == "APPLIED", paid.text


async def seat_everyone(client: httpx.AsyncClient, zikao: RunningSystem) -> None:
    admin = zikao.token("admin-tickets", Role.ADMIN)
    started = (await ask(client, zikao, ALLOCATE, admin, s=SITTING))["startSeatAllocation"]
    assert started["__typename"] == "SeatAllocationStarted", started
    for _ in range(600):
        run = await ask(client, zikao, PROGRESS, admin, id=started["run"]["id"])
        if run["seatAllocation"]["status"] in ("DONE", "FAILED"):
            break
        await asyncio.sleep(0.2)
    assert run["seatAllocation"]["status"] == "DONE"
    published = await ask(client, zikao, PUBLISH, admin, s=SITTING)
    assert published["publishSeats"]["__typename"] == "SeatsPublished", published


async def upload_photo(
    client: httpx.AsyncClient, zikao: RunningSystem, candidate_id: str, shade: int
) -> None:
    staff = zikao.token("staff-yuzhong", Role.STAFF, region="0103")
    content = base64.b64encode(tiny_png(240 + shade, 320)).decode()
    done = await ask(client, zikao, PHOTO, staff, id=candidate_id, c=content)
    assert done["uploadCandidatePhoto"]["__typename"] == "PhotoUploaded", done


async def request_ticket(
    client: httpx.AsyncClient, zikao: RunningSystem, token: str
) -> dict[str, Any]:
    data = await ask(client, zikao, OPERATIONS["RequestAdmissionTicket"], token, sitting=SITTING)
    answer: dict[str, Any] = data["requestAdmissionTicket"]
    return answer


async def ready(
    client: httpx.AsyncClient, zikao: RunningSystem, token: str, document_id: str
) -> dict[str, Any]:
    """The document once READY (the worker renders it; the sweeper wakes it if another
    session's worker on the shared Redis took the wake-up)."""
    for _ in range(600):
        found = await ask(client, zikao, OPERATIONS["Document"], token, id=document_id)
        document: dict[str, Any] = found["document"]
        if document["status"] in ("READY", "FAILED"):
            break
        await asyncio.sleep(0.2)
    assert document["status"] == "READY", document
    return document


async def verification_code(database_url: str, document_id: str) -> str:
    """The code printed on the PDF (read from documents' table, as a reader of the paper)."""
    engine = create_engine(database_url, schema="documents", pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            found = await session.scalar(
                text("SELECT verification_code FROM documents.document_request WHERE id = :id"),
                {"id": uuid.UUID(document_id)},
            )
        return str(found)
    finally:
        await engine.dispose()


async def make_ready(database_url: str, application_id: str) -> None:
    """The certificate's ready day reached (as if the window and 10 working days had passed)."""
    engine = create_engine(database_url, schema="records", pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            await session.execute(
                text(
                    "UPDATE records.certificate_application SET ready_on = current_date - 1 "
                    "WHERE id = :id"
                ),
                {"id": uuid.UUID(application_id)},
            )
    finally:
        await engine.dispose()


async def a_pass(database_url: str, candidate_id: str) -> None:
    """A published sitting in which the candidate passed 03709 with 76."""
    engine = create_engine(database_url, schema="records", pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            session.add(a_sitting(PASSED_SITTING, scores=ago(1)))
            await session.flush()
            session.add(
                a_result(uuid.UUID(candidate_id), "03709", sitting=PASSED_SITTING, score=76)
            )
    finally:
        await engine.dispose()


async def an_application(database_url: str, candidate_id: str) -> str:
    """The candidate's certificate application for that pass, ready tomorrow."""
    engine = create_engine(database_url, schema="records", pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            result = await session.scalar(
                text(
                    "SELECT id FROM records.exam_result WHERE candidate_id = :c "
                    "AND course_code = '03709'"
                ),
                {"c": uuid.UUID(candidate_id)},
            )
            application = models.CertificateApplication(
                candidate_id=uuid.UUID(candidate_id),
                sitting_code=PASSED_SITTING,
                course_code="03709",
                result_id=result,
                region_code="0103",
                ready_on=date.today() + timedelta(days=2),
            )
            session.add(application)
        return str(application.id)
    finally:
        await engine.dispose()


async def test_a_candidate_prints_their_ticket_and_anyone_verifies_it(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    await a_sitting_open_for_printing(client, zikao)
    candidate_id, token = await a_logged_in_candidate(client, zikao, "孙打印")

    refused = await request_ticket(client, zikao, token)
    assert refused["__typename"] == "DocumentUnavailable", refused
    assert refused["code"] == "not_signed_up"
    unknown = await ask(
        client, zikao, OPERATIONS["RequestAdmissionTicket"], token, sitting="1999-04"
    )
    assert unknown["requestAdmissionTicket"]["code"] == "unknown_sitting"

    await sign_up_and_pay(client, zikao, candidate_id, token)
    await seat_everyone(client, zikao)
    no_photo = await request_ticket(client, zikao, token)
    assert no_photo["code"] == "no_photo", no_photo

    await upload_photo(client, zikao, candidate_id, 0)
    first = await request_ticket(client, zikao, token)
    assert first["__typename"] == "DocumentRequested", first
    assert first["document"]["kind"] == "ADMISSION_TICKET"
    again = await request_ticket(client, zikao, token)
    assert again["document"]["id"] == first["document"]["id"]
    document = await ready(client, zikao, token, first["document"]["id"])

    pdf = await client.get(document["downloadUrl"])
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert hashlib.sha256(pdf.content).hexdigest() == document["sha256"]
    download = f"http://127.0.0.1:{zikao.ports.documents}/documents/{document['id']}/download"
    for stranger in (
        zikao.token(str(uuid.uuid4())),
        zikao.token("staff-wanzhou", Role.STAFF, region="0101"),
    ):
        answer = await client.get(download, headers={"authorization": f"Bearer {stranger}"})
        assert answer.status_code == 403
    district = zikao.token("staff-yuzhong", Role.STAFF, region="0103")
    assert (
        await client.get(download, headers={"authorization": f"Bearer {district}"})
    ).content == (pdf.content)

    code = await verification_code(zikao.database_url, document["id"])
    verified = (await ask(client, zikao, VERIFY, None, code=code.lower()))["verifyDocument"]
    assert verified["__typename"] == "DocumentVerified"
    assert verified["status"] == "VALID"
    assert verified["kind"] == "ADMISSION_TICKET"
    assert verified["sitting"] == SITTING
    assert verified["maskedName"] == "孙**"
    assert set(verified) == {"__typename", "status", "kind", "sitting", "issuedOn", "maskedName"}

    # A new photo changes what the ticket shows: a new version; the old one is superseded.
    await upload_photo(client, zikao, candidate_id, 8)
    second = await request_ticket(client, zikao, token)
    assert second["document"]["id"] != first["document"]["id"]
    await ready(client, zikao, token, second["document"]["id"])
    old = (await ask(client, zikao, VERIFY, None, code=code))["verifyDocument"]
    assert old["status"] == "SUPERSEDED"
    mine = await ask(client, zikao, OPERATIONS["MyDocuments"], token)
    assert [d["id"] for d in mine["me"]["documents"]] == [
        second["document"]["id"],
        first["document"]["id"],
    ]
    unknown_code = await ask(client, zikao, VERIFY, None, code="0000-0000-0000")
    assert unknown_code["verifyDocument"] == {"__typename": "NotFound", "code": "unknown_code"}

    # 成绩单: nothing passed yet, then one pass.
    nothing = (await ask(client, zikao, TRANSCRIPT, token))["requestTranscript"]
    assert nothing["code"] == "no_passed_courses", nothing
    await a_pass(zikao.database_url, candidate_id)
    transcript = (await ask(client, zikao, TRANSCRIPT, token))["requestTranscript"]
    assert transcript["document"]["kind"] == "TRANSCRIPT", transcript
    await ready(client, zikao, token, transcript["document"]["id"])

    # 课程合格证书: an application records made (applying through the API needs the working-day
    # calendar of the ready day's year, which the seed may not hold yet), not before its ready
    # day, then rendered; nobody else gets it.
    application_id = await an_application(zikao.database_url, candidate_id)
    early = await ask(client, zikao, CERTIFICATE, token, id=application_id)
    assert early["requestCourseCertificate"]["code"] == "certificate_not_ready"
    await make_ready(zikao.database_url, application_id)
    certificate = await ask(client, zikao, CERTIFICATE, token, id=application_id)
    issued = certificate["requestCourseCertificate"]
    assert issued["document"]["kind"] == "COURSE_CERTIFICATE", issued
    await ready(client, zikao, token, issued["document"]["id"])
    someone = zikao.token(str(uuid.uuid4()))
    theirs = await ask(client, zikao, CERTIFICATE, someone, id=application_id)
    assert theirs["requestCourseCertificate"]["code"] == "not_found"

    # Staff of 渝中区 print every ticket of the sitting for their venues: the candidate's current
    # ticket again (nothing rendered twice), one zip per room; the room's seat and door lists.
    district = zikao.token("staff-yuzhong", Role.STAFF, region="0103")
    started = (await ask(client, zikao, GENERATE, district, s=SITTING))["generateAdmissionTickets"]
    assert started["__typename"] == "TicketBatchStarted", started
    batch_id = started["batch"]["id"]
    for _ in range(600):
        batch = (await ask(client, zikao, BATCH, district, id=batch_id))["ticketBatch"]
        rooms = batch["rooms"]
        if batch["status"] == "PREPARED" and all(
            r["ready"] + r["skipped"] == r["candidates"] for r in rooms
        ):
            break
        await asyncio.sleep(0.2)
    assert batch["regionCode"] == "0103"
    assert sum(r["candidates"] for r in rooms) >= 1
    again = (await ask(client, zikao, GENERATE, district, s=SITTING))["generateAdmissionTickets"]
    assert again["batch"]["id"] == batch_id
    current = await ask(client, zikao, OPERATIONS["Document"], token, id=second["document"]["id"])
    found = []
    for room in rooms:
        if not room["downloadUrl"]:
            continue
        archive = await client.get(room["downloadUrl"])
        assert archive.status_code == 200
        with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
            found += [hashlib.sha256(files.read(n)).hexdigest() for n in files.namelist()]
    assert current["document"]["sha256"] in found
    wanzhou = zikao.token("staff-wanzhou", Role.STAFF, region="0101")
    assert (await ask(client, zikao, BATCH, wanzhou, id=batch_id))["ticketBatch"] is None

    base = f"http://127.0.0.1:{zikao.ports.documents}/sittings/{SITTING}/venues"
    room = rooms[0]
    for kind in ("seat-list.pdf", "door-list.pdf"):
        url = f"{base}/{room['venueId']}/rooms/{room['room']}/{kind}"
        listed = await client.get(url, headers={"authorization": f"Bearer {district}"})
        assert listed.status_code == 200, listed.text
        assert listed.content.startswith(b"%PDF")
        other = await client.get(url, headers={"authorization": f"Bearer {wanzhou}"})
        assert other.status_code in (403, 404)
        mine_only = await client.get(url, headers={"authorization": f"Bearer {token}"})
        assert mine_only.status_code == 403
