"""The limits on a document: each counted in sizing.py's one walk, fragments expanded, and
refused with its own code before validation; every client operation passes the defaults."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from contract import client_operations
from graphql import get_introspection_query, parse, print_ast

from zikao_gateway.gateway import Gateway
from zikao_gateway.limits import MAX_ALIASES, MAX_DEPTH, MAX_ROOT_FIELDS, MAX_TOKENS, Limits
from zikao_gateway.settings import DEFAULT_SUPERGRAPH
from zikao_gateway.sizing import UNBOUNDED, measure
from zikao_gateway.subgraphs import SubgraphClient
from zikao_gateway.supergraph import load_supergraph


@pytest.fixture(scope="module")
async def zikao() -> AsyncIterator[Gateway]:
    """A gateway over Zikao's own supergraph; these tests read documents, never subgraphs."""
    supergraph = load_supergraph(DEFAULT_SUPERGRAPH)
    client = SubgraphClient(supergraph.subgraphs, timeout=1)
    gateway = Gateway(supergraph, client, limits=Limits())
    yield gateway
    await gateway.aclose()
    await client.aclose()


def code(gateway: Gateway, query: str) -> str | None:
    document = gateway.document(query)
    if document.node is not None:
        return None
    extensions = document.errors[0].get("extensions")
    assert isinstance(extensions, dict)
    return str(extensions["code"])


@pytest.mark.parametrize(
    ("query", "depth", "aliases", "roots"),
    [
        ("{ a }", 1, 0, {"a": 1}),
        ("{ a { b { c } } x: a }", 3, 1, {"a": 2}),
        ("fragment F on Query { a: x b: x } { ...F ...F y { z } }", 2, 4, {"x": 4, "y": 1}),
        ("fragment F on T { a { b } } { x { ...F } }", 3, 0, {"x": 1}),
        ("fragment G on T { q } fragment F on T { a { ...G } } { x { y { ...F } } }", 4, 0, {}),
        ("{ ... on Query { a ... { b: a } } }", 1, 1, {"a": 2}),
        ("fragment A on Query { a ...A } { ...A }", UNBOUNDED, UNBOUNDED, {"a": 1}),
    ],
)
def test_measures_expand_fragments(
    query: str, depth: int, aliases: int, roots: dict[str, int]
) -> None:
    measures = measure(parse(query))
    assert measures.depth == depth
    assert measures.aliases == aliases
    if roots:
        assert dict(measures.roots[None]) == roots


def test_root_fields_are_counted_per_operation() -> None:
    measures = measure(parse("query A { a b c } query B { a }"))
    assert measures.root_fields == 3
    assert {name: dict(c) for name, c in measures.roots.items()} == {
        "A": {"a": 1, "b": 1, "c": 1},
        "B": {"a": 1},
    }


def test_every_client_operation_passes_the_defaults(zikao: Gateway) -> None:
    for operation in client_operations():
        document = zikao.document(print_ast(operation.document))
        assert document.errors == (), operation.name
        assert document.node is not None


def test_graphiql_introspection_passes_the_defaults(zikao: Gateway) -> None:
    assert code(zikao, get_introspection_query(descriptions=True)) is None


def test_a_thousand_aliases_of_a_cheap_field_are_refused(zikao: Gateway) -> None:
    query = "{ " + " ".join(f"r{n}: __typename" for n in range(1000)) + " }"
    assert code(zikao, query) == "too_many_tokens"  # the first limit, checked while parsing
    assert refused(query, Limits(tokens=0)) == "too_many_aliases"


def test_three_hundred_captchas_are_refused(zikao: Gateway) -> None:
    query = "mutation { " + " ".join(f"c{n}: newCaptcha {{ id }}" for n in range(300)) + " }"
    assert code(zikao, query) == "too_many_tokens"
    assert refused(query, Limits(tokens=0)) == "too_many_aliases"
    # the same without aliases: one root field selected 300 times
    without = "mutation { " + " ".join("newCaptcha { id }" for _ in range(300)) + " }"
    assert refused(without, Limits(tokens=0)) == "too_many_root_fields"
    some = " ".join(f"c{n}: newCaptcha {{ id }}" for n in range(MAX_ROOT_FIELDS))
    assert code(zikao, f"mutation {{ {some} }}") is None  # left to the rate limit of captchas


def refused(query: str, limits: Limits) -> str | None:
    error = limits.refusal(measure(parse(query)))
    return None if error is None else str(error["extensions"]["code"])  # type: ignore[index]


def test_aliases_hidden_in_fragments_are_counted(zikao: Gateway) -> None:
    inner = " ".join(f"r{n}: regions {{ code }}" for n in range(MAX_ALIASES // 2 + 1))
    query = f"fragment F on Query {{ {inner} }} {{ ...F ...F }}"
    assert code(zikao, query) == "too_many_aliases"


def test_depth_is_counted_through_fragments(zikao: Gateway) -> None:
    levels = MAX_DEPTH // 2 + 1
    fragment = "fragment F on Query { " + "a { " * levels + "b" + " }" * levels + " }"
    query = "{ " + "x { " * levels + "...F" + " }" * levels + " }\n" + fragment
    assert code(zikao, query) == "operation_too_deep"


def test_root_fields_are_limited(zikao: Gateway) -> None:
    query = "{ " + " ".join(["regions { code }"] * (MAX_ROOT_FIELDS + 1)) + " }"
    assert code(zikao, query) == "too_many_root_fields"
    query = "{ " + " ".join(["regions { code }"] * MAX_ROOT_FIELDS) + " }"
    assert code(zikao, query) is None


def test_tokens_are_limited_while_parsing(zikao: Gateway) -> None:
    padding = " ".join(["__typename"] * MAX_TOKENS)
    assert code(zikao, "{ " + padding + " }") == "too_many_tokens"


def test_zero_switches_a_limit_off() -> None:
    limits = Limits(aliases=0, depth=0)
    assert limits.unlimited == ("depth", "aliases")
    measures = measure(parse("{ x { " + " ".join(f"a{n}: x" for n in range(500)) + " } }"))
    assert limits.refusal(measures) is None
    assert Limits().refusal(measures) is not None


def test_comments_count_as_tokens(zikao: Gateway) -> None:
    comments = "\n".join(["# hello"] * (MAX_TOKENS + 1))
    assert code(zikao, comments + "\n{ __typename }") == "too_many_tokens"
