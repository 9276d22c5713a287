"""Operations through the gateway over the library's subgraphs, served in-process."""

from __future__ import annotations

import pytest

from zikao_gateway.gateway import Gateway
from zikao_gateway.testing import Ask, InProcessSubgraphs


def entity_requests(subgraphs: InProcessSubgraphs) -> list[str]:
    return [name for name, body in subgraphs.requests if "_entities(" in str(body["query"])]


async def test_fifty_books_two_levels_one_entities_call_per_subgraph_per_level(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    query = """query Shelf($n: Int!) {
      books(first: $n) {
        isbn title stock shelfLabel
        reviews { stars author { name } book { title year } }
      }
    }"""
    outcome = await ask(query, {"n": 50})
    assert outcome.errors == []
    books = outcome.data["books"]
    book7 = {"title": "Book 7", "year": 1957}
    assert len(books) == 50
    assert books[6] == {
        "isbn": "978-0007",
        "title": "Book 7",
        "stock": 3,
        "shelfLabel": "BOOK 7 @ 978-0007",
        "reviews": [
            {"stars": 1 + (7 + k) % 5, "author": {"name": f"Author {k}"}, "book": book7}
            for k in range(5)
        ],
    }
    # level 0: catalog's books; level 1: reviews and inventory; level 2: catalog's review books
    assert subgraphs.count() == {"catalog": 2, "reviews": 1, "inventory": 1}
    assert subgraphs.entity_calls() == {"catalog": 1, "reviews": 1, "inventory": 1}
    assert sorted(entity_requests(subgraphs)) == ["catalog", "inventory", "reviews"]


async def test_aliases_variables_and_conditions(ask: Ask, subgraphs: InProcessSubgraphs) -> None:
    query = """query($n: Int!, $stock: Boolean!, $noTitle: Boolean!) {
      first: books(first: $n) {
        id: isbn t: title @skip(if: $noTitle) s: stock @include(if: $stock)
      }
      __typename
    }"""
    with_stock = await ask(query, {"n": 2, "stock": True, "noTitle": False})
    assert with_stock.data == {
        "first": [
            {"id": "978-0001", "t": "Book 1", "s": 1},
            {"id": "978-0002", "t": "Book 2", "s": 2},
        ],
        "__typename": "Query",
    }
    without = await ask(query, {"n": 1, "stock": False, "noTitle": True})
    assert without.data == {"first": [{"id": "978-0001"}], "__typename": "Query"}
    assert subgraphs.count()["inventory"] == 1


async def test_fragments_on_unions_and_interfaces(ask: Ask) -> None:
    query = """
    fragment Titled on Book { title reviews { stars } }
    query { search(text: "Book 2") { __typename ...Titled ... on Author { name } } }"""
    outcome = await ask(query)
    assert outcome.errors == []
    assert outcome.data == {
        "search": [
            {
                "__typename": "Book",
                "title": "Book 2",
                "reviews": [{"stars": s} for s in (3, 4, 5, 1, 2)],
            },
            {"__typename": "Author", "name": "Author 1"},
        ]
    }


async def test_mutation_results_with_problems_and_entities(
    ask: Ask, subgraphs: InProcessSubgraphs
) -> None:
    query = """mutation {
      no: addReview(isbn: "978-0001", stars: 9) {
        __typename ... on Problem { code message } ... on ReviewAdded { review { stars } }
      }
      yes: addReview(isbn: "978-0003", stars: 5) {
        __typename ... on ReviewAdded { review { stars book { title } } }
      }
      book: addBook(title: "x") { __typename ... on BookAdded { book { title stock } } }
    }"""
    outcome = await ask(query)
    assert outcome.errors == []
    assert outcome.data == {
        "no": {"__typename": "NotFound", "code": "not_found", "message": "no such book"},
        "yes": {"__typename": "ReviewAdded", "review": {"stars": 5, "book": {"title": "Book 3"}}},
        "book": {"__typename": "BookAdded", "book": {"title": "Book 60", "stock": 0}},
    }
    names = [name for name, _ in subgraphs.requests]
    assert names[0] == "reviews"
    assert names.index("catalog") > 0


async def test_a_client_alias_may_take_a_key_fields_name(ask: Ask) -> None:
    outcome = await ask("{ books(first: 2) { isbn: year title: isbn shelfLabel stock } }")
    assert outcome.errors == []
    assert outcome.data == {
        "books": [
            {"isbn": 1951, "title": "978-0001", "shelfLabel": "BOOK 1 @ 978-0001", "stock": 1},
            {"isbn": 1952, "title": "978-0002", "shelfLabel": "BOOK 2 @ 978-0002", "stock": 2},
        ]
    }


async def test_subgraph_errors_keep_paths_relative_to_the_operation(ask: Ask) -> None:
    outcome = await ask("{ books(first: 14) { title rating } }")
    (error,) = outcome.errors
    assert error["path"] == ["books", 12, "rating"]
    assert error["extensions"]["serviceName"] == "reviews"
    assert outcome.data["books"][12] == {"title": "Book 13", "rating": None}
    assert outcome.data["books"][13]["rating"] == 4.0


async def test_a_subgraph_down_nulls_only_its_part(ask: Ask, subgraphs: InProcessSubgraphs) -> None:
    subgraphs.down.add("inventory")
    outcome = await ask('{ book(isbn: "978-0001") { title stock } topReviews { stars } }')
    assert outcome.data == {"book": None, "topReviews": [{"stars": s} for s in (2, 3, 4, 5, 1)]}
    (error,) = outcome.errors
    assert error["path"] == ["book", "stock"]
    assert error["extensions"] == {
        "code": "subgraph_unavailable",
        "serviceName": "inventory",
        "requestId": "test-request",
    }
    non_null_root = await ask("{ lowStock { isbn } topReviews { stars } }")
    assert non_null_root.data is None
    assert [e["path"] for e in non_null_root.errors] == [["lowStock"]]


async def test_a_slow_subgraph_times_out_alone(ask: Ask, subgraphs: InProcessSubgraphs) -> None:
    subgraphs.delay["reviews"] = 2.0
    outcome = await ask('{ book(isbn: "978-0002") { title rating } }')
    assert outcome.data == {"book": {"title": "Book 2", "rating": None}}
    assert [(e["path"], e["extensions"]["code"]) for e in outcome.errors] == [
        (["book", "rating"], "subgraph_unavailable")
    ]


async def test_headers_reach_every_subgraph_call(ask: Ask, subgraphs: InProcessSubgraphs) -> None:
    headers = {"authorization": "Bearer abc", "x-request-id": "rid-1"}
    await ask("{ books(first: 2) { title stock rating } }", headers=headers)
    assert len(subgraphs.headers) == 3
    for sent in subgraphs.headers:
        assert sent["authorization"] == "Bearer abc"
        assert sent["x-request-id"] == "rid-1"


async def test_introspection_of_the_api_schema(ask: Ask) -> None:
    outcome = await ask(
        """{ __schema { queryType { name } types { name } }
             __type(name: "Book") { fields { name } } books(first: 1) { title } }"""
    )
    assert outcome.errors == []
    names = {t["name"] for t in outcome.data["__schema"]["types"]}
    assert "Book" in names
    assert not any(n.startswith(("join__", "link__")) for n in names)
    assert {f["name"] for f in outcome.data["__type"]["fields"]} >= {"stock", "reviews", "title"}
    assert outcome.data["books"] == [{"title": "Book 1"}]


async def test_invalid_documents_and_variables_are_request_errors(ask: Ask) -> None:
    invalid = await ask("{ books { nope } }")
    assert invalid.request_error
    assert invalid.errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    bad = await ask("query($n: Int!) { books(first: $n) { title } }", {"n": "many"})
    assert bad.request_error
    assert bad.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_unexpected_failures_are_masked(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zikao_gateway.schema import GatewayContext, GatewaySchema

    def explode(*args: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(gateway.planner, "plan", explode)
    result = await GatewaySchema(gateway).execute(
        "{ books { title } }", context_value=GatewayContext(request_id="rid-9")
    )
    (error,) = result.errors or []
    assert error.formatted == {
        "message": "服务器内部错误",
        "extensions": {"code": "internal", "requestId": "rid-9"},
    }
