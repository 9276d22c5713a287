"""Records end to end, inputs that once answered 500: each now gets a typed problem (or a 4xx
with a stable code) through the gateway or at records' own route, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from e2e import RunningSystem, graphql

from zikao_kit.auth import Role
from zikao_records.service.payments import SIGNATURE_HEADER

SAVE_SITTING = """mutation Save($i: SittingInput!) { saveSitting(input: $i) { __typename
  ... on Problem { code } ... on InvalidInput { field } } }"""
TIMETABLE = """mutation Timetable($s: String!, $e: [TimetableEntryInput!]!) {
  setTimetable(sitting: $s, entries: $e) { __typename ... on Problem { code } } }"""
ADD_VENUE = """mutation Venue($i: VenueInput!) { addVenue(input: $i) { __typename
  ... on Problem { code } ... on InvalidInput { field } } }"""
SITTING = {
    "code": "2042-04",
    "name": "2042年4月",
    "registrationOpensAt": "2042-01-05T09:00:00+08:00",
    "registrationClosesAt": "2042-01-20T17:00:00+08:00",
    "ticketPrintingOpensAt": "2042-04-05T09:00:00+08:00",
}


async def ask(
    client: httpx.AsyncClient, zikao: RunningSystem, query: str, **variables: Any
) -> dict[str, Any]:
    admin = zikao.token("admin-e2e-input", Role.ADMIN)
    response = await graphql(client, zikao.url, query, variables, admin)
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    internal = [
        e for e in body.get("errors", []) if e.get("extensions", {}).get("code") == "internal"
    ]
    assert internal == [], body
    return body


async def test_a_malformed_sitting_code_is_invalid_input(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    body = await ask(client, zikao, SAVE_SITTING, i=SITTING | {"code": "2030-ab"})
    assert body["data"]["saveSitting"] == {
        "__typename": "InvalidInput",
        "code": "bad_format",
        "field": "code",
    }


async def test_the_same_course_twice_and_a_time_without_offset_are_refused(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    saved = await ask(client, zikao, SAVE_SITTING, i=SITTING)
    assert saved["data"]["saveSitting"]["__typename"] == "SittingSaved"
    entry = {
        "courseCode": "03708",
        "startsAt": "2042-04-12T09:00:00+08:00",
        "endsAt": "2042-04-12T11:30:00+08:00",
    }
    twice = await ask(client, zikao, TIMETABLE, s="2042-04", e=[entry, entry])
    assert twice["data"]["setTimetable"] == {
        "__typename": "InvalidInput",
        "code": "duplicate_course",
    }
    naive = entry | {"startsAt": "2042-04-12T09:00:00"}
    unclear = await ask(client, zikao, TIMETABLE, s="2042-04", e=[naive])
    assert unclear.get("data") is None or unclear["data"].get("setTimetable") is None
    assert any("时区" in e["message"] for e in unclear["errors"]), unclear


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("name", "\u202e点考\u202c"),
        ("name", "考" * 10_000),
        ("name", "😀考点"),
        ("address", "中山二路\u200b1号"),
        ("regionCode", "０１０３"),
        ("name", "   "),
    ],
)
async def test_hostile_venue_text_is_a_problem(
    zikao: RunningSystem, client: httpx.AsyncClient, field: str, text: str
) -> None:
    venue = {"name": "端到端考点", "address": "渝中区", "regionCode": "0103"} | {field: text}
    body = await ask(client, zikao, ADD_VENUE, i=venue)
    assert body["data"]["addVenue"]["__typename"] == "InvalidInput", body
    assert body["data"]["addVenue"]["field"] == field


@pytest.mark.parametrize("signature", ["签名".encode(), b"\xff" * 64])
async def test_a_non_ascii_signature_is_a_bad_signature(
    zikao: RunningSystem, client: httpx.AsyncClient, signature: bytes
) -> None:
    url = f"http://127.0.0.1:{zikao.ports.records}/payments/notify"
    body = json.dumps({"transactionId": "wx-e2e"}).encode()
    response = await client.post(url, content=body, headers={SIGNATURE_HEADER: signature})
    assert (response.status_code, response.json()) == (401, {"code": "bad_signature"})
