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
