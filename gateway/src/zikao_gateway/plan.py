"""What a plan is made of: subgraph selection sets, fetches and their dependencies."""

from __future__ import annotations

from dataclasses import dataclass, field

from zikao_gateway.operation import Selection

# The variable of an entity fetch's `_entities` call: `$representations0` for its first part.
REPRESENTATIONS = "representations"
# The response key of a key field the planner selects where the client's alias took its name.
INTERNAL_KEY_PREFIX = "__key_"


def typed_alias(type_name: str, key: str) -> str:
    """The response key of a client's field where a subgraph needs it aliased apart by the
    object's type (member types whose same-named fields differ in type there); the shaper
    reads the field from here when the client's key is absent."""
    return f"__as_{type_name}__{key}"


class PlanningError(Exception):
    """The operation cannot be planned over this supergraph (never expected for a valid one)."""


@dataclass
class SubField:
    name: str
    arguments: str
    children: SelectionSet | None


class SelectionSet:
    """A subgraph selection set being built: fields merge by response key, fragments by type."""

    def __init__(self) -> None:
        self.fields: dict[str, SubField] = {}
        self.fragments: dict[str, SelectionSet] = {}

    def leaf(self, key: str, name: str, arguments: str = "") -> None:
        self._add(key, name, arguments, composite=False)

    def composite(self, key: str, name: str, arguments: str = "") -> SelectionSet:
        children = self._add(key, name, arguments, composite=True)
        assert children is not None
        return children

    def fragment(self, type_name: str) -> SelectionSet:
        return self.fragments.setdefault(type_name, SelectionSet())

    def _add(self, key: str, name: str, arguments: str, composite: bool) -> SelectionSet | None:
        existing = self.fields.get(key)
        if existing is None:
            children = SelectionSet() if composite else None
            self.fields[key] = SubField(name, arguments, children)
            return children
        if existing.name != name or existing.arguments != arguments:
            raise PlanningError(
                f"{name} cannot be planned: its response key {key!r} names another field"
            )
        return existing.children

    def print(self) -> str:
        parts = []
        for key, sub in self.fields.items():
            head = sub.name if key == sub.name else f"{key}: {sub.name}"
            text = head + sub.arguments
            parts.append(text if sub.children is None else f"{text} {sub.children.print()}")
        parts.extend(f"... on {name} {frag.print()}" for name, frag in self.fragments.items())
        return "{ " + (" ".join(parts) or "__typename") + " }"


@dataclass(frozen=True)
class Step:
    """One step of a path in the merged response: a response key of an object, and the type
    that object must have (checked when the object carries a `__typename`)."""

    key: str
    holder: str


Path = tuple[Step, ...]


@dataclass
class EntityPart:
    """One `_entities` call of a fetch: the objects at ``path`` of the given types."""

    path: Path
    selections: dict[str, SelectionSet] = field(default_factory=dict)
    representations: dict[str, tuple[Selection, ...]] = field(default_factory=dict)
    # The response keys of each type's key fields: an object with a null key is no entity.
    keys: dict[str, frozenset[str]] = field(default_factory=dict)
    # The `__typename` to send for an object of a type that the subgraph knows only through
    # an `@interfaceObject`: the interface's name (absent: the type's own).
    typenames: dict[str, str] = field(default_factory=dict)


@dataclass
class _Fetch:
    """What every fetch is: one request to one subgraph, which runs once every fetch in
    ``after`` has finished."""

    id: int
    graph: str
    after: frozenset[int]
    variables: set[str] = field(default_factory=set, kw_only=True)
    operation: str = field(default="", kw_only=True)


@dataclass
class RootFetch(_Fetch):
    """Root fields of the operation (``kind``: query, mutation or subscription), selected in
    the subgraph as the client selected them."""

    kind: str
    selection_set: SelectionSet


@dataclass
class EntityFetch(_Fetch):
    """A query of `_entities`, one call per part, for objects that earlier fetches returned."""

    # By path, in the order they were made: the n-th is the call `_n`. Keyed, so that planning
    # thousands of aliased jumps does not compare each new path with every earlier one.
    parts: dict[Path, EntityPart] = field(default_factory=dict)

    def part(self, path: Path) -> EntityPart:
        part = self.parts.get(path)
        if part is None:
            part = self.parts[path] = EntityPart(path)
        return part


Fetch = RootFetch | EntityFetch


@dataclass(frozen=True)
class Forward:
    """The whole operation goes to one subgraph as written."""

    graph: str
    document: str
    variables: tuple[str, ...]
    # The response keys the subgraph answers: where a failed forward puts its markers.
    keys: tuple[str, ...]


@dataclass
class Plan:
    """How to answer one operation: the fetches, or one forwarded document, plus what the
    gateway answers itself (introspection, `__typename`, the selections the caller may not
    see)."""

    operation_type: str
    selections: tuple[Selection, ...]
    fetches: list[Fetch]
    forward: Forward | None = None
    introspection: str | None = None
    # Whether the selections hold fields the caller may not see (`authorization`).
    denials: bool = False
