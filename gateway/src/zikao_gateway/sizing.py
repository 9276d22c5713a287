"""A document's sizes (field selections, aliases, depth, root fields), its operations'
fragments expanded, counted without expanding them: the one walk every limit reads.

A fragment that spreads the previous one twice, forty times over, expands to 2^40 copies:
normalisation would build every one. Here each named fragment is sized once, from the sizes of
the fragments it spreads, so counting costs one walk of the document whatever the expansion.
`@skip`/`@include` are not decided: the count is the most that any values of the variables can
select, so one limit covers every plan of the document.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

MAX_SELECTIONS = 1000
"""The default limit on a document's size (`GATEWAY_MAX_SELECTIONS`): 59 times the largest
operation of clients/candidate.graphql (17), 4 times graphql-core's introspection query with
every option (232). Not more: a plan grows faster than its operation (1,000 aliased entity
fields, 2,000 selections, took 0.6 s to plan here; twice as many, 3 s)."""
UNBOUNDED = 2**63
"""The count of a fragment cycle (which the validator refuses later), and the most that any
count says: past it, counts stop growing."""


@dataclass(frozen=True)
class _Shape:
    """What one selection set holds before its spreads are expanded."""

    fields: int
    aliases: int
    depth: int
    spreads: Counter[str]
    spread_depths: dict[str, int]
    """Each spread's deepest place: how many fields enclose it."""
    roots: Counter[str]
    """The field names at the top of the set (inline fragments opened), by occurrence."""
    root_spreads: Counter[str]


@dataclass(frozen=True)
class Totals:
    """What a selection set expands to: its fields and aliased fields, how deeply fields nest
    (a top-level field is 1), and its top-level fields by name (each occurrence, aliased or
    not, whatever fragment holds it)."""

    fields: int
    aliases: int
    depth: int
    roots: Counter[str]


ZERO = Totals(0, 0, 0, Counter())
CYCLE = Totals(UNBOUNDED, UNBOUNDED, UNBOUNDED, Counter())


@dataclass(frozen=True)
class Measures:
    """A document's sizes, each the largest of its operations' with fragments expanded (the
    selections and aliases as written count too: the validator reads every definition), and
    each operation's root fields by name (None: the anonymous operation)."""

    selections: int
    aliases: int
    depth: int
    root_fields: int
    roots: Mapping[str | None, Counter[str]]


def measure(document: DocumentNode) -> Measures:
    """Every size the limits read, in one walk of the document whatever its expansion."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    sizer = FragmentSizer(fragments)
    written = [sizer.shape(d.selection_set) for d in (*operations, *fragments.values())]
    totals = {o.name.value if o.name else None: sizer.totals(o.selection_set) for o in operations}
    expanded = totals.values()
    return Measures(
        selections=max(sum(s.fields for s in written), *(t.fields for t in expanded), 0),
        aliases=max(sum(s.aliases for s in written), *(t.aliases for t in expanded), 0),
        depth=max((t.depth for t in expanded), default=0),
        root_fields=max((min(t.roots.total(), UNBOUNDED) for t in expanded), default=0),
        roots={name: t.roots for name, t in totals.items()},
    )


def document_size(document: DocumentNode) -> int:
    """The larger of the field selections written in the document (every definition once, so
    that fragments no operation uses count too: the validator reads them all) and those of its
    largest operation with every fragment expanded."""
    return measure(document).selections


class FragmentSizer:
    """Expands counts of selection sets; each fragment's totals are kept once made."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        self._shapes = {name: _shape(d.selection_set) for name, d in fragments.items()}
        self._totals: dict[str, Totals] = {}

    def shape(self, selection_set: SelectionSetNode) -> _Shape:
        return _shape(selection_set)

    def count(self, selection_set: SelectionSetNode) -> int:
        """Every field selection of the expansion, however often a spread repeats it."""
        return self.totals(selection_set).fields

    def totals(self, selection_set: SelectionSetNode) -> Totals:
        shape = _shape(selection_set)
        for name in shape.spreads:
            self._size_fragment(name)
        return self._total(shape)

    def _size_fragment(self, root: str) -> None:
        """Sizes ``root`` and what it spreads, deepest first, with a stack rather than recursion
        (a fragment chain may be deeper than Python's recursion limit)."""
        stack = [root]
        open_: set[str] = set()
        while stack:
            name = stack[-1]
            if name in self._totals or name not in self._shapes:
                stack.pop()
                open_.discard(name)
                continue
            open_.add(name)
            waiting = [n for n in self._shapes[name].spreads if self._unsized(n)]
            for cyclic in open_.intersection(waiting):
                self._totals[cyclic] = CYCLE  # it spreads itself: no end to its expansion
            waiting = [n for n in waiting if n not in self._totals]
            if waiting:
                stack.extend(waiting)
                continue
            self._totals[name] = self._total(self._shapes[name])

    def _unsized(self, name: str) -> bool:
        return name in self._shapes and name not in self._totals

    def _total(self, shape: _Shape) -> Totals:
        # An unknown fragment counts nothing: the validator has refused the document already.
        fields, aliases, roots = shape.fields, shape.aliases, Counter(shape.roots)
        for name, times in shape.spreads.items():
            inner = self._totals.get(name, ZERO)
            fields += times * inner.fields
            aliases += times * inner.aliases
        for name, times in shape.root_spreads.items():
            for field, count in self._totals.get(name, ZERO).roots.items():
                roots[field] = min(roots[field] + times * count, UNBOUNDED)
        depth = max(
            (d + self._totals.get(n, ZERO).depth for n, d in shape.spread_depths.items()),
            default=0,
        )
        return Totals(
            min(fields, UNBOUNDED),
            min(aliases, UNBOUNDED),
            min(max(shape.depth, depth), UNBOUNDED),
            roots,
        )


def _shape(selection_set: SelectionSetNode) -> _Shape:
    fields = aliases = deepest = 0
    spreads: Counter[str] = Counter()
    spread_depths: dict[str, int] = {}
    roots: Counter[str] = Counter()
    root_spreads: Counter[str] = Counter()
    stack = [(selection_set, 0)]
    while stack:
        selections, depth = stack.pop()
        for node in selections.selections:
            if isinstance(node, FragmentSpreadNode):
                name = node.name.value
                spreads[name] += 1
                spread_depths[name] = max(spread_depths.get(name, 0), depth)
                root_spreads[name] += depth == 0
            elif isinstance(node, InlineFragmentNode):
                stack.append((node.selection_set, depth))
            elif isinstance(node, FieldNode):
                fields += 1
                aliases += node.alias is not None
                deepest = max(deepest, depth + 1)
                if depth == 0:
                    roots[node.name.value] += 1
                if node.selection_set is not None:
                    stack.append((node.selection_set, depth + 1))
    return _Shape(fields, aliases, deepest, spreads, spread_depths, roots, +root_spreads)
