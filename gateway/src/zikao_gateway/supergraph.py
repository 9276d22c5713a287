"""The supergraph as the planner needs it: which subgraph resolves which field, keys, members.

Read from the `@join__*` directives that the composer (`@apollo/composition`, join spec v0.5)
writes into `gateway/supergraph.graphql`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from random import random
from typing import Any

from graphql import (
    BooleanValueNode,
    ConstDirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumValueNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    StringValueNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    ValueNode,
    parse,
)


class SupergraphError(ValueError):
    """The supergraph cannot be read or served."""


@dataclass(frozen=True)
class Subgraph:
    """One subgraph: its id in `join__Graph` (``RECORDS``), its name and its URL."""

    id: str
    name: str
    url: str


@dataclass(frozen=True)
class FieldInfo:
    """Where a field of an object or interface type can be resolved."""

    name: str
    graphs: frozenset[str]
    requires: Mapping[str, str] = field(default_factory=dict)
    provides: Mapping[str, str] = field(default_factory=dict)
    # The field's type as a subgraph declares it, where that differs from the supergraph's
    # (a `@shareable` field that one subgraph makes non-null).
    types: Mapping[str, str] = field(default_factory=dict)


@dataclass
class TypeInfo:
    """A named type of the supergraph and the subgraphs that define it."""

    name: str
    graphs: set[str] = field(default_factory=set)
    keys: dict[str, list[str]] = field(default_factory=dict)
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    implements: dict[str, set[str]] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    # The subgraphs that know this interface only as an `@interfaceObject` (an object type).
    interface_objects: set[str] = field(default_factory=set)


@dataclass
class Supergraph:
    """The subgraphs and the types of a composed supergraph, with the SDL it came from."""

    document: DocumentNode
    subgraphs: dict[str, Subgraph]
    types: dict[str, TypeInfo]
    root_types: dict[str, str]
    # Every value of each enum, those marked `@inaccessible` included.
    enum_values: dict[str, frozenset[str]] = field(default_factory=dict)

    def type(self, name: str) -> TypeInfo:
        try:
            return self.types[name]
        except KeyError:
            raise SupergraphError(f"type {name} is not in the supergraph") from None

    def interface_object_of(self, type_name: str, graph: str) -> str | None:
        """The interface that ``graph`` knows as an `@interfaceObject` in place of the object
        type ``type_name``, if it knows none of that type itself."""
        info = self.type(type_name)
        if graph in info.graphs:
            return None
        for name in sorted(set().union(*info.implements.values())):
            if graph in self.type(name).interface_objects:
                return name
        return None

    def possible_in(self, graph: str, abstract: str, objects: list[str]) -> list[str]:
        """Of ``objects`` (the API's possible types of ``abstract``), those that ``graph``
        can return for it: union members or implementations known to that subgraph."""
        info = self.type(abstract)
        if info.members:
            members = info.members.get(graph, set())
            return [name for name in objects if name in members]
        return [
            name
            for name in objects
            if graph in self.type(name).graphs
            and abstract in self.type(name).implements.get(graph, set())
        ]

    def whole_in(self, graph: str, name: str) -> bool:
        """Whether a fragment on type ``name`` means in ``graph`` what it means in the
        supergraph: the union has all its members there, the interface all its
        implementations, the object type is there a member of every union and an
        implementation of every interface it is one of anywhere."""
        info = self.type(name)
        if info.members:
            return info.members.get(graph, set()) == set().union(*info.members.values())
        if set().union(*info.implements.values()) != info.implements.get(graph, set()):
            return False
        for other in self.types.values():
            if any(name in members for members in other.members.values()):
                if name not in other.members.get(graph, set()):
                    return False
            elif any(name in interfaces for interfaces in other.implements.values()):
                if name not in other.implements.get(graph, set()):
                    return False
        return True

    def with_urls(self, urls: Mapping[str, str]) -> Supergraph:
        """A copy whose subgraphs named in ``urls`` (by name, e.g. ``records``) use those URLs."""
        subgraphs = {
            key: Subgraph(sub.id, sub.name, urls.get(sub.name) or sub.url)
            for key, sub in self.subgraphs.items()
        }
        return Supergraph(self.document, subgraphs, self.types, self.root_types, self.enum_values)


class Labels:
    """Which progressive `@override` labels are on, each decided once per supergraph read:
    ``percent(N)`` is on with probability N % (so N % of the gateway processes that load a
    supergraph send the field to the overriding subgraph, and 0 and 100 are certain); any
    other label is on only where ``enabled`` names it (Hive Gateway, told of none, leaves
    them off)."""

    def __init__(self, enabled: Collection[str] = (), draw: Callable[[], float] = random) -> None:
        self.enabled = frozenset(enabled)
        self.draw = draw
        self._decided: dict[str, bool] = {}

    def on(self, label: str) -> bool:
        decided = self._decided.get(label)
        if decided is None:
            decided = self._decided[label] = self._decide(label)
        return decided

    def _decide(self, label: str) -> bool:
        percent = _PERCENT.fullmatch(label)
        if percent is None:
            return label in self.enabled
        return self.draw() * 100 < float(percent.group(1))


_PERCENT = re.compile(r"percent\((\d+(?:\.\d+)?)\)")


def load_supergraph(path: Path) -> Supergraph:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SupergraphError(f"cannot read the supergraph {path}: {error}") from None
    return read_supergraph(text)


def read_supergraph(sdl: str, labels: Labels | None = None) -> Supergraph:
    document = parse(sdl)
    types: dict[str, TypeInfo] = {}
    subgraphs: dict[str, Subgraph] = {}
    roots = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode):
            roots = {op.operation.value: op.type.name.value for op in definition.operation_types}
        elif isinstance(definition, EnumTypeDefinitionNode) and definition.name.value == (
            "join__Graph"
        ):
            subgraphs = _read_graphs(definition)
        elif isinstance(definition, TypeDefinitionNode):
            types[definition.name.value] = _read_type(definition, labels or Labels())
    if not subgraphs:
        raise SupergraphError("the supergraph names no subgraph (enum join__Graph)")
    _through_interface_objects(types)
    present = {name: root for name, root in roots.items() if root in types}
    enums = {
        d.name.value: frozenset(v.name.value for v in d.values or ())
        for d in document.definitions
        if isinstance(d, EnumTypeDefinitionNode)
    }
    return Supergraph(document, subgraphs, types, present, enums)


def _read_graphs(definition: EnumTypeDefinitionNode) -> dict[str, Subgraph]:
    graphs = {}
    for value in definition.values or ():
        for directive in _directives(value.directives, "join__graph"):
            args = _arguments(directive)
            graphs[value.name.value] = Subgraph(value.name.value, args["name"], args["url"])
    return graphs


def _read_type(definition: TypeDefinitionNode, labels: Labels) -> TypeInfo:
    info = TypeInfo(definition.name.value)
    for directive in _directives(definition.directives, "join__type"):
        args = _arguments(directive)
        graph = args["graph"]
        info.graphs.add(graph)
        if args.get("isInterfaceObject"):
            info.interface_objects.add(graph)
        key = args.get("key")
        if key is not None and args.get("resolvable", True) is not False:
            info.keys.setdefault(graph, []).append(key)
    for directive in _directives(definition.directives, "join__implements"):
        args = _arguments(directive)
        info.implements.setdefault(args["graph"], set()).add(args["interface"])
    if isinstance(definition, UnionTypeDefinitionNode):
        for directive in _directives(definition.directives, "join__unionMember"):
            args = _arguments(directive)
            info.members.setdefault(args["graph"], set()).add(args["member"])
    if isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
        for field_node in definition.fields or ():
            info.fields[field_node.name.value] = _read_field(field_node, info.graphs, labels)
    elif not isinstance(
        definition,
        UnionTypeDefinitionNode
        | EnumTypeDefinitionNode
        | ScalarTypeDefinitionNode
        | InputObjectTypeDefinitionNode,
    ):
        raise SupergraphError(f"unexpected definition of {definition.name.value}")
    return info


def _through_interface_objects(types: dict[str, TypeInfo]) -> None:
    """Gives each field that an implementation takes from an `@interfaceObject` (a bare
    `@join__field`) the subgraphs that resolve it on that interface."""
    for info in types.values():
        interfaces = [types[name] for name in set().union(*info.implements.values())]
        for name, field_info in info.fields.items():
            if field_info.graphs:
                continue
            graphs = {
                graph
                for interface in interfaces
                if name in interface.fields
                for graph in interface.fields[name].graphs & interface.interface_objects
            }
            info.fields[name] = FieldInfo(name, frozenset(graphs))


def _read_field(node: FieldDefinitionNode, type_graphs: set[str], labels: Labels) -> FieldInfo:
    directives = _directives(node.directives, "join__field")
    joins = [args for args in map(_arguments, directives) if "graph" in args]
    if directives and not joins:
        return FieldInfo(node.name.value, frozenset())  # see _through_interface_objects
    if not joins:
        return FieldInfo(node.name.value, frozenset(type_graphs))
    resolving = [a for a in joins if not a.get("external") and not _overridden(a, labels)]
    return FieldInfo(
        node.name.value,
        frozenset(a["graph"] for a in resolving),
        requires={a["graph"]: a["requires"] for a in resolving if a.get("requires")},
        provides={a["graph"]: a["provides"] for a in resolving if a.get("provides")},
        types={a["graph"]: a["type"] for a in resolving if a.get("type")},
    )


def _overridden(join: Mapping[str, Any], labels: Labels) -> bool:
    """Whether a subgraph's `@join__field` does not resolve the field: another subgraph
    overrides it, for good or while its progressive label is on; or it is the overriding
    one, whose label is off."""
    label = join.get("overrideLabel")
    if label is None:
        return bool(join.get("usedOverridden"))
    return labels.on(label) != bool(join.get("override"))


def _directives(
    directives: tuple[ConstDirectiveNode, ...] | None, name: str
) -> list[ConstDirectiveNode]:
    return [d for d in directives or () if d.name.value == name]


def _arguments(directive: ConstDirectiveNode) -> dict[str, Any]:
    return {arg.name.value: _literal(arg.value) for arg in directive.arguments or ()}


def _literal(value: ValueNode) -> object:
    if isinstance(value, StringValueNode):
        return value.value
    if isinstance(value, EnumValueNode):
        return value.value
    if isinstance(value, BooleanValueNode):
        return value.value
    return None
