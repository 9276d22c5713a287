"""Who may see which fields: `@authenticated`, `@requiresScopes` and `@policy`, enforced at the
gateway as Hive Gateway's generic-auth plugin enforces them (``mode: protect-granular``,
``rejectUnauthenticated: false``; proven by tests/test_gateway_equivalence_auth.py).

- A field selection is checked against the directives of its parent type (the type whose field
  it is: the enclosing selection's type, or a fragment's type condition) and its own. Each one
  present must pass: `@authenticated` wants a verified caller; `@requiresScopes(scopes:)` one
  of its groups (OR) whose scopes (AND) the caller all has; `@policy(policies:)` the same over
  the policies the caller meets. Composition refuses them on interfaces and copies an
  implementation's onto the interface's field, so a field selected on an interface is checked
  against the interface's. On a scalar or an enum they are not read (nor by Hive: a field is
  checked against the type it is selected on, not the type it answers). Introspection and
  `__typename` are never checked.
- A denied selection is not planned (no subgraph sees it, a denied mutation field does not
  run, nor do the mutation fields after a denied non-null one). It is a field error wherever
  the answer reaches it, as the GraphQL spec handles field errors: in each object it applies
  to, one error `Unauthorized field or type` coded `UNAUTHORIZED_FIELD_OR_TYPE` at its path
  (list positions included) and a null, which a non-null field propagates to the nearest
  nullable parent (`shaping`). Hive Gateway leaves that null in the non-null position, and
  reports one error per selection whose path has no list positions; strictly typed clients
  cannot read that answer, so ours is the spec's.
- Scopes: the token's `scope` claim (space separated, the OAuth convention) and those of the
  caller's role (`ROLE_SCOPES`: each role grants the scope of its name, an admin staff's too).
  Policies: `POLICIES`, named predicates of the verified principal.

Which selections a document holds that carry a requirement is worked out once per document
(`Guards`), and which of them a kind of caller (`Access`) is denied once per kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    ConstDirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    OperationDefinitionNode,
    SchemaDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)

from zikao_kit.access import is_provincial
from zikao_kit.auth import Principal, Role

UNAUTHORIZED_MESSAGE = "Unauthorized field or type"
UNAUTHORIZED_CODE = "UNAUTHORIZED_FIELD_OR_TYPE"
# The specs of the directives, as the supergraph links them (`@link(url:, as:)`).
SPECS = {
    "https://specs.apollo.dev/authenticated/": "authenticated",
    "https://specs.apollo.dev/requiresScopes/": "requiresScopes",
    "https://specs.apollo.dev/policy/": "policy",
}
ROLE_SCOPES: Mapping[Role, frozenset[str]] = {
    Role.CANDIDATE: frozenset({"candidate"}),
    Role.STAFF: frozenset({"staff"}),
    Role.ADMIN: frozenset({"staff", "admin"}),
    Role.AUDITOR: frozenset({"auditor"}),
    Role.SERVICE: frozenset({"service"}),
}
POLICIES: Mapping[str, Callable[[Principal], bool]] = {
    "candidate": lambda p: p.role is Role.CANDIDATE,
    "staff": lambda p: p.is_staff,
    # Admins and the provincial office's staff (staff without a region).
    "provincial": is_provincial,
    # Staff who work in one district (their token names its region).
    "district-staff": lambda p: p.role is Role.STAFF and not is_provincial(p),
    "auditor": lambda p: p.role is Role.AUDITOR,
    "service": lambda p: p.role is Role.SERVICE,
}
MAX_KINDS_PER_DOCUMENT = 64
KNOWN_PRINCIPALS = 4096
"""Kinds of caller whose denials one document remembers (roles × scope sets: a handful)."""

Clause = tuple[frozenset[str], ...]
"""Groups of names, any one of which (OR) the caller must hold whole (AND)."""


@dataclass(frozen=True)
class Access:
    """What the requirements ask of a caller: verified or not, scopes, policies met."""

    authenticated: bool
    scopes: frozenset[str] = frozenset()
    policies: frozenset[str] = frozenset()


ANONYMOUS = Access(authenticated=False)


@lru_cache(maxsize=KNOWN_PRINCIPALS)
def access_of(principal: Principal | None) -> Access:
    """What the auth directives see of ``principal`` (remembered: a verified token's principal
    comes back on each of its requests)."""
    if principal is None:
        return ANONYMOUS
    return Access(
        authenticated=True,
        scopes=principal.scopes | ROLE_SCOPES.get(principal.role, frozenset()),
        policies=frozenset(name for name, meets in POLICIES.items() if meets(principal)),
    )


@dataclass(frozen=True)
class Requirement:
    """The directives on a type or a field; `&` joins a type's and its field's."""

    authenticated: bool = False
    scopes: tuple[Clause, ...] = ()
    policies: tuple[Clause, ...] = ()

    def allows(self, access: Access) -> bool:
        if self.authenticated and not access.authenticated:
            return False
        return all(_holds(c, access.scopes) for c in self.scopes) and all(
            _holds(c, access.policies) for c in self.policies
        )

    def __and__(self, other: Requirement) -> Requirement:
        return Requirement(
            self.authenticated or other.authenticated,
            self.scopes + other.scopes,
            self.policies + other.policies,
        )

    def __bool__(self) -> bool:
        return self.authenticated or bool(self.scopes) or bool(self.policies)


def _holds(clause: Clause, held: frozenset[str]) -> bool:
    return any(group <= held for group in clause)


class Rules:
    """The requirements that a supergraph puts on its object and interface types and fields."""

    def __init__(
        self, types: Mapping[str, Requirement], fields: Mapping[tuple[str, str], Requirement]
    ) -> None:
        self.types = dict(types)
        self.fields = dict(fields)

    @classmethod
    def read(cls, supergraph: DocumentNode) -> Rules:
        names = _directive_names(supergraph)
        types: dict[str, Requirement] = {}
        fields: dict[tuple[str, str], Requirement] = {}
        for definition in supergraph.definitions:
            if not isinstance(definition, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
                continue
            own = _requirement(definition.directives, names)
            if own:
                types[definition.name.value] = own
            for node in definition.fields or ():
                required = _requirement(node.directives, names)
                if required:
                    fields[(definition.name.value, node.name.value)] = required
        return cls(types, fields)

    def __bool__(self) -> bool:
        return bool(self.types or self.fields)

    def of(self, parent: str, field: str) -> Requirement | None:
        """What selecting ``field`` on ``parent`` requires; None for nothing."""
        on_type = self.types.get(parent)
        on_field = self.fields.get((parent, field))
        if on_type is None or on_field is None:
            return on_type or on_field
        return on_type & on_field

    def guards(self, schema: GraphQLSchema, document: DocumentNode) -> Guards:
        """The field selections of ``document`` (a valid one) that carry a requirement."""
        found: list[Guard] = []
        if self:
            for definition in document.definitions:
                parent: GraphQLNamedType | None
                if isinstance(definition, OperationDefinitionNode):
                    parent = schema.get_root_type(definition.operation)
                elif isinstance(definition, FragmentDefinitionNode):
                    parent = schema.get_type(definition.type_condition.name.value)
                else:
                    continue
                if parent is not None:
                    self._guard(schema, definition.selection_set, parent, found)
        return Guards(tuple(found))

    def _guard(
        self,
        schema: GraphQLSchema,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        found: list[Guard],
    ) -> None:
        for node in selection_set.selections:
            if isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner = schema.get_type(condition.name.value) if condition else parent
                if inner is not None:
                    self._guard(schema, node.selection_set, inner, found)
            elif isinstance(node, FieldNode) and not node.name.value.startswith("__"):
                if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                    continue  # a union's only field is `__typename`
                required = self.of(parent.name, node.name.value)
                if required is not None:
                    found.append(Guard(node, required))
                if node.selection_set is not None:
                    below = get_named_type(parent.fields[node.name.value].type)
                    self._guard(schema, node.selection_set, below, found)


@dataclass(frozen=True)
class Guard:
    node: FieldNode
    requirement: Requirement


Denied = tuple[int, ...]
"""The positions in `Guards.guards` of the selections a caller is denied."""


class Guards:
    """The guarded field selections of one document, and for each kind of caller seen so far
    which of them it is denied."""

    def __init__(self, guards: tuple[Guard, ...]) -> None:
        self.guards = guards
        self._denied: dict[Access, Denied] = {}

    def __bool__(self) -> bool:
        return bool(self.guards)

    def denied(self, access: Access) -> Denied:
        known = self._denied.get(access)
        if known is None:
            known = tuple(i for i, g in enumerate(self.guards) if not g.requirement.allows(access))
            if len(self._denied) < MAX_KINDS_PER_DOCUMENT:
                self._denied[access] = known
        return known

    def nodes(self, denied: Denied) -> frozenset[int]:
        """The `id`s of the denied selections' nodes (`operation.normalize` marks them)."""
        return frozenset(id(self.guards[i].node) for i in denied)


def unauthorized_error(path: Sequence[str | int], node: FieldNode | None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": UNAUTHORIZED_MESSAGE}
    location = node.loc.source.get_location(node.loc.start) if node and node.loc else None
    if location is not None:
        error["locations"] = [{"line": location.line, "column": location.column}]
    error["path"] = list(path)
    error["extensions"] = {"code": UNAUTHORIZED_CODE}
    return error


def _directive_names(supergraph: DocumentNode) -> dict[str, str]:
    """Each linked spec's directive name in this supergraph → the spec's own name."""
    names = {name: name for name in SPECS.values()}
    for definition in supergraph.definitions:
        if not isinstance(definition, SchemaDefinitionNode):
            continue
        for directive in definition.directives or ():
            if directive.name.value != "link":
                continue
            arguments = {
                a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()
            }
            url = str(arguments.get("url", ""))
            spec = next((n for prefix, n in SPECS.items() if url.startswith(prefix)), None)
            if spec is not None:
                names.pop(spec, None)
                names[str(arguments.get("as") or spec)] = spec
    return names


def _requirement(
    directives: tuple[ConstDirectiveNode, ...] | None, names: Mapping[str, str]
) -> Requirement:
    required = Requirement()
    for directive in directives or ():
        spec = names.get(directive.name.value)
        if spec is None:
            continue
        arguments = {
            a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()
        }
        if spec == "authenticated":
            required &= Requirement(authenticated=True)
        elif spec == "requiresScopes":
            required &= Requirement(scopes=(_clause(arguments.get("scopes")),))
        else:
            required &= Requirement(policies=(_clause(arguments.get("policies")),))
    return required


def _clause(value: Any) -> Clause:
    groups = value if isinstance(value, list) else []
    return tuple(frozenset(str(n) for n in g) for g in groups if isinstance(g, list))
