"""A client's operation in the form the planner and the response shaper walk.

Fragment spreads become inline fragments, `@skip`/`@include` are decided with the request's
variables (so a plan is cached per document, operation and the values of those conditions),
and fields keep their arguments as written (variables stay variables). A field selection the
caller may not see (`authorization`) stays, marked ``denied`` and without its sub-selections:
the shaper answers it null with an error wherever it is reached, and the planner plans
`permitted` selections only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    is_abstract_type,
    print_ast,
)

INTROSPECTION_ROOT_FIELDS = frozenset({"__schema", "__type"})
CONDITIONS = ("skip", "include")


@dataclass(frozen=True)
class Field:
    """A field as selected: response key, name, printed arguments and sub-selections;
    ``denied`` where the caller may not see it."""

    key: str
    name: str
    arguments: str = ""
    variables: frozenset[str] = frozenset()
    selections: tuple[Selection, ...] = ()
    node: FieldNode | None = field(default=None, compare=False)
    denied: bool = False


@dataclass(frozen=True)
class Fragment:
    """An inline fragment (or an inlined named fragment), with its type condition if any."""

    type_condition: str | None
    selections: tuple[Selection, ...]


Selection = Field | Fragment


class OperationError(Exception):
    """The request names no operation that the document holds (an error of the request)."""


def select_operation(
    document: DocumentNode, operation_name: str | None
) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if operation_name is None:
        if len(operations) != 1:
            raise OperationError("必须提供 operationName：文档含有多个操作")
        return operations[0], fragments
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation, fragments
    raise OperationError(f"未知的操作 {operation_name!r}")


def walk(
    nodes: Iterable[Node], fragments: Mapping[str, FragmentDefinitionNode] | None = None
) -> Iterator[Node]:
    """``nodes`` and every selection below them, depth first. With ``fragments``, a spread
    also leads into its definition (each definition once)."""
    stack: list[Node] = list(nodes)
    entered: set[str] = set()
    while stack:
        node = stack.pop()
        yield node
        if fragments is not None and isinstance(node, FragmentSpreadNode):
            if node.name.value not in entered:
                entered.add(node.name.value)
                stack.append(fragments[node.name.value])
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)


def condition_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables that `@skip(if:)`/`@include(if:)` read anywhere in the document."""
    names: set[str] = set()
    for node in walk(document.definitions):
        for directive in getattr(node, "directives", None) or ():
            if directive.name.value in CONDITIONS:
                names.update(_variables(directive.arguments or ()))
    return tuple(sorted(names))


def normalize(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    denied: Collection[int] = frozenset(),
) -> tuple[Selection, ...]:
    """The selections with fragments inlined and `@skip`/`@include` applied; the field nodes
    whose `id` is in ``denied`` are marked so."""
    result: list[Selection] = []
    for node in selection_set.selections:
        if not _included(node.directives or (), variables):
            continue
        if isinstance(node, FieldNode):
            result.append(_field(node, fragments, variables, denied))
        elif isinstance(node, InlineFragmentNode):
            condition = node.type_condition.name.value if node.type_condition else None
            selections = normalize(node.selection_set, fragments, variables, denied)
            result.append(Fragment(condition, selections))
        elif isinstance(node, FragmentSpreadNode):
            definition = fragments[node.name.value]
            selections = normalize(definition.selection_set, fragments, variables, denied)
            result.append(Fragment(definition.type_condition.name.value, selections))
    return tuple(result)


def _field(
    node: FieldNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
    denied: Collection[int],
) -> Field:
    arguments = node.arguments or ()
    printed = "(" + ", ".join(print_ast(a) for a in arguments) + ")" if arguments else ""
    refused = id(node) in denied
    selections = (
        normalize(node.selection_set, fragments, variables, denied)
        if node.selection_set and not refused
        else ()
    )
    return Field(
        key=node.alias.value if node.alias else node.name.value,
        name=node.name.value,
        arguments=printed,
        variables=frozenset(_variables(arguments)),
        selections=selections,
        node=node,
        denied=refused,
    )


def permitted(selections: tuple[Selection, ...]) -> tuple[Selection, ...]:
    """``selections`` without the denied fields (a field all of whose sub-selections are
    denied stays, with none: the planner selects its `__typename`)."""
    result: list[Selection] = []
    for selection in selections:
        if isinstance(selection, Fragment):
            result.append(Fragment(selection.type_condition, permitted(selection.selections)))
        elif not selection.denied:
            below = permitted(selection.selections) if selection.selections else ()
            result.append(replace(selection, selections=below))
    return tuple(result)


def holds_denied(selections: tuple[Selection, ...]) -> bool:
    """Whether ``selections`` hold a field the caller may not see, at any depth."""
    return any(
        (isinstance(s, Field) and s.denied) or holds_denied(s.selections) for s in selections
    )


def _variables(arguments: tuple[ArgumentNode, ...]) -> set[str]:
    names: set[str] = set()
    stack: list[Any] = [a.value for a in arguments]
    while stack:
        value = stack.pop()
        if isinstance(value, VariableNode):
            names.add(value.name.value)
        stack.extend(getattr(value, "values", None) or ())
        stack.extend(f.value for f in getattr(value, "fields", None) or ())
    return names


def _included(directives: tuple[DirectiveNode, ...], variables: Mapping[str, Any]) -> bool:
    for directive in directives:
        name = directive.name.value
        if name not in CONDITIONS:
            continue
        condition = _condition(directive, variables)
        if (name == "skip" and condition) or (name == "include" and not condition):
            return False
    return True


def _condition(directive: DirectiveNode, variables: Mapping[str, Any]) -> bool:
    for argument in directive.arguments or ():
        if argument.name.value != "if":
            continue
        value = argument.value
        if isinstance(value, BooleanValueNode):
            return value.value
        if isinstance(value, VariableNode):
            return bool(variables.get(value.name.value))
    return False


def applies(schema: GraphQLSchema, condition: str | None, type_name: str) -> bool:
    """Whether a fragment with this type condition applies to an object of ``type_name``."""
    if condition is None or condition == type_name:
        return True
    condition_type = schema.get_type(condition)
    object_type = schema.get_type(type_name)
    if condition_type is None or object_type is None or not is_abstract_type(condition_type):
        return False
    return schema.is_sub_type(condition_type, object_type)


def collect_fields(
    schema: GraphQLSchema, selections: tuple[Selection, ...], type_name: str
) -> dict[str, list[Field]]:
    """The fields that apply to an object of ``type_name``, grouped by response key in order."""
    fields: dict[str, list[Field]] = {}
    stack = list(reversed(selections))
    while stack:
        selection = stack.pop()
        if isinstance(selection, Field):
            fields.setdefault(selection.key, []).append(selection)
        elif applies(schema, selection.type_condition, type_name):
            stack.extend(reversed(selection.selections))
    return fields


def sub_selections(fields: list[Field]) -> tuple[Selection, ...]:
    """The merged sub-selections of the fields sharing one response key."""
    if len(fields) == 1:
        return fields[0].selections
    return tuple(s for f in fields for s in f.selections)
