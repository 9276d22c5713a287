"""A `Node`-style interface spread across subgraphs, and `@provides` on an interface-typed
field, as Hive Gateway answers them.

catalog and notes both declare `interface Node { id: ID! }`: catalog's `Book` and `Author`
implement it there, notes' `Note` and `Book` there. catalog answers `node`, notes answers
`pinned`; each can return only its own implementations. notes' `Note.subject` is a `Node` that
`@provides` a book's title.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import strawberry
from hive_oracle import Oracle, oracle
from strawberry.federation import Schema

from zikao_kit.graphql import FEDERATION_VERSION

TITLES = {"b1": "Dune", "b2": "Emma"}


# ---------- catalog ----------


@strawberry.interface
class Node:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"])
class Book(Node):
    title: str = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Book:
        return Book(id=id, title=TITLES[id])


@strawberry.federation.type(keys=["id"])
class Author(Node):
    name: str


@strawberry.type
class CatalogQuery:
    @strawberry.field
    def nodes(self) -> list[Node]:
        return [
            Book(id=strawberry.ID("b1"), title="Dune"),
            Author(id=strawberry.ID("a1"), name="F"),
        ]


# ---------- notes ----------


@strawberry.interface(name="Node")
class NotesNode:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"], name="Book")
class NotedBook(NotesNode):
    title: str = strawberry.federation.field(external=True)

    @strawberry.field
    def notes(self) -> int:
        return len(self.id)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> NotedBook:
        return NotedBook(id=id, title="")


@strawberry.type
class Note(NotesNode):
    text: str

    @strawberry.federation.field(provides=["... on Book { title }"])  # type: ignore[untyped-decorator]
    def subject(self) -> NotesNode:
        return NotedBook(id=strawberry.ID("b2"), title=TITLES["b2"])


@strawberry.type
class NotesQuery:
    @strawberry.field
    def pinned(self) -> list[NotesNode]:
        return [
            Note(id=strawberry.ID("n1"), text="read"),
            NotedBook(id=strawberry.ID("b1"), title=""),
        ]


def schemas() -> dict[str, Schema]:
    return {
        "catalog": Schema(
            query=CatalogQuery, types=[Book, Author], federation_version=FEDERATION_VERSION
        ),
        "notes": Schema(
            query=NotesQuery, types=[NotedBook, Note], federation_version=FEDERATION_VERSION
        ),
    }


@pytest.fixture(scope="module")
async def gateways(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Oracle]:
    async with oracle(schemas(), tmp_path_factory.mktemp("interfaces")) as running:
        yield running


CASES = {
    "an implementation the subgraph lacks": (
        "{ nodes { id ... on Note { text } ... on Author { name } } }"
    ),
    "the interface's own fields": "{ pinned { __typename id } }",
    "an implementation's fields from the other subgraph": (
        "{ pinned { id ... on Book { title notes } ... on Note { text } } }"
    ),
    "@provides on an interface-typed field": (
        "{ pinned { ... on Note { subject { id ... on Book { title } } } } }"
    ),
    "@provides on an interface, and more": (
        "{ pinned { ... on Note { subject { ... on Book { title notes } } } } }"
    ),
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
async def test_interfaces_answer_as_hive_does(query: str, gateways: Oracle) -> None:
    answer = await gateways.compare(query)
    assert answer.get("data")
    assert not answer.get("errors")
