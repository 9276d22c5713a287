"""What a document shows, read from identity and records through their subgraphs (`graph.py`)
and turned into typed facts at this JSON boundary. Candidates are read in batches of
`BATCH`: one `_entities` call per subgraph per batch."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from zikao_documents.graph import GraphClient, UpstreamError
from zikao_kit.errors import ForbiddenError, NotFoundError

BATCH = 100
PERSON = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate {
  id name ticketNumber maskedIdNumber region { code } photo { mediaType contentBase64 } } } }"""
SITTINGS = """query { sittings { code name ticketPrintingOpensAt seatsPublishedAt
  examSlots { startsAt endsAt } } }"""
EXAMS = """query($r: [_Any!]!, $s: String!) { _entities(representations: $r) {
  ... on Candidate { id major { code name level }
    exams(sitting: $s) { course { code name } slot { startsAt endsAt } paid
    seat { venue { name address } room seat } } } } }"""
VENUES = """query($r: String) { venues(regionCode: $r) { id name address
  rooms { number } } }"""
LIST_SEATS = """query($s: String!, $v: ID!, $room: Int!, $after: String) {
  roomSeats(sitting: $s, venueId: $v, room: $room, first: 200, after: $after) { __typename
    ... on SeatPage { items { candidate { id } courseCode courseName startsAt endsAt seat }
      nextCursor }
    ... on Problem { code } } }"""
APPLICATION = """query($id: ID!) { certificateApplication(id: $id) { id candidateId sitting
  course { code name credits } score grade status readyOn } }"""
NAMES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Candidate { id name ticketNumber } } }"""
ROOM_SEATS = """query($s: String!, $v: ID!, $room: Int!, $after: String) {
  roomSeats(sitting: $s, venueId: $v, room: $room, first: 200, after: $after) { __typename
    ... on SeatPage { items { candidate { id } startsAt room } nextCursor }
    ... on Problem { code } } }"""
ROOMS_AT_ONCE = 8
PASSES = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Candidate {
  id major { code name level }
  passedCourses { course { code name credits } score grade source sitting } } } }"""


@dataclass(frozen=True)
class Person:
    """Who a document is about, as identity shows them to a service: the ID number masked."""

    id: uuid.UUID
    name: str
    ticket_number: str
    masked_id_number: str
    region_code: str
    photo_media_type: str | None
    photo_base64: str | None


@dataclass(frozen=True)
class SittingFacts:
    code: str
    name: str
    ticket_printing_opens_at: datetime
    seats_published_at: datetime | None
    exams_end_at: datetime | None  # the end of the sitting's last exam slot


@dataclass(frozen=True)
class Seat:
    venue_name: str
    venue_address: str
    room: int
    seat: int


@dataclass(frozen=True)
class Exam:
    course_code: str
    course_name: str
    starts_at: datetime
    ends_at: datetime
    paid: bool
    seat: Seat | None


@dataclass(frozen=True)
class Passed:
    course_code: str
    course_name: str
    credits: int | None
    score: int | None
    grade: str | None
    source: str
    sitting: str | None


@dataclass(frozen=True)
class Record:
    """A candidate's major and passed courses, as records shows them."""

    major: tuple[str, str, str] | None  # code, name, level
    passed: tuple[Passed, ...]


@dataclass(frozen=True)
class Seated:
    """One seat of the roster records gives staff: a candidate, where and when."""

    candidate_id: uuid.UUID
    venue_id: uuid.UUID
    venue_name: str
    room: int
    starts_at: datetime


@dataclass(frozen=True)
class TicketFacts:
    person: Person
    sitting: SittingFacts
    exams: tuple[Exam, ...]
    major: tuple[str, str, str] | None = None  # code, name, level, as records shows it


class UnknownSittingError(NotFoundError):
    code = "unknown_sitting"
    default_message = "考次不存在"


async def ticket_facts(
    graph: GraphClient, ids: Sequence[uuid.UUID], sitting_code: str
) -> dict[uuid.UUID, TicketFacts]:
    """What each candidate's ticket would show (candidates identity does not know are left
    out); `UnknownSittingError` when records has no such sitting."""
    found = await sitting(graph, sitting_code)
    if found is None:
        raise UnknownSittingError()
    persons = await people(graph, ids)
    signed_up, majors = await _exams_and_majors(graph, list(persons), sitting_code)
    return {
        i: TicketFacts(person, found, tuple(signed_up.get(i, ())), majors.get(i))
        for i, person in persons.items()
    }


async def person(graph: GraphClient, candidate_id: uuid.UUID) -> Person:
    found = (await people(graph, [candidate_id])).get(candidate_id)
    if found is None:
        raise NotFoundError("考生信息不存在")
    return found


def _representations(ids: Sequence[uuid.UUID]) -> list[dict[str, str]]:
    return [{"__typename": "Candidate", "id": str(i)} for i in ids]


def _batches(ids: Sequence[uuid.UUID]) -> list[Sequence[uuid.UUID]]:
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _entities(data: dict[str, Any]) -> list[dict[str, Any]]:
    found = data.get("_entities")
    if not isinstance(found, list):
        raise UpstreamError()
    return [e for e in found if isinstance(e, dict)]


async def people(graph: GraphClient, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """Identity's view of each candidate that exists (unknown ids are left out)."""
    found: dict[uuid.UUID, Person] = {}
    for batch in _batches(ids):
        data = await graph.identity(PERSON, {"r": _representations(batch)})
        for entity in _entities(data):
            person = _person(entity)
            found[person.id] = person
    return found


def _person(entity: dict[str, Any]) -> Person:
    photo = entity.get("photo") or {}
    return Person(
        id=uuid.UUID(str(entity["id"])),
        name=str(entity["name"]),
        ticket_number=str(entity["ticketNumber"]),
        masked_id_number=str(entity["maskedIdNumber"]),
        region_code=str(entity["region"]["code"]),
        photo_media_type=photo.get("mediaType"),
        photo_base64=photo.get("contentBase64"),
    )


async def sitting(graph: GraphClient, code: str) -> SittingFacts | None:
    """Records' sitting of this code, or None."""
    data = await graph.records(SITTINGS, {})
    for item in data.get("sittings") or []:
        if item.get("code") == code:
            return _sitting(item)
    return None


def _sitting(item: dict[str, Any]) -> SittingFacts:
    ends = [_time(slot["endsAt"]) for slot in item.get("examSlots") or []]
    published = item.get("seatsPublishedAt")
    return SittingFacts(
        code=str(item["code"]),
        name=str(item["name"]),
        ticket_printing_opens_at=_time(item["ticketPrintingOpensAt"]),
        seats_published_at=_time(published) if published else None,
        exams_end_at=max(ends) if ends else None,
    )


async def exams(
    graph: GraphClient, ids: Sequence[uuid.UUID], sitting_code: str
) -> dict[uuid.UUID, list[Exam]]:
    """Each candidate's live sign-ups for the sitting, with their seats once published."""
    return (await _exams_and_majors(graph, ids, sitting_code))[0]


async def _exams_and_majors(
    graph: GraphClient, ids: Sequence[uuid.UUID], sitting_code: str
) -> tuple[dict[uuid.UUID, list[Exam]], dict[uuid.UUID, tuple[str, str, str]]]:
    """`exams`, and each candidate's major (code, name, level) where chosen: one query."""
    found: dict[uuid.UUID, list[Exam]] = {}
    majors: dict[uuid.UUID, tuple[str, str, str]] = {}
    for batch in _batches(ids):
        data = await graph.records(EXAMS, {"r": _representations(batch), "s": sitting_code})
        for entity in _entities(data):
            key = uuid.UUID(str(entity["id"]))
            found[key] = [_exam(e) for e in entity.get("exams") or []]
            major = entity.get("major")
            if major:
                majors[key] = (str(major["code"]), str(major["name"]), str(major["level"]))
    return found, majors


def _exam(item: dict[str, Any]) -> Exam:
    seat = item.get("seat")
    return Exam(
        course_code=str(item["course"]["code"]),
        course_name=str(item["course"]["name"]),
        starts_at=_time(item["slot"]["startsAt"]),
        ends_at=_time(item["slot"]["endsAt"]),
        paid=bool(item["paid"]),
        seat=Seat(
            venue_name=str(seat["venue"]["name"]),
            venue_address=str(seat["venue"]["address"]),
            room=int(seat["room"]),
            seat=int(seat["seat"]),
        )
        if seat
        else None,
    )


async def records_of(graph: GraphClient, candidate_id: uuid.UUID) -> Record:
    """A candidate's major and passed courses."""
    data = await graph.records(PASSES, {"r": _representations([candidate_id])})
    entities = _entities(data)
    if not entities:
        return Record(major=None, passed=())
    entity = entities[0]
    major = entity.get("major")
    return Record(
        major=(str(major["code"]), str(major["name"]), str(major["level"])) if major else None,
        passed=tuple(_passed(p) for p in entity.get("passedCourses") or []),
    )


def _passed(item: dict[str, Any]) -> Passed:
    course = item["course"]
    return Passed(
        course_code=str(course["code"]),
        course_name=str(course["name"]),
        credits=course.get("credits"),
        score=item.get("score"),
        grade=item.get("grade"),
        source=str(item["source"]),
        sitting=item.get("sitting"),
    )


async def roster(
    graph: GraphClient, token: str, sitting_code: str, region_code: str | None
) -> list[Seated]:
    """Everyone seated in the sitting in the venues of the region (all, for None), as records
    shows them to the staff member whose `token` this is (records applies their scope)."""
    data = await graph.records_as(token, VENUES, {"r": region_code})
    rooms = [
        (str(venue["id"]), str(venue["name"]), int(room["number"]))
        for venue in data.get("venues") or []
        for room in venue.get("rooms") or []
    ]
    gate = asyncio.Semaphore(ROOMS_AT_ONCE)

    async def one(venue_id: str, venue_name: str, room: int) -> list[Seated]:
        async with gate:
            return await _room(graph, token, sitting_code, venue_id, venue_name, room)

    found = await asyncio.gather(*(one(*r) for r in rooms))
    return [seat for seats in found for seat in seats]


async def _room(
    graph: GraphClient, token: str, sitting_code: str, venue_id: str, venue_name: str, room: int
) -> list[Seated]:
    seats: list[Seated] = []
    after: str | None = None
    while True:
        variables = {"s": sitting_code, "v": venue_id, "room": room, "after": after}
        page = (await graph.records_as(token, ROOM_SEATS, variables))["roomSeats"]
        if page.get("__typename") != "SeatPage":
            raise _refusal(str(page.get("code")))
        seats += [
            Seated(
                candidate_id=uuid.UUID(str(item["candidate"]["id"])),
                venue_id=uuid.UUID(venue_id),
                venue_name=venue_name,
                room=int(item["room"]),
                starts_at=_time(item["startsAt"]),
            )
            for item in page.get("items") or []
        ]
        after = page.get("nextCursor")
        if not after:
            return seats


def _refusal(code: str) -> Exception:
    if code == "forbidden":
        return ForbiddenError()
    if code in ("not_found", "sitting_not_found", "unknown_sitting"):
        return UnknownSittingError()
    return UpstreamError()


@dataclass(frozen=True)
class ListedSeat:
    candidate_id: uuid.UUID
    course_code: str
    course_name: str
    starts_at: datetime
    ends_at: datetime
    seat: int


@dataclass(frozen=True)
class RoomFacts:
    sitting_name: str
    venue_name: str
    venue_address: str
    room: int
    seats: tuple[ListedSeat, ...]
    names: dict[uuid.UUID, tuple[str, str]]  # candidate → (name, ticket number)


async def room_facts(
    graph: GraphClient, token: str, sitting_code: str, venue_id: uuid.UUID, room: int
) -> RoomFacts:
    """Who sits in a room over the sitting's slots, with their names and ticket numbers, as
    records and identity show them to the staff member whose `token` this is."""
    found = await sitting(graph, sitting_code)
    if found is None:
        raise UnknownSittingError()
    venues = (await graph.records_as(token, VENUES, {"r": None})).get("venues") or []
    venue = next((v for v in venues if v.get("id") == str(venue_id)), None)
    if venue is None or room not in {int(r["number"]) for r in venue.get("rooms") or []}:
        raise NotFoundError("考场不存在或不在您的管辖范围")
    seats: list[ListedSeat] = []
    after: str | None = None
    while True:
        variables = {"s": sitting_code, "v": str(venue_id), "room": room, "after": after}
        page = (await graph.records_as(token, LIST_SEATS, variables))["roomSeats"]
        if page.get("__typename") != "SeatPage":
            raise _refusal(str(page.get("code")))
        seats += [_listed(item) for item in page.get("items") or []]
        after = page.get("nextCursor")
        if not after:
            break
    names = await _names(graph, token, sorted({s.candidate_id for s in seats}))
    return RoomFacts(
        found.name, str(venue["name"]), str(venue["address"]), room, tuple(seats), names
    )


def _listed(item: dict[str, Any]) -> ListedSeat:
    return ListedSeat(
        candidate_id=uuid.UUID(str(item["candidate"]["id"])),
        course_code=str(item["courseCode"]),
        course_name=str(item["courseName"]),
        starts_at=_time(item["startsAt"]),
        ends_at=_time(item["endsAt"]),
        seat=int(item["seat"]),
    )


async def _names(
    graph: GraphClient, token: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, str]]:
    found: dict[uuid.UUID, tuple[str, str]] = {}
    for batch in _batches(ids):
        data = await graph.identity_as(token, NAMES, {"r": _representations(batch)})
        for entity in _entities(data):
            found[uuid.UUID(str(entity["id"]))] = (str(entity["name"]), str(entity["ticketNumber"]))
    return found


@dataclass(frozen=True)
class Application:
    """A course certificate application (课程合格证书), as records shows it to a service."""

    id: uuid.UUID
    candidate_id: uuid.UUID
    sitting: str
    passed: Passed
    cancelled: bool
    ready_on: date


async def application(graph: GraphClient, application_id: uuid.UUID) -> Application | None:
    data = await graph.records(APPLICATION, {"id": str(application_id)})
    found = data.get("certificateApplication")
    if not isinstance(found, dict):
        return None
    course = found["course"]
    return Application(
        id=uuid.UUID(str(found["id"])),
        candidate_id=uuid.UUID(str(found["candidateId"])),
        sitting=str(found["sitting"]),
        passed=Passed(
            course_code=str(course["code"]),
            course_name=str(course["name"]),
            credits=course.get("credits"),
            score=found.get("score"),
            grade=found.get("grade"),
            source="EXAM",
            sitting=str(found["sitting"]),
        ),
        cancelled=found.get("status") == "CANCELLED",
        ready_on=date.fromisoformat(str(found["readyOn"])),
    )
