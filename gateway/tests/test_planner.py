"""The planner over the library supergraph (written for these tests) and over Zikao's."""

from __future__ import annotations

from pathlib import Path

import pytest
from contract import SUPERGRAPH, api_schema
from graphql import lexicographic_sort_schema, parse, print_schema

from zikao_gateway.api_schema import derive_api_schema
from zikao_gateway.gateway import Gateway
from zikao_gateway.operation import select_operation
from zikao_gateway.plan import EntityFetch, Plan
from zikao_gateway.planner import Planner
from zikao_gateway.supergraph import Supergraph, load_supergraph
from zikao_gateway.testing import LIBRARY_SUPERGRAPH, Ask, compose_library


def plan(supergraph: Supergraph, query: str, conditions: dict[str, bool] | None = None) -> Plan:
    planner = Planner(supergraph, derive_api_schema(supergraph.document))
    operation, fragments = select_operation(parse(query), None)
    return planner.plan(operation, fragments, conditions or {})


def shape(result: Plan) -> list[tuple[int, str, list[int], str]]:
    return [
        (f.id, f.graph, sorted(f.after), "entities" if isinstance(f, EntityFetch) else f.kind)
        for f in result.fetches
    ]


@pytest.mark.parametrize("path", [SUPERGRAPH, LIBRARY_SUPERGRAPH], ids=["zikao", "library"])
def test_api_schema_is_the_composers(path: Path) -> None:
    ours = derive_api_schema(load_supergraph(path).document)
    theirs = api_schema(path)
    assert print_schema(lexicographic_sort_schema(ours)) == print_schema(
        lexicographic_sort_schema(theirs)
    )
    assert ours.get_type("join__Graph") is None


def test_library_fixture_is_fresh(tmp_path: Path) -> None:
    out = tmp_path / "library.graphql"
    compose_library(tmp_path, out)
    assert out.read_text("utf-8") == LIBRARY_SUPERGRAPH.read_text("utf-8"), (
        "run `python -c 'from zikao_gateway.testing import *; ...'`: see compose_library"
    )


def test_root_fields_are_grouped_per_subgraph(supergraph: Supergraph) -> None:
    result = plan(
        supergraph, '{ books { title } search(text: "x") { __typename } topReviews { stars } }'
    )
    assert shape(result) == [(0, "CATALOG", [], "query"), (1, "REVIEWS", [], "query")]
    assert "search" in result.fetches[0].operation
    assert "books" in result.fetches[0].operation


def test_a_type_from_three_subgraphs_jumps_once_per_subgraph(supergraph: Supergraph) -> None:
    result = plan(supergraph, "{ books { title reviews { stars } stock shelfLabel rating } }")
    assert shape(result) == [
        (0, "CATALOG", [], "query"),
        (1, "REVIEWS", [0], "entities"),
        (2, "INVENTORY", [0], "entities"),
    ]
    root, reviews, inventory = result.fetches
    assert "__typename isbn" in root.operation
    assert "... on Book { reviews { stars } rating }" in reviews.operation
    assert "... on Book { stock shelfLabel }" in inventory.operation
    assert isinstance(inventory, EntityFetch)
    (part,) = inventory.parts.values()
    assert [f.name for f in part.representations["Book"]] == ["isbn", "title"]  # type: ignore[union-attr]
    assert result.forward is None


def test_requires_fields_are_fetched_first_even_when_not_selected(supergraph: Supergraph) -> None:
    root, inventory = plan(supergraph, '{ book(isbn: "978-0001") { shelfLabel } }').fetches
    assert "title" in root.operation
    assert inventory.after == {root.id}


def test_a_client_alias_on_a_key_name_puts_the_key_under_an_internal_alias(
    supergraph: Supergraph,
) -> None:
    root, _ = plan(supergraph, "{ books { isbn: year title: isbn shelfLabel } }").fetches
    assert "isbn: year title: isbn __typename __key_isbn: isbn __key_title: title" in root.operation
    unaliased, _ = plan(supergraph, "{ books { isbn shelfLabel } }").fetches
    assert "__key_" not in unaliased.operation


def test_provides_keeps_the_field_in_the_providing_subgraph(supergraph: Supergraph) -> None:
    result = plan(supergraph, "{ topReviews { stars author { id name } } }")
    assert shape(result) == [(0, "REVIEWS", [], "query")]
    assert result.forward is not None
    assert result.forward.graph == "REVIEWS"


def test_two_levels_of_lists(supergraph: Supergraph) -> None:
    result = plan(supergraph, "{ books { reviews { stars book { title year } } } }")
    assert shape(result) == [
        (0, "CATALOG", [], "query"),
        (1, "REVIEWS", [0], "entities"),
        (2, "CATALOG", [1], "entities"),
    ]
    book = result.fetches[2]
    assert isinstance(book, EntityFetch)
    assert [s.key for s in next(iter(book.parts.values())).path] == ["books", "reviews", "book"]


def test_unions_are_planned_per_member_with_typename(supergraph: Supergraph) -> None:
    query = """{ search(text: "Book") { ... on Book { title reviews { stars } }
                                        ... on Author { name } } }"""
    root, reviews = plan(supergraph, query).fetches
    assert 'search(text: "Book") { __typename ... on Book {' in root.operation
    assert "... on Author { name }" in root.operation
    assert isinstance(reviews, EntityFetch)
    assert next(iter(reviews.parts.values())).selections.keys() == {"Book"}


def test_whole_operation_is_forwarded_when_one_subgraph_owns_it(supergraph: Supergraph) -> None:
    query = "query Q($n: Int!) { books(first: $n) { title author { name } } }"
    result = plan(supergraph, query)
    assert result.forward is not None
    assert result.forward.graph == "CATALOG"
    assert result.forward.variables == ("n",)


def test_mutation_root_fields_run_in_order(supergraph: Supergraph) -> None:
    query = """mutation {
      a: addReview(isbn: "978-0001", stars: 3) { __typename }
      b: addBook(title: "x") { __typename }
      c: addReview(isbn: "978-0002", stars: 4) { __typename }
    }"""
    assert shape(plan(supergraph, query)) == [
        (0, "REVIEWS", [], "mutation"),
        (1, "CATALOG", [0], "mutation"),
        (2, "REVIEWS", [0, 1], "mutation"),
    ]


def test_a_mutation_stops_at_a_denied_non_null_field(supergraph: Supergraph) -> None:
    """The denied field's null nulls the whole answer; fields run in order, so those after it
    are not run (graphql-js stops there too), and those before it are."""
    query = """mutation {
      a: addReview(isbn: "978-0001", stars: 3) { __typename }
      b: addBook(title: "x") { __typename }
      c: addReview(isbn: "978-0002", stars: 4) { __typename }
    }"""
    planner = Planner(supergraph, derive_api_schema(supergraph.document))
    operation, fragments = select_operation(parse(query), None)
    denied = frozenset({id(operation.selection_set.selections[1])})
    result = planner.plan(operation, fragments, {}, denied)
    assert shape(result) == [(0, "REVIEWS", [], "mutation")]
    assert "addBook" not in result.fetches[0].operation
    assert result.denials


def test_skip_and_include_are_decided_per_condition(supergraph: Supergraph) -> None:
    query = "query($s: Boolean!) { books { title stock @include(if: $s) } }"
    assert len(plan(supergraph, query, {"s": True}).fetches) == 2
    skipped = plan(supergraph, query, {"s": False})
    assert len(skipped.fetches) == 1
    assert "stock" not in skipped.fetches[0].operation


def test_introspection_is_answered_locally(supergraph: Supergraph) -> None:
    result = plan(supergraph, "{ __schema { queryType { name } } books { title } }")
    assert result.introspection is not None
    assert "__schema" in result.introspection
    assert shape(result) == [(0, "CATALOG", [], "query")]
    assert result.forward is None


def test_zikao_candidate_across_three_subgraphs() -> None:
    zikao = load_supergraph(SUPERGRAPH)
    query = "{ me { name major { code } documents { id } } sittings { code } }"
    assert shape(plan(zikao, query)) == [
        (0, "IDENTITY", [], "query"),
        (1, "RECORDS", [0], "entities"),
        (2, "DOCUMENTS", [0], "entities"),
        (3, "RECORDS", [], "query"),
    ]


async def test_plans_are_cached_per_document_and_bounded(gateway: Gateway, ask: Ask) -> None:
    for number in range(10):
        await ask(f"{{ books(first: {number + 1}) {{ title }} }}")
    assert len(gateway.plans) == 8
    query = "{ books(first: 2) { isbn } }"
    await ask(query)
    first = gateway.plans.get((query, None, (), ()))
    assert first is not None
    await ask(query)
    assert gateway.plans.get((query, None, (), ())) is first


def test_a_shareable_root_field_is_taken_where_the_whole_selection_is() -> None:
    """`me` is answered by identity and records alike: a query of records' fields only goes to
    records alone, one of identity's fields to identity, and both to either first."""
    zikao = load_supergraph(SUPERGRAPH)
    results = plan(zikao, 'query { me { results(sitting: "2026-04") { score passed } } }')
    assert shape(results) == [(0, "RECORDS", [], "query")]
    names = plan(zikao, "query { me { name ticketNumber } }")
    assert shape(names) == [(0, "IDENTITY", [], "query")]
    both = plan(zikao, 'query { me { name results(sitting: "2026-04") { score } } }')
    assert [f.graph for f in both.fetches] == ["IDENTITY", "RECORDS"]
