"""`@override`, with and without progressive labels, as Hive Gateway answers it.

old owns `Product`; new takes over `price` outright, `stock` with the label `percent(100)`
(always new), `name` with `percent(0)` (always old) and `rating` with a custom label, which a
gateway that was told of no label leaves with old. Each subgraph answers its own values, so the
answers show which one was asked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import strawberry
from hive_oracle import Oracle, oracle
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Override

from zikao_kit.graphql import FEDERATION_VERSION

# ---------- old ----------


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID

    @strawberry.field
    def name(self) -> str:
        return f"old {self.id}"

    @strawberry.field
    def price(self) -> int:
        return int(self.id)

    @strawberry.field
    def stock(self) -> int:
        return int(self.id)

    @strawberry.field
    def rating(self) -> int:
        return int(self.id)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product:
        return Product(id=id)


@strawberry.type
class OldQuery:
    @strawberry.field
    def products(self) -> list[Product]:
        return [Product(id=strawberry.ID(str(n))) for n in (1, 2, 3)]


# ---------- new ----------


def _from_old(label: str | None = None) -> Override:
    return Override(override_from="old", label=label) if label else Override(override_from="old")


@strawberry.federation.type(keys=["id"], name="Product")
class NewProduct:
    id: strawberry.ID

    @strawberry.federation.field(override=_from_old("percent(0)"))  # type: ignore[untyped-decorator]
    def name(self) -> str:
        return f"new {self.id}"

    @strawberry.federation.field(override=_from_old())  # type: ignore[untyped-decorator]
    def price(self) -> int:
        return int(self.id) * 100

    @strawberry.federation.field(override=_from_old("percent(100)"))  # type: ignore[untyped-decorator]
    def stock(self) -> int:
        return int(self.id) * 100

    @strawberry.federation.field(override=_from_old("beta"))  # type: ignore[untyped-decorator]
    def rating(self) -> int:
        return int(self.id) * 100

    @strawberry.field
    def colour(self) -> str:
        return "red"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> NewProduct:
        return NewProduct(id=id)


def schemas() -> dict[str, Schema]:
    return {
        "old": Schema(query=OldQuery, federation_version=FEDERATION_VERSION),
        "new": Schema(types=[NewProduct], federation_version=FEDERATION_VERSION),
    }


@pytest.fixture(scope="module")
async def gateways(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Oracle]:
    async with oracle(schemas(), tmp_path_factory.mktemp("override")) as running:
        yield running


CASES = {
    "an overridden field": "{ products { id price } }",
    "percent(100): always the new subgraph": "{ products { stock } }",
    "percent(0): always the old subgraph": "{ products { name } }",
    "a label no one enabled": "{ products { rating } }",
    "all of them": "{ products { name price stock rating colour } }",
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
async def test_override_answers_as_hive_does(query: str, gateways: Oracle) -> None:
    answer = await gateways.compare(query)
    assert answer.get("data")
    assert not answer.get("errors")
