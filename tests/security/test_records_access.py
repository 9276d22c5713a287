"""Records end to end, who reads what: a district's staff read their own district's candidates
and no other, province-wide roles read everyone; the audit trail answers internal callers only.
The candidates' regions come from the tokens they used (as log-in issues them)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from e2e import RunningSystem, graphql

from zikao_kit.auth import Role

WANZHOU, YUZHONG = "0101", "0103"
CHOOSE = """mutation Choose($m: String!) { chooseMajor(majorCode: $m) { __typename
  ... on Problem { code } } }"""
ENTITIES = """query Read($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate {
  major { code } passedCourses { sitting } scoreReviews { id } graduationAudit { eligible }
  exams(sitting: "2041-04") { paid } results(sitting: "2041-04") { passed } } } }"""
SITTING = {
    "code": "2041-04",
    "name": "2041年4月",
    "registrationOpensAt": "2041-01-05T09:00:00+08:00",
    "registrationClosesAt": "2041-01-20T17:00:00+08:00",
    "ticketPrintingOpensAt": "2041-04-05T09:00:00+08:00",
}
SAVE_SITTING = """mutation Save($i: SittingInput!) { saveSitting(input: $i) { __typename
  ... on Problem { code } } }"""
PAY = """mutation Pay($i: ManualPaymentInput!) { recordPayment(input: $i) { __typename
  ... on Problem { code } } }"""


async def a_candidate_of(client: httpx.AsyncClient, zikao: RunningSystem, region: str) -> str:
    """A candidate whose token named `region` when they chose their major through the gateway."""
    candidate = str(uuid.uuid4())
    token = zikao.token(candidate, Role.CANDIDATE, region)
    chosen = await graphql(client, zikao.url, CHOOSE, {"m": "050101"}, token)
    assert chosen.json()["data"]["chooseMajor"]["__typename"] == "MajorChosen", chosen.text
    return candidate


async def read(
    client: httpx.AsyncClient, zikao: RunningSystem, candidate: str, token: str
) -> dict[str, Any]:
    """The candidate's records fields, asked of the records process as the gateway asks it."""
    url = f"http://127.0.0.1:{zikao.ports.records}/graphql"
    variables = {"r": [{"__typename": "Candidate", "id": candidate}]}
    response = await graphql(client, url, ENTITIES, variables, token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> set[str]:
    return {e["extensions"]["code"] for e in body.get("errors", [])}


async def test_district_staff_read_their_district_and_province_wide_roles_read_all(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    wanzhou = await a_candidate_of(client, zikao, WANZHOU)
    yuzhong = await a_candidate_of(client, zikao, YUZHONG)
    yuzhong_staff = zikao.token("staff-e2e-0103", Role.STAFF, YUZHONG)
    refused = await read(client, zikao, wanzhou, yuzhong_staff)
    assert refused["data"]["_entities"] == [None]
    assert codes(refused) == {"forbidden"}
    own = await read(client, zikao, yuzhong, yuzhong_staff)
    assert "errors" not in own, own
    assert own["data"]["_entities"][0]["major"] == {"code": "050101"}
    for who in (
        zikao.token("staff-e2e-province", Role.STAFF),
        zikao.token("admin-e2e", Role.ADMIN),
        zikao.token("documents", Role.SERVICE),
    ):
        for candidate in (wanzhou, yuzhong):
            body = await read(client, zikao, candidate, who)
            assert "errors" not in body, body
    other = await read(client, zikao, wanzhou, zikao.token(yuzhong, Role.CANDIDATE, YUZHONG))
    assert codes(other) == {"forbidden"}


async def test_manual_payments_keep_to_the_district_and_the_trail_serves_internal_callers(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    admin = zikao.token("admin-e2e", Role.ADMIN)
    saved = await graphql(client, zikao.url, SAVE_SITTING, {"i": SITTING}, admin)
    assert saved.json()["data"]["saveSitting"]["__typename"] == "SittingSaved", saved.text
    wanzhou = await a_candidate_of(client, zikao, WANZHOU)
    payment = {
        "candidateId": wanzhou,
        "sitting": SITTING["code"],
        "courseCodes": ["03708"],
        "amountYuan": 40,
        "reference": f"E2E-{uuid.uuid4().hex[:8]}",
    }
    yuzhong_staff = zikao.token("staff-e2e-0103", Role.STAFF, YUZHONG)
    refused = await graphql(client, zikao.url, PAY, {"i": payment}, yuzhong_staff)
    assert refused.json()["data"]["recordPayment"] == {
        "__typename": "Forbidden",
        "code": "forbidden",
    }
    wanzhou_staff = zikao.token("staff-e2e-0101", Role.STAFF, WANZHOU)
    recorded = await graphql(client, zikao.url, PAY, {"i": payment}, wanzhou_staff)
    assert recorded.json()["data"]["recordPayment"]["__typename"] == "PaymentRecorded"

    url = f"http://127.0.0.1:{zikao.ports.records}/internal/audit"
    service = {"authorization": f"Bearer {zikao.token('identity', Role.SERVICE)}"}
    trail = await client.post(url, json={"candidate_id": wanzhou}, headers=service)
    assert trail.status_code == 200, trail.text
    [entry] = trail.json()["entries"]
    assert (entry["service"], entry["action"], entry["actor"]) == (
        "records",
        "payment.recorded",
        "staff-e2e-0101",
    )
    saved_sittings = await client.post(
        url, json={"action": "sitting.saved", "actor": "admin-e2e"}, headers=service
    )
    assert {e["target"] for e in saved_sittings.json()["entries"]} >= {"sitting:2041-04"}
    for role in (Role.STAFF, Role.ADMIN, Role.AUDITOR, Role.CANDIDATE):
        staff = {"authorization": f"Bearer {zikao.token(str(uuid.uuid4()), role)}"}
        forbidden = await client.post(url, json={}, headers=staff)
        assert (forbidden.status_code, forbidden.json()) == (403, {"error": "forbidden"})
    anonymous = await client.post(url, json={})
    assert anonymous.status_code == 401
