"""Records end to end: a candidate chooses a major, sees the options, signs up (a conflicting
sign-up is refused), pays through the provider's signed notification, staff allocate seats
through the gateway, and MyExams shows the seat."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from e2e import OPERATIONS, RunningSystem, a_logged_in_candidate, an_open_sitting, ask

from zikao_kit.auth import Role
from zikao_records.service.payments import SIGNATURE_HEADER, sign
from zikao_records.settings import DEV_PAYMENT_NOTIFY_KEY

SITTING = "2040-04"


DISTRICT_VENUES = """{ venues(regionCode: "0103") { name address rooms { number } } }"""
START = """mutation Start($s: String!) { startSeatAllocation(sitting: $s) { __typename
  ... on SeatAllocationStarted { run { id } } ... on Problem { code message } } }"""
PROGRESS = """query Progress($id: ID!) {
  seatAllocation(id: $id) { status slotsDone slotsTotal seated unseated } }"""
PUBLISH = """mutation Publish($s: String!) { publishSeats(sitting: $s) { __typename
  ... on Problem { code message } } }"""


async def set_up_the_sitting(client: httpx.AsyncClient, zikao: RunningSystem) -> None:
    """An open sitting: 03708 and 03709 in the same morning slot, 00037 in the afternoon;
    a venue of two rooms in the candidate's district."""
    venue = {
        "name": "重庆市第二十九中学考点",
        "address": "重庆市渝中区中山二路",
        "regionCode": "0103",
        "rooms": 2,
    }
    courses = (("03708", 0), ("03709", 0), ("00037", 5))
    await an_open_sitting(client, zikao, SITTING, venue, courses=courses)


async def pay(
    client: httpx.AsyncClient, zikao: RunningSystem, candidate_id: str, amount: int
) -> httpx.Response:
    body = json.dumps(
        {
            "transactionId": f"wx-{uuid.uuid4().hex[:16]}",
            "candidateId": candidate_id,
            "sitting": SITTING,
            "courseCodes": ["03708", "00037"],
            "amountYuan": amount,
        }
    ).encode()
    url = f"http://127.0.0.1:{zikao.ports.records}/payments/notify"
    headers = {
        SIGNATURE_HEADER: sign(DEV_PAYMENT_NOTIFY_KEY, body),
        "content-type": "application/json",
    }
    return await client.post(url, content=body, headers=headers)


async def allocate(client: httpx.AsyncClient, zikao: RunningSystem) -> dict[str, Any]:
    admin = zikao.token("admin-e2e", Role.ADMIN)
    started = (await ask(client, zikao, START, admin, s=SITTING))["startSeatAllocation"]
    assert started["__typename"] == "SeatAllocationStarted", started
    # The records worker runs it; if another session's worker on the same Redis took the
    # wake-up, our worker's sweeper wakes the run again within a minute or so.
    for _ in range(600):
        run = await ask(client, zikao, PROGRESS, admin, id=started["run"]["id"])
        if run["seatAllocation"]["status"] in ("DONE", "FAILED"):
            break
        await asyncio.sleep(0.2)
    published = await ask(client, zikao, PUBLISH, admin, s=SITTING)
    assert published["publishSeats"]["__typename"] == "SeatsPublished", published
    result: dict[str, Any] = run["seatAllocation"]
    return result


async def test_sign_up_pay_allocate_and_see_the_seat(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    await set_up_the_sitting(client, zikao)
    candidate_id, token = await a_logged_in_candidate(client, zikao)

    chosen = await ask(client, zikao, OPERATIONS["ChooseMajor"], token, majorCode="050101")
    assert chosen["chooseMajor"]["major"]["school"] == "西南大学"
    options = await ask(client, zikao, OPERATIONS["RegistrationOptions"], token, sitting=SITTING)
    assert {o["course"]["code"] for o in options["registrationOptions"]} == {
        "03708",
        "03709",
        "00037",
    }

    made = await ask(
        client,
        zikao,
        OPERATIONS["RegisterForExams"],
        token,
        sitting=SITTING,
        courseCodes=["03708", "00037"],
    )
    assert made["registerForExams"]["totalFeeYuan"] == 80, made
    clash = await ask(
        client, zikao, OPERATIONS["RegisterForExams"], token, sitting=SITTING, courseCodes=["03709"]
    )
    assert clash["registerForExams"]["__typename"] == "SlotConflict"
    assert clash["registerForExams"]["courseCodes"] == ["03708", "03709"]

    paid = await pay(client, zikao, candidate_id, 80)
    assert paid.json() == {"status": "APPLIED", "reason": None, "repeated": False}
    run = await allocate(client, zikao)
    assert run["status"] == "DONE"
    assert run["unseated"] == 0

    exams = await ask(client, zikao, OPERATIONS["MyExams"], token, sitting=SITTING)
    seats = {e["course"]["code"]: e for e in exams["me"]["exams"]}
    assert set(seats) == {"03708", "00037"}
    # seated in a venue of the candidate's district (other end-to-end tests add venues there too)
    admin = zikao.token("admin-e2e", Role.ADMIN)
    district = await ask(client, zikao, DISTRICT_VENUES, admin)
    rooms = {
        (v["name"], v["address"]): {r["number"] for r in v["rooms"]} for v in district["venues"]
    }
    assert ("重庆市第二十九中学考点", "重庆市渝中区中山二路") in rooms
    for exam in seats.values():
        assert exam["paid"] is True
        venue = (exam["seat"]["venue"]["name"], exam["seat"]["venue"]["address"])
        assert exam["seat"]["room"] in rooms[venue]
        assert 1 <= exam["seat"]["seat"] <= 30
