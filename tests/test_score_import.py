"""Scores end to end: a candidate registered in identity signs up and pays for two courses;
province staff upload the sitting's score file to records (with a line of a ticket number
nobody has), the worker learns the candidate's ticket number from identity, checks the lines
and waits; staff read the report through the gateway and accept; before publication MyResults
shows nothing, after `publishScores` it shows both results; the published sitting then refuses
another file."""

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

SITTING = "2042-04"  # a sitting no other end-to-end test uses
IMPORT = """query Import($id: ID!) { scoreImport(id: $id) { __typename
  ... on ScoreImport { status rowsTotal rowsChecked rowsRejected rowsApplied
    report(first: 10) { lines { line reason ticketNumber courseCode } hasNextPage } }
  ... on Problem { code message } } }"""
ACCEPT = """mutation Accept($id: ID!) { acceptScoreImport(id: $id) { __typename
  ... on Problem { code message } } }"""
PUBLISH = """mutation Publish($s: String!) { publishScores(sitting: $s) { __typename
  ... on ScoresPublished { sitting { code scoresPublishedAt } } ... on Problem { code } } }"""


async def set_up_the_sitting(client: httpx.AsyncClient, zikao: RunningSystem) -> None:
    """An open sitting examining 03708 in the morning and 00037 in the afternoon."""
    venue = {"name": "成绩导入考点", "address": "重庆市渝中区", "regionCode": "0103", "rooms": 1}
    await an_open_sitting(client, zikao, SITTING, venue)


async def pay(client: httpx.AsyncClient, zikao: RunningSystem, candidate_id: str) -> int:
    body = json.dumps(
        {
            "transactionId": f"wx-{uuid.uuid4().hex[:16]}",
            "candidateId": candidate_id,
            "sitting": SITTING,
            "courseCodes": ["03708", "00037"],
            "amountYuan": 80,
        }
    ).encode()
    url = f"http://127.0.0.1:{zikao.ports.records}/payments/notify"
    headers = {SIGNATURE_HEADER: sign(DEV_PAYMENT_NOTIFY_KEY, body)}
    response = await client.post(url, content=body, headers=headers)
    return response.status_code


async def upload(
    client: httpx.AsyncClient, zikao: RunningSystem, token: str, body: bytes
) -> httpx.Response:
    url = f"http://127.0.0.1:{zikao.ports.records}/imports/scores?sitting={SITTING}"
    headers = {"authorization": f"Bearer {token}", "content-type": "text/csv"}
    return await client.post(url, content=body, headers=headers)


async def until(
    client: httpx.AsyncClient, zikao: RunningSystem, token: str, import_id: str, *statuses: str
) -> dict[str, Any]:
    """The import once the worker has brought it to one of `statuses` (another session's
    worker on the same Redis may take a wake-up: our worker's sweeper wakes it again)."""
    for _ in range(900):
        found = (await ask(client, zikao, IMPORT, token, id=import_id))["scoreImport"]
        if found["status"] in statuses:
            return dict(found)
        await asyncio.sleep(0.2)
    raise AssertionError(f"the import stayed {found}")


async def test_scores_from_the_file_to_my_results(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    await set_up_the_sitting(client, zikao)
    candidate_id, token = await a_logged_in_candidate(client, zikao)
    me = await ask(client, zikao, "{ me { ticketNumber } }", token)
    ticket = me["me"]["ticketNumber"]
    await ask(client, zikao, OPERATIONS["ChooseMajor"], token, majorCode="050101")
    made = await ask(
        client,
        zikao,
        OPERATIONS["RegisterForExams"],
        token,
        sitting=SITTING,
        courseCodes=["03708", "00037"],
    )
    assert made["registerForExams"]["totalFeeYuan"] == 80, made
    assert await pay(client, zikao, candidate_id) == 200

    staff = zikao.token("province-e2e", Role.STAFF)
    lines = f"准考证号,课程代码,成绩,状态\n{ticket},03708,75,正常\n{ticket},00037,,缺考\n"
    lines += "999999999999,03708,88,正常\n"
    uploaded = await upload(client, zikao, staff, lines.encode("gb18030"))
    assert uploaded.status_code == 201, uploaded.text
    import_id = uploaded.json()["id"]
    checked = await until(client, zikao, staff, import_id, "CHECKED", "APPLIED")
    assert checked["status"] == "CHECKED"
    assert (checked["rowsTotal"], checked["rowsChecked"], checked["rowsRejected"]) == (3, 3, 1)
    assert checked["report"]["lines"] == [
        {
            "line": 4,
            "reason": "unknown_ticket_number",
            "ticketNumber": "999999999999",
            "courseCode": "03708",
        }
    ]
    results = await ask(client, zikao, OPERATIONS["MyResults"], token, sitting=SITTING)
    assert results["me"]["results"] == []

    accepted = await ask(client, zikao, ACCEPT, staff, id=import_id)
    assert accepted["acceptScoreImport"]["__typename"] == "ScoreImportAccepted"
    applied = await until(client, zikao, staff, import_id, "APPLIED", "REFUSED")
    assert (applied["status"], applied["rowsApplied"]) == ("APPLIED", 2)
    results = await ask(client, zikao, OPERATIONS["MyResults"], token, sitting=SITTING)
    assert results["me"]["results"] == []  # not published yet

    district = zikao.token("district-e2e", Role.STAFF, region="0103")
    refused = await ask(client, zikao, PUBLISH, district, s=SITTING)
    assert refused["publishScores"] == {"__typename": "Forbidden", "code": "out_of_region"}
    published = await ask(client, zikao, PUBLISH, staff, s=SITTING)
    assert published["publishScores"]["__typename"] == "ScoresPublished", published
    results = await ask(client, zikao, OPERATIONS["MyResults"], token, sitting=SITTING)
    assert sorted(
        (r["course"]["code"], r["score"], r["passed"], r["status"])
        for r in results["me"]["results"]
    ) == [("00037", None, False, "ABSENT"), ("03708", 75, True, "NORMAL")]

    again = await upload(client, zikao, staff, lines.encode())
    assert (again.status_code, again.json()["code"]) == (409, "scores_published")
