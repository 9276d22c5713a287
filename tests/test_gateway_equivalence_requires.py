"""`@requires` as Hive Gateway answers it: chains, trips to another subgraph and back, nested
selections and arguments.

Three subgraphs share `Product`. products owns it (price, weight by unit, dimensions) and its
`deliveryEstimate` `@requires` shipping's `shippingCost` (a trip there and back); shipping's
`shippingCost` `@requires` the price, the weight in kilograms and the width (a nested
selection), and takes an argument of its own; tax's `totalCost` `@requires` the shipping cost
(a chain: the required field itself requires others) and its `duty` `@requires` the weight in
pounds (the same field as shipping's, with another argument).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import strawberry
from hive_oracle import Oracle, oracle
from strawberry.federation import Schema

from zikao_kit.graphql import FEDERATION_VERSION

PRICES = {1: 100, 2: 250, 3: 40}
KILOGRAMS = {1: 2, 2: 5, 3: 1}


def _pounds(kilograms: int) -> int:
    return kilograms * 22 // 10


# ---------- products ----------


@strawberry.federation.type(shareable=True)
class Dimensions:
    width: int
    height: int


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    price: int
    dimensions: Dimensions
    shipping: strawberry.Private[int] = 0

    @strawberry.federation.field(external=True)  # type: ignore[untyped-decorator]
    def shipping_cost(self, express: bool = False) -> int:
        return self.shipping

    @strawberry.field
    def weight(self, unit: str = "kg") -> int:
        kilograms = KILOGRAMS[int(self.id)]
        return kilograms if unit == "kg" else _pounds(kilograms)

    @strawberry.federation.field(requires=["shippingCost"])  # type: ignore[untyped-decorator]
    def delivery_estimate(self) -> str:
        return "tomorrow" if self.shipping < 20 else "next week"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **fields: Any) -> Product:
        product = _product(int(id))
        product.shipping = fields.get("shippingCost", 0)
        return product


def _product(number: int) -> Product:
    return Product(
        id=strawberry.ID(str(number)),
        price=PRICES[number],
        dimensions=Dimensions(width=10 * number, height=5),
    )


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def products(self) -> list[Product]:
        return [_product(n) for n in sorted(PRICES)]

    @strawberry.field
    def product(self, id: strawberry.ID) -> Product | None:
        return _product(int(id)) if int(id) in PRICES else None


# ---------- shipping ----------


@strawberry.federation.type(shareable=True, name="Dimensions")
class ShippedDimensions:
    width: int
    height: int


@strawberry.federation.type(keys=["id"], name="Product")
class ShippedProduct:
    id: strawberry.ID
    price: int = strawberry.federation.field(external=True)
    dimensions: ShippedDimensions = strawberry.federation.field(external=True)
    kilograms: strawberry.Private[int]

    @strawberry.federation.field(external=True)  # type: ignore[untyped-decorator]
    def weight(self, unit: str = "kg") -> int:
        return self.kilograms

    @strawberry.federation.field(  # type: ignore[untyped-decorator]
        requires=['price weight(unit: "kg") dimensions { width }']
    )
    def shipping_cost(self, express: bool = False) -> int:
        cost = self.price // 10 + self.kilograms * 2 + self.dimensions.width // 10
        return cost * 2 if express else cost

    @classmethod
    def resolve_reference(
        cls, id: strawberry.ID, price: int, weight: int, dimensions: dict[str, int]
    ) -> ShippedProduct:
        return ShippedProduct(
            id=id,
            price=price,
            kilograms=weight,
            dimensions=ShippedDimensions(width=dimensions["width"], height=0),
        )


# ---------- tax ----------


@strawberry.federation.type(keys=["id"], name="Product")
class TaxedProduct:
    id: strawberry.ID
    price: int = strawberry.federation.field(external=True)
    shipping: strawberry.Private[int]
    pounds: strawberry.Private[int]

    @strawberry.federation.field(external=True)  # type: ignore[untyped-decorator]
    def shipping_cost(self, express: bool = False) -> int:
        return self.shipping

    @strawberry.federation.field(external=True)  # type: ignore[untyped-decorator]
    def weight(self, unit: str = "kg") -> int:
        return self.pounds

    @strawberry.federation.field(requires=["price shippingCost"])  # type: ignore[untyped-decorator]
    def total_cost(self) -> int:
        return self.price + self.shipping

    @strawberry.federation.field(requires=['weight(unit: "lb")'])  # type: ignore[untyped-decorator]
    def duty(self) -> int:
        return self.pounds * 3

    @classmethod
    def resolve_reference(cls, id: strawberry.ID, **fields: Any) -> TaxedProduct:
        return TaxedProduct(
            id=id,
            price=fields.get("price", 0),
            shipping=fields.get("shippingCost", 0),
            pounds=fields.get("weight", 0),
        )


def schemas() -> dict[str, Schema]:
    def schema(query: type | None, *types: type) -> Schema:
        return Schema(query=query, types=types, federation_version=FEDERATION_VERSION)

    return {
        "products": schema(ProductsQuery),
        "shipping": schema(None, ShippedProduct),
        "tax": schema(None, TaxedProduct),
    }


@pytest.fixture(scope="module")
async def gateways(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Oracle]:
    async with oracle(schemas(), tmp_path_factory.mktemp("requires")) as running:
        yield running


CASES = {
    "a required field from the owner": "{ products { id shippingCost } }",
    "a chain: the required field requires others": "{ products { id totalCost } }",
    "a chain, its middle selected too": "{ products { shippingCost totalCost price } }",
    "a trip to another subgraph and back": "{ products { deliveryEstimate } }",
    "everything at once": (
        "{ product(id: 2) { deliveryEstimate totalCost duty shippingCost weight } }"
    ),
    "the client's argument beside the required one": (
        '{ products { weight(unit: "lb") shippingCost } }'
    ),
    "two required arguments of one field": "{ products { shippingCost duty } }",
    "a client's alias on a required field": (
        '{ products { weight: price kg: weight(unit: "kg") shippingCost duty } }'
    ),
    "fields differing only by their arguments": (
        "{ products { a: shippingCost(express: true) b: shippingCost(express: false)"
        " c: shippingCost totalCost } }"
    ),
    "a client's alias taking a requirement's name elsewhere": (
        "{ products { price: totalCost shippingCost } }"
    ),
    "a nested required selection beside the client's": (
        "{ products { dimensions { height } shippingCost } }"
    ),
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
async def test_requires_answers_as_hive_does(query: str, gateways: Oracle) -> None:
    answer = await gateways.compare(query)
    assert answer.get("data")
    assert not answer.get("errors")


async def test_a_requirement_is_not_the_clients_field_with_other_arguments(
    gateways: Oracle,
) -> None:
    """`totalCost` requires `shippingCost` as its default (not express) cost, whatever the
    client selects under that name. Not compared: Hive Gateway hands tax the client's
    `shippingCost(express: true)` (the same response key) and answers 130 for product 1."""
    query = "{ product(id: 1) { shippingCost(express: true) totalCost } }"
    mine = await gateways.ask_ours(query)
    assert mine.errors == []
    assert mine.data == {"product": {"shippingCost": 30, "totalCost": 100 + 15}}
