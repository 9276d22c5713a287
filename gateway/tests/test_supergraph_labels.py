"""Progressive `@override` labels: which subgraph resolves a field, decided per supergraph read."""

from __future__ import annotations

from zikao_gateway.supergraph import Labels, read_supergraph

SUPERGRAPH = """
schema @link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION) { query: Query }
enum join__Graph {
  NEW @join__graph(name: "new", url: "http://new.test/graphql")
  OLD @join__graph(name: "old", url: "http://old.test/graphql")
}
type Query @join__type(graph: NEW) @join__type(graph: OLD) {
  price: Int! @join__field(graph: NEW, override: "old", overrideLabel: "percent(30)")
    @join__field(graph: OLD, overrideLabel: "percent(30)")
  stock: Int! @join__field(graph: NEW, override: "old", overrideLabel: "beta")
    @join__field(graph: OLD, overrideLabel: "beta")
  name: String! @join__field(graph: NEW, override: "old")
    @join__field(graph: OLD, usedOverridden: true)
}
"""


def graphs(labels: Labels, field: str) -> set[str]:
    return set(read_supergraph(SUPERGRAPH, labels).type("Query").fields[field].graphs)


def test_a_percentage_label_is_on_for_draws_below_it() -> None:
    assert graphs(Labels(draw=lambda: 0.29), "price") == {"NEW"}
    assert graphs(Labels(draw=lambda: 0.3), "price") == {"OLD"}


def test_another_label_is_on_only_where_enabled() -> None:
    assert graphs(Labels(), "stock") == {"OLD"}
    assert graphs(Labels(enabled={"beta"}), "stock") == {"NEW"}


def test_an_override_without_a_label_always_holds() -> None:
    assert graphs(Labels(enabled={"beta"}), "name") == {"NEW"}


def test_a_label_is_decided_once_per_read() -> None:
    draws = iter([0.1, 0.9])
    labels = Labels(draw=lambda: next(draws))
    assert labels.on("percent(50)")
    assert labels.on("percent(50)")
    assert not labels.on("percent(20)")
