"""The audit trail through the gateway: an auditor finds a staff member's reveal of an ID number
(identity's own entry, in Beijing time), filtered by candidate; the other services' trails are
either merged or named as unavailable, never an error."""

from __future__ import annotations

import secrets

import httpx
from e2e import RunningSystem, graphql, register_candidate

from zikao_identity.testing import an_id_number
from zikao_kit.auth import Role

REVEAL = """mutation($id: ID!) { revealIdNumber(candidateId: $id, reason: "现场核验") {
  __typename ... on Problem { code } } }"""
TRAIL = """query($candidate: ID!) { auditTrail(candidateId: $candidate, first: 20) {
  unavailable nextCursor entries { service at actor actorName actorRole action reason } } }"""


async def test_an_auditor_reads_a_reveal_in_the_trail(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    number = an_id_number(secrets.randbelow(1000), born="19881208", region="500103")
    candidate = await register_candidate(zikao.database_url, number, region="0103")
    staff = zikao.token("e2e-trail-staff", Role.STAFF, "0103")
    revealed = await graphql(client, zikao.url, REVEAL, {"id": candidate}, staff)
    assert revealed.json()["data"]["revealIdNumber"]["__typename"] == "IdNumberRevealed"

    auditor = zikao.token("e2e-auditor", Role.AUDITOR)
    response = await graphql(client, zikao.url, TRAIL, {"candidate": candidate}, auditor)
    body = response.json()
    assert "errors" not in body, body
    page = body["data"]["auditTrail"]
    assert set(page["unavailable"]) <= {"records", "documents"}
    assert page["entries"][0] == {
        "service": "identity",
        "at": page["entries"][0]["at"],
        "actor": "e2e-trail-staff",
        "actorName": "e2e-trail-staff",  # a minted token: no staff account to name it
        "actorRole": "staff",
        "action": "reveal_id_number",
        "reason": "现场核验",
    }
    assert all(entry["at"].endswith("+08:00") for entry in page["entries"])
    assert number not in response.text

    refused = await graphql(client, zikao.url, TRAIL, {"candidate": candidate}, staff)
    assert refused.json()["errors"][0]["extensions"]["code"] == "forbidden"


CREATE_STAFF = """mutation($i: CreateStaffInput!) { createStaff(input: $i) { __typename
  ... on StaffCreated { staff { id } } ... on Problem { code message } } }"""
CAPTCHA = "mutation { newCaptcha { id } }"
STAFF_LOG_IN = """mutation($u: String!, $p: String!, $c: CaptchaInput!) {
  staffLogIn(username: $u, password: $p, captcha: $c) { __typename
    ... on LoggedIn { accessToken } ... on Problem { code message } } }"""
ADD_VENUE = """mutation($v: VenueInput!) { addVenue(input: $v) { __typename
  ... on VenueSaved { venue { id } } ... on Problem { code message } } }"""
BY_ACTOR = """query($actor: String!, $after: String) {
  auditTrail(actor: $actor, first: 1, after: $after) {
    unavailable nextCursor entries { service actor actorName actorRole action target } } }"""


async def test_one_trail_names_records_actions_with_the_actors_name_and_role(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    """A district's staff member adds two venues (records' actions): the auditor reads them
    through the gateway in identity's one trail, by actor, a page at a time, each with the
    staff member's name and role; no service is missing."""
    admin = zikao.token("e2e-trail-admin", Role.ADMIN)
    username, password = f"trail{secrets.token_hex(3)}", "Trail-staff-2026-e2e"
    staff_input = {
        "username": username,
        "name": "渝中区审计测试员",
        "role": "STAFF",
        "password": password,
        "regionCode": "0103",
    }
    created = await graphql(client, zikao.url, CREATE_STAFF, {"i": staff_input}, admin)
    staff_id = created.json()["data"]["createStaff"]["staff"]["id"]
    captcha = (await graphql(client, zikao.url, CAPTCHA)).json()["data"]["newCaptcha"]["id"]
    logged_in = await graphql(
        client,
        zikao.url,
        STAFF_LOG_IN,
        {"u": username, "p": password, "c": {"id": captcha, "answer": "TEST"}},
    )
    token = logged_in.json()["data"]["staffLogIn"]["accessToken"]
    for n in (1, 2):
        venue = {"name": f"审计考点{secrets.token_hex(3)}{n}", "address": "重庆市渝中区测试路"}
        added = await graphql(
            client, zikao.url, ADD_VENUE, {"v": {**venue, "regionCode": "0103"}}, token
        )
        assert added.json()["data"]["addVenue"]["__typename"] == "VenueSaved", added.text

    auditor = zikao.token("e2e-auditor", Role.AUDITOR)
    pages, after = [], None
    for _ in range(2):
        answer = await graphql(
            client, zikao.url, BY_ACTOR, {"actor": staff_id, "after": after}, auditor
        )
        page = answer.json()["data"]["auditTrail"]
        assert page["unavailable"] == []
        pages.append(page["entries"])
        after = page["nextCursor"]
    assert [len(p) for p in pages] == [1, 1]
    first, second = pages[0][0], pages[1][0]
    assert first != second
    for entry in (first, second):
        assert entry["service"] == "records"
        assert (entry["actor"], entry["actorName"], entry["actorRole"]) == (
            staff_id,
            "渝中区审计测试员",
            "staff",
        )
