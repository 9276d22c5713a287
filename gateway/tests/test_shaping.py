"""Null propagation as GraphQL (graphql-js, Hive Gateway) does it, over subgraphs that break their
own schema: a null or missing value for a non-null field is one error at that field's path, and
the null goes up to the nearest nullable parent. Each operation takes a field from a second
subgraph, so that it is planned and shaped, not forwarded to one subgraph as written."""

from __future__ import annotations

from typing import Any

from zikao_gateway.testing import Ask, InProcessSubgraphs


def set_field(name: str, value: Any, where: str = "book", item: int | None = None) -> Any:
    """Tampers with ``data[where]`` (one object, or the ``item``-th of a list)."""

    def tamper(answer: dict[str, Any]) -> None:
        found = answer["data"][where]
        target = found if item is None else found[item]
        if value is _MISSING:
            del target[name]
        else:
            target[name] = value

    return tamper


_MISSING = object()


def null_error(field: str, path: list[str | int]) -> dict[str, Any]:
    message = f"Cannot return null for non-nullable field {field}."
    return {"message": message, "path": path, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}


async def test_a_null_for_a_non_null_field_is_an_error_at_its_path(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    subgraphs.tamper["catalog"] = set_field("title", None)
    outcome = await ask('{ book(isbn: "978-0001") { title year rating } }')
    assert outcome.data == {"book": None}
    assert outcome.errors == [null_error("Book.title", ["book", "title"])]


async def test_a_missing_value_is_a_null(ask: Ask, subgraphs: InProcessSubgraphs) -> None:
    subgraphs.tamper["catalog"] = set_field("year", _MISSING)
    outcome = await ask('{ book(isbn: "978-0001") { title year rating } }')
    assert outcome.data == {"book": None}
    assert outcome.errors == [null_error("Book.year", ["book", "year"])]


async def test_the_null_goes_up_through_non_null_lists_to_the_root(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    subgraphs.tamper["catalog"] = set_field("title", None, "books", item=1)
    outcome = await ask("{ books(first: 3) { title rating } }")
    assert outcome.data is None
    assert outcome.errors == [null_error("Book.title", ["books", 1, "title"])]


async def test_a_null_in_an_entity_answer(ask: Ask, subgraphs: InProcessSubgraphs) -> None:
    def tamper(answer: dict[str, Any]) -> None:
        for entities in answer["data"].values():
            for entity in entities:
                entity["stock"] = None

    subgraphs.tamper["inventory"] = tamper
    outcome = await ask('{ book(isbn: "978-0002") { title stock } }')
    assert outcome.data == {"book": None}
    assert outcome.errors == [null_error("Book.stock", ["book", "stock"])]


async def test_a_null_the_subgraph_explained_adds_no_error(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    nulled = set_field("title", None)

    def tamper(answer: dict[str, Any]) -> None:
        nulled(answer)
        answer["errors"] = [{"message": "title lost", "path": ["book", "title"]}]

    subgraphs.tamper["catalog"] = tamper
    outcome = await ask('{ book(isbn: "978-0001") { title rating } }')
    assert outcome.data == {"book": None}
    assert [(e["path"], e["extensions"]["code"]) for e in outcome.errors] == [
        (["book", "title"], "DOWNSTREAM_SERVICE_ERROR")
    ]


async def test_a_nulled_response_has_no_errors_of_the_root_fields_after_it(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    subgraphs.down.add("inventory")
    # Book 13's rating is an error of the reviews subgraph; `lowStock` nulls the response first.
    outcome = await ask("{ lowStock { isbn } books(first: 14) { rating } }")
    assert outcome.data is None
    assert [(e["path"], e["extensions"]["code"]) for e in outcome.errors] == [
        (["lowStock"], "subgraph_unavailable")
    ]
    before = await ask("{ books(first: 14) { rating } lowStock { isbn } }")
    assert [e["path"] for e in before.errors] == [["books", 12, "rating"], ["lowStock"]]


async def test_an_object_with_a_null_key_is_not_asked_for(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    subgraphs.tamper["inventory"] = set_field("isbn", None, "lowStock", item=0)
    outcome = await ask("{ lowStock { isbn title } }")
    assert outcome.data is None
    assert outcome.errors == [null_error("Book.isbn", ["lowStock", 0, "isbn"])]
    (catalog,) = [body for name, body in subgraphs.requests if name == "catalog"]
    assert None not in [r["isbn"] for r in catalog["variables"]["representations0"]]  # type: ignore[index]
