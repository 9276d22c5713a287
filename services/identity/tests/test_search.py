"""Staff's candidate search: by name, ticket number or ID number, paged, district-scoped."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from zikao_identity.service import search
from zikao_identity.testing import Gql, MakeCandidate, an_id_number
from zikao_kit.auth import Principal, Role
from zikao_kit.errors import InvalidInputError

PROVINCIAL = Principal("staff-p", Role.STAFF)
SHAPINGBA = Principal("staff-1", Role.STAFF, region_code="0106")
YUZHONG = Principal("staff-2", Role.STAFF, region_code="0103")
CANDIDATE = Principal("c-1", Role.CANDIDATE)

SEARCH = """query($q: String!, $first: Int!, $after: String) {
  searchCandidates(query: $q, first: $first, after: $after) { __typename
  ... on CandidateSearchPage { nextCursor items { ticketNumber name maskedIdNumber
      region { code } mergedIntoId cancelledAt } }
  ... on InvalidInput { field code } ... on Problem { code } } }"""


async def find(
    gql: Gql, principal: Principal, query: str, first: int = 20, after: str | None = None
) -> Any:
    data = await gql(SEARCH, {"q": query, "first": first, "after": after}, principal)
    return data["searchCandidates"]


async def test_a_name_prefix_pages_through_the_region_by_ticket_number(
    gql: Gql, make_candidate: MakeCandidate
) -> None:
    made = [await make_candidate(an_id_number(i), name=f"张{'三四五'[i % 3]}") for i in range(7)]
    await make_candidate(an_id_number(50, region="500103"), name="张三", region_code="0103")
    await make_candidate(an_id_number(51), name="李张")  # 张 not at the start
    tickets, after = [], None
    while True:
        page = await find(gql, SHAPINGBA, "张", first=3, after=after)
        assert len(page["items"]) <= 3
        tickets += [item["ticketNumber"] for item in page["items"]]
        after = page["nextCursor"]
        if after is None:
            break
    assert tickets == sorted(c.ticket_number for c in made)
    province = await find(gql, PROVINCIAL, "张三", first=100)
    assert {item["region"]["code"] for item in province["items"]} == {"0103", "0106"}
    assert all(item["name"] == "张三" for item in province["items"])


async def test_ticket_and_id_numbers_find_one_record_masked(
    gql: Gql, make_candidate: MakeCandidate
) -> None:
    number = an_id_number(7)
    made = await make_candidate(number, name="赵六")
    wide = "".join(chr(ord(d) + 0xFEE0) for d in made.ticket_number)  # full-width digits
    for query in (made.ticket_number, wide, number, number.lower()):
        [item] = (await find(gql, SHAPINGBA, query))["items"]
        assert item["ticketNumber"] == made.ticket_number
        assert item["maskedIdNumber"] == number[:4] + "*" * 10 + number[-4:]
        assert item["mergedIntoId"] is None
    assert (await find(gql, SHAPINGBA, an_id_number(8)))["items"] == []


async def test_district_staff_never_find_another_region(
    gql: Gql, make_candidate: MakeCandidate
) -> None:
    made = await make_candidate(an_id_number(9), name="孙七")
    for query in ("孙七", made.ticket_number, an_id_number(9)):
        assert (await find(gql, YUZHONG, query))["items"] == []
        assert len((await find(gql, SHAPINGBA, query))["items"]) == 1
    assert (await find(gql, CANDIDATE, "孙七"))["__typename"] == "Forbidden"


async def test_bad_input_is_a_typed_problem(gql: Gql) -> None:
    refusals = [
        ("12345", 20, None, "query"),
        ("张\u200b三", 20, None, "query"),
        ("", 20, None, "query"),
        ("张", 0, None, "first"),
        ("张", 101, None, "first"),
        ("张", 20, "not a cursor", "after"),
        ("张", 20, "dDEyMw==", "after"),
    ]
    for query, first, after, field in refusals:
        page = await find(gql, SHAPINGBA, query, first, after)
        assert (page["__typename"], page["field"]) == ("InvalidInput", field), (query, page)


@given(st.text(max_size=60))
def test_any_cursor_is_read_or_refused(cursor: str) -> None:
    try:
        ticket = search.decode_cursor(cursor)
    except InvalidInputError:
        return
    assert ticket is not None
    assert search.encode_cursor(ticket) == cursor


@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_cursors_round_trip(ticket: str) -> None:
    assert search.decode_cursor(search.encode_cursor(ticket)) == ticket
