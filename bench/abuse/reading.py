"""One candidate reading another's results, documents, reviews, seats or payments by id,
through every public path: the gateway's fields that take a number or an id, the document of
the contract's `Document(id)`, and documents' download route (token or signed link).
`_entities` is not among them: the gateway's API schema has no such field."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .case import Case, check, codes, data, problem, refusal, short
from .target import Target
from .victims import Candidate, candidate, document, signed_up

BY_TICKET = """query Read($t: String!, $s: String!) { candidateByTicketNumber(ticketNumber: $t) {
  name results(sitting: $s) { score passed } exams(sitting: $s) { paid feeYuan seat { seat } }
  scoreReviews { id status } documents { id downloadUrl } passedCourses { score } } }"""
DOCUMENT = """query Document($id: ID!) {
  document(id: $id) { id kind status readyAt downloadUrl sha256 } }"""
MY_DOCUMENTS = "query MyDocuments { me { documents { id downloadUrl } } }"
ENTITIES = """query Read($r: [_Any!]!) { _entities(representations: $r) {
  ... on Candidate { results(sitting: "2041-04") { score } documents { id } } } }"""
STAFF_FIELDS = {
    "roomSeats": """query Seats($s: String!, $v: ID!) { roomSeats(sitting: $s, venueId: $v,
      room: 1) { __typename ... on SeatPage { items { seat candidate { id } } }
      ... on Problem { code } } }""",
    "refundsDue": """query Refunds { refundsDue { __typename
      ... on RefundPage { items { amountYuan candidate { id } } } ... on Problem { code } } }""",
    "searchCandidates": """query Search($q: String!) { searchCandidates(query: $q) { __typename
      ... on CandidateSearchPage { items { ticketNumber } } ... on Problem { code } } }""",
}


async def pair(target: Target) -> tuple[Candidate, Candidate]:
    """The victim (signed up, with a rendered document) and the attacker, both of 渝中区."""
    victim = await candidate(target, "reading-victim")
    attacker = await candidate(target, "reading-attacker")
    return victim, attacker


async def by_ticket_number(target: Target) -> str:
    victim, attacker = await pair(target)
    held, _ = await signed_up(target, victim)
    variables = {"t": victim.ticket_number, "s": held.code}
    response = await target.post(BY_TICKET, variables, token=attacker.token)
    check(victim.ticket_number not in response.text, f"the victim's data: {short(response)}")
    check(not (data(response) or {}).get("candidateByTicketNumber"), short(response))
    return refusal(response, 200, "forbidden")


async def document_by_id(target: Target) -> str:
    victim, attacker = await pair(target)
    document_id = await document(target, victim)
    response = await target.post(DOCUMENT, {"id": document_id}, token=attacker.token)
    check((data(response) or {}).get("document") is None, f"got it: {short(response)}")
    check("downloadUrl" not in response.text.replace('"downloadUrl"', ""), short(response))
    found = codes(response)
    return f"{response.status_code} document null" + (f", {','.join(found)}" if found else "")


async def download_with_own_token(target: Target) -> str:
    victim, attacker = await pair(target)
    document_id = await document(target, victim)
    url = f"{target.service('documents')}/documents/{document_id}/download"
    response = await target.client.get(url, headers={"authorization": f"Bearer {attacker.token}"})
    check(not response.content.startswith(b"%PDF"), "the PDF")
    return refusal(response, 403, "forbidden")


async def download_anonymously(target: Target) -> str:
    victim, _ = await pair(target)
    document_id = await document(target, victim)
    response = await target.client.get(
        f"{target.service('documents')}/documents/{document_id}/download"
    )
    check(not response.content.startswith(b"%PDF"), "the PDF")
    return refusal(response, 401, "unauthenticated")


async def _own_link(target: Target, who: Candidate) -> str:
    await document(target, who)
    body = (await target.post(MY_DOCUMENTS, token=who.token)).json()
    links = [d["downloadUrl"] for d in body["data"]["me"]["documents"] if d["downloadUrl"]]
    check(bool(links), "setup: no download link of one's own")
    link: str = links[0]
    return link


def _moved(link: str, **changes: str) -> tuple[str, dict[str, Any]]:
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    path = parts.path
    if "document" in changes:
        path = f"/documents/{changes['document']}/download"
    query.update({k: v for k, v in changes.items() if k != "document"})
    return path, query


async def signed_link_moved_to_another_document(target: Target) -> str:
    """The attacker's own signed link (no token needed), its document id swapped."""
    victim, attacker = await pair(target)
    victims = await document(target, victim)
    path, query = _moved(await _own_link(target, attacker), document=victims)
    response = await target.client.get(f"{target.service('documents')}{path}?{urlencode(query)}")
    check(not response.content.startswith(b"%PDF"), "the victim's PDF")
    return refusal(response, 403, "forbidden")


async def signed_link_extended(target: Target) -> str:
    _, attacker = await pair(target)
    path, query = _moved(await _own_link(target, attacker), expires="4102444800")
    response = await target.client.get(f"{target.service('documents')}{path}?{urlencode(query)}")
    check(not response.content.startswith(b"%PDF"), "the PDF past its expiry")
    return refusal(response, 403, "forbidden")


async def entities_through_the_gateway(target: Target) -> str:
    victim, attacker = await pair(target)
    representation = {"__typename": "Candidate", "id": victim.id}
    response = await target.post(ENTITIES, {"r": [representation]}, token=attacker.token)
    check(not data(response), f"data: {short(response)}")
    return refusal(response, 400, "GRAPHQL_VALIDATION_FAILED")


async def _staff_field(target: Target, name: str, variables: dict[str, Any]) -> str:
    _, attacker = await pair(target)
    response = await target.post(STAFF_FIELDS[name], variables, token=attacker.token)
    return problem(response, name, "Forbidden", "forbidden")


async def seats_of_a_room(target: Target) -> str:
    victim, _ = await pair(target)
    held, _ = await signed_up(target, victim)
    venue = next(iter(held.venues.values()))
    return await _staff_field(target, "roomSeats", {"s": held.code, "v": venue})


async def payments_due(target: Target) -> str:
    return await _staff_field(target, "refundsDue", {})


async def search_by_id_number(target: Target) -> str:
    victim, _ = await pair(target)
    return await _staff_field(target, "searchCandidates", {"q": victim.id_number})


async def audit_trail(target: Target) -> str:
    victim, attacker = await pair(target)
    query = """query Trail($c: ID!) { auditTrail(candidateId: $c) { entries { action } } }"""
    response = await target.post(query, {"c": victim.id}, token=attacker.token)
    check(not data(response), f"data: {short(response)}")
    return refusal(response, 200, "forbidden")


async def reveal_id_number(target: Target) -> str:
    """Staff's revealIdNumber (the full number, audited), asked by a candidate."""
    victim, attacker = await pair(target)
    query = """mutation Reveal($c: ID!) { revealIdNumber(candidateId: $c, reason: "核对") {
      __typename ... on Problem { code } } }"""
    response = await target.post(query, {"c": victim.id}, token=attacker.token)
    check(victim.id_number not in response.text, "the ID number")
    return problem(response, "revealIdNumber", "Forbidden", "forbidden")


CASES = [
    Case("reading", "another's record by ticket number", by_ticket_number),
    Case("reading", "another's Document(id)", document_by_id),
    Case("reading", "another's download, own token", download_with_own_token),
    Case("reading", "another's download, no token", download_anonymously),
    Case("reading", "own signed link, another document", signed_link_moved_to_another_document),
    Case("reading", "own signed link, expiry moved", signed_link_extended),
    Case("reading", "_entities through the gateway", entities_through_the_gateway),
    Case("reading", "a room's seats", seats_of_a_room),
    Case("reading", "refunds due (payments)", payments_due),
    Case("reading", "search by ID number", search_by_id_number),
    Case("reading", "another's audit trail", audit_trail),
    Case("reading", "another's ID number revealed", reveal_id_number),
]
