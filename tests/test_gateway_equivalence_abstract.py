"""Abstract types split across subgraphs, and `@provides` on nested and abstract types, as Hive
Gateway answers them.

shelf's union `Media` holds `Book` and `Movie`; music's holds `Book` and `Song`, so the API's
holds all three. shelf knows `Song` (an entity) but not as a member of its `Media`, so a
`... on Song` must not reach it. `Book.title` is `String!` in shelf and `String` in archive (it is
`@shareable`, so the API's is `String`), and `Movie.title` is `String` in shelf: the client may
select both `title`s under one response key, which shelf refuses unless they are aliased apart.
music's `Review.item` `@provides` a book's title through a fragment on the union, and its
`Review.critic` `@provides` a nested selection of the critic's address.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import pytest
import strawberry
from hive_oracle import Oracle, oracle
from strawberry.federation import Schema

from zikao_kit.graphql import FEDERATION_VERSION

TITLES = {"b1": "Dune", "b2": "Emma", "m1": "Alien", "m2": None, "s1": "Help"}


# ---------- shelf ----------


@strawberry.federation.type(keys=["id"])
class Book:
    id: strawberry.ID
    title: str = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Book:
        return Book(id=id, title=str(TITLES[id]))


@strawberry.federation.type(keys=["id"])
class Movie:
    id: strawberry.ID
    title: str | None


@strawberry.federation.type(keys=["id"])
class Song:
    id: strawberry.ID

    @strawberry.field
    def rating(self) -> int:
        return len(self.id)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Song:
        return Song(id=id)


@strawberry.federation.type(shareable=True)
class Address:
    city: str
    street: str


@strawberry.federation.type(keys=["id"])
class Critic:
    id: strawberry.ID
    name: str = strawberry.federation.field(shareable=True)
    address: Address = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Critic:
        return _critic(id)


def _critic(id: str) -> Critic:
    return Critic(
        id=strawberry.ID(id),
        name=f"Critic {id}",
        address=Address(city="Chongqing", street=f"Road {id}"),
    )


ShelfMedia = Annotated[Book | Movie, strawberry.union("Media")]


@strawberry.type
class ShelfQuery:
    @strawberry.field
    def shelf(self) -> list[ShelfMedia]:
        return [
            Book(id=strawberry.ID("b1"), title="Dune"),
            Movie(id=strawberry.ID("m1"), title="Alien"),
            Movie(id=strawberry.ID("m2"), title=None),
        ]

    @strawberry.field
    def favourite_song(self) -> Song:
        return Song(id=strawberry.ID("s1"))


# ---------- music ----------


@strawberry.federation.type(keys=["id"], name="Book")
class MusicBook:
    id: strawberry.ID
    title: str = strawberry.federation.field(external=True)

    @strawberry.field
    def audiobook(self) -> bool:
        return self.id == "b1"

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> MusicBook:
        return MusicBook(id=id, title="")


@strawberry.federation.type(keys=["id"], name="Song")
class MusicSong:
    id: strawberry.ID

    @strawberry.field
    def length(self) -> int:
        return 180

    @strawberry.field
    def title(self) -> str:
        return str(TITLES[self.id])

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> MusicSong:
        return MusicSong(id=id)


@strawberry.federation.type(shareable=True, name="Address")
class MusicAddress:
    city: str = strawberry.federation.field(external=True)


@strawberry.federation.type(keys=["id"], name="Critic")
class MusicCritic:
    id: strawberry.ID
    name: str = strawberry.federation.field(external=True)
    address: MusicAddress = strawberry.federation.field(external=True)


MusicMedia = Annotated[MusicBook | MusicSong, strawberry.union("Media")]


@strawberry.type
class Review:
    id: strawberry.ID
    item: MusicMedia = strawberry.federation.field(provides=["... on Book { title }"])
    critic: MusicCritic = strawberry.federation.field(provides=["name address { city }"])


@strawberry.type
class MusicQuery:
    @strawberry.field
    def playlist(self) -> list[MusicMedia]:
        return [MusicSong(id=strawberry.ID("s1")), MusicBook(id=strawberry.ID("b2"), title="")]

    @strawberry.field
    def reviews(self) -> list[Review]:
        critic = MusicCritic(
            id=strawberry.ID("c1"), name="Critic c1", address=MusicAddress(city="Chongqing")
        )
        return [
            Review(
                id=strawberry.ID("r1"),
                item=MusicBook(id=strawberry.ID("b2"), title="Emma"),
                critic=critic,
            ),
            Review(id=strawberry.ID("r2"), item=MusicSong(id=strawberry.ID("s1")), critic=critic),
        ]


# ---------- archive ----------


@strawberry.federation.type(keys=["id"], name="Book")
class ArchivedBook:
    id: strawberry.ID
    title: str | None = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ArchivedBook:
        return ArchivedBook(id=id, title=TITLES[id])


def schemas() -> dict[str, Schema]:
    return {
        "archive": Schema(types=[ArchivedBook], federation_version=FEDERATION_VERSION),
        "shelf": Schema(query=ShelfQuery, types=[Critic], federation_version=FEDERATION_VERSION),
        "music": Schema(
            query=MusicQuery, types=[MusicBook, MusicSong], federation_version=FEDERATION_VERSION
        ),
    }


@pytest.fixture(scope="module")
async def gateways(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Oracle]:
    async with oracle(schemas(), tmp_path_factory.mktemp("abstract")) as running:
        yield running


CASES = {
    "a member the subgraph's union lacks": (
        "{ shelf { ... on Song { id } ... on Book { title } ... on Movie { id } } }"
    ),
    "a member only the other subgraph's union has": (
        "{ playlist { ... on Song { length } ... on Movie { title } ... on Book { id } } }"
    ),
    "members beside a root field of the other subgraph": (
        "{ favouriteSong { rating } playlist { ... on Song { rating } } }"
    ),
    "fields under one key, non-null in one member only": (
        "{ shelf { ... on Book { title } ... on Movie { title } } }"
    ),
    "fields under one key, then a jump": (
        "{ shelf { ... on Book { title audiobook } ... on Movie { title } } }"
    ),
    "@provides through a fragment on a union": (
        "{ reviews { item { ... on Book { title audiobook } ... on Song { length } } } }"
    ),
    "@provides of a nested selection": "{ reviews { critic { name address { city } } } }",
    "@provides of a nested selection and more": (
        "{ reviews { critic { name address { city street } } } }"
    ),
}


@pytest.mark.parametrize("query", CASES.values(), ids=CASES.keys())
async def test_abstract_types_answer_as_hive_does(query: str, gateways: Oracle) -> None:
    answer = await gateways.compare(query)
    assert answer.get("data")
    assert not answer.get("errors")
