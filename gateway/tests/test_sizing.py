"""Counting a document's field selections without expanding its fragments."""

from __future__ import annotations

import sys
from collections import Counter

import pytest
from contract import client_operations
from graphql import get_introspection_query, parse
from hypothesis import given
from hypothesis import strategies as st

from zikao_gateway.operation import Field, Selection, normalize, select_operation
from zikao_gateway.sizing import MAX_SELECTIONS, UNBOUNDED, FragmentSizer, document_size
from zikao_gateway.testing import doubling_fragments


def expanded_fields(selections: tuple[Selection, ...]) -> int:
    """The fields of a normalised (expanded) operation, counted one by one."""
    return sum(
        (1 if isinstance(s, Field) else 0) + expanded_fields(s.selections) for s in selections
    )


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("{ a }", 1),
        ("{ a { b c } d }", 4),
        ("{ ... on Query { a } ... { b { c } } }", 3),
        ("fragment F on Query { a b } { ...F ...F x: a }", 5),
        ("fragment F on T { a { b } } fragment G on T { ...F c ...F } { x { ...G ...G } }", 11),
        # conditions are not decided: the count is the most that any variables select
        ("query($no: Boolean!) { a @skip(if: true) b @include(if: $no) }", 2),
        # a fragment no operation uses counts as written (the validator reads it too)
        ("fragment Unused on Query { a b c } { a }", 4),
        ("{ ...Missing a }", 1),
        ("fragment A on Query { x ...B } fragment B on Query { ...A } { ...A }", UNBOUNDED),
        ("fragment A on Query { a ...A } { ...A }", UNBOUNDED),
    ],
)
def test_sizes_of_small_documents(query: str, size: int) -> None:
    assert document_size(parse(query)) == size


def test_the_largest_operation_counts() -> None:
    query = "fragment F on Query { a b c } query Small { a } query Large { ...F ...F }"
    assert document_size(parse(query)) == 6


def test_the_default_limit_leaves_room_above_what_clients_send() -> None:
    contract = max(document_size(o.document) for o in client_operations())
    assert contract == 17  # when this changes, so does the limit's description
    introspection = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
        experimental_directive_deprecation=True,
        one_of=True,
    )
    assert document_size(parse(introspection)) == 232  # every option GraphiQL may ask for
    assert MAX_SELECTIONS >= 4 * 232


def test_forty_doubling_levels_are_counted_not_expanded() -> None:
    assert document_size(parse(doubling_fragments(40))) == 2 * 2**40


def test_counts_stop_at_unbounded() -> None:
    assert document_size(parse(doubling_fragments(80))) == UNBOUNDED


def test_a_chain_deeper_than_the_recursion_limit() -> None:
    depth = sys.getrecursionlimit() * 2
    fragments = ["fragment F0 on Query { a }"]
    fragments += [f"fragment F{n} on Query {{ a ...F{n - 1} }}" for n in range(1, depth)]
    query = f"{{ ...F{depth - 1} }}\n" + "\n".join(fragments)
    assert document_size(parse(query)) == depth


SKIP = st.sampled_from(["", " @skip(if: $s)"])


def selection_sets(spreadable: int) -> st.SearchStrategy[str]:
    """Selection sets of fields, inline fragments and spreads of `F0` … `F{spreadable - 1}`,
    some under `@skip(if: $s)`."""
    leaves = st.builds("{}{}".format, st.sampled_from(["a", "b", "c: a"]), SKIP)
    if spreadable:
        leaves |= st.builds("...F{}{}".format, st.integers(0, spreadable - 1), SKIP)

    def nested(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        heads = st.sampled_from(["a", "b", "...", "... on Query"])
        return st.builds("{}{} {}".format, heads, SKIP, braced(inner))

    return braced(st.recursive(leaves, nested, max_leaves=5))


def braced(selections: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(selections, min_size=1, max_size=3).map(lambda s: "{ " + " ".join(s) + " }")


@st.composite
def chains(draw: st.DrawFn) -> str:
    """An operation over fragments each of which may spread the ones before it, repeatedly."""
    count = draw(st.integers(0, 5))
    fragments = [f"fragment F{n} on Query {draw(selection_sets(n))}" for n in range(count)]
    return f"query($s: Boolean!) {draw(selection_sets(count))}\n" + "\n".join(fragments)


def expanded(selections: tuple[Selection, ...]) -> tuple[int, int, Counter[str]]:
    """Aliased fields, depth and top-level field names of a normalised operation."""
    aliases, depth, roots = 0, 0, Counter[str]()
    for s in selections:
        inner_aliases, inner_depth, inner_roots = expanded(s.selections)
        aliases += inner_aliases
        if isinstance(s, Field):
            aliases += s.node is not None and s.node.alias is not None
            depth = max(depth, inner_depth + 1)
            roots[s.name] += 1
        else:
            depth = max(depth, inner_depth)
            roots += inner_roots
    return aliases, depth, roots


@given(chains())
def test_the_count_is_the_size_of_the_expansion(query: str) -> None:
    operation, fragments = select_operation(parse(query), None)
    count = FragmentSizer(fragments).count(operation.selection_set)
    everything = normalize(operation.selection_set, fragments, {"s": False})
    assert count == expanded_fields(everything)
    skipped = normalize(operation.selection_set, fragments, {"s": True})
    assert count >= expanded_fields(skipped)
    # the limits' other sizes, from the same walk: aliases, depth, root fields by name
    totals = FragmentSizer(fragments).totals(operation.selection_set)
    assert (totals.aliases, totals.depth, totals.roots) == expanded(everything)
