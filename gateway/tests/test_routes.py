"""Routes: key chains through a third subgraph, and a field no route reaches."""

from __future__ import annotations

import pytest
from graphql import parse

from zikao_gateway.api_schema import derive_api_schema
from zikao_gateway.operation import select_operation
from zikao_gateway.plan import EntityFetch, Plan, PlanningError
from zikao_gateway.planner import Planner
from zikao_gateway.supergraph import read_supergraph

SUPERGRAPH = """
schema @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION) { query: Query }
enum join__Graph {
  A @join__graph(name: "a", url: "http://a.test/graphql")
  B @join__graph(name: "b", url: "http://b.test/graphql")
  C @join__graph(name: "c", url: "http://c.test/graphql")
}
type Query @join__type(graph: A) @join__type(graph: B) @join__type(graph: C) {
  users: [User!]! @join__field(graph: A)
  stats: Stats @join__field(graph: A)
}
type User @join__type(graph: A, key: "id") @join__type(graph: B, key: "id")
  @join__type(graph: B, key: "email") @join__type(graph: C, key: "email") {
  id: ID! @join__field(graph: A) @join__field(graph: B)
  email: String! @join__field(graph: B) @join__field(graph: C)
  inbox: Int! @join__field(graph: C)
}
type Stats @join__type(graph: A) @join__type(graph: B) {
  count: Int! @join__field(graph: A)
  mean: Float! @join__field(graph: B)
}
"""


def plan(query: str) -> Plan:
    supergraph = read_supergraph(SUPERGRAPH)
    planner = Planner(supergraph, derive_api_schema(supergraph.document))
    operation, fragments = select_operation(parse(query), None)
    return planner.plan(operation, fragments, {})


def test_a_key_chain_goes_through_the_subgraph_that_knows_both_keys() -> None:
    fetches = plan("{ users { inbox } }").fetches
    assert [f.graph for f in fetches] == ["A", "B", "C"]
    through, last = fetches[1], fetches[2]
    assert isinstance(through, EntityFetch)
    assert isinstance(last, EntityFetch)
    assert "email" in through.operation
    assert last.after == {0, 1}


def test_a_field_no_route_reaches_cannot_be_planned() -> None:
    with pytest.raises(PlanningError, match=r"Stats\.mean cannot be planned"):
        plan("{ stats { mean } }")
