"""Plans an operation over the supergraph: which subgraph fetches what, and in which order.

Root fields are grouped per subgraph (one request each; mutations in order). A field that the
current subgraph cannot resolve becomes an entity jump: the current fetch also selects
`__typename` and a key (plus any `@requires` fields), and a dependent fetch asks the owning
subgraph for the field through `_entities`. Where the current subgraph cannot select any key of
the owner, the key's fields come from a nearer subgraph first (a key chain). A fetch waits for
every fetch that writes what it reads. Jumps to the same subgraph that wait on the same fetches
share one request, one `_entities` alias per path. A key (or `@requires`) field whose
name the client took as an alias of another field (or that another requirement takes with other
arguments) is selected as `__key_<name>: <name>` (or `__key_<name>_<n>`); the executor reads it
from there, and the shaper, which keeps only the client's keys, drops it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from itertools import chain, count
from typing import Any

from graphql import (
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    OperationDefinitionNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_non_null_type,
    parse,
    print_ast,
)

from zikao_gateway.operation import (
    INTROSPECTION_ROOT_FIELDS,
    Field,
    Selection,
    collect_fields,
    holds_denied,
    normalize,
    permitted,
    sub_selections,
)
from zikao_gateway.plan import (
    INTERNAL_KEY_PREFIX,
    EntityFetch,
    Fetch,
    Path,
    Plan,
    PlanningError,
    RootFetch,
    SelectionSet,
    Step,
    typed_alias,
)
from zikao_gateway.printing import finish_plan
from zikao_gateway.routes import Provided, Routes, local
from zikao_gateway.supergraph import FieldInfo, Supergraph

# The fetches that write a planned selection into the response, besides the one it is in.
Deps = frozenset[int]


class Planner:
    """Plans operations for one supergraph and its API schema."""

    def __init__(self, supergraph: Supergraph, schema: GraphQLSchema) -> None:
        self.supergraph = supergraph
        self.schema = schema
        self._field_sets: dict[str, tuple[Selection, ...]] = {}
        self.routes = Routes(supergraph, schema, self.field_set)
        # Enums of which subgraphs may answer values that the API schema lacks.
        self.hiding_enums = frozenset(
            name
            for name, definition in schema.type_map.items()
            if isinstance(definition, GraphQLEnumType)
            and supergraph.enum_values.get(name, frozenset()) - set(definition.values)
        )

    def plan(
        self,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        conditions: Mapping[str, Any],
        denied: Collection[int] = frozenset(),
    ) -> Plan:
        """The plan of ``operation``; the field nodes whose `id` is in ``denied`` (those the
        caller may not see) are planned for no one (the shaper answers them null), nor are a
        mutation's root fields after a denied non-null one (`_unreached`)."""
        selections = normalize(operation.selection_set, fragments, conditions, denied)
        denials = holds_denied(selections)
        kind = operation.operation.value
        builder = _PlanBuilder(self, kind)
        if denials:
            builder.plan_root(permitted(selections), self._unreached(kind, selections))
        else:
            builder.plan_root(selections)
        plan = Plan(kind, selections, builder.fetches, denials=denials)
        return finish_plan(
            self.supergraph,
            plan,
            operation,
            fragments,
            builder.introspection,
            forwardable=builder.forwardable and not denials,
        )

    def _unreached(self, kind: str, selections: tuple[Selection, ...]) -> frozenset[str]:
        """A mutation's root fields after a denied non-null one: that one's null nulls the
        whole answer, and mutation fields run in order, so the later ones are not run (as
        graphql-js stops a serial execution at a null that reaches the root)."""
        root = self.schema.mutation_type
        if kind != "mutation" or root is None:
            return frozenset()
        keys = list(collect_fields(self.schema, selections, root.name).items())
        for position, (_, same) in enumerate(keys):
            definition = root.fields.get(same[0].name)
            denied = any(f.denied for f in same)
            if denied and definition is not None and is_non_null_type(definition.type):
                return frozenset(key for key, _ in keys[position + 1 :])
        return frozenset()

    def field_set(self, text: str) -> tuple[Selection, ...]:
        """A `@key`/`@requires`/`@provides` field set as selections."""
        # Planning threads may fill one entry at once; they fill it alike, and one stays.
        cached = self._field_sets.get(text)
        if cached is None:
            operation = parse("{" + text + "}").definitions[0]
            assert isinstance(operation, OperationDefinitionNode)
            cached = self._field_sets[text] = normalize(operation.selection_set, {}, {})
        return cached


class _PlanBuilder:
    def __init__(self, planner: Planner, kind: str) -> None:
        self.planner = planner
        self.supergraph = planner.supergraph
        self.schema = planner.schema
        self.kind = kind
        self.fetches: list[Fetch] = []
        self.introspection = False
        # False once the plan aliases a client's field apart (the operation as written would
        # be refused), or selects an enum whose answers the shaper must check.
        self.forwardable = True
        self._entity_fetches: dict[tuple[str, frozenset[int]], EntityFetch] = {}

    def plan_root(self, selections: tuple[Selection, ...], unreached: Collection[str] = ()) -> None:
        root_name = self.supergraph.root_types.get(self.kind)
        if root_name is None:
            raise PlanningError(f"the {self.kind} cannot be planned: the supergraph has no root")
        root_info = self.supergraph.type(root_name)
        by_graph: dict[str, RootFetch] = {}
        previous: RootFetch | None = None
        for key, same in collect_fields(self.schema, selections, root_name).items():
            name = same[0].name
            if name == "__typename" or key in unreached:
                continue
            if name in INTROSPECTION_ROOT_FIELDS:
                self.introspection = True
                continue
            info = root_info.fields[name]
            if self.kind == "mutation":
                fetch = self._mutation_fetch(info, previous)
                previous = fetch
            else:
                graph = self._root_graph(root_name, key, same, info, by_graph)
                fetch = by_graph.get(graph) or self._root_fetch(graph, frozenset())
                by_graph[graph] = fetch
            self.plan_field(fetch, fetch.selection_set, root_name, key, same, info, (), None)

    def _root_graph(
        self,
        root_name: str,
        key: str,
        same: list[Field],
        info: FieldInfo,
        by_graph: Mapping[str, RootFetch],
    ) -> str:
        """The subgraph to take a query's root field from: of those that resolve it (a
        `@shareable` field has several), the one whose plan of the field makes the fewest
        fetches (a fetch the operation already makes is free); then one already fetched
        from; then the first by name."""
        if len(info.graphs) == 1:
            return next(iter(info.graphs))
        costs = []
        for graph in sorted(info.graphs):
            trial = _PlanBuilder(self.planner, self.kind)
            fetch = trial._root_fetch(graph, frozenset())
            try:
                trial.plan_field(fetch, fetch.selection_set, root_name, key, same, info, (), None)
            except PlanningError:
                continue  # not reachable from there
            costs.append((len(trial.fetches) - (graph in by_graph), graph not in by_graph, graph))
        if not costs:
            return min(info.graphs)  # planned again below, to raise the planning error
        return min(costs)[2]

    def _root_fetch(self, graph: str, after: frozenset[int]) -> RootFetch:
        fetch = RootFetch(len(self.fetches), graph, after, self.kind, SelectionSet())
        self.fetches.append(fetch)
        return fetch

    def _mutation_fetch(self, info: FieldInfo, previous: RootFetch | None) -> RootFetch:
        if previous is not None and previous.graph in info.graphs:
            return previous
        return self._root_fetch(min(info.graphs), frozenset(f.id for f in self.fetches))

    def plan_object(
        self,
        fetch: Fetch,
        target: SelectionSet,
        type_name: str,
        fields: dict[str, list[Field]],
        path: Path,
        provided: Provided | None,
        entity: bool = False,
        taken: Mapping[str, tuple[str, str]] | None = None,
    ) -> Deps:
        """Selects ``fields`` of an object of ``type_name`` in ``fetch``'s subgraph, and plans
        jumps for those it cannot resolve. ``entity``: the object comes from `_entities`, so
        its representation carries the `@requires` fields. ``taken``: the client's response
        keys of the object, where ``fields`` are the planner's own (keys, requirements).
        Returns the other fetches that write these fields into the response (a fetch that
        reads them waits for those)."""
        info = self.supergraph.type(type_name)
        jumps: dict[str, list[tuple[str, list[Field]]]] = {}
        deps: set[int] = set()
        for key, same in fields.items():
            name = same[0].name
            if name == "__typename":
                continue
            field_info = info.fields.get(name)
            if field_info is None:
                raise PlanningError(f"{type_name}.{name} cannot be planned: not in the supergraph")
            if local(fetch.graph, field_info, provided, entity) and self._covered(
                fetch.graph, type_name, field_info, same, provided
            ):
                deps |= self.plan_field(
                    fetch, target, type_name, key, same, field_info, path, provided
                )
            else:
                graph = self.planner.routes.graph_for(
                    fetch.graph, type_name, field_info, jumps, provided
                )
                jumps.setdefault(graph, []).append((key, same))
        taken = {**_taken(fields), **(taken or {})}
        for graph, items in jumps.items():
            deps |= self._jump(fetch, target, type_name, graph, items, path, provided, taken)
        return frozenset(deps)

    def plan_field(
        self,
        fetch: Fetch,
        target: SelectionSet,
        parent: str,
        key: str,
        same: list[Field],
        info: FieldInfo,
        path: Path,
        provided: Provided | None,
    ) -> Deps:
        first = same[0]
        fetch.variables.update(v for f in same for v in f.variables)
        parent_type = self.schema.get_type(parent)
        assert isinstance(parent_type, GraphQLObjectType | GraphQLInterfaceType)
        field_type = get_named_type(parent_type.fields[first.name].type)
        if is_leaf_type(field_type):
            target.leaf(key, first.name, first.arguments)
            if field_type.name in self.planner.hiding_enums:
                self.forwardable = False  # the shaper must null the values the API lacks
            return frozenset()
        child = target.composite(key, first.name, first.arguments)
        below = self._provided_below(fetch.graph, info, provided)
        sub = sub_selections(same)
        step_path = (*path, Step(key, parent))
        if not is_abstract_type(field_type):
            fields = collect_fields(self.schema, sub, field_type.name)
            return self.plan_object(fetch, child, field_type.name, fields, step_path, below)
        if fetch.graph in self.supergraph.type(field_type.name).interface_objects:
            return self._plan_interface_object(fetch, child, field_type.name, sub, step_path, below)
        return self._plan_abstract(fetch, child, field_type.name, sub, step_path, below)

    def _plan_abstract(
        self,
        fetch: Fetch,
        child: SelectionSet,
        abstract: str,
        sub: tuple[Selection, ...],
        path: Path,
        provided: Provided | None,
    ) -> Deps:
        """Selects ``sub`` below a field of an abstract type: `__typename`, and a fragment
        for each possible type that ``fetch``'s subgraph can return there."""
        child.leaf("__typename", "__typename")
        abstract_type = self.schema.get_type(abstract)
        assert isinstance(abstract_type, GraphQLInterfaceType | GraphQLUnionType)
        objects = [t.name for t in self.schema.get_possible_types(abstract_type)]
        members = self.supergraph.possible_in(fetch.graph, abstract, objects)
        collected = {name: collect_fields(self.schema, sub, name) for name in members}
        clashing = self._clashing(fetch.graph, collected)
        self.forwardable = self.forwardable and not clashing
        deps: frozenset[int] = frozenset()
        for name, fields in collected.items():
            if any(f[0].name != "__typename" for f in fields.values()):
                fields = {
                    typed_alias(name, k) if k in clashing else k: v for k, v in fields.items()
                }
                below_fragment = child.fragment(name)
                deps |= self.plan_object(fetch, below_fragment, name, fields, path, provided)
        return deps

    def _plan_interface_object(
        self,
        fetch: Fetch,
        child: SelectionSet,
        interface: str,
        sub: tuple[Selection, ...],
        path: Path,
        provided: Provided | None,
    ) -> Deps:
        """Selects ``sub`` below a field of an interface that ``fetch``'s subgraph knows only
        as an `@interfaceObject`: there the objects bear the interface's name. The fields it
        resolves are selected there; the concrete type and the rest come through `_entities`
        from a subgraph that owns the interface (the interface's name in the representation),
        whose `__typename` replaces the interface's in the response."""
        child.leaf("__typename", "__typename")
        info = self.supergraph.type(interface)
        fields = collect_fields(self.schema, sub, interface)
        own = {
            key: same
            for key, same in fields.items()
            if same[0].name != "__typename"
            and local(fetch.graph, info.fields[same[0].name], provided)
        }
        deps = self.plan_object(fetch, child, interface, own, path, provided)
        rest = tuple(s for s in sub if not (isinstance(s, Field) and s.key in own))
        routes = self.planner.routes.of(fetch.graph, interface, provided)
        owners = sorted((d, g) for g, (d, _) in routes.items() if g not in info.interface_objects)
        if not owners:
            raise PlanningError(
                f"{interface} cannot be planned: no subgraph that owns it can be reached"
                f" from {fetch.graph}"
            )
        owner = owners[0][1]
        needed = _unclashed(self.planner.field_set(routes[owner][1]), child, _taken(fields))
        key_fields = collect_fields(self.schema, needed, interface)
        deps |= self.plan_object(fetch, child, interface, key_fields, path, provided)
        entity_fetch = self._entity_fetch(owner, frozenset({fetch.id, *deps}))
        part = entity_fetch.part(path)
        part.representations[interface] = _merge(part.representations.get(interface), needed)
        part.keys[interface] = frozenset(f.key for f in needed if isinstance(f, Field))
        selection = part.selections.setdefault(interface, SelectionSet())
        below = self._plan_abstract(entity_fetch, selection, interface, rest, path, None)
        return frozenset({*deps, entity_fetch.id, *below})

    def _clashing(self, graph: str, collected: Mapping[str, dict[str, list[Field]]]) -> set[str]:
        """The response keys that name fields of different types in ``graph`` in two member
        types (``String!`` in one, ``String`` in the other): a subgraph refuses such a
        selection, so each member's goes under its own alias (`typed_alias`)."""
        types: dict[str, set[str]] = {}
        for member, fields in collected.items():
            owner = self.supergraph.type(member)
            api_type = self.schema.get_type(member)
            assert isinstance(api_type, GraphQLObjectType)
            for key, same in fields.items():
                name = same[0].name
                if name != "__typename":
                    declared = owner.fields[name].types.get(graph)
                    types.setdefault(key, set()).add(declared or str(api_type.fields[name].type))
        return {key for key, declared in types.items() if len(declared) > 1}

    def _covered(
        self,
        graph: str,
        type_name: str,
        info: FieldInfo,
        same: list[Field],
        provided: Provided | None,
    ) -> bool:
        """Whether ``graph`` resolves all that the client selects below the field: a field
        that only a `@provides` makes local is, unless the client selects more below it
        than what is provided (then the field comes from its owner)."""
        below = provided.get(info.name) if provided is not None else None
        if graph in info.graphs or not isinstance(below, Mapping):
            return True
        parent = self.schema.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
        field_type = get_named_type(parent.fields[info.name].type)
        if is_abstract_type(field_type):
            return True
        owner = self.supergraph.type(field_type.name)
        return all(
            local(graph, owner.fields[name], below)
            and self._covered(graph, field_type.name, owner.fields[name], fields, below)
            for name, fields in (
                (fields[0].name, fields)
                for fields in collect_fields(
                    self.schema, sub_selections(same), field_type.name
                ).values()
            )
            if name != "__typename"
        )

    def _provided_below(
        self, graph: str, info: FieldInfo, provided: Provided | None
    ) -> Provided | None:
        text = info.provides.get(graph)
        if text is not None:
            return _tree(self.planner.field_set(text))
        below = provided.get(info.name) if provided is not None else None
        return below if isinstance(below, Mapping) else None

    def _jump(
        self,
        fetch: Fetch,
        target: SelectionSet,
        type_name: str,
        graph: str,
        items: list[tuple[str, list[Field]]],
        path: Path,
        provided: Provided | None,
        taken: Mapping[str, tuple[str, str]],
    ) -> Deps:
        """Selects a key of the object (and the `@requires` fields of ``items``) in ``fetch``,
        and ``items`` through `_entities` in a fetch of ``graph`` that waits for them."""
        _, key = self.planner.routes.of(fetch.graph, type_name, provided)[graph]
        info = self.supergraph.type(type_name)
        needed = self.planner.field_set(key)
        key_count = len(needed)
        for _, same in items:
            requires = info.fields[same[0].name].requires.get(graph)
            if requires:
                needed = (*needed, *self.planner.field_set(requires))
        needed = _unclashed(needed, target, taken)
        target.leaf("__typename", "__typename")
        fields = collect_fields(self.schema, needed, type_name)
        deps = self.plan_object(fetch, target, type_name, fields, path, provided, taken=taken)
        entity_fetch = self._entity_fetch(graph, frozenset({fetch.id, *deps}))
        part = entity_fetch.part(path)
        part.representations[type_name] = _merge(part.representations.get(type_name), needed)
        part.keys[type_name] = frozenset(f.key for f in needed[:key_count] if isinstance(f, Field))
        interface = self.supergraph.interface_object_of(type_name, graph)
        if interface is not None:
            part.typenames[type_name] = interface
        selection = part.selections.setdefault(type_name, SelectionSet())
        below = self.plan_object(entity_fetch, selection, type_name, dict(items), path, None, True)
        return frozenset({entity_fetch.id, *below})

    def _entity_fetch(self, graph: str, after: frozenset[int]) -> EntityFetch:
        existing = self._entity_fetches.get((graph, after))
        if existing is not None:
            return existing
        fetch = EntityFetch(len(self.fetches), graph, after)
        self.fetches.append(fetch)
        self._entity_fetches[(graph, after)] = fetch
        return fetch


def _taken(fields: Mapping[str, list[Field]]) -> dict[str, tuple[str, str]]:
    """The client's response keys of one object, each with the field (name, arguments) it holds."""
    return {key: (same[0].name, same[0].arguments) for key, same in fields.items()}


def _unclashed(
    selections: tuple[Selection, ...],
    target: SelectionSet,
    taken: Mapping[str, tuple[str, str]] = {},
) -> tuple[Selection, ...]:
    """``selections`` (a key's or a `@requires`' fields), each under an internal alias where
    its response key already holds another field in ``target`` or among the client's fields
    of the object (``taken``, which may be selected in another fetch): `__key_<name>`, or
    `__key_<name>_<n>` where that is taken by the same field with other arguments."""
    result: list[Selection] = []
    for selection in selections:
        if isinstance(selection, Field):
            selection = _unclashed_field(selection, target, taken)
        result.append(selection)
    return tuple(result)


def _unclashed_field(
    selection: Field, target: SelectionSet, taken: Mapping[str, tuple[str, str]]
) -> Field:
    wanted = (selection.name, selection.arguments)
    internal = f"{INTERNAL_KEY_PREFIX}{selection.name}"
    candidates = chain((selection.key, internal), (f"{internal}_{n}" for n in count(2)))
    for key in candidates:
        existing = target.fields.get(key)
        holder = (existing.name, existing.arguments) if existing else taken.get(key)
        if holder is None or holder == wanted:
            break
    if existing is not None and existing.children is not None and holder == wanted:
        inner = _unclashed(selection.selections, existing.children)
        return replace(selection, key=key, selections=inner)
    return selection if key == selection.key else replace(selection, key=key)


def _tree(selections: tuple[Selection, ...]) -> dict[str, Provided | bool]:
    tree: dict[str, Provided | bool] = {}
    for selection in selections:
        if isinstance(selection, Field):
            tree[selection.name] = _tree(selection.selections) if selection.selections else True
    return tree


def _merge(
    existing: tuple[Selection, ...] | None, more: tuple[Selection, ...]
) -> tuple[Selection, ...]:
    if existing is None:
        return more
    known = {print_ast(f.node) for f in existing if isinstance(f, Field) and f.node}
    return (
        *existing,
        *(f for f in more if not (isinstance(f, Field) and f.node and print_ast(f.node) in known)),
    )
