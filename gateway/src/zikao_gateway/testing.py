"""Three small Strawberry subgraphs written for the gateway's tests (a library, not Zikao), and
an httpx transport that serves them in-process and counts the requests each one gets.

`Book` takes fields from all three: catalog (title, year, author), reviews (reviews, rating)
and inventory (stock, and shelfLabel, which `@requires` the catalog's title). Reviews'
`Review.author` `@provides` the author's name; `search` answers a union, `Problem` is an
interface of `@shareable` types in two subgraphs. `SigningKey` signs access tokens as identity
does, and the transport serves its JWKS.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import strawberry
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.federation import Schema

from zikao_gateway.settings import JWKS_PATH
from zikao_kit.auth import ALGORITHM
from zikao_kit.graphql import FEDERATION_VERSION

Ask = Callable[..., Awaitable[Any]]
"""Runs one operation through a gateway: ``await ask(query, variables=None, headers=None)``."""
ROOT = Path(__file__).resolve().parents[3]
LIBRARY_SUPERGRAPH = ROOT / "gateway" / "tests" / "fixtures" / "library.graphql"
BOOKS = 60
AUTHORS = 7
REVIEWS_PER_BOOK = 5


def _isbn(number: int) -> str:
    return f"978-{number:04d}"


def _title(number: int) -> str:
    return f"Book {number}"


# ---------- catalog ----------


@strawberry.federation.type(keys=["id"])
class Author:
    id: strawberry.ID
    name: str = strawberry.federation.field(shareable=True)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Author:
        return Author(id=id, name=f"Author {id}")


@strawberry.federation.type(keys=["isbn"])
class Book:
    isbn: strawberry.ID
    title: str
    year: int
    author: Author

    @classmethod
    def resolve_reference(cls, isbn: strawberry.ID) -> Book:
        return _book(int(isbn.split("-")[1]))


def _book(number: int) -> Book:
    author = str(number % AUTHORS)
    return Book(
        isbn=strawberry.ID(_isbn(number)),
        title=_title(number),
        year=1950 + number,
        author=Author(id=strawberry.ID(author), name=f"Author {author}"),
    )


@strawberry.interface
class Problem:
    code: str
    message: str


@strawberry.federation.type(shareable=True)
class NotFound(Problem):
    pass


@strawberry.type
class BookAdded:
    book: Book


SearchResult = Annotated[Book | Author, strawberry.union("SearchResult")]
AddBookResult = Annotated[BookAdded | NotFound, strawberry.union("AddBookResult")]


@strawberry.type
class CatalogQuery:
    @strawberry.field
    def books(self, first: int = BOOKS, offset: int = 0) -> list[Book]:
        return [_book(n) for n in range(offset + 1, min(offset + first, BOOKS) + 1)]

    @strawberry.field
    def book(self, isbn: strawberry.ID) -> Book | None:
        number = int(isbn.split("-")[1])
        return _book(number) if 1 <= number <= BOOKS else None

    @strawberry.field
    def search(self, text: str) -> list[SearchResult]:
        books: list[Book | Author] = [b for b in (_book(n) for n in range(1, 4)) if text in b.title]
        return [*books, Author(id=strawberry.ID("1"), name="Author 1")]


@strawberry.type
class CatalogMutation:
    @strawberry.mutation
    def add_book(self, title: str) -> AddBookResult:
        if not title:
            return NotFound(code="not_found", message="no title")
        return BookAdded(book=_book(BOOKS))


# ---------- reviews ----------


@strawberry.federation.type(keys=["id"], name="Author")
class ReviewAuthor:
    id: strawberry.ID
    name: str = strawberry.federation.field(external=True)

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> ReviewAuthor:
        return ReviewAuthor(id=id, name="")


@strawberry.type
class Review:
    id: strawberry.ID
    stars: int
    author: ReviewAuthor = strawberry.federation.field(provides=["name"])

    @strawberry.field
    def book(self) -> ReviewedBook:
        return ReviewedBook(isbn=strawberry.ID(self.id.split("/")[0]))


@strawberry.federation.type(keys=["isbn"], name="Book")
class ReviewedBook:
    isbn: strawberry.ID

    @strawberry.field
    def reviews(self) -> list[Review]:
        return _reviews(self.isbn)

    @strawberry.field
    def rating(self) -> float | None:
        number = int(self.isbn.split("-")[1])
        if number == 13:
            raise ValueError("unlucky")
        return float(number % 5)

    @classmethod
    def resolve_reference(cls, isbn: strawberry.ID) -> ReviewedBook:
        return ReviewedBook(isbn=isbn)


def _reviews(isbn: strawberry.ID) -> list[Review]:
    number = int(isbn.split("-")[1])
    return [
        Review(
            id=strawberry.ID(f"{isbn}/{k}"),
            stars=1 + (number + k) % 5,
            author=ReviewAuthor(id=strawberry.ID(str(k)), name=f"Author {k}"),
        )
        for k in range(REVIEWS_PER_BOOK)
    ]


@strawberry.federation.type(shareable=True, name="NotFound")
class ReviewNotFound(Problem):
    pass


@strawberry.type
class ReviewAdded:
    review: Review


AddReviewResult = Annotated[ReviewAdded | ReviewNotFound, strawberry.union("AddReviewResult")]


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def top_reviews(self) -> list[Review]:
        return _reviews(strawberry.ID(_isbn(1)))


@strawberry.type
class ReviewsMutation:
    @strawberry.mutation
    def add_review(self, isbn: strawberry.ID, stars: int) -> AddReviewResult:
        if stars > 5:
            return ReviewNotFound(code="not_found", message="no such book")
        review = Review(
            id=strawberry.ID(f"{isbn}/new"),
            stars=stars,
            author=ReviewAuthor(id=strawberry.ID("1"), name="Author 1"),
        )
        return ReviewAdded(review=review)


# ---------- inventory ----------


@strawberry.federation.type(keys=["isbn"], name="Book")
class StockedBook:
    isbn: strawberry.ID
    title: str = strawberry.federation.field(external=True)

    @strawberry.field
    def stock(self) -> int:
        return int(self.isbn.split("-")[1]) % 4

    @strawberry.federation.field(requires=["title"])  # type: ignore[untyped-decorator]
    def shelf_label(self) -> str:
        return f"{self.title.upper()} @ {self.isbn}"

    @classmethod
    def resolve_reference(cls, isbn: strawberry.ID, title: str = "") -> StockedBook:
        return StockedBook(isbn=isbn, title=title)


@strawberry.type
class InventoryQuery:
    @strawberry.field
    def low_stock(self) -> list[StockedBook]:
        return [StockedBook(isbn=strawberry.ID(_isbn(n)), title="") for n in (4, 8)]


def library_schemas() -> dict[str, Schema]:
    """The three subgraphs by name."""
    return {
        "catalog": Schema(
            query=CatalogQuery,
            mutation=CatalogMutation,
            types=[NotFound],
            federation_version=FEDERATION_VERSION,
        ),
        "reviews": Schema(
            query=ReviewsQuery,
            mutation=ReviewsMutation,
            types=[ReviewNotFound, ReviewedBook],
            federation_version=FEDERATION_VERSION,
        ),
        "inventory": Schema(
            query=InventoryQuery, types=[StockedBook], federation_version=FEDERATION_VERSION
        ),
    }


def library_url(name: str) -> str:
    return f"http://{name}.library.test/graphql"


@dataclass
class InProcessSubgraphs(httpx.AsyncBaseTransport):
    """Serves the subgraphs (by the host of the URL) without sockets; records every request.

    ``down`` names subgraphs that refuse connections; ``delay`` makes one answer late;
    ``tamper`` edits one's answers (in place) before they are sent, as a subgraph that breaks
    its own schema would answer. ``jwks`` is answered to a GET of `/.well-known/jwks.json` on
    any host (``down`` by the host's name, each fetch counted in ``jwks_fetches``).
    """

    schemas: dict[str, Schema]
    down: set[str] = field(default_factory=set)
    delay: dict[str, float] = field(default_factory=dict)
    tamper: dict[str, Callable[[dict[str, Any]], None]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    jwks: dict[str, Any] | None = None
    jwks_fetches: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        name = request.url.host.split(".")[0]
        if name in self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.method == "GET" and request.url.path.endswith(JWKS_PATH):
            self.jwks_fetches += 1
            return httpx.Response(404) if self.jwks is None else httpx.Response(200, json=self.jwks)
        await asyncio.sleep(self.delay.get(name, 0))
        body = json.loads(await request.aread())
        self.requests.append((name, body))
        self.headers.append(dict(request.headers))
        result = await self.schemas[name].execute(
            body["query"], variable_values=body.get("variables"), operation_name=None
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        if name in self.tamper:
            self.tamper[name](answer)
        return httpx.Response(200, json=answer)

    def count(self) -> Counter[str]:
        return Counter(name for name, _ in self.requests)

    def entity_calls(self) -> Counter[str]:
        """`_entities` selections sent, by subgraph (one request may carry several)."""
        calls: Counter[str] = Counter()
        for name, body in self.requests:
            calls[name] += str(body["query"]).count("_entities(")
        return calls


def served_over_http(subgraphs: InProcessSubgraphs) -> ASGIApp:
    """An ASGI app that answers ``POST /<subgraph>/graphql`` through ``subgraphs`` (its
    ``tamper`` included), and ``GET /.well-known/jwks.json`` with its ``jwks``, for a gateway
    in another process."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if request.method == "GET" and request.url.path == JWKS_PATH:
            keys = httpx.Request("GET", f"http://keys.library.test{JWKS_PATH}")
            answer = await subgraphs.handle_async_request(keys)
            status = answer.status_code
            body = await answer.aread()
            await Response(body, status, media_type="application/json")(scope, receive, send)
            return
        name = request.url.path.strip("/").split("/")[0]
        inner = httpx.Request("POST", library_url(name), content=await request.body())
        answer = await subgraphs.handle_async_request(inner)
        content = await answer.aread()
        await Response(content, media_type="application/json")(scope, receive, send)

    return app


def doubling_fragments(levels: int) -> str:
    """An operation over fragments that each spread the one before twice (`F1` spreads `F0`
    twice, `F2` spreads `F1` twice, ...): 2^levels copies of `F0`, two fields each."""
    fragments = ["fragment F0 on Query { books(first: 1) { title } }"]
    for n in range(1, levels + 1):
        fragments.append(f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}")
    return f"query Doubling {{ ...F{levels} }}\n" + "\n".join(fragments)


def compose_library(
    work: Path, out: Path = LIBRARY_SUPERGRAPH, url: Callable[[str], str] = library_url
) -> None:
    """Prints each library subgraph's SDL into ``work`` and composes them into ``out`` with
    Zikao's composer (`gateway/compose.mjs`); ``url`` gives each subgraph's URL."""
    arguments = []
    for name, schema in sorted(library_schemas().items()):
        sdl = work / f"{name}.graphql"
        sdl.write_text(schema.as_str() + "\n", encoding="utf-8")
        arguments.append(f"{name}={url(name)}={sdl}")
    compose = ["node", str(ROOT / "gateway" / "compose.mjs"), "--quiet"]
    subprocess.run(
        [*compose, "--out", str(out), *arguments],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )


def _app(name: str) -> GraphQL[None, None]:
    schema = library_schemas()[name]
    schema.extensions = (
        *schema.extensions,
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
    )
    return GraphQL(schema, graphql_ide=None)


def catalog_app() -> GraphQL[None, None]:
    """The catalog subgraph as an ASGI app (``uvicorn --factory``), for benchmarks."""
    return _app("catalog")


def reviews_app() -> GraphQL[None, None]:
    return _app("reviews")


def inventory_app() -> GraphQL[None, None]:
    return _app("inventory")


@dataclass
class SigningKey:
    """An Ed25519 key that signs access tokens as identity does (`kid` header, EdDSA), for
    tests of the gateway's verification; `jwks` is what identity would publish."""

    issuer: str = "zikao-identity"
    audience: str = "zikao"
    private: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def kid(self) -> str:
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return hashlib.sha256(raw).hexdigest()[:16]

    def jwks(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(self.private.public_key()))
        jwk.update({"kid": self.kid, "alg": ALGORITHM, "use": "sig"})
        return {"keys": [jwk]}

    def token(
        self,
        role: str = "candidate",
        subject: str | None = None,
        *,
        minutes: float = 5,
        headers: dict[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A token of ``role`` (``claims`` add to or replace the usual ones, e.g. ``scope``,
        ``region``, ``aud``; ``headers`` to the `kid`)."""
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject or str(uuid.uuid4()),
            "role": role,
            "iat": now,
            "exp": now + int(minutes * 60),
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(
            body, self.private, algorithm=ALGORITHM, headers={"kid": self.kid, **(headers or {})}
        )
