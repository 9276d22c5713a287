"""Where the planner can take a field from: the subgraphs that an object can be sent to
through `_entities` from the subgraph it was selected in, directly (the object holds a key's
fields) or through a key chain (a nearer subgraph resolves the key's missing fields first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graphql import GraphQLSchema

from zikao_gateway.operation import Selection, collect_fields
from zikao_gateway.plan import PlanningError
from zikao_gateway.supergraph import FieldInfo, Supergraph

# The fields that a `@provides` lets the current subgraph resolve: a leaf is True, a composite
# field maps to the fields provided below it.
Provided = Mapping[str, "Provided | bool"]
# Each reachable subgraph's distance in jumps, and the key to send it.
Reachable = Mapping[str, tuple[int, str]]


def local(graph: str, info: FieldInfo, provided: Provided | None, entity: bool = False) -> bool:
    """Whether ``graph`` resolves the field for an object it holds (``entity``: one that came
    from `_entities`, whose representation carries the `@requires` fields)."""
    if graph in info.requires:
        return entity
    return graph in info.graphs or (provided is not None and info.name in provided)


class Routes:
    """The routes of one supergraph, worked out once per subgraph and type (planning threads
    may fill one entry at once; they fill it alike, and one stays)."""

    def __init__(
        self,
        supergraph: Supergraph,
        schema: GraphQLSchema,
        field_set: Callable[[str], tuple[Selection, ...]],
    ) -> None:
        self.supergraph = supergraph
        self.schema = schema
        self.field_set = field_set
        self._cache: dict[tuple[str, str], Reachable] = {}

    def graph_for(
        self,
        current: str,
        type_name: str,
        info: FieldInfo,
        jumps: Mapping[str, object],
        provided: Provided | None,
    ) -> str:
        """The subgraph to take ``info``'s field from: the nearest (fewest jumps), one that
        this object already jumps to, else the first by name."""
        routes = self.of(current, type_name, provided)
        candidates = sorted((routes[g][0], g not in jumps, g) for g in info.graphs if g in routes)
        if not candidates:
            raise PlanningError(
                f"{type_name}.{info.name} cannot be planned: no subgraph that resolves it can be"
                f" reached from {current}"
            )
        return candidates[0][2]

    def of(self, current: str, type_name: str, provided: Provided | None) -> Reachable:
        """The subgraphs that an object of ``type_name`` selected in ``current`` can be sent
        to through `_entities`, each with its distance in jumps and the key to send: a key
        whose fields ``current`` selects (distance 1), or whose missing fields a subgraph
        nearer resolves (a key chain through other subgraphs)."""
        cached = self._cache.get((current, type_name)) if provided is None else None
        if cached is not None:
            return cached
        keys = self._keys(type_name)
        routes: dict[str, tuple[int, str]] = {}
        distance = 0
        while True:
            distance += 1
            found = {
                graph: (distance, key)
                for graph in sorted(keys)
                if graph not in routes
                and (key := self._reachable_key(current, type_name, keys[graph], routes, provided))
            }
            if not found:
                break
            routes.update(found)
        if provided is None:
            self._cache[(current, type_name)] = routes
        return routes

    def _keys(self, type_name: str) -> dict[str, list[str]]:
        """The keys of ``type_name`` by subgraph, and those of an `@interfaceObject` that
        stands for it in a subgraph that does not know it."""
        keys = dict(self.supergraph.type(type_name).keys)
        for graph in self.supergraph.subgraphs:
            interface = self.supergraph.interface_object_of(type_name, graph)
            if interface is not None and graph not in keys:
                keys[graph] = self.supergraph.type(interface).keys.get(graph, [])
        return keys

    def _reachable_key(
        self,
        current: str,
        type_name: str,
        keys: list[str],
        routes: Mapping[str, object],
        provided: Provided | None,
    ) -> str | None:
        """Of ``keys``, the first whose fields ``current`` selects or a subgraph of
        ``routes`` resolves."""
        info = self.supergraph.type(type_name)
        for key in keys:
            fields = collect_fields(self.schema, self.field_set(key), type_name)
            if all(
                local(current, field, provided)
                or any(local(graph, field, None) for graph in routes if graph != current)
                for field in (info.fields[same[0].name] for same in fields.values())
            ):
                return key
        return None
