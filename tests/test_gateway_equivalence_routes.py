"""Routes to a field as Hive Gateway finds them: key chains through a third subgraph, several
and composite keys, `resolvable: false` and `@shareable` value types served by several
subgraphs.

accounts knows a `User` by id; billing knows it by id and by email; mail knows it only by
email, so a user from accounts reaches mail through billing. `Plan` is a `@shareable` value
type that billing and mail both serve (`User.plan`). A `Ticket` of support has a key `id` and
a composite key `number region { code }`, the only one billing knows. reviews names users by
a `resolvable: false` key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import strawberry
from hive_oracle import Oracle, oracle
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from zikao_kit.graphql import FEDERATION_VERSION

USERS = {"1": "Ada", "2": "Grace", "3": "Edsger"}


def _email(id: str) -> str:
    return f"{USERS[id].lower()}@example.test"


def _id_of(email: str) -> str:
    return next(id for id in USERS if _email(id) == email)


# ---------- accounts ----------


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return User(id=id, name=USERS[id])


@strawberry.type
class AccountsQuery:
    @strawberry.field
    def users(self) -> list[User]:
        return [User(id=strawberry.ID(id), name=name) for id, name in USERS.items()]

    @strawberry.field
    def me(self) -> User:
        return User(id=strawberry.ID("2"), name=USERS["2"])


# ---------- billing ----------


@strawberry.federation.type(shareable=True)
class Plan:
    name: str
    seats: int


def _plan(id: str) -> Plan:
    return Plan(name="team" if id == "2" else "solo", seats=int(id) * 5)


@strawberry.federation.type(keys=["id", "email"], name="User")
class BilledUser:
    id: strawberry.ID
    email: str

    @strawberry.federation.field(shareable=True)  # type: ignore[untyped-decorator]
    def plan(self) -> Plan:
        return _plan(self.id)

    @strawberry.field
    def balance(self) -> int:
        return int(self.id) * 100

    @classmethod
    def resolve_reference(cls, **key: str) -> BilledUser:
        id = key.get("id") or _id_of(key["email"])
        return BilledUser(id=strawberry.ID(id), email=_email(id))


@strawberry.federation.type(shareable=True)
class Region:
    code: str


@strawberry.federation.type(keys=["number region { code }"], name="Ticket")
class BilledTicket:
    number: int
    region: Region

    @strawberry.field
    def price(self) -> int:
        return self.number * 10 + len(self.region.code)

    @classmethod
    def resolve_reference(cls, number: int, region: dict[str, str]) -> BilledTicket:
        return BilledTicket(number=number, region=Region(code=region["code"]))


# ---------- mail ----------


@strawberry.federation.type(shareable=True, name="Plan")
class MailPlan:
    name: str
    seats: int


@strawberry.federation.type(keys=["email"], name="User")
class MailUser:
    email: str

    @strawberry.field
    def inbox(self) -> int:
        return len(self.email)

    @strawberry.federation.field(shareable=True)  # type: ignore[untyped-decorator]
    def plan(self) -> MailPlan:
        plan = _plan(_id_of(self.email))
        return MailPlan(name=plan.name, seats=plan.seats)

    @classmethod
    def resolve_reference(cls, email: str) -> MailUser:
        return MailUser(email=email)


@strawberry.type
class MailQuery:
    @strawberry.field
    def mailboxes(self) -> list[MailUser]:
        return [MailUser(email=_email(id)) for id in USERS]


# ---------- support ----------


@strawberry.federation.type(shareable=True, name="Region")
class SupportRegion:
    code: str


@strawberry.federation.type(keys=["id", "number region { code }"], name="Ticket")
class Ticket:
    id: strawberry.ID
    number: int
    region: SupportRegion
    subject: str


@strawberry.type
class SupportQuery:
    @strawberry.field
    def tickets(self) -> list[Ticket]:
        return [
            Ticket(
                id=strawberry.ID(f"t{n}"),
                number=n,
                region=SupportRegion(code=code),
                subject=f"subject {n}",
            )
            for n, code in ((1, "CQ"), (2, "SH"), (1, "SH"))
        ]


# ---------- reviews ----------


@strawberry.federation.type(directives=[Key(fields=FieldSet("id"), resolvable=False)], name="User")
class ReviewedUser:
    id: strawberry.ID


@strawberry.type
class Review:
    body: str
    author: ReviewedUser


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def reviews(self) -> list[Review]:
        return [
            Review(body=f"review {id}", author=ReviewedUser(id=strawberry.ID(id))) for id in USERS
        ]


def schemas() -> dict[str, Schema]:
    def schema(query: type | None, *types: type) -> Schema:
        return Schema(query=query, types=types, federation_version=FEDERATION_VERSION)

    return {
        "accounts": schema(AccountsQuery),
        "billing": schema(None, BilledUser, BilledTicket),
        "mail": schema(MailQuery),
        "support": schema(SupportQuery),
        "reviews": schema(ReviewsQuery),
    }


@pytest.fixture(scope="module")
async def gateways(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Oracle]:
    async with oracle(schemas(), tmp_path_factory.mktemp("routes")) as running:
        yield running


CASES = {
    "a key chain through a third subgraph": "{ users { name inbox } }",
    "a key chain, the middle selected too": "{ me { name balance inbox email } }",
    "back along the chain": "{ mailboxes { inbox name balance } }",
    "a shareable value type from where the plan is": "{ mailboxes { inbox plan { name seats } } }",
    "a shareable value type after a jump": "{ users { balance plan { name } } }",
    "a shareable value type at the chain's end": "{ users { inbox plan { seats } } }",
    "a composite key": "{ tickets { subject price } }",
    "a composite key beside the client's selection of it": (
        "{ tickets { number region { code } price } }"
    ),
    "a resolvable: false key": "{ reviews { body author { name inbox } } }",
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
async def test_a_route_is_found_as_hive_finds_it(query: str, gateways: Oracle) -> None:
    answer = await gateways.compare(query)
    assert answer.get("data")
    assert not answer.get("errors")
