"""District staff (渝中区) reaching another region's (万州区) candidates, lists and exports:
by ticket number, by search, a document by id or download, records' seat and door list
exports (CSV, XLSX), documents' room lists, and the lists of the graph."""

from __future__ import annotations

import base64
from typing import Any

from zikao_documents.testing import tiny_png
from zikao_kit.auth import Role

from .case import Case, check, codes, data, problem, refusal, short
from .payments import record_payment
from .target import Target
from .victims import NAME, WANZHOU, YUZHONG, Candidate, candidate, document, sitting

BY_TICKET = """query Read($t: String!) { candidateByTicketNumber(ticketNumber: $t) {
  name maskedIdNumber documents { id } } }"""
SEARCH = """query Search($q: String!) { searchCandidates(query: $q) { __typename
  ... on CandidateSearchPage { items { name ticketNumber } } ... on Problem { code } } }"""
DOCUMENT = "query Document($id: ID!) { document(id: $id) { id downloadUrl sha256 } }"
LISTS = {
    "roomSeats": """query Seats($s: String!, $v: ID!) { roomSeats(sitting: $s, venueId: $v,
      room: 1) { __typename ... on Problem { code } } }""",
    "signupCounts": """query Counts($s: String!, $v: ID!) { signupCounts(sitting: $s,
      venueId: $v) { __typename ... on Problem { code } } }""",
    "graduationApplications": """query Graduation { graduationApplications(regionCode: "0101")
      { __typename ... on Problem { code } } }""",
}


def staff(target: Target) -> str:
    return target.token("staff-abuse-yuzhong", Role.STAFF, YUZHONG)


async def wanzhou(target: Target) -> Candidate:
    return await candidate(target, "districts-wanzhou", WANZHOU)


async def payment_for_another_district(target: Target) -> str:
    """Staff record a manual payment for another district's candidate: refused, none kept."""
    victim = await wanzhou(target)
    return await record_payment(target, victim, staff(target), "forbidden")


REVEAL = """mutation Reveal($c: ID!) { revealIdNumber(candidateId: $c, reason: "核对") {
  __typename ... on Problem { code } } }"""
PHOTO = """mutation Photo($c: ID!, $p: String!) { uploadCandidatePhoto(candidateId: $c,
  contentBase64: $p) { __typename ... on Problem { code } } }"""
REISSUE = """mutation Reissue($c: ID!) { reissueTicket(candidateId: $c, reason: "遗失") {
  __typename ... on Problem { code } } }"""


async def reveal_id_number(target: Target) -> str:
    victim = await wanzhou(target)
    response = await target.post(REVEAL, {"c": victim.id}, token=staff(target))
    check(victim.id_number not in response.text, "the ID number")
    # identity answers as for a candidate that does not exist: nothing learnt about them
    return problem(response, "revealIdNumber", "NotFound", "not_found")


async def upload_photo(target: Target) -> str:
    victim = await wanzhou(target)
    photo = base64.b64encode(tiny_png(300, 400)).decode()  # within identity's sizes
    before = await target.rows("identity.candidate_photo")
    response = await target.post(PHOTO, {"c": victim.id, "p": photo}, token=staff(target))
    check(await target.rows("identity.candidate_photo") == before, "a photo was kept")
    return problem(response, "uploadCandidatePhoto", "NotFound", "not_found")


async def reissue_ticket(target: Target) -> str:
    victim = await wanzhou(target)
    response = await target.post(REISSUE, {"c": victim.id}, token=staff(target))
    me = (await target.post("query Me { me { ticketNumber } }", token=victim.token)).json()
    check(me["data"]["me"]["ticketNumber"] == victim.ticket_number, "the ticket was reissued")
    return problem(response, "reissueTicket", "NotFound", "not_found")


async def by_ticket_number(target: Target) -> str:
    victim = await wanzhou(target)
    response = await target.post(BY_TICKET, {"t": victim.ticket_number}, token=staff(target))
    check(not (data(response) or {}).get("candidateByTicketNumber"), short(response))
    return refusal(response, 200, "forbidden")


async def search(target: Target) -> str:
    """By ticket number, ID number and name: only 渝中区's candidates come back (one of them
    is, so the search works)."""
    victim, own = await wanzhou(target), await candidate(target, "districts-yuzhong")
    found: list[str] = []
    for query in (victim.ticket_number, victim.id_number, NAME):
        response = await target.post(SEARCH, {"q": query}, token=staff(target))
        check(victim.ticket_number not in response.text, f"found: {short(response)}")
        answer = (data(response) or {}).get("searchCandidates") or {}
        check(answer.get("__typename") == "CandidateSearchPage", short(response))
        found += [c["ticketNumber"] for c in answer["items"]]
    others = [t for t in found if not t.startswith(YUZHONG)]
    check(not others, f"{len(others)} of another district")
    check(own.ticket_number in found, "the search found nobody, not even 渝中区's candidate")
    return f"200 CandidateSearchPage: {len(found)} found, all of 渝中区"


async def search_by_birthplace(target: Target) -> str:
    """A candidate of 万州区 whose ID number was issued in 渝中区: 渝中区's staff searching by
    that number find nobody (the candidate's district decides, not the number's digits)."""
    victim = await candidate(target, "districts-born-yuzhong", WANZHOU, born_in=YUZHONG)
    response = await target.post(SEARCH, {"q": victim.id_number}, token=staff(target))
    answer = (data(response) or {}).get("searchCandidates") or {}
    check(answer.get("__typename") == "CandidateSearchPage", short(response))
    check(not answer["items"], f"found {len(answer['items'])}")
    province = target.token("staff-abuse-province", Role.STAFF)
    control = await target.post(SEARCH, {"q": victim.id_number}, token=province)
    check(victim.ticket_number in control.text, "control: provincial staff find nobody either")
    return "200 CandidateSearchPage: nobody (provincial staff find them)"


async def document_by_id(target: Target) -> str:
    victim = await wanzhou(target)
    document_id = await document(target, victim)
    response = await target.post(DOCUMENT, {"id": document_id}, token=staff(target))
    check((data(response) or {}).get("document") is None, f"got it: {short(response)}")
    return f"{response.status_code} document null {','.join(codes(response))}".rstrip()


async def download(target: Target) -> str:
    victim = await wanzhou(target)
    document_id = await document(target, victim)
    url = f"{target.service('documents')}/documents/{document_id}/download"
    response = await target.client.get(url, headers={"authorization": f"Bearer {staff(target)}"})
    check(not response.content.startswith(b"%PDF"), "the PDF")
    return refusal(response, 403, "forbidden")


async def _export(target: Target, path: str, params: dict[str, Any]) -> str:
    response = await target.client.get(
        f"{target.service('records')}{path}",
        params=params,
        headers={"authorization": f"Bearer {staff(target)}"},
    )
    check(response.status_code != 200, f"200, {len(response.content)} bytes")
    return refusal(response, 403, "out_of_region")


async def _venue(target: Target) -> tuple[str, str]:
    held = await sitting(target)
    return held.code, held.venues[WANZHOU]


async def seat_list_csv(target: Target) -> str:
    sitting, venue = await _venue(target)
    return await _export(target, "/exports/seat-list.csv", {"sitting": sitting, "venue": venue})


async def door_list_xlsx(target: Target) -> str:
    sitting, venue = await _venue(target)
    return await _export(target, "/exports/door-list.xlsx", {"sitting": sitting, "venue": venue})


async def room_list_pdf(target: Target) -> str:
    sitting, venue = await _venue(target)
    url = f"{target.service('documents')}/sittings/{sitting}/venues/{venue}/rooms/1/seat-list.pdf"
    response = await target.client.get(url, headers={"authorization": f"Bearer {staff(target)}"})
    check(not response.content.startswith(b"%PDF"), "the PDF")
    # another district's venue is one the caller cannot know of: not found, as an unknown one
    return refusal(response, 404, "not_found")


async def _list(target: Target, name: str) -> str:
    sitting, venue = await _venue(target)
    response = await target.post(LISTS[name], {"s": sitting, "v": venue}, token=staff(target))
    return problem(response, name, "Forbidden", "out_of_region")


async def room_seats(target: Target) -> str:
    return await _list(target, "roomSeats")


async def signup_counts(target: Target) -> str:
    return await _list(target, "signupCounts")


async def graduation_applications(target: Target) -> str:
    return await _list(target, "graduationApplications")


CASES = [
    Case("districts", "another district's candidate by ticket", by_ticket_number),
    Case("districts", "another district's candidate by search", search),
    Case("districts", "another district's candidate born here", search_by_birthplace),
    Case("districts", "a payment for another district's candidate", payment_for_another_district),
    Case("districts", "another district's ID number revealed", reveal_id_number),
    Case("districts", "another district's photo replaced", upload_photo),
    Case("districts", "another district's ticket reissued", reissue_ticket),
    Case("districts", "another district's Document(id)", document_by_id),
    Case("districts", "another district's download", download),
    Case("districts", "another district's seat list CSV export", seat_list_csv),
    Case("districts", "another district's door list XLSX export", door_list_xlsx),
    Case("districts", "another district's room list PDF", room_list_pdf),
    Case("districts", "another district's room seats", room_seats),
    Case("districts", "another district's sign-up counts", signup_counts),
    Case("districts", "another district's graduation applications", graduation_applications),
]
