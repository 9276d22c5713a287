"""The lists an exam office works from, end to end through the gateway: staff find their
district's candidates by name, ticket or ID number; page through courses and a room's seats
with identity's names; download the room's door list (names from identity with records' own
service token, no ID number); see refunds due; and the province merges a duplicate ticket
number (成绩合并): the results move, identity cancels the duplicate."""

from __future__ import annotations

import csv
import io
import random
import uuid

import httpx
from e2e import RunningSystem, ask, register_candidate

from zikao_devrun.zikao import base_url
from zikao_identity.testing import an_id_number
from zikao_kit.auth import Role
from zikao_kit.db import create_engine, create_sessionmaker
from zikao_records import models
from zikao_records.testing import a_result, a_sitting, a_slot, a_venue, ago, rooms_of, seated

SITTING = "2043-04"  # a sitting no other end-to-end test uses
SEARCH = """query Search($q: String!, $first: Int!, $after: String) {
  searchCandidates(query: $q, first: $first, after: $after) { __typename
  ... on CandidateSearchPage { nextCursor items { id ticketNumber name maskedIdNumber
      mergedIntoId } } ... on Problem { code } } }"""
COURSES = """query Courses($after: String) { courses(first: 20, after: $after) { __typename
  ... on CoursePage { nextCursor items { code name } } ... on Problem { code } } }"""
SEATS = """query Seats($s: String!, $v: ID!) {
  roomSeats(sitting: $s, venueId: $v, room: 1, first: 1) { __typename
  ... on SeatPage { nextCursor items { seat courseCode candidate { ticketNumber name } } }
  ... on Problem { code } } }"""
MERGE = """mutation Merge($kept: ID!, $merged: ID!) {
  mergeCandidates(keptId: $kept, mergedId: $merged, reason: "同一考生重复报名") { __typename
  ... on CandidatesMerged { moved { kind count } repeatedInIdentity } ... on Problem { code } } }"""
RESULTS = """query Results($q: String!, $s: String!) { searchCandidates(query: $q, first: 1) {
  ... on CandidateSearchPage { items { mergedIntoId results(sitting: $s) { score } } } } }"""


async def seat_them(database_url: str, people: list[uuid.UUID]) -> models.Venue:
    """A published sitting; the people seated in room 1 of a 渝中区 venue; a result each."""
    venue, slot = a_venue("0103", f"巴蜀中学{random.randint(1, 10**6)}"), a_slot(SITTING)
    engine = create_engine(database_url, schema="records", pool_size=1)
    try:
        async with create_sessionmaker(engine).begin() as session:
            session.add_all([a_sitting(SITTING, scores=ago(1)), venue])
            await session.flush()
            session.add_all([*rooms_of(venue, 1), slot])
            await session.flush()
            session.add_all(seated(slot, venue, "03708", people))
            session.add_all([a_result(p, "03706", sitting=SITTING, score=70 + i)
                             for i, p in enumerate(people)])  # fmt: skip
    finally:
        await engine.dispose()
    return venue


async def test_an_exam_office_works_from_its_lists(
    zikao: RunningSystem, client: httpx.AsyncClient
) -> None:
    born = f"19{random.randint(60, 99)}0{random.randint(1, 9)}1{random.randint(0, 9)}"
    numbers = [an_id_number(random.randint(1, 999), born=born, region="500103") for _ in range(2)]
    people = [uuid.UUID(await register_candidate(zikao.database_url, n)) for n in numbers]
    district = zikao.token("staff-0103", Role.STAFF, region="0103")
    elsewhere = zikao.token("staff-0105", Role.STAFF, region="0105")
    province = zikao.token("staff-province", Role.STAFF)

    found = (await ask(client, zikao, SEARCH, district, q=numbers[0], first=5))["searchCandidates"]
    [first] = found["items"]
    assert first["id"] == str(people[0])
    assert first["maskedIdNumber"] == numbers[0][:4] + "*" * 10 + numbers[0][-4:]
    by_ticket = await ask(client, zikao, SEARCH, district, q=first["ticketNumber"], first=5)
    assert [i["id"] for i in by_ticket["searchCandidates"]["items"]] == [str(people[0])]
    hidden = await ask(client, zikao, SEARCH, elsewhere, q=numbers[0], first=5)
    assert hidden["searchCandidates"]["items"] == []

    page = (await ask(client, zikao, COURSES, district))["courses"]
    assert len(page["items"]) == 20
    assert page["nextCursor"] is not None

    venue = await seat_them(zikao.database_url, people)
    seats = (await ask(client, zikao, SEATS, district, s=SITTING, v=str(venue.id)))["roomSeats"]
    assert seats["items"][0]["candidate"]["name"] == "陈端到端"
    assert seats["items"][0]["candidate"]["ticketNumber"] == first["ticketNumber"]
    assert seats["nextCursor"] is not None

    door = await client.get(
        f"{base_url(zikao.ports.records)}/exports/door-list.csv",
        params={"sitting": SITTING, "venue": str(venue.id), "room": "1"},
        headers={"authorization": f"Bearer {district}"},
    )
    assert door.status_code == 200, door.text
    header, *rows = list(csv.reader(io.StringIO(door.content.decode("utf-8-sig"))))
    assert [r[5:8] for r in rows] == [["1", first["ticketNumber"], "陈端到端"],
                                     ["2", rows[1][6], "陈端到端"]]  # fmt: skip
    assert "身份证号" not in header
    assert all(n not in door.text for n in numbers)

    refused = await ask(client, zikao, MERGE, district, kept=str(people[0]), merged=str(people[1]))
    assert refused["mergeCandidates"]["__typename"] == "Forbidden"
    merged = await ask(client, zikao, MERGE, province, kept=str(people[0]), merged=str(people[1]))
    assert merged["mergeCandidates"]["__typename"] == "CandidatesMerged", merged
    moved = {m["kind"]: m["count"] for m in merged["mergeCandidates"]["moved"]}
    assert (moved["exam_result"], moved["exam_registration"]) == (1, 1)
    for number, scores, into in ((numbers[0], [71], None), (numbers[1], [], str(people[0]))):
        found = await ask(client, zikao, RESULTS, province, q=number, s=SITTING)
        [item] = found["searchCandidates"]["items"]
        assert [r["score"] for r in item["results"]] == scores  # the better 03706 stays
        assert item["mergedIntoId"] == into
