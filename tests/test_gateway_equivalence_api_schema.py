"""The API schema enforced on answers, as Hive Gateway enforces it: `@inaccessible` fields,
enum values and types are not served, a subgraph's answer of an enum value the API does not
have is a null with an error at its path, and `@tag` changes nothing.

desk's `Ticket.status` may be `ARCHIVED`, which desk marks `@inaccessible`; its `Ticket.secret`
is `@inaccessible`; its `Ticket.priority` carries a `@tag`. triage's `Ticket.queue` answers a
`Queue`, one of whose values (`HIDDEN`) is `@inaccessible` there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import Enum

import pytest
import strawberry
from hive_oracle import Oracle, oracle
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Inaccessible

from zikao_kit.graphql import FEDERATION_VERSION

# ---------- desk ----------


@strawberry.enum
class Status(Enum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    ARCHIVED = strawberry.enum_value("ARCHIVED", directives=[Inaccessible()])


@strawberry.federation.type(keys=["id"])
class Ticket:
    id: strawberry.ID
    status: Status
    maybe_status: Status | None
    secret: str = strawberry.federation.field(inaccessible=True)
    priority: int = strawberry.federation.field(tags=["public"])


def _ticket(number: int) -> Ticket:
    status = (Status.OPEN, Status.CLOSED, Status.ARCHIVED)[number % 3]
    return Ticket(
        id=strawberry.ID(str(number)),
        status=status,
        maybe_status=status,
        secret=f"s{number}",
        priority=number,
    )


@strawberry.type
class DeskQuery:
    @strawberry.field
    def tickets(self) -> list[Ticket]:
        return [_ticket(n) for n in range(1, 5)]

    @strawberry.field
    def ticket(self, id: strawberry.ID) -> Ticket | None:
        return _ticket(int(id))


# ---------- triage ----------


@strawberry.enum
class Queue(Enum):
    FRONT = "FRONT"
    BACK = "BACK"
    HIDDEN = strawberry.enum_value("HIDDEN", directives=[Inaccessible()])


@strawberry.federation.type(keys=["id"], name="Ticket")
class TriagedTicket:
    id: strawberry.ID

    @strawberry.field
    def queue(self) -> Queue | None:
        return (Queue.FRONT, Queue.BACK, Queue.HIDDEN)[int(self.id) % 3]

    @strawberry.field
    def queues(self) -> list[Queue]:
        return [Queue.FRONT, (Queue.BACK, Queue.HIDDEN)[int(self.id) % 2]]

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> TriagedTicket:
        return TriagedTicket(id=id)


def schemas() -> dict[str, Schema]:
    return {
        "desk": Schema(query=DeskQuery, federation_version=FEDERATION_VERSION),
        "triage": Schema(types=[TriagedTicket], federation_version=FEDERATION_VERSION),
    }


@pytest.fixture(scope="module")
async def gateways(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Oracle]:
    async with oracle(schemas(), tmp_path_factory.mktemp("api_schema")) as running:
        yield running


CASES = {
    "an inaccessible value of a nullable field": "{ tickets { id maybeStatus } }",
    "an inaccessible value of a non-null field": "{ tickets { id status } }",
    "an inaccessible value through an entity fetch": "{ tickets { id queue } }",
    "an inaccessible value in a non-null list": "{ tickets { id queues } }",
    "a tagged field": "{ ticket(id: 1) { priority status } }",
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
async def test_answers_hold_only_the_api_schema(query: str, gateways: Oracle) -> None:
    answer = await gateways.compare(query)
    assert answer.get("data") is not None or answer.get("errors")


async def test_an_inaccessible_field_is_not_served(gateways: Oracle) -> None:
    await gateways.compare("{ tickets { secret } }")
