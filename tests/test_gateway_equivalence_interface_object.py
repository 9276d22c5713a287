"""`@interfaceObject` as Hive Gateway answers it.

accounts owns the entity interface `Account` (`@key(fields: "id")`) and its implementations
`User` and `Admin`. activity knows `Account` only as an `@interfaceObject`: an object type of
that name with the same key, adding `lastSeen` to every account, and answering accounts of its
own (`recent`), whose concrete type only accounts knows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import strawberry
from hive_oracle import Oracle, oracle
from strawberry.federation import Schema

from zikao_kit.graphql import FEDERATION_VERSION

NAMES = {"1": "Ada", "2": "Root", "3": "Grace", "4": "Admin Two"}
ADMINS = {"2", "4"}


# ---------- accounts ----------


@strawberry.federation.interface(keys=["id"])
class Account:
    id: strawberry.ID
    name: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Account:
        return _account(id)


@strawberry.federation.type(keys=["id"])
class User(Account):
    email: str


@strawberry.federation.type(keys=["id"])
class Admin(Account):
    level: int


def _account(id: str) -> Account:
    if id in ADMINS:
        return Admin(id=strawberry.ID(id), name=NAMES[id], level=int(id))
    return User(id=strawberry.ID(id), name=NAMES[id], email=f"{NAMES[id].lower()}@example.test")


@strawberry.type
class AccountsQuery:
    @strawberry.field
    def accounts(self) -> list[Account]:
        return [_account(id) for id in NAMES]


# ---------- activity ----------


@strawberry.federation.interface_object(keys=["id"], name="Account")
class ActiveAccount:
    id: strawberry.ID

    @strawberry.field
    def last_seen(self) -> int:
        return int(self.id) * 60

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ActiveAccount:
        return ActiveAccount(id=id)


@strawberry.type
class ActivityQuery:
    @strawberry.field
    def recent(self) -> list[ActiveAccount]:
        return [ActiveAccount(id=strawberry.ID(id)) for id in ("4", "1")]


def schemas() -> dict[str, Schema]:
    return {
        "accounts": Schema(
            query=AccountsQuery, types=[User, Admin], federation_version=FEDERATION_VERSION
        ),
        "activity": Schema(query=ActivityQuery, federation_version=FEDERATION_VERSION),
    }


@pytest.fixture(scope="module")
async def gateways(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Oracle]:
    async with oracle(schemas(), tmp_path_factory.mktemp("interface_object")) as running:
        yield running


CASES = {
    "an interface object's field of every implementation": "{ accounts { name lastSeen } }",
    "beside a fragment on an implementation": (
        "{ accounts { __typename lastSeen ... on Admin { level } ... on User { email } } }"
    ),
    "the concrete type of the interface object's answers": "{ recent { __typename id } }",
    "the interface object's answers, fields of the owner": (
        "{ recent { lastSeen name ... on Admin { level } } }"
    ),
    "only the interface object's subgraph": "{ recent { id lastSeen } }",
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
async def test_interface_objects_answer_as_hive_does(query: str, gateways: Oracle) -> None:
    answer = await gateways.compare(query)
    assert answer.get("data")
    assert not answer.get("errors")
