"""One rule for who reads a candidate's data, through the gateway: staff of 渝中区 read their
district's candidate (profile, exams with seats and payment, results, passes, documents) and get
`forbidden` for a candidate of 万州区; province-wide roles read both. Each service applies the
same rule on its own (tests/security/test_records_access.py and test_documents_access.py ask
records and documents directly, as the gateway would)."""

from __future__ import annotations

import random
import uuid
from typing import Any

import httpx
import pytest
from e2e import RunningSystem, graphql, register_candidate

from zikao_identity.testing import an_id_number
from zikao_kit.auth import Role

YUZHONG, WANZHOU = "0103", "0101"
ME = "{ me { id ticketNumber } }"
CHOOSE = """mutation { chooseMajor(majorCode: "050101") { __typename } }"""
STAFF_READ = """query Read($t: String!) { candidateByTicketNumber(ticketNumber: $t) {
  name maskedIdNumber region { code }
  major { code }
  exams(sitting: "2041-04") { paid feeYuan seat { room seat } }
  results(sitting: "2041-04") { passed score }
  passedCourses { course { code } }
  scoreReviews { id }
  documents { id kind status }
} }"""


async def a_candidate(client: httpx.AsyncClient, zikao: RunningSystem, region: str) -> str:
    """A registered candidate of `region` who chose a major (so records knows the district);
    their ticket number."""
    number = an_id_number(random.randrange(1000), region=f"50{region}")
    candidate = await register_candidate(zikao.database_url, number, region=region)
    token = zikao.token(candidate, Role.CANDIDATE, region)
    chosen = await graphql(client, zikao.url, CHOOSE, token=token)
    assert chosen.json()["data"]["chooseMajor"]["__typename"] == "MajorChosen", chosen.text
    me = await graphql(client, zikao.url, ME, token=token)
    ticket: str = me.json()["data"]["me"]["ticketNumber"]
    assert ticket.startswith(region)
    return ticket


async def staff_read(
    client: httpx.AsyncClient, zikao: RunningSystem, ticket: str, role: Role, region: str | None
) -> dict[str, Any]:
    token = zikao.token(f"{role.value}-{uuid.uuid4().hex[:8]}", role, region)
    response = await graphql(client, zikao.url, STAFF_READ, {"t": ticket}, token)
    assert response.status_code in (200, 400), response.text
    body: dict[str, Any] = response.json()
    return body


async def test_district_staff_read_their_own_districts_candidate(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    ticket = await a_candidate(client, zikao, YUZHONG)
    body = await staff_read(client, zikao, ticket, Role.STAFF, YUZHONG)
    assert "errors" not in body, body
    candidate = body["data"]["candidateByTicketNumber"]
    assert candidate["region"] == {"code": YUZHONG}
    assert candidate["major"] == {"code": "050101"}
    assert candidate["exams"] == candidate["results"] == candidate["documents"] == []


async def test_district_staff_are_forbidden_another_districts_candidate(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    ticket = await a_candidate(client, zikao, WANZHOU)
    body = await staff_read(client, zikao, ticket, Role.STAFF, YUZHONG)
    assert (body.get("data") or {}).get("candidateByTicketNumber") is None
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"forbidden"}, body
    # nothing of the candidate in the answer, whatever was asked
    answer = str(body)
    assert "陈端到端" not in answer
    assert ticket not in answer


async def test_a_ticket_number_of_another_district_is_forbidden_whether_or_not_it_exists(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    """The first four digits of a ticket number name its district: staff of another district
    learn nothing from asking, not even whether the number was ever issued."""
    body = await staff_read(client, zikao, f"{WANZHOU}26199999", Role.STAFF, YUZHONG)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"forbidden"}


@pytest.mark.parametrize(("role", "region"), [(Role.STAFF, None), (Role.ADMIN, None)])
async def test_province_wide_roles_read_every_district(
    zikao: RunningSystem, client: httpx.AsyncClient, role: Role, region: str | None
) -> None:
    for district in (YUZHONG, WANZHOU):
        ticket = await a_candidate(client, zikao, district)
        body = await staff_read(client, zikao, ticket, role, region)
        assert "errors" not in body, body
        assert body["data"]["candidateByTicketNumber"]["region"] == {"code": district}


async def test_auditors_and_other_candidates_read_no_candidate(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    ticket = await a_candidate(client, zikao, YUZHONG)
    auditor = await staff_read(client, zikao, ticket, Role.AUDITOR, None)
    candidate = await staff_read(client, zikao, ticket, Role.CANDIDATE, YUZHONG)
    for body in (auditor, candidate):
        assert (body.get("data") or {}).get("candidateByTicketNumber") is None
        assert {e["extensions"]["code"] for e in body["errors"]} == {"forbidden"}
