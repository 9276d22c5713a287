"""Turns a planned operation into subgraph documents, and decides whole-operation forwarding."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    print_ast,
)
from graphql.type import specified_scalar_types

from zikao_gateway.operation import CONDITIONS, INTROSPECTION_ROOT_FIELDS, Field, walk
from zikao_gateway.plan import REPRESENTATIONS, EntityPart, Fetch, Forward, Plan, RootFetch
from zikao_gateway.supergraph import Supergraph


def finish_plan(
    supergraph: Supergraph,
    plan: Plan,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    introspection: bool,
    *,
    forwardable: bool = True,
) -> Plan:
    """Prints each fetch's document; then the gateway's own introspection document, or the
    whole operation as written when one subgraph can answer it alone (and ``forwardable``:
    the plan did not alias the client's fields apart)."""
    definitions = {
        d.variable.name.value: print_ast(d) for d in operation.variable_definitions or ()
    }
    name = operation.name.value if operation.name else None
    for fetch in plan.fetches:
        fetch.operation = _print_fetch(fetch, name, definitions)
    if introspection:
        plan.introspection = _introspection_document(plan, operation, fragments)
    elif forwardable and len(plan.fetches) == 1 and isinstance(plan.fetches[0], RootFetch):
        plan.forward = _forward(supergraph, plan.fetches[0], operation, fragments, definitions)
    return plan


def _forward(
    supergraph: Supergraph,
    fetch: RootFetch,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    definitions: Mapping[str, str],
) -> Forward | None:
    """The operation as written, for the one subgraph that the plan asks, where it can take it."""
    used = _used_fragments(operation, fragments)
    if not _known_to(supergraph, fetch.graph, operation, used) or _conditional(operation, used):
        return None
    document = print_ast(DocumentNode(definitions=(operation, *used)))
    return Forward(fetch.graph, document, tuple(definitions), tuple(fetch.selection_set.fields))


def _print_fetch(fetch: Fetch, name: str | None, definitions: Mapping[str, str]) -> str:
    label = f" {name}__{fetch.graph.lower()}__{fetch.id}" if name else ""
    variables = [definitions[v] for v in sorted(fetch.variables)]
    if isinstance(fetch, RootFetch):
        kind, body = fetch.kind, fetch.selection_set.print()
    else:
        count = len(fetch.parts)
        variables = [f"${REPRESENTATIONS}{i}: [_Any!]!" for i in range(count)] + variables
        calls = (_print_part(i, part) for i, part in enumerate(fetch.parts.values()))
        kind, body = "query", "{ " + " ".join(calls) + " }"
    head = f"({', '.join(variables)})" if variables else ""
    return f"{kind}{label}{head} {body}"


def _print_part(index: int, part: EntityPart) -> str:
    fragments = " ".join(
        f"... on {part.typenames.get(t, t)} {s.print()}" for t, s in part.selections.items()
    )
    return f"_{index}: _entities({REPRESENTATIONS}: ${REPRESENTATIONS}{index}) {{ {fragments} }}"


def _used_fragments(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FragmentDefinitionNode]:
    used: dict[str, FragmentDefinitionNode] = {}
    for node in walk([operation], fragments):
        if isinstance(node, FragmentSpreadNode):
            used.setdefault(node.name.value, fragments[node.name.value])
    return list(used.values())


def _known_to(
    supergraph: Supergraph,
    graph: str,
    operation: OperationDefinitionNode,
    fragments: list[FragmentDefinitionNode],
) -> bool:
    """Whether every type that the operation names (conditions, variables) is in ``graph``,
    and every type condition means there what it means in the supergraph (a union that lacks
    a member there refuses a fragment on it)."""
    names = {_named(d.type).name.value for d in operation.variable_definitions or ()}
    conditions = set()
    for node in walk([operation, *fragments]):
        condition = getattr(node, "type_condition", None)
        if condition is not None:
            conditions.add(condition.name.value)
    types = supergraph.types
    return all(
        n in specified_scalar_types or (n in types and graph in types[n].graphs)
        for n in names | conditions
    ) and all(supergraph.whole_in(graph, n) for n in conditions)


def _conditional(
    operation: OperationDefinitionNode, fragments: list[FragmentDefinitionNode]
) -> bool:
    """Whether anything is under `@skip`/`@include`: the plan then only covers what these
    variables select, and the document as written may name fields of other subgraphs."""
    return any(
        d.name.value in CONDITIONS
        for node in walk([operation, *fragments])
        for d in getattr(node, "directives", None) or ()
    )


def _named(type_node: Any) -> Any:
    while hasattr(type_node, "type"):
        type_node = type_node.type
    return type_node


def _introspection_document(
    plan: Plan,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> str:
    fields = [
        s.node
        for s in plan.selections
        if isinstance(s, Field) and s.name in INTROSPECTION_ROOT_FIELDS and s.node is not None
    ]
    head = " ".join(print_ast(d) for d in operation.variable_definitions or ())
    body = " ".join(print_ast(f) for f in fields)
    rest = " ".join(print_ast(f) for f in fragments.values())
    return f"query{f'({head})' if head else ''} {{ {body} }} {rest}"
