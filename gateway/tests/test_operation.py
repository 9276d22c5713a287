"""The operation as the planner walks it: `walk` and what is read through it."""

from __future__ import annotations

from graphql import FieldNode, FragmentDefinitionNode, parse

from zikao_gateway.operation import condition_variables, select_operation, walk


def test_walk_enters_each_spread_fragment_once() -> None:
    document = parse("{ a { ...F } b { ...F } } fragment F on T { c ...G } fragment G on T { d }")
    operation, fragments = select_operation(document, None)
    nodes = list(walk([operation], fragments))
    entered = [n.name.value for n in nodes if isinstance(n, FragmentDefinitionNode)]
    assert entered == ["F", "G"]
    assert sorted(n.name.value for n in nodes if isinstance(n, FieldNode)) == list("abcd")


def test_walk_without_fragments_stays_in_the_nodes_given() -> None:
    operation, _ = select_operation(parse("{ a { ...F } } fragment F on T { c }"), None)
    assert [n.name.value for n in walk([operation]) if isinstance(n, FieldNode)] == ["a"]


def test_condition_variables_are_read_in_fragments_too() -> None:
    document = parse(
        "query($x: Boolean!, $y: Boolean!) { a @skip(if: $x) { ...F } }"
        " fragment F on T { c @include(if: $y) d @other(if: $z) }"
    )
    assert condition_variables(document) == ("x", "y")
