"""The gateway's metrics: bounded, escaped operation labels, one series per name."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from zikao_gateway.metrics import ANONYMOUS, OTHER, GatewayMetrics


def samples(metrics: GatewayMetrics, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The values of metric family ``name`` by their labels, read back from the exposition."""
    text = metrics.exposition().decode()
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def test_each_name_gets_its_series_once() -> None:
    metrics = GatewayMetrics(["records"])
    assert metrics.operation("MyExams") is metrics.operation("MyExams")
    assert metrics.operation(None) is metrics.operation(None)
    metrics.operation("MyExams").record("ok", 0.01)
    metrics.operation("MyExams").record("errors", 0.02)
    metrics.operation(None).record("refused", 0.001)
    counts = samples(metrics, "zikao_gateway_operations_total")
    assert counts[(("operation", "MyExams"), ("outcome", "ok"))] == 1
    assert counts[(("operation", "MyExams"), ("outcome", "errors"))] == 1
    assert counts[(("operation", ANONYMOUS), ("outcome", "refused"))] == 1
    latency = samples(metrics, "zikao_gateway_operation_seconds_count")
    assert latency[(("operation", "MyExams"),)] == 2


def test_names_past_the_bound_or_not_graphql_names_fold_into_other() -> None:
    metrics = GatewayMetrics([], max_operations=3)
    hostile = ['A"} 1\nzikao_fake 9', "x" * 65, "名字", "", "1abc", "a b"]
    for name in ["One", "Two", "Three", "Four", "Five", *hostile]:
        metrics.operation(name).record("ok", 0.01)
    counts = samples(metrics, "zikao_gateway_operations_total")
    named = {dict(labels)["operation"] for labels, value in counts.items() if value}
    assert named == {"One", "Two", "Three", OTHER}
    assert counts[(("operation", OTHER), ("outcome", "ok"))] == 2 + len(hostile)
    assert "zikao_fake" not in metrics.exposition().decode()


def test_subgraph_calls_by_subgraph_and_outcome() -> None:
    metrics = GatewayMetrics(["identity", "records"])
    metrics.subgraph("records").record("ok", 0.004)
    metrics.subgraph("records").record("unavailable", 10.0)
    counts = samples(metrics, "zikao_gateway_subgraph_requests_total")
    assert counts[(("outcome", "ok"), ("subgraph", "records"))] == 1
    assert counts[(("outcome", "unavailable"), ("subgraph", "records"))] == 1
    assert counts[(("outcome", "ok"), ("subgraph", "identity"))] == 0
    seconds = samples(metrics, "zikao_gateway_subgraph_request_seconds_sum")
    assert seconds[(("subgraph", "records"),)] == 10.004
