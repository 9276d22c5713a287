"""The API schema: the supergraph as clients see it, without the federation machinery."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    Node,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    build_ast_schema,
)

MACHINERY_PREFIXES = ("join__", "link__")
MACHINERY_DIRECTIVES = frozenset({"link", "inaccessible", "tag"})
INACCESSIBLE = "inaccessible"
N = TypeVar("N", bound=Node)


def derive_api_schema(supergraph: DocumentNode) -> GraphQLSchema:
    """Strips `join__*`/`link__*` types and directives, `@link`, `@tag` and every element
    marked `@inaccessible`, then builds the schema that clients are served."""
    definitions: list[Any] = []
    for definition in supergraph.definitions:
        if isinstance(definition, DirectiveDefinitionNode):
            if not _is_machinery_directive(definition.name.value):
                definitions.append(definition)
        elif isinstance(definition, SchemaDefinitionNode):
            definitions.append(replace_node(definition, directives=()))
        elif isinstance(definition, TypeDefinitionNode):
            if not definition.name.value.startswith(MACHINERY_PREFIXES) and not _hidden(definition):
                definitions.append(_clean_type(definition))
        else:
            definitions.append(definition)
    return build_ast_schema(DocumentNode(definitions=tuple(definitions)))


def _is_machinery_directive(name: str) -> bool:
    return name in MACHINERY_DIRECTIVES or name.startswith(MACHINERY_PREFIXES)


def _hidden(node: Any) -> bool:
    return any(d.name.value == INACCESSIBLE for d in node.directives or ())


def _kept_directives(node: Any) -> tuple[Any, ...]:
    return tuple(d for d in node.directives or () if not _is_machinery_directive(d.name.value))


def _clean_type(definition: TypeDefinitionNode) -> TypeDefinitionNode:
    changes: dict[str, Any] = {"directives": _kept_directives(definition)}
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        changes["fields"] = tuple(
            replace_node(
                f,
                directives=_kept_directives(f),
                arguments=tuple(
                    replace_node(a, directives=_kept_directives(a))
                    for a in f.arguments or ()
                    if not _hidden(a)
                ),
            )
            for f in definition.fields or ()
            if not _hidden(f)
        )
    elif isinstance(definition, InputObjectTypeDefinitionNode):
        changes["fields"] = tuple(
            replace_node(f, directives=_kept_directives(f))
            for f in definition.fields or ()
            if not _hidden(f)
        )
    elif isinstance(definition, EnumTypeDefinitionNode):
        changes["values"] = tuple(
            replace_node(v, directives=_kept_directives(v))
            for v in definition.values or ()
            if not _hidden(v)
        )
    return replace_node(definition, **changes)


def replace_node(node: N, **changes: Any) -> N:
    """A copy of an AST node with some attributes changed."""
    return dataclasses.replace(node, **changes)
